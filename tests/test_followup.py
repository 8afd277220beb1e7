"""Follow-up of decisions: the roll-up formula, a decision's follow-up run through time
with the test clock (reminders exactly once before and on the due date, overdue at each
step, the register's filter agreeing with the rules), who may update an item, and the
pages that show it (start page, the secretariat's list, the public decision)."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from decisions.accounts.models import Role
from decisions.audit.models import AuditEntry
from decisions.clock import oslo_today
from decisions.errors import DomainError, NotAllowed
from decisions.extensions import db
from decisions.followup import queries, rules, services
from decisions.followup.models import FollowupItem, FollowupStatus, OwnerKind
from decisions.meetings import agenda, minutes
from decisions.meetings.models import GroupRole
from decisions.notifications import messages
from decisions.notifications.models import Notification, NotificationKind
from decisions.permissions import can
from decisions.proposals.models import PositionKind
from decisions.register import queries as register_queries
from decisions.register.models import Decision
from decisions.sweep import sweep
from tests.factories import login
from tests.world import demo_data


def _item(status="planned", progress=0, weight=1, due=date(2026, 3, 10)):
    return SimpleNamespace(status=FollowupStatus(status), progress=progress, weight=weight,
                           due=due, reminded_before_at=None, reminded_on_at=None)


# --- The rules, pure ------------------------------------------------------------------

def test_the_rollup_is_the_weighted_mean_of_progress_leaving_dropped_items_out():
    items = [_item("done", 100, 3), _item("in_progress", 40, 1), _item("planned", 0, 1),
             _item("dropped", 10, 5)]

    assert rules.rollup(items) == pytest.approx((100 * 3 + 40 * 1 + 0 * 1) / 5)  # 68.0


def test_a_decision_without_counted_items_has_no_rollup_rather_than_zero():
    assert rules.rollup([]) is None
    assert rules.rollup([_item("dropped", 50, 2)]) is None


def test_an_item_is_overdue_only_after_its_due_date_and_only_while_open():
    due = date(2026, 3, 10)
    assert not rules.is_overdue(_item("planned", due=due), due)
    assert rules.is_overdue(_item("in_progress", due=due), due + timedelta(days=1))
    assert not rules.is_overdue(_item("done", 100, due=due), due + timedelta(days=1))
    assert not rules.is_overdue(_item("dropped", due=due), due + timedelta(days=1))


def test_the_state_follows_the_items():
    today = date(2026, 3, 11)
    assert rules.state([], today) == rules.FollowupState.NONE
    assert rules.state([_item("dropped")], today) == rules.FollowupState.NONE
    assert rules.state([_item(due=date(2026, 3, 12))], today) == rules.FollowupState.ON_TRACK
    assert rules.state([_item(due=date(2026, 3, 10))], today) == rules.FollowupState.OVERDUE
    assert rules.state([_item("done", 100), _item("dropped")], today) == (
        rules.FollowupState.DONE)


# --- A decision through time ----------------------------------------------------------

@pytest.fixture
def decided(app, make):
    sec = make.user(Role.SECRETARIAT)
    member, other = make.member(), make.member()
    rep, other_rep = make.representative(member), make.representative(other)
    round_ = make.round_(sec, [member], make.proposal(sec, title="Felles innkjøp"))
    make.position(rep, round_, member, PositionKind.SUPPORT)
    decision = db.session.scalar(select(Decision).where(Decision.round_id == round_.id))
    return SimpleNamespace(sec=sec, member=member, rep=rep, other_rep=other_rep,
                           decision=decision)


def _sweep(app) -> int:
    db.session.commit()
    with app.app_context():
        return sweep().followup_reminded


def _at(clock, day: date) -> None:
    clock.set(datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC))  # 09:00 in Oslo


def _notified(kind=NotificationKind.FOLLOWUP_DUE) -> list[tuple[int, str]]:
    return sorted((n.user_id, n.params["stage"]) for n in db.session.scalars(
        select(Notification).where(Notification.kind == kind)))


def _state_by_sql(decision: Decision, today: date) -> set[rules.FollowupState]:
    return {state for state in rules.FollowupState if db.session.scalar(
        queries.in_state(select(Decision.id).where(Decision.id == decision.id), state,
                         today))}


def _check_state(decision: Decision, today: date, expected: rules.FollowupState) -> None:
    items = queries.of_decision(decision.id)
    assert rules.state(items, today) == expected
    assert _state_by_sql(decision, today) == {expected}  # the register's filter agrees


def test_a_decisions_follow_up_through_time(app, make, clock, decided):
    d = decided
    report = services.create_item(d.sec, what="Rapportere til styret",
                                  owner_kind=OwnerKind.SECRETARIAT, due=date(2026, 3, 10),
                                  weight=1, decision=d.decision)
    adopt = services.create_item(d.sec, what="Vedta lokalt", owner_kind=OwnerKind.MEMBER,
                                 member=d.member, due=date(2026, 3, 20), weight=2,
                                 decision=d.decision)
    db.session.commit()
    _check_state(d.decision, date(2026, 3, 2), rules.FollowupState.ON_TRACK)
    assert _sweep(app) == 0  # 2 March: nothing within 7 days

    _at(clock, date(2026, 3, 3))  # seven days before the report is due
    assert _sweep(app) == 1
    assert _sweep(app) == 0  # once
    assert _notified() == [(d.sec.id, "before")]

    _at(clock, date(2026, 3, 10))  # the report's due date: due, not overdue
    assert _sweep(app) == 1
    assert _sweep(app) == 0
    _check_state(d.decision, date(2026, 3, 10), rules.FollowupState.ON_TRACK)

    _at(clock, date(2026, 3, 11))
    assert _sweep(app) == 0  # no more reminders for the report
    _check_state(d.decision, date(2026, 3, 11), rules.FollowupState.OVERDUE)
    assert queries.summaries([d.decision.id], date(2026, 3, 11))[d.decision.id].overdue == 1

    _at(clock, date(2026, 3, 13))  # seven days before the local adoption
    assert _sweep(app) == 1
    assert _notified() == [(d.sec.id, "before"), (d.sec.id, "on"), (d.rep.id, "before")]

    services.update_item(d.rep, adopt, status=FollowupStatus.IN_PROGRESS, progress=50,
                         comment="Saken er sendt formannskapet.")
    db.session.commit()
    summary = queries.summaries([d.decision.id], date(2026, 3, 13))[d.decision.id]
    assert summary.rollup == pytest.approx((0 * 1 + 50 * 2) / 3)

    services.update_item(d.sec, report, status=FollowupStatus.DROPPED, progress=0,
                         comment="Rapporteres i årsmeldingen i stedet.")
    db.session.commit()
    _check_state(d.decision, date(2026, 3, 13), rules.FollowupState.ON_TRACK)
    assert queries.summaries([d.decision.id], date(2026, 3, 13))[d.decision.id].rollup == 50

    _at(clock, date(2026, 3, 19))
    services.update_item(d.rep, adopt, status=FollowupStatus.DONE, progress=80)
    db.session.commit()
    assert adopt.progress == 100  # done counts as 100

    _at(clock, date(2026, 3, 20))
    assert _sweep(app) == 0  # done before its due date: no reminder
    _check_state(d.decision, date(2026, 3, 20), rules.FollowupState.DONE)
    assert queries.summaries([d.decision.id], date(2026, 3, 20))[d.decision.id].rollup == 100
    assert len(_notified()) == 3
    acts = db.session.scalars(select(AuditEntry.act).where(
        AuditEntry.object_type == "followup_items").order_by(AuditEntry.id)).all()
    assert acts == ["followup.created", "followup.created", "followup.reminded",
                    "followup.reminded", "followup.reminded", "followup.updated",
                    "followup.updated", "followup.updated"]
    assert [u.progress for u in adopt.updates] == [50, 100]  # kept as history


def test_a_missed_early_reminder_is_not_sent_late_and_the_due_day_one_goes_once(
        app, clock, decided):
    d = decided
    services.create_item(d.sec, what="Sende svar", owner_kind=OwnerKind.MEMBER,
                         member=d.member, due=date(2026, 3, 4), decision=d.decision)
    db.session.commit()
    _at(clock, date(2026, 3, 5))  # the sweep did not run until after the due date

    assert _sweep(app) == 1
    assert _sweep(app) == 0
    assert _notified() == [(d.rep.id, "on")]


def test_a_moved_due_date_is_reminded_anew(app, clock, decided):
    d = decided
    item = services.create_item(d.sec, what="Sende svar", owner_kind=OwnerKind.MEMBER,
                                member=d.member, due=date(2026, 3, 5), decision=d.decision)
    db.session.commit()
    assert _sweep(app) == 1  # before
    services.edit_item(d.sec, item, what=item.what, owner_kind=OwnerKind.MEMBER,
                       member=d.member, due=date(2026, 3, 6), weight=1)
    db.session.commit()

    assert _sweep(app) == 1
    assert [stage for _user, stage in _notified()] == ["before", "before"]


def test_the_reminder_is_configurable(app, clock, decided):
    app.config["FOLLOWUP_REMIND_DAYS"] = 2
    d = decided
    services.create_item(d.sec, what="Sende svar", owner_kind=OwnerKind.MEMBER,
                         member=d.member, due=date(2026, 3, 5), decision=d.decision)
    db.session.commit()
    assert _sweep(app) == 0
    _at(clock, date(2026, 3, 3))
    assert _sweep(app) == 1


def test_the_reminder_leads_to_the_item_and_says_what_is_due(app, clock, decided):
    d = decided
    item = services.create_item(d.sec, what="Sende svar", owner_kind=OwnerKind.MEMBER,
                                member=d.member, due=date(2026, 3, 5), decision=d.decision)
    db.session.commit()
    _sweep(app)
    notification = db.session.scalar(select(Notification).where(
        Notification.kind == NotificationKind.FOLLOWUP_DUE))
    with app.test_request_context():
        message = messages.compose(notification)
        assert "Sende svar" in message.subject
        assert message.action[1].endswith(f"/follow-up/{item.id}")
        assert messages.still_relevant(notification)
        services.update_item(d.rep, item, status=FollowupStatus.DONE, progress=100)
        assert not messages.still_relevant(notification)


# --- Who may do what ------------------------------------------------------------------

def test_the_owner_and_the_secretariat_update_and_nobody_else(app, make, decided):
    d = decided
    item = services.create_item(d.sec, what="Vedta lokalt", owner_kind=OwnerKind.MEMBER,
                                member=d.member, due=date(2026, 3, 20), decision=d.decision)
    board = make.user(Role.BOARD)
    db.session.commit()

    assert can(d.rep, "update", item) and can(d.sec, "update", item)
    assert not can(d.other_rep, "update", item) and not can(board, "update", item)
    assert not can(d.rep, "edit", item) and not can(d.rep, "create", kind="followup")
    with pytest.raises(NotAllowed):
        services.update_item(d.other_rep, item, status=FollowupStatus.DONE, progress=100)
    with pytest.raises(NotAllowed):
        services.create_item(d.rep, what="Eget punkt", owner_kind=OwnerKind.SECRETARIAT,
                             due=date(2026, 4, 1), decision=d.decision)


def test_a_groups_item_is_updated_by_its_chair_and_secretary_with_a_login(app, make, decided):
    d = decided
    group = make.group()
    chair, secretary, seat_member = make.user(Role.BOARD), make.user(Role.BOARD), make.user(
        Role.BOARD)
    make.seat(group, role=GroupRole.CHAIR, user_=chair)
    make.seat(group, role=GroupRole.SECRETARY, user_=secretary)
    make.seat(group, role=GroupRole.MEMBER, user_=seat_member)
    item = services.create_item(d.sec, what="Legge fram for styret",
                                owner_kind=OwnerKind.GROUP, group=group,
                                due=date(2026, 3, 5), decision=d.decision)
    db.session.commit()

    assert can(chair, "update", item) and can(secretary, "update", item)
    assert not can(seat_member, "update", item)
    assert {u.id for u in services.owners(item)} == {chair.id, secretary.id}


def test_an_update_over_the_web_by_the_owner_and_a_refusal_to_another(
        app, client, make, decided):
    d = decided
    item = services.create_item(d.sec, what="Vedta lokalt", owner_kind=OwnerKind.MEMBER,
                                member=d.member, due=date(2026, 3, 20), decision=d.decision)
    db.session.commit()
    login(client, d.other_rep)
    assert client.post(f"/follow-up/{item.id}/update",
                       data={"status": "done", "progress": "100"}).status_code == 403
    client.post("/logout")

    login(client, d.rep)
    bad = client.post(f"/follow-up/{item.id}/update",
                      data={"status": "in_progress", "progress": "150", "comment": "Hei"})
    assert bad.status_code == 422 and "150" in bad.text
    ok = client.post(f"/follow-up/{item.id}/update",
                     data={"status": "in_progress", "progress": "30", "comment": "I gang",
                           "lock_version": item.lock_version})
    assert ok.status_code == 303
    db.session.expire_all()
    assert (item.status, item.progress) == (FollowupStatus.IN_PROGRESS, 30)
    assert client.post(f"/follow-up/{item.id}/update",  # a stale form
                       data={"status": "done", "progress": "100",
                             "lock_version": 1}).status_code == 422


def test_an_item_needs_what_and_a_positive_weight(app, decided):
    d = decided
    with pytest.raises(DomainError):
        services.create_item(d.sec, what="  ", owner_kind=OwnerKind.SECRETARIAT,
                             due=date(2026, 4, 1), decision=d.decision)
    with pytest.raises(DomainError):
        services.create_item(d.sec, what="Noe", owner_kind=OwnerKind.SECRETARIAT,
                             due=date(2026, 4, 1), weight=0, decision=d.decision)
    with pytest.raises(DomainError):
        services.create_item(d.sec, what="Noe", owner_kind=OwnerKind.MEMBER,
                             due=date(2026, 4, 1), decision=d.decision)
    assert db.session.scalar(select(func.count()).select_from(FollowupItem)) == 0


# --- Pages ----------------------------------------------------------------------------

def test_the_start_page_lists_her_items_overdue_first(app, client, clock, decided):
    d = decided
    later = services.create_item(d.sec, what="Punkt med senere frist",
                                 owner_kind=OwnerKind.MEMBER, member=d.member,
                                 due=date(2026, 3, 30), decision=d.decision)
    late = services.create_item(d.sec, what="Punkt som er forsinket",
                                owner_kind=OwnerKind.MEMBER, member=d.member,
                                due=date(2026, 3, 1), decision=d.decision)
    services.create_item(d.sec, what="Sekretariatets punkt",
                         owner_kind=OwnerKind.SECRETARIAT, due=date(2026, 3, 1),
                         decision=d.decision)
    db.session.commit()
    login(client, d.rep)

    page = client.get("/").text
    assert page.index(late.what) < page.index(later.what)
    assert "Sekretariatets punkt" not in page


def test_the_secretariats_list_filters_by_owner_status_and_overdue(app, client, decided):
    d = decided
    services.create_item(d.sec, what="Medlemmets punkt", owner_kind=OwnerKind.MEMBER,
                         member=d.member, due=date(2026, 3, 1), decision=d.decision)
    services.create_item(d.sec, what="Sekretariatets punkt",
                         owner_kind=OwnerKind.SECRETARIAT, due=date(2026, 3, 30),
                         decision=d.decision)
    db.session.commit()
    login(client, d.sec)

    overdue = client.get("/follow-up/?overdue=1").text
    assert "Medlemmets punkt" in overdue and "Sekretariatets punkt" not in overdue
    mine = client.get("/follow-up/?owner=secretariat").text
    assert "Sekretariatets punkt" in mine and "Medlemmets punkt" not in mine
    assert "Medlemmets punkt" not in client.get("/follow-up/?status=done").text
    by_member = client.get(f"/follow-up/?owner=member:{d.member.id}").text
    assert "Medlemmets punkt" in by_member


def test_the_public_decision_shows_progress_without_person_names(app, client, decided):
    d = decided
    item = services.create_item(d.sec, what="Vedta lokalt", owner_kind=OwnerKind.MEMBER,
                                member=d.member, due=date(2026, 3, 20), decision=d.decision)
    services.update_item(d.rep, item, status=FollowupStatus.IN_PROGRESS, progress=40,
                         comment="Hemmelig merknad")
    db.session.commit()

    page = client.get(f"/public/decisions/{d.decision.year}/{d.decision.number}").text
    assert "Vedta lokalt" in page and "40 %" in page
    assert d.rep.name not in page and "Hemmelig merknad" not in page


def test_the_register_filters_decisions_by_follow_up_state(app, client, clock, decided):
    d = decided
    services.create_item(d.sec, what="Forsinket", owner_kind=OwnerKind.SECRETARIAT,
                         due=date(2026, 3, 1), decision=d.decision)
    db.session.commit()
    login(client, d.sec)
    ref = d.decision.ref
    assert ref in client.get("/decisions/?followup=overdue").text
    assert ref not in client.get("/decisions/?followup=on_track").text
    assert ref not in client.get("/decisions/?followup=none").text


def test_due_for_report_lists_open_items_overdue_or_due_before_a_day(app, decided):
    d = decided
    overdue = services.create_item(d.sec, what="A", owner_kind=OwnerKind.SECRETARIAT,
                                   due=date(2026, 2, 20), decision=d.decision)
    soon = services.create_item(d.sec, what="B", owner_kind=OwnerKind.SECRETARIAT,
                                due=date(2026, 3, 15), decision=d.decision)
    services.create_item(d.sec, what="C", owner_kind=OwnerKind.SECRETARIAT,
                         due=date(2026, 4, 15), decision=d.decision)
    done = services.create_item(d.sec, what="D", owner_kind=OwnerKind.SECRETARIAT,
                                due=date(2026, 3, 1), decision=d.decision)
    services.update_item(d.sec, done, status=FollowupStatus.DONE, progress=100)
    db.session.commit()

    found = queries.due_for_report(date(2026, 4, 1))
    assert found == [overdue, soon]
    assert found[0].decision == d.decision


def test_the_decision_page_shows_rollup_review_date_and_overdue(app, client, decided):
    d = decided
    services.create_item(d.sec, what="Forsinket punkt", owner_kind=OwnerKind.SECRETARIAT,
                         due=date(2026, 3, 1), weight=1, decision=d.decision)
    db.session.commit()
    login(client, d.sec)
    assert client.post(f"/follow-up/decision/{d.decision.id}/review",
                       data={"review_date": "2026-06-01"}).status_code == 303
    assert register_queries.decision(d.decision.year, d.decision.number).review_date == (
        date(2026, 6, 1))
    client.post("/language", data={"lang": "en"})

    page = client.get(f"/decisions/{d.decision.year}/{d.decision.number}").text
    assert "1 item overdue" in page and "0 % done" in page
    assert "Review date: June 1, 2026" in page


def test_the_demo_has_a_decision_with_follow_up_items_in_every_state(app):
    demo_data()
    db.session.commit()
    items = db.session.scalars(select(FollowupItem)).all()
    today = oslo_today()

    assert {i.status for i in items} == set(FollowupStatus)
    assert any(rules.is_overdue(i, today) for i in items)
    assert len({i.decision_id for i in items}) == 1
    assert items[0].decision.review_date is not None


def test_the_owner_follows_the_reminder_from_her_notifications_to_the_item(
        app, client, decided):
    d = decided
    item = services.create_item(d.sec, what="Sende svar", owner_kind=OwnerKind.MEMBER,
                                member=d.member, due=date(2026, 3, 5), decision=d.decision)
    db.session.commit()
    _sweep(app)
    reminder = db.session.scalar(select(Notification).where(
        Notification.kind == NotificationKind.FOLLOWUP_DUE))
    login(client, d.rep)

    assert "Sende svar" in client.get("/notifications/").text
    followed = client.post(f"/notifications/{reminder.id}/open")
    assert followed.status_code == 303
    assert followed.headers["Location"].endswith(f"/follow-up/{item.id}")
    assert "Registrer en oppdatering" in client.get(f"/follow-up/{item.id}").text


def test_an_action_in_minutes_gets_follow_up_and_keeps_its_line(app, client, make, decided):
    d = decided
    group = make.group()
    meeting = make.meeting(group)
    item = make.item(d.sec, meeting, "Årsmelding")
    agenda.publish_notice(d.sec, meeting)
    make.held(d.sec, meeting)
    action = minutes.add_action(d.sec, item, description="Sende årsmeldingen ut.",
                                owner="Sekretariatet", due=None)
    db.session.commit()
    login(client, d.sec)

    made = client.post(f"/follow-up/action/{action.id}/new",
                       data={"what": "Årsmeldingen sendt", "owner": "secretariat",
                             "due": "2026-04-01", "weight": "1"})
    assert made.status_code == 303
    followed = db.session.scalar(select(FollowupItem).where(
        FollowupItem.action_id == action.id))
    assert followed is not None and followed.decision_id is None
    assert "Årsmeldingen sendt" in client.get("/follow-up/").text
    assert not can(d.rep, "view", followed)  # draft minutes are not hers to read
    with pytest.raises(DomainError):
        minutes.remove_minutes_line(d.sec, action)
