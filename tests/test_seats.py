"""Groups and seats run from the browser: groups created, renamed and deactivated;
seats added, edited and ended, held by a login or by an email address of a person
outside Samråd; the chair handed over from a date; the term change-over after an
election; and the chair told when the minutes await approval.

Emails go to a real SMTP server on loopback (the `smtp` fixture)."""

import re
from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from decisions.accounts.models import Role
from decisions.audit.models import AuditEntry
from decisions.errors import DomainError, NotAllowed
from decisions.extensions import db
from decisions.meetings import agenda as meeting_agenda
from decisions.meetings import minutes as meeting_minutes
from decisions.meetings import queries as meeting_queries
from decisions.meetings import seats
from decisions.meetings import services as meetings
from decisions.meetings.minutes import mark_minutes_ready
from decisions.meetings.models import Group, GroupKind, GroupMembership, GroupRole, MeetingState
from decisions.notifications.models import Notification, NotificationKind, OutboundEmail
from decisions.permissions import can
from decisions.sweep import sweep

BASE = "https://samraad.example"


def in_english(client, make, user):
    """Signed in as `user`, reading English (the messages the tests look for)."""
    make.login(client, user)
    client.post("/language", data={"lang": "en"})


def run_sweep(app):
    db.session.commit()
    with app.app_context():
        return sweep()


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def acts(*names: str) -> list[str]:
    db.session.commit()
    return list(db.session.scalars(select(AuditEntry.act).where(AuditEntry.act.in_(names))
                                   .order_by(AuditEntry.id)))


@pytest.fixture
def board(make):
    """Styret: a chair with a login, a member with a login, and a member outside
    Samråd (an email address, no login); the secretariat and a board user."""
    group = make.group("Styret", kind=GroupKind.BOARD)
    sec = make.user(Role.SECRETARIAT, email="sek@alliansen.test")
    chair = make.user(Role.BOARD, email="leder@styret.test", name="Lise Leder")
    member = make.user(Role.BOARD, email="medlem@styret.test", name="Mons Medlem")
    make.seat(group, "Lise Leder", GroupRole.CHAIR, user_=chair, term_start=date(2024, 1, 1))
    make.seat(group, "Mons Medlem", GroupRole.MEMBER, user_=member,
              term_start=date(2024, 1, 1))
    outside = meetings.add_membership(None, group, person_name="Erle Ekstern",
                                      role=GroupRole.MEMBER, term_start=date(2024, 1, 1),
                                      email="erle@kommune.test")
    db.session.commit()
    return {"group": group, "sec": sec, "chair": chair, "member": member,
            "outside": outside}


# --- Groups and seats in the browser --------------------------------------------------

def test_the_secretariat_creates_renames_and_deactivates_a_group_audited(app, client, make):
    make.login(client, make.user(Role.SECRETARIAT))

    assert client.get("/groups/new").status_code == 200
    response = client.post("/groups/new", data={"name": "Klimagruppa", "kind": "expert"})
    assert response.status_code == 303
    group = db.session.scalar(select(Group).where(Group.name == "Klimagruppa"))
    assert group.kind == GroupKind.EXPERT and group.active

    response = client.post(f"/groups/{group.id}/edit",
                           data={"name": "Klima og miljø", "kind": "expert"})
    assert response.status_code == 303
    db.session.refresh(group)
    assert group.name == "Klima og miljø" and not group.active  # the box left unticked
    assert "Klima og miljø" not in client.get("/groups/").text
    assert "Klima og miljø" in client.get("/groups/admin").text
    assert acts("group.created", "group.edited") == ["group.created", "group.edited"]


def test_a_group_name_taken_is_refused_next_to_the_field_keeping_what_was_typed(
        app, client, make):
    make.group("Styret")
    in_english(client, make, make.user(Role.ADMIN))  # the admin manages groups too

    response = client.post("/groups/new", data={"name": "Styret", "kind": "board"})

    assert response.status_code == 422
    assert "A group with this name exists already." in response.text
    assert 'value="Styret"' in response.text
    assert db.session.scalar(select(func.count()).select_from(Group)) == 1


def test_a_seat_is_added_with_an_email_edited_and_ended_audited(app, client, make):
    group = make.group("Styret")
    member = make.member("Asker")
    make.login(client, make.user(Role.SECRETARIAT))

    response = client.post(f"/groups/{group.id}/seats/new", data={
        "person_name": "Erle Ekstern", "role": "deputy", "member": member.id,
        "term_start": "2026-01-01", "term_end": "", "user": 0,
        "email": "erle@asker.test"})
    assert response.status_code == 303
    seat = db.session.scalar(select(GroupMembership))
    assert (seat.person_name, seat.role, seat.member_id, seat.email, seat.user_id) == (
        "Erle Ekstern", GroupRole.DEPUTY, member.id, "erle@asker.test", None)
    assert "erle@asker.test" in client.get(f"/groups/{group.id}").text

    response = client.post(f"/seats/{seat.id}/edit", data={
        "person_name": "Erle Ekstern", "role": "member", "member": member.id,
        "term_start": "2026-01-01", "user": 0, "email": "erle@asker.test"})
    assert response.status_code == 303
    response = client.post(f"/seats/{seat.id}/end", data={"term_end": "2026-06-30"})
    assert response.status_code == 303
    db.session.refresh(seat)
    assert seat.role == GroupRole.MEMBER and seat.term_end == date(2026, 6, 30)
    assert acts("group.membership_added", "group.membership_edited",
                "group.membership_ended") == ["group.membership_added",
                                              "group.membership_edited",
                                              "group.membership_ended"]


def test_a_seat_with_both_a_login_and_an_email_is_refused_keeping_the_input(
        app, client, make):
    group = make.group("Styret")
    someone = make.user(Role.BOARD)
    in_english(client, make, make.user(Role.SECRETARIAT))

    response = client.post(f"/groups/{group.id}/seats/new", data={
        "person_name": "Beate Begge", "role": "member", "member": 0,
        "term_start": "2026-01-01", "user": someone.id, "email": "beate@kommune.test"})

    assert response.status_code == 422
    assert "Give either a login or an email address, not both." in response.text
    assert 'value="Beate Begge"' in response.text and "beate@kommune.test" in response.text
    assert db.session.scalar(select(func.count()).select_from(GroupMembership)) == 0


def test_a_seat_ended_before_it_started_is_refused_and_nothing_changes(
        app, client, make, board):
    seat = board["outside"]
    in_english(client, make, board["sec"])

    response = client.post(f"/seats/{seat.id}/end", data={"term_end": "2023-12-31"})

    assert response.status_code == 422
    assert "The term cannot end before it starts." in response.text
    db.session.refresh(seat)
    assert seat.term_end is None


def test_a_board_member_may_read_the_group_but_not_manage_its_seats(app, client, make, board):
    make.login(client, board["member"])

    assert client.get(f"/groups/{board['group'].id}").status_code == 200
    assert client.get(f"/groups/{board['group'].id}/seats/new").status_code == 403
    assert client.post(f"/groups/{board['group'].id}/chair", data={
        "from_day": "2026-04-01", "seat": board["outside"].id}).status_code == 403


# --- The chair from a date ------------------------------------------------------------

def test_the_chair_changes_from_a_date_and_the_old_chair_stays_a_member(
        app, client, make, clock, board):
    group, sec = board["group"], board["sec"]
    member_seat = next(s for s in group.memberships if s.person_name == "Mons Medlem")
    make.login(client, sec)

    response = client.post(f"/groups/{group.id}/chair", data={
        "from_day": "2026-04-01", "seat": member_seat.id, "old_stays_member": "y"})

    assert response.status_code == 303
    db.session.expire_all()
    group = db.session.get(Group, group.id)
    assert meetings.chair_of(group, date(2026, 3, 31)).person_name == "Lise Leder"
    assert meetings.chair_of(group, date(2026, 4, 1)).person_name == "Mons Medlem"
    on_the_day = {(s.person_name, s.role) for s in meetings.seats_on(group, date(2026, 4, 1))}
    assert on_the_day == {("Mons Medlem", GroupRole.CHAIR), ("Lise Leder", GroupRole.MEMBER),
                          ("Erle Ekstern", GroupRole.MEMBER)}
    assert acts("group.chair_changed") == ["group.chair_changed"]

    # The minutes of a meeting after the day are approved by the new chair only.
    meeting = make.meeting(group, starts_at=datetime(2026, 4, 2, 9, tzinfo=UTC))
    meeting_agenda.publish_notice(sec, meeting)
    make.held(sec, meeting)
    item = meeting_queries.active_items(meeting)[0]
    meeting_minutes.save_item_minutes(sec, item, lock_version=item.lock_version, notes="",
                               decision_text="Godkjent.")
    db.session.commit()

    assert can(board["member"], "approve_as_chair", meeting)
    assert not can(board["chair"], "approve_as_chair", meeting)


def test_a_new_chair_from_outside_the_group_gets_the_rest_of_the_old_chairs_term(
        app, make, board):
    group, sec = board["group"], board["sec"]
    chair_seat = meetings.chair_of(group, date(2026, 3, 2))
    chair_seat.term_end = date(2027, 12, 31)
    newcomer = make.user(Role.BOARD, email="ny@styret.test")

    seats.change_chair(sec, group, from_day=date(2026, 5, 1),
                       new=seats.NewChair(person_name="Nina Ny", user=newcomer))
    db.session.commit()

    chair = meetings.chair_of(group, date(2026, 5, 1))
    assert (chair.person_name, chair.user_id, chair.term_end) == (
        "Nina Ny", newcomer.id, date(2027, 12, 31))
    assert chair_seat.term_end == date(2026, 4, 30)
    assert all(s.person_name != "Lise Leder" for s in meetings.seats_on(group, date(2026, 5, 1)))


def test_a_chair_change_without_a_new_chair_is_refused_next_to_the_field(
        app, client, make, board):
    in_english(client, make, board["sec"])

    response = client.post(f"/groups/{board['group'].id}/chair",
                           data={"from_day": "2026-04-01", "seat": 0, "person_name": ""})

    assert response.status_code == 422
    assert "Choose a seat holder or write the new chair" in response.text
    assert acts("group.membership_ended") == []


# --- The term change-over -------------------------------------------------------------

def test_the_term_change_over_previews_then_ends_every_seat_and_carries_the_chosen(
        app, client, make, board):
    group = board["group"]
    by_name = {s.person_name: s for s in group.memberships}
    make.login(client, board["sec"])
    dates = {"old_term_end": "2026-10-31", "new_term_start": "2026-11-01",
             "new_term_end": "2030-10-31"}

    preview = client.post(f"/groups/{group.id}/term", data={**dates, "step": "preview"})
    assert preview.status_code == 200
    for name in ("Lise Leder", "Mons Medlem", "Erle Ekstern"):
        assert name in preview.text
    assert acts("group.membership_ended") == []  # a preview saves nothing

    response = client.post(f"/groups/{group.id}/term", data={
        **dates, "step": "confirm",
        f"continues-{by_name['Mons Medlem'].id}": "1",
        f"role-{by_name['Mons Medlem'].id}": "chair",
        f"continues-{by_name['Erle Ekstern'].id}": "1",
        f"role-{by_name['Erle Ekstern'].id}": "deputy"})

    assert response.status_code == 303
    db.session.expire_all()
    group = db.session.get(Group, group.id)
    assert {s.term_end for s in meetings.seats_on(group, date(2026, 10, 31))} == {
        date(2026, 10, 31)}
    new_term = {(s.person_name, s.role, s.email, s.term_end)
                for s in meetings.seats_on(group, date(2026, 11, 1))}
    assert new_term == {("Mons Medlem", GroupRole.CHAIR, None, date(2030, 10, 31)),
                        ("Erle Ekstern", GroupRole.DEPUTY, "erle@kommune.test",
                         date(2030, 10, 31))}
    assert acts("group.term_changed") == ["group.term_changed"]


def test_a_term_change_over_refused_saves_nothing_and_keeps_the_dates(
        app, client, make, board):
    group = board["group"]
    in_english(client, make, board["sec"])

    response = client.post(f"/groups/{group.id}/term", data={
        "old_term_end": "2026-10-31", "new_term_start": "2026-10-31", "step": "confirm",
        f"continues-{group.memberships[0].id}": "1"})

    assert response.status_code == 422
    assert "The new term must start after the old one ends." in response.text
    assert 'value="2026-10-31"' in response.text
    db.session.expire_all()
    assert all(s.term_end is None for s in db.session.scalars(select(GroupMembership)))
    assert acts("group.membership_ended", "group.membership_added") == [
        "group.membership_added"] * 3  # the fixture's own


# --- People outside Samråd: email and the documents' signed address ------------------

def _papers_link(message) -> str:
    found = re.search(rf"{BASE}(/papers/[^/\s]+/notice\.pdf)", text_of(message))
    assert found, text_of(message)
    return found.group(1)


def test_a_seat_holder_outside_samraad_gets_the_notice_with_calendar_and_a_working_link(
        app, make, smtp, board):
    sec = board["sec"]
    meeting = make.meeting(board["group"], starts_at=datetime(2026, 3, 16, 9, tzinfo=UTC))
    meeting_agenda.publish_notice(sec, meeting)
    db.session.commit()

    run_sweep(app)

    (email,) = smtp.to("erle@kommune.test")
    assert email["Subject"] == "Innkalling til møte: Styret 16. mars 2026"
    assert "Erle Ekstern" in text_of(email)
    assert f"{BASE}/meetings/{meeting.id}" not in text_of(email)  # no page to log in to
    (attachment,) = list(email.iter_attachments())
    event = Calendar.from_ical(attachment.get_content()).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime(2026, 3, 16, 9, tzinfo=UTC)
    outbox = db.session.scalar(select(OutboundEmail).where(
        OutboundEmail.to_address == "erle@kommune.test"))
    assert outbox.user_id is None

    anonymous = app.test_client()
    response = anonymous.get(_papers_link(email))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    pack = anonymous.get(_papers_link(email).replace("notice.pdf", "pack.pdf"))
    assert pack.status_code == 200


def test_the_documents_link_refuses_a_wrong_token_and_a_seat_that_ended(
        app, make, smtp, clock, board):
    sec = board["sec"]
    meeting = make.meeting(board["group"], starts_at=datetime(2026, 3, 16, 9, tzinfo=UTC))
    meeting_agenda.publish_notice(sec, meeting)
    db.session.commit()
    run_sweep(app)
    link = _papers_link(smtp.to("erle@kommune.test")[0])
    anonymous = app.test_client()

    token = link.split("/")[2]
    assert anonymous.get(link.replace(token, token[:-2] + "xx")).status_code == 404
    assert anonymous.get("/papers/not-a-token/notice.pdf").status_code == 404

    meetings.end_membership(sec, db.session.get(GroupMembership, board["outside"].id),
                            date(2026, 3, 31))
    db.session.commit()
    assert anonymous.get(link).status_code == 200  # still on the seat until it ends
    clock.set(datetime(2026, 4, 1, 12, tzinfo=UTC))
    assert anonymous.get(link).status_code == 404


def test_cancellation_and_approved_minutes_reach_the_seat_holder_outside_samraad(
        app, make, smtp, clock, board):
    sec, group = board["sec"], board["group"]
    cancelled = make.meeting(group, starts_at=datetime(2026, 3, 20, 9, tzinfo=UTC))
    meeting_agenda.publish_notice(sec, cancelled)
    meeting_agenda.cancel_meeting(sec, cancelled)
    meeting = make.meeting(group, starts_at=datetime(2026, 3, 3, 9, tzinfo=UTC))
    meeting_agenda.publish_notice(sec, meeting)
    clock.set(datetime(2026, 3, 3, 12, tzinfo=UTC))
    meeting_minutes.mark_held(sec, meeting)
    item = meeting_queries.active_items(meeting)[0]
    meeting_minutes.save_item_minutes(sec, item, lock_version=item.lock_version, notes="",
                               decision_text="Godkjent.")
    meeting_minutes.approve_minutes(board["chair"], meeting)
    db.session.commit()

    run_sweep(app)

    subjects = sorted(m["Subject"] for m in smtp.to("erle@kommune.test"))
    assert subjects == ["Avlyst: møte i Styret 20. mars 2026",
                        "Innkalling til møte: Styret 20. mars 2026",
                        "Innkalling til møte: Styret 3. mars 2026",
                        "Protokoll godkjent: møte i Styret 3. mars 2026"]
    minutes = next(m for m in smtp.to("erle@kommune.test") if "Protokoll" in m["Subject"])
    found = re.search(rf"{BASE}(/papers/[^/\s]+/minutes\.pdf)", text_of(minutes))
    response = app.test_client().get(found.group(1))
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


# --- Minutes await the chair's approval -----------------------------------------------

def _drafted(make, clock, board):
    sec = board["sec"]
    meeting = make.meeting(board["group"], starts_at=datetime(2026, 3, 3, 9, tzinfo=UTC))
    meeting_agenda.publish_notice(sec, meeting)
    clock.set(datetime(2026, 3, 3, 12, tzinfo=UTC))
    meeting_minutes.mark_held(sec, meeting)
    item = meeting_queries.active_items(meeting)[0]
    meeting_minutes.save_item_minutes(sec, item, lock_version=item.lock_version, notes="",
                               decision_text="Godkjent.")
    db.session.commit()
    return meeting


def test_minutes_marked_ready_tell_the_chair_of_the_day_by_notification_and_email(
        app, client, make, smtp, clock, board):
    meeting = _drafted(make, clock, board)
    run_sweep(app)
    smtp.messages.clear()
    make.login(client, board["sec"])
    assert f"/meetings/{meeting.id}/minutes/ready" in client.get(
        f"/meetings/{meeting.id}/minutes").text

    response = client.post(f"/meetings/{meeting.id}/minutes/ready")

    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(type(meeting), meeting.id).minutes_ready_at is not None
    (told,) = db.session.scalars(select(Notification).where(
        Notification.kind == NotificationKind.MINUTES_READY)).all()
    assert told.user_id == board["chair"].id
    run_sweep(app)
    (email,) = smtp.messages
    assert email["To"] == "leder@styret.test"
    assert email["Subject"] == "Protokoll venter på din godkjenning: møte i Styret 3. mars 2026"
    assert f"{BASE}/meetings/{meeting.id}/minutes" in text_of(email)
    assert acts("minutes.ready") == ["minutes.ready"]

    again = client.post(f"/meetings/{meeting.id}/minutes/ready")
    assert again.status_code == 303  # refused with a message, nothing new
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == NotificationKind.MINUTES_READY)) == 1


def test_only_drafted_minutes_can_be_marked_ready_and_only_by_the_secretariat(
        app, make, clock, board):
    meeting = _drafted(make, clock, board)
    with pytest.raises(NotAllowed):
        mark_minutes_ready(board["chair"], meeting)
    meeting_minutes.approve_minutes(board["chair"], meeting)
    db.session.commit()
    assert meeting.state == MeetingState.MINUTES_APPROVED
    with pytest.raises(DomainError):
        mark_minutes_ready(board["sec"], meeting)


def test_a_seat_saved_by_someone_else_meanwhile_is_not_overwritten(app, client, make, board):
    seat = board["outside"]
    in_english(client, make, board["sec"])
    page = client.get(f"/seats/{seat.id}/edit")
    assert 'name="lock_version"' in page.text
    seen = seat.lock_version
    seats.edit_seat(board["sec"], seat, person_name="Erle E. Ekstern", role=seat.role,
                    member=None, term_start=seat.term_start, term_end=None, user=None,
                    email=seat.email)
    db.session.commit()

    response = client.post(f"/seats/{seat.id}/edit", data={
        "person_name": "Erle Annen", "role": "member", "member": 0,
        "term_start": "2024-01-01", "user": 0, "email": "erle@kommune.test",
        "lock_version": seen})

    assert response.status_code == 422
    assert "Someone else changed this seat while you were editing it" in response.text
    assert 'value="Erle Annen"' in response.text
    db.session.refresh(seat)
    assert seat.person_name == "Erle E. Ekstern"
