"""Notifications and email: who hears of what, in which language, once; the sweep that
records ended rounds and sends what is due, twice or at once without doing anything
twice; a failed send retried until it arrives; the list in the app and the settings.

Emails go to a real SMTP server on loopback (the `smtp` fixture) and are read back.
"""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from decisions.accounts.models import Role, User
from decisions.audit.models import AuditEntry
from decisions.extensions import db
from decisions.meetings import agenda, minutes, queries
from decisions.notifications import mail
from decisions.notifications import services as notifications
from decisions.notifications.models import (
    Delivery,
    EmailState,
    Notification,
    NotificationKind,
    OutboundEmail,
    OutboxState,
)
from decisions.proposals import services
from decisions.proposals.models import Outcome, PositionKind, Round
from decisions.sweep import sweep
from tests.counting import counting_queries

BASE = "https://samraad.example"


def run_sweep(app):
    """One `flask sweep`, in its own app context as from cron."""
    db.session.commit()
    with app.app_context():
        return sweep()


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def count(model, *where) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def council(make):
    """Three members with a representative each (one reads English), a second
    representative for the first member, the secretariat of two, and a member that is
    not in the round with its own representative."""
    members = [make.member(f"Kommune {n}") for n in ("A", "B", "C")]
    outsider = make.member("Kommune D")
    reps = [make.representative(members[0], email="a@kommune.test"),
            make.representative(members[1], email="b@kommune.test"),
            make.representative(members[2], email="c@kommune.test")]
    reps[1].locale = "en"
    deputy = make.representative(members[0], email="a.vara@kommune.test")
    make.representative(outsider, email="d@kommune.test")
    secretariat = [make.user(Role.SECRETARIAT, email="sek1@alliansen.test"),
                   make.user(Role.SECRETARIAT, email="sek2@alliansen.test")]
    db.session.commit()
    return {"members": members, "reps": reps, "deputy": deputy, "sec": secretariat}


# --- Rounds ---------------------------------------------------------------------------

def test_round_opened_emails_every_representative_in_their_language_with_a_direct_link(
        app, make, smtp, council):
    round_ = make.round_(council["sec"][0], council["members"])

    run_sweep(app)

    assert sorted(m["To"] for m in smtp.messages) == [
        "a.vara@kommune.test", "a@kommune.test", "b@kommune.test", "c@kommune.test"]
    (norwegian,) = smtp.to("a@kommune.test")
    (english,) = smtp.to("b@kommune.test")
    ref = round_.proposal.case_ref
    assert norwegian["Subject"] == f"Sak {ref} til behandling: Felles ladestrategi"
    assert english["Subject"] == f"Case {ref} for your position: Felles ladestrategi"
    member_b = council["members"][1]
    link = f"{BASE}/rounds/{round_.id}/members/{member_b.id}/position"
    assert link in text_of(english) and f'href="{link}"' in html_of(english)
    assert "Kommune B is asked to register its position" in text_of(english)
    assert "Kommune A blir bedt om å registrere sitt standpunkt" in text_of(norwegian)
    assert norwegian["From"] == app.config["MAIL_SENDER"]
    assert norwegian["Message-ID"] and norwegian["Auto-Submitted"] == "auto-generated"


def test_nothing_is_notified_when_the_act_is_rolled_back(app, make, smtp, council):
    proposal = make.proposal(council["sec"][0])
    services.open_round(council["sec"][0], proposal, members=council["members"],
                        deadline=datetime(2026, 3, 20, 12, tzinfo=UTC),
                        procedure=services.Procedure.CONSENT)
    pending = db.session.scalar(select(func.count()).select_from(Notification))
    assert pending == 4  # written in the act's transaction...
    db.session.rollback()  # ...which does not commit

    run_sweep(app)

    assert count(Notification) == 0
    assert smtp.messages == []


def test_a_refused_act_through_the_web_notifies_nobody(app, client, make, smtp, council):
    proposal = make.proposal(council["sec"][0])
    make.login(client, council["sec"][0])
    response = client.post(f"/proposals/{proposal.id}/circulate", data={
        "procedure": "consent", "deadline": "2020-01-01T12:00", "scope": "all"})
    assert "The deadline must be in the future" in response.text or \
        "Fristen må være fram i tid" in response.text

    run_sweep(app)

    assert count(Notification) == 0 and smtp.messages == []


def test_emails_wait_until_the_sweep_runs_and_the_sweep_twice_sends_each_once(
        app, make, smtp, council):
    make.round_(council["sec"][0], council["members"])
    assert count(OutboundEmail) == 0 and smtp.messages == []  # the act sends nothing

    first = run_sweep(app)
    second = run_sweep(app)

    assert first.queued == 4 and first.delivery["sent"] == 4
    assert second.queued == 0 and second.delivery == {"sent": 0, "retried": 0, "failed": 0}
    assert len(smtp.messages) == 4


def test_the_reminder_goes_only_to_members_that_have_not_answered(
        app, make, smtp, clock, council):
    a, b, c = council["members"]
    round_ = make.round_(council["sec"][0], council["members"], deadline=timedelta(days=7))
    assert round_.remind_at == round_.deadline - timedelta(hours=48)
    run_sweep(app)
    make.position(council["reps"][0], round_, a, PositionKind.SUPPORT)
    smtp.messages.clear()

    clock.set(round_.deadline - timedelta(hours=49))
    assert run_sweep(app).reminded == 0  # not yet
    clock.set(round_.deadline - timedelta(hours=47))
    result = run_sweep(app)

    assert result.reminded == 2
    assert sorted(m["To"] for m in smtp.messages) == ["b@kommune.test", "c@kommune.test"]
    (english,) = smtp.to("b@kommune.test")
    assert english["Subject"].startswith(f"Reminder: case {round_.proposal.case_ref} closes")
    clock.advance(hours=1)
    assert run_sweep(app).reminded == 0 and len(smtp.messages) == 2  # once per round
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.act == "round.reminded"))
    assert entry.object_id == round_.id and entry.after == {"members": 2, "people": 2}


def test_a_member_that_answers_after_the_reminder_was_made_gets_no_reminder_email(
        app, make, smtp, clock, council):
    a, b, c = council["members"]
    round_ = make.round_(council["sec"][0], council["members"])
    run_sweep(app)
    smtp.messages.clear()
    clock.set(round_.remind_at + timedelta(minutes=1))
    services.send_reminder(round_.id)  # the sweep's first step, then it stopped
    db.session.commit()
    make.position(council["reps"][2], round_, c, PositionKind.SUPPORT)

    run_sweep(app)

    assert sorted(m["To"] for m in smtp.messages) == [
        "a.vara@kommune.test", "a@kommune.test", "b@kommune.test"]


def test_a_round_shorter_than_its_reminder_gets_none_and_the_hours_are_per_round(
        app, make, council):
    short = make.round_(council["sec"][0], council["members"], deadline=timedelta(hours=30))
    assert short.reminder_hours == 48 and short.remind_at is None
    proposal = make.proposal(council["sec"][0], title="Kort frist")
    chosen = services.open_round(council["sec"][0], proposal, members=council["members"],
                                 deadline=short.deadline, procedure=services.Procedure.CONSENT,
                                 reminder_hours=6)
    assert chosen.remind_at == short.deadline - timedelta(hours=6)


def test_reminder_hours_out_of_range_are_refused_next_to_the_field_keeping_the_input(
        app, client, make, council):
    proposal = make.proposal(council["sec"][0])
    make.login(client, council["sec"][0])
    response = client.post(f"/proposals/{proposal.id}/circulate", data={
        "procedure": "consent", "deadline": "2026-03-20T12:00", "scope": "all",
        "reminder_hours": "900"}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert 'id="reminder_hours-error"' in response.text
    assert "Enter between 0 and 720 hours." in response.text
    assert 'value="900"' in response.text
    assert count(Round) == 0


def test_an_objection_is_emailed_to_the_secretariat_with_its_reason_once(
        app, make, smtp, council):
    a, b, c = council["members"]
    round_ = make.round_(council["sec"][0], council["members"])
    run_sweep(app)
    smtp.messages.clear()

    make.position(council["reps"][1], round_, b, PositionKind.OBJECT,
                  comment="Kostnadene for kommunen er ikke utredet.")
    make.position(council["reps"][1], round_, b, PositionKind.OBJECT,
                  comment="Kostnadene er ikke utredet. Vi ber om en utredning.")
    run_sweep(app)

    assert sorted(m["To"] for m in smtp.messages) == [
        "sek1@alliansen.test", "sek2@alliansen.test"]  # the rewording is not news
    message = smtp.to("sek1@alliansen.test")[0]
    assert message["Subject"] == f"Innsigelse fra Kommune B til sak {round_.proposal.case_ref}"
    assert "> Kostnadene for kommunen er ikke utredet." in text_of(message)


def test_the_answer_to_an_objection_goes_to_the_objecting_member_only(
        app, make, smtp, council):
    a, b, c = council["members"]
    round_ = make.round_(council["sec"][0], council["members"])
    make.position(council["reps"][1], round_, b, PositionKind.OBJECT, comment="Nei.")
    run_sweep(app)
    smtp.messages.clear()

    services.answer_objection(council["sec"][0], round_, b, "Utredningen kommer i mars.")
    db.session.commit()
    run_sweep(app)

    (message,) = smtp.messages
    assert message["To"] == "b@kommune.test"
    assert "The secretariat has answered your objection" in message["Subject"]
    assert "Utredningen kommer i mars." in text_of(message)


def test_the_outcome_is_emailed_to_every_member_of_the_round_when_the_sweep_closes_it(
        app, make, smtp, clock, council):
    a, b, c = council["members"]
    round_ = make.round_(council["sec"][0], council["members"], deadline=timedelta(days=1))
    make.position(council["reps"][0], round_, a, PositionKind.SUPPORT)
    run_sweep(app)
    smtp.messages.clear()

    clock.set(round_.deadline + timedelta(minutes=1))
    result = run_sweep(app)

    assert result.settled == 1
    db.session.refresh(round_)
    assert round_.outcome == Outcome.CONSENSUS
    assert sorted(m["To"] for m in smtp.messages) == [
        "a.vara@kommune.test", "a@kommune.test", "b@kommune.test", "c@kommune.test"]
    english = smtp.to("b@kommune.test")[0]
    assert english["Subject"] == f"Case {round_.proposal.case_ref}: Consensus"
    assert "Decision: 2026/001" in text_of(english)
    assert "d@kommune.test" not in [m["To"] for m in smtp.messages]


def test_a_page_read_after_the_deadline_records_the_outcome_and_the_sweep_emails_it_once(
        app, client, make, smtp, clock, council):
    round_ = make.round_(council["sec"][0], council["members"], deadline=timedelta(days=1))
    make.position(council["reps"][2], round_, council["members"][2], PositionKind.OBJECT)
    run_sweep(app)
    smtp.messages.clear()
    clock.set(round_.deadline + timedelta(hours=3))
    make.login(client, council["reps"][0])

    client.get(f"/rounds/{round_.id}")  # the page records the outcome: no consensus

    assert count(Notification, Notification.kind == NotificationKind.ROUND_CLOSED) == 4
    assert smtp.messages == []  # emails wait for the sweep
    result = run_sweep(app)
    assert result.settled == 0 and len(smtp.messages) == 4
    assert sorted(m["Subject"].rpartition(": ")[2] for m in smtp.messages) == [
        "Ikke konsensus", "Ikke konsensus", "Ikke konsensus", "No consensus"]


def test_a_revision_asks_again_once_and_does_not_announce_the_replaced_round(
        app, make, smtp, council):
    a, b, c = council["members"]
    first = make.round_(council["sec"][0], council["members"])
    make.position(council["reps"][1], first, b, PositionKind.OBJECT, comment="Nei.")
    run_sweep(app)
    smtp.messages.clear()

    proposal = first.proposal
    services.revise_proposal(council["sec"][0], proposal, title=proposal.title,
                             background=proposal.background, resolution="Ny tekst.",
                             members=council["members"], deadline=first.deadline,
                             procedure=first.procedure)
    db.session.commit()
    run_sweep(app)

    assert len(smtp.messages) == 4
    english = smtp.to("b@kommune.test")[0]
    assert english["Subject"].startswith(f"Revised proposal, case {proposal.case_ref}")
    assert "confirm its earlier position in one step" in text_of(english)


# --- Meetings -------------------------------------------------------------------------

@pytest.fixture
def board(make, council):
    group = make.group("Styret")
    chair = make.user(Role.BOARD, email="leder@styret.test")
    chair.locale = "en"
    member = make.user(Role.BOARD, email="medlem@styret.test")
    gone = make.user(Role.BOARD, email="gammel@styret.test")
    from decisions.meetings.models import GroupRole

    make.seat(group, "Leder", GroupRole.CHAIR, user_=chair)
    make.seat(group, "Medlem", GroupRole.MEMBER, user_=member)
    make.seat(group, "Uten innlogging", GroupRole.MEMBER)
    old = make.seat(group, "Tidligere medlem", GroupRole.MEMBER, user_=gone)
    old.term_end = datetime(2025, 12, 31).date()  # left the board before these meetings
    db.session.commit()
    return group


def published(make, sec, group):
    """A meeting of `group` on 16 March 2026 with its notice published (not committed)."""
    meeting = make.meeting(group, starts_at=datetime(2026, 3, 16, 9, tzinfo=UTC))
    agenda.publish_notice(sec, meeting)
    return meeting


def test_a_published_notice_is_emailed_to_the_group_with_a_calendar_file(
        app, make, smtp, board, council):
    sec = council["sec"][0]
    meeting = published(make, sec, board)
    db.session.commit()

    run_sweep(app)

    assert sorted(m["To"] for m in smtp.messages) == ["leder@styret.test",
                                                      "medlem@styret.test"]
    english = smtp.to("leder@styret.test")[0]
    assert english["Subject"] == "Notice of meeting: Styret March 16, 2026"
    norwegian = smtp.to("medlem@styret.test")[0]
    assert norwegian["Subject"] == "Innkalling til møte: Styret 16. mars 2026"
    (attachment,) = list(english.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    event = Calendar.from_ical(attachment.get_content()).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime(2026, 3, 16, 9, tzinfo=UTC)
    assert str(event["status"]) == "CONFIRMED" and int(event["sequence"]) == 1
    assert f"{BASE}/meetings/{meeting.id}" in text_of(english)


def test_a_revised_notice_and_a_cancellation_are_emailed_again_as_such(
        app, make, smtp, board, council):
    sec = council["sec"][0]
    meeting = published(make, sec, board)
    db.session.commit()
    run_sweep(app)
    smtp.messages.clear()

    make.item(sec, meeting, title="Ny sak etter innkallingen")
    agenda.publish_notice(sec, meeting)
    db.session.commit()
    run_sweep(app)
    revised = smtp.to("leder@styret.test")
    assert [m["Subject"] for m in revised] == ["Revised notice: meeting of Styret March 16, 2026"]
    event = Calendar.from_ical(list(revised[0].iter_attachments())[0].get_content())
    assert int(event.walk("VEVENT")[0]["sequence"]) == 2
    smtp.messages.clear()

    agenda.cancel_meeting(sec, meeting)
    db.session.commit()
    run_sweep(app)
    cancelled = smtp.to("leder@styret.test")[0]
    assert cancelled["Subject"] == "Cancelled: meeting of Styret March 16, 2026"
    event = Calendar.from_ical(list(cancelled.iter_attachments())[0].get_content())
    assert str(event.walk("VEVENT")[0]["status"]) == "CANCELLED"


def test_a_notice_revised_before_the_sweep_sends_only_the_latest(app, make, smtp, board,
                                                                 council):
    sec = council["sec"][0]
    meeting = published(make, sec, board)
    make.item(sec, meeting, title="Ny sak")
    agenda.publish_notice(sec, meeting)
    db.session.commit()

    run_sweep(app)

    assert [m["Subject"] for m in smtp.to("medlem@styret.test")] == [
        "Revidert innkalling: møte i Styret 16. mars 2026"]


def test_approved_minutes_are_emailed_to_the_group_with_the_link_to_the_pdf(
        app, make, smtp, clock, board, council):
    sec = council["sec"][0]
    meeting = make.meeting(board, starts_at=datetime(2026, 3, 3, 9, tzinfo=UTC))
    agenda.publish_notice(sec, meeting)
    clock.set(datetime(2026, 3, 3, 12, tzinfo=UTC))
    minutes.mark_held(sec, meeting)
    item = queries.active_items(meeting)[0]
    minutes.save_item_minutes(sec, item, lock_version=item.lock_version,
                              notes="", decision_text="Godkjent.")
    db.session.commit()
    run_sweep(app)
    smtp.messages.clear()
    chair = db.session.scalar(select(User).where(User.email == "leder@styret.test"))
    minutes.approve_minutes(chair, meeting)
    db.session.commit()

    run_sweep(app)

    english = smtp.to("leder@styret.test")[0]
    assert english["Subject"] == "Minutes approved: meeting of Styret March 3, 2026"
    assert f"{BASE}/meetings/{meeting.id}/documents/minutes.pdf" in text_of(english)
    assert len(smtp.messages) == 2


# --- Delivery -------------------------------------------------------------------------

def test_a_send_that_fails_is_retried_later_and_arrives_once(app, make, smtp, clock,
                                                             council):
    make.round_(council["sec"][0], council["members"][1:2])  # one person: b@
    smtp.fail_next = 1

    first = run_sweep(app)
    assert first.delivery == {"sent": 0, "retried": 1, "failed": 0}
    email = db.session.scalar(select(OutboundEmail))
    assert email.state == OutboxState.PENDING and email.attempts == 1
    assert "451" in email.last_error
    assert run_sweep(app).delivery["retried"] == 0  # not due again yet
    clock.advance(minutes=2)
    second = run_sweep(app)
    run_sweep(app)

    assert second.delivery == {"sent": 1, "retried": 0, "failed": 0}
    assert [m["To"] for m in smtp.messages] == ["b@kommune.test"]
    db.session.refresh(email)
    assert email.state == OutboxState.SENT and email.attempts == 2


def test_emails_wait_while_the_mail_server_is_down_and_go_when_it_is_back(
        app, make, smtp, clock, council):
    from tests.conftest import free_port

    make.round_(council["sec"][0], council["members"])
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nobody listens there

    down = run_sweep(app)
    assert down.delivery["sent"] == 0 and down.delivery["retried"] == 1
    assert count(OutboundEmail, OutboundEmail.state == OutboxState.PENDING) == 4

    app.config["MAIL_PORT"] = port
    clock.advance(minutes=5)
    assert run_sweep(app).delivery["sent"] == 4
    assert len(smtp.messages) == 4


def test_a_temporary_refusal_of_one_email_delays_that_email_only_and_the_rest_go(
        app, make, smtp, clock, council):
    make.round_(council["sec"][0], council["members"])
    with app.app_context():
        mail.queue_emails()
        db.session.commit()
    emails = db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)).all()
    first = emails[0].to_address  # refused first: before the fix it ended the run
    smtp.defer.add(first)

    result = run_sweep(app)

    assert result.delivery == {"sent": len(emails) - 1, "retried": 1, "failed": 0}
    assert sorted(m["To"] for m in smtp.messages) == sorted(
        e.to_address for e in emails[1:])
    waiting = db.session.scalar(select(OutboundEmail).where(
        OutboundEmail.state == OutboxState.PENDING))
    assert waiting.to_address == first and "451" in waiting.last_error
    smtp.defer.clear()
    clock.advance(minutes=2)
    assert run_sweep(app).delivery == {"sent": 1, "retried": 0, "failed": 0}
    assert len(smtp.messages) == len(emails)


def test_an_address_the_server_refuses_for_good_is_marked_failed_not_retried(
        app, make, smtp, clock, council):
    smtp.refuse.add("c@kommune.test")
    make.round_(council["sec"][0], council["members"])

    result = run_sweep(app)
    clock.advance(hours=7)
    run_sweep(app)

    assert result.delivery == {"sent": 3, "retried": 0, "failed": 1}
    failed = db.session.scalar(select(OutboundEmail).where(
        OutboundEmail.state == OutboxState.FAILED))
    assert failed.to_address == "c@kommune.test" and "550" in failed.last_error
    assert len(smtp.messages) == 3


def test_two_sweeps_at_once_close_each_round_once_and_send_each_email_once(
        app, make, smtp, clock):
    members = make.members(12)
    sec = make.user(Role.SECRETARIAT)
    for member in members:
        make.representative(member)
    rounds = [make.round_(sec, members, make.proposal(sec, title=f"Sak {n}"),
                          deadline=timedelta(days=1)) for n in range(3)]
    clock.set(rounds[0].deadline + timedelta(minutes=1))
    smtp.delay = 0.005  # each delivery takes a moment, so that the sweeps overlap
    db.session.commit()
    results, errors = [], []

    def one_sweep():
        try:
            with app.app_context():
                results.append(sweep())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one_sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(r.settled for r in results) == 3  # each round recorded by one sweep
    assert count(Round, Round.outcome.is_(None)) == 0
    # 12 people × 3 rounds, opened and closed. The invitations to rounds that have
    # closed are not sent; the outcomes are, each once.
    assert count(Notification) == 72
    assert sum(r.delivery["sent"] for r in results) == 36
    received = [(m["To"], m["Subject"]) for m in smtp.messages]
    assert len(received) == 36 and len(set(received)) == 36


# --- Preferences and the digest -------------------------------------------------------

def test_email_off_keeps_the_notification_in_the_app_only(app, make, smtp, council):
    notifications.set_preferences(council["reps"][1],
                                  {NotificationKind.ROUND_OPENED: Delivery.OFF})
    db.session.commit()
    make.round_(council["sec"][0], council["members"])

    run_sweep(app)

    assert smtp.to("b@kommune.test") == []
    kept = db.session.scalar(select(Notification).where(
        Notification.user_id == council["reps"][1].id))
    assert kept.email_state == EmailState.NOT_SENT and kept.read_at is None


def test_the_daily_digest_gathers_what_waits_once_a_day_after_the_digest_hour(
        app, make, smtp, clock, council):
    b_rep = council["reps"][1]
    notifications.set_preferences(b_rep, {NotificationKind.ROUND_OPENED: Delivery.DIGEST})
    db.session.commit()
    clock.set(datetime(2026, 3, 2, 4, tzinfo=UTC))  # 05:00 in Oslo
    make.round_(council["sec"][0], council["members"], make.proposal(
        council["sec"][0], title="Første sak"))
    make.round_(council["sec"][0], council["members"], make.proposal(
        council["sec"][0], title="Andre sak"))

    assert run_sweep(app).digests == 0  # before 07:00
    assert smtp.to("b@kommune.test") == []
    clock.set(datetime(2026, 3, 2, 6, 5, tzinfo=UTC))  # 07:05 in Oslo
    assert run_sweep(app).digests == 1
    make.round_(council["sec"][0], council["members"], make.proposal(
        council["sec"][0], title="Tredje sak"))
    assert run_sweep(app).digests == 0  # today's digest has gone: tomorrow's

    (digest,) = smtp.to("b@kommune.test")
    assert digest["Subject"] == "Samråd: 2 new notifications"
    body = text_of(digest)
    assert "Første sak" in body and "Andre sak" in body and "Tredje sak" not in body
    clock.set(datetime(2026, 3, 3, 6, 5, tzinfo=UTC))
    run_sweep(app)
    assert [m["Subject"] for m in smtp.to("b@kommune.test")][-1] == \
        "Samråd: 1 new notification"


# --- In the app -----------------------------------------------------------------------

def test_the_list_shows_the_unread_count_and_opening_one_marks_it_read_and_leads_there(
        app, client, make, council):
    round_ = make.round_(council["sec"][0], council["members"])
    rep = council["reps"][0]
    make.login(client, rep)

    page = client.get("/notifications/")
    assert f"Sak {round_.proposal.case_ref} til behandling" in page.text
    assert 'id="unread-count"' in page.text and "1 ulest" in page.text
    notification = db.session.scalar(select(Notification).where(
        Notification.user_id == rep.id))
    response = client.post(f"/notifications/{notification.id}/open")

    assert response.status_code == 303
    assert response.location.endswith(
        f"/rounds/{round_.id}/members/{council['members'][0].id}/position")
    db.session.refresh(notification)
    assert notification.read_at is not None
    assert "ulest" not in client.get("/notifications/count").text


def test_another_users_notification_cannot_be_opened(app, client, make, council):
    make.round_(council["sec"][0], council["members"])
    theirs = db.session.scalar(select(Notification).where(
        Notification.user_id == council["reps"][0].id))
    make.login(client, council["reps"][1])

    assert client.post(f"/notifications/{theirs.id}/open").status_code == 404
    db.session.refresh(theirs)
    assert theirs.read_at is None


def test_mark_all_read_through_htmx_answers_the_list_and_updates_the_count(
        app, client, make, council):
    make.round_(council["sec"][0], council["members"])
    make.round_(council["sec"][0], council["members"], make.proposal(council["sec"][0]))
    make.login(client, council["reps"][0])
    assert "2 ulest" in client.get("/notifications/count").text

    response = client.post("/notifications/read", headers={"HX-Request": "true"})

    assert response.headers["HX-Trigger"] == "notifications-changed"
    assert 'id="notification-list"' in response.text and "<html" not in response.text
    assert "ulest" not in client.get("/notifications/count").text
    assert count(Notification, Notification.read_at.is_(None),
                 Notification.user_id == council["reps"][1].id) == 2  # others untouched


def test_settings_offer_the_kinds_of_the_role_save_them_and_audit_the_change(
        app, client, make, council):
    rep = council["reps"][0]
    make.login(client, rep)
    page = client.get("/notifications/settings")
    assert 'name="round_opened"' in page.text and 'name="objection"' not in page.text

    response = client.post("/notifications/settings", data={
        "round_opened": "digest", "reminder": "immediate", "objection_answered": "off",
        "round_closed": "immediate", "notice": "immediate", "minutes_approved": "off",
        "followup_due": "immediate", "ratification": "immediate"})

    assert response.status_code == 303
    chosen = notifications.preferences(rep)
    assert chosen[NotificationKind.ROUND_OPENED] == Delivery.DIGEST
    assert chosen[NotificationKind.OBJECTION_ANSWERED] == Delivery.OFF
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.act == "notifications.preferences_changed"))
    assert entry.after == {"round_opened": "digest", "objection_answered": "off",
                           "minutes_approved": "off"}


def test_settings_refuse_an_unknown_choice_and_save_nothing(app, client, make, council):
    rep = council["reps"][0]
    make.login(client, rep)

    response = client.post("/notifications/settings", data={
        "round_opened": "digest", "reminder": "sometimes"})

    assert response.status_code == 200 and "field-error" in response.text
    assert notifications.preferences(rep)[NotificationKind.ROUND_OPENED] == Delivery.IMMEDIATE


def stalled_claim(app, make, council) -> tuple[str, list[int]]:
    """One email (to b@) queued and claimed by a sweep that then stops."""
    make.round_(council["sec"][0], council["members"][1:2])
    db.session.commit()
    with app.app_context():
        mail.queue_emails()
        return mail._claim()


def test_an_email_claimed_by_a_sweep_that_died_is_sent_once_after_the_claim_expires(
        app, make, smtp, clock, council):
    token, claimed = stalled_claim(app, make, council)  # and that machine went away
    assert len(claimed) == 1

    assert run_sweep(app).delivery["sent"] == 0  # another sweep leaves it alone
    clock.advance(minutes=11)
    assert run_sweep(app).delivery["sent"] == 1
    assert run_sweep(app).delivery["sent"] == 0
    assert [m["To"] for m in smtp.messages] == ["b@kommune.test"]


def test_the_list_runs_the_same_number_of_queries_for_few_and_many_notifications(
        app, client, make, board, council):
    """Every kind a representative and the secretariat get, on one page each."""
    from decisions.meetings.models import GroupRole

    sec, rep, member = council["sec"][0], council["reps"][1], council["members"][1]
    make.seat(board, "Representant B", GroupRole.MEMBER, user_=rep)
    counts = {}
    for rounds in (1, 4):
        while count(Round) < rounds:
            round_ = make.round_(sec, council["members"], make.proposal(sec))
            make.position(rep, round_, member, PositionKind.OBJECT, comment="Nei.")
            services.answer_objection(sec, round_, member, "Svar.")
            services.withdraw_proposal(sec, round_.proposal)  # closed: withdrawn
            meeting = make.meeting(board)
            agenda.publish_notice(sec, meeting)
            db.session.commit()
        for user in (rep, sec):
            browser = app.test_client()
            make.login(browser, user)
            with counting_queries() as statements:
                page = browser.get("/notifications/")
            assert page.status_code == 200
            counts[(user.id, rounds)] = len(statements)

    kinds = set(db.session.scalars(select(Notification.kind).where(
        Notification.user_id == rep.id)))
    assert kinds == {NotificationKind.ROUND_OPENED, NotificationKind.OBJECTION_ANSWERED,
                     NotificationKind.ROUND_CLOSED, NotificationKind.NOTICE}
    assert counts[(rep.id, 1)] == counts[(rep.id, 4)]
    assert counts[(sec.id, 1)] == counts[(sec.id, 4)]


def test_a_title_with_line_breaks_gives_a_one_line_subject_and_the_email_goes(
        app, make, smtp, council):
    sec = council["sec"][0]
    make.round_(sec, council["members"][1:2],
                make.proposal(sec, title="Felles\r\nBcc: alle@example.test\nstrategi"))

    result = run_sweep(app)

    assert result.delivery["sent"] == 1
    (message,) = smtp.messages
    assert message["Subject"].endswith("Felles Bcc: alle@example.test strategi")
    assert message["Bcc"] is None and smtp.envelopes == [["b@kommune.test"]]


def test_a_sweep_whose_claim_ran_out_does_not_send_what_another_sweep_sent(
        app, make, smtp, clock, council):
    stale_token, ids = stalled_claim(app, make, council)  # it wakes up 11 minutes later
    clock.advance(minutes=11)
    assert run_sweep(app).delivery["sent"] == 1  # a later sweep takes it over

    counts = {"sent": 0, "retried": 0, "failed": 0}
    with app.app_context():  # the stalled sweep wakes up and goes on with its batch
        mail.send_batch(stale_token, ids, mail.Connection(), counts)

    assert counts["sent"] == 0 and len(smtp.messages) == 1


def test_an_email_to_an_account_deactivated_before_it_went_is_dropped(
        app, make, smtp, clock, council):
    make.round_(council["sec"][0], council["members"][1:2])
    smtp.fail_next = 1
    run_sweep(app)  # b@ could not be reached: the email waits for a retry
    council["reps"][1].active = False
    db.session.commit()
    clock.advance(minutes=5)

    run_sweep(app)

    assert smtp.messages == []
    assert db.session.scalar(select(OutboundEmail.state)) == OutboxState.DROPPED


def test_a_notification_that_cannot_be_made_an_email_is_marked_and_the_others_go(
        app, make, smtp, council):
    round_ = make.round_(council["sec"][0], council["members"][1:2])
    broken = Notification(key="broken", user_id=council["sec"][0].id,
                          kind=NotificationKind.OBJECTION, round_id=round_.id, params={},
                          created_at=round_.opened_at, email_state=EmailState.PENDING)
    db.session.add(broken)
    db.session.commit()

    result = run_sweep(app)

    assert result.failed_steps == [] and result.delivery["sent"] == 1
    assert [m["To"] for m in smtp.messages] == ["b@kommune.test"]
    db.session.refresh(broken)
    assert broken.email_state == EmailState.FAILED
