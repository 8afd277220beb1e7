"""Ratification (tilslutning) after a decision: a decision run through time with the
test clock — the state at each step (rules and SQL agree), reminders exactly once
before and after the deadline and only to members without a row, the representative's
form from the reminder's link, the secretariat on a member's behalf, the report-back
item frozen at publishing, and the CSV table."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from decisions.accounts.models import Role
from decisions.audit.models import AuditEntry
from decisions.clock import now
from decisions.clock import oslo_today as today
from decisions.errors import Conflict, DomainError, NotAllowed
from decisions.extensions import db
from decisions.files import storage
from decisions.meetings import agenda
from decisions.meetings.models import AgendaItem, GroupKind
from decisions.notifications import messages
from decisions.notifications.models import (
    EmailState,
    Notification,
    NotificationKind,
    OutboundEmail,
)
from decisions.proposals.models import PositionKind
from decisions.ratification import queries, services
from decisions.ratification.models import Body, InForce, LocalOutcome, Ratification
from decisions.ratification.rules import StateKind, public_link
from decisions.ratification.views import table_csv
from decisions.register.models import Decision
from decisions.sweep import sweep
from tests.world import demo_data

DEADLINE = date(2026, 4, 15)


def run_sweep(app):
    db.session.commit()
    with app.app_context():
        return sweep()


def reminders(which: str | None = None) -> list[Notification]:
    db.session.commit()
    found = db.session.scalars(select(Notification).where(
        Notification.kind == NotificationKind.RATIFICATION).order_by(Notification.id)).all()
    return [n for n in found if which is None or n.params["which"] == which]


@pytest.fixture
def decided(app, make):
    """Four members (a representative each) adopt a proposal whose decision needs three
    of them to adopt it in their councils by 15 April."""
    sec = make.user(Role.SECRETARIAT)
    members = [make.member(f"Kommune {n}", subregion_name=region)
               for n, region in (("A", "Follo"), ("B", "Follo"), ("C", "Romerike"),
                                 ("D", "Romerike"))]
    reps = [make.representative(m) for m in members]
    round_ = make.round_(sec, members)
    services.set_requirement(sec, round_.proposal, body=Body.COUNCIL, deadline=DEADLINE,
                             in_force=InForce.COUNT, required_count=3, remind_days=14)
    db.session.commit()
    for rep, member in zip(reps, members, strict=True):
        make.position(rep, round_, member, PositionKind.SUPPORT)
    decision = db.session.scalar(select(Decision).where(Decision.round_id == round_.id))
    return {"sec": sec, "members": members, "reps": reps, "decision": decision}


def state_now(decision):
    """The state by the rules, checked against the SQL filter of the register."""
    db.session.commit()
    requirement = queries.requirement_for(decision.proposal_id)
    day = today(now())
    computed = queries.board(decision, requirement, day).state
    by_sql = {kind for kind in StateKind if db.session.scalar(
        queries.filtered(select(Decision.id).where(Decision.id == decision.id), kind, day))}
    assert by_sql == {computed.kind}
    return computed


def handle(actor, decision, member, outcome=LocalOutcome.ADOPTED, on=None, **kw):
    row = services.record_handling(
        actor, decision, member, body=Body.COUNCIL, meeting_date=on or today(now()),
        case_number=kw.pop("case_number", "2026/123"), outcome=outcome, **kw)
    db.session.commit()
    return row


def test_a_decision_through_time_state_at_each_step_and_reminders_exactly_once(
        app, clock, decided):
    decision, (a, b, c, d), reps = decided["decision"], decided["members"], decided["reps"]
    state = state_now(decision)
    assert (state.kind, state.adopted, state.needed, state.waiting) == (
        StateKind.AWAITING, 0, 3, 4)
    assert run_sweep(app).ratification_reminded == 0  # 14 days before is 1 April

    clock.set(datetime(2026, 3, 11, 12, tzinfo=UTC))
    handle(reps[0], decision, a, on=date(2026, 3, 10))
    assert state_now(decision).adopted == 1

    clock.set(datetime(2026, 3, 31, 21, 59, tzinfo=UTC))  # 23:59 in Oslo: not yet
    assert run_sweep(app).ratification_reminded == 0
    clock.set(datetime(2026, 3, 31, 22, 0, tzinfo=UTC))  # Oslo midnight, 1 April
    assert run_sweep(app).ratification_reminded == 3
    assert {n.user_id for n in reminders("before")} == {r.id for r in reps[1:]}
    assert {n.email_state for n in reminders()} == {EmailState.QUEUED}  # made into emails
    subjects = set(db.session.scalars(select(OutboundEmail.subject)))
    assert f"Påminnelse: vedtak {decision.ref} venter på medlemmets tilslutning" in subjects
    clock.advance(hours=5)
    assert run_sweep(app).ratification_reminded == 0  # once
    assert len(reminders()) == 3

    clock.set(datetime(2026, 4, 6, 9, tzinfo=UTC))
    handle(reps[1], decision, b, LocalOutcome.ADOPTED_WITH_CHANGES, on=date(2026, 4, 5),
           change_text="Punkt 3 gjelder ikke kommunen.")
    handle(reps[2], decision, c, LocalOutcome.REJECTED, on=date(2026, 4, 6))
    state = state_now(decision)
    assert (state.kind, state.adopted, state.waiting) == (StateKind.AWAITING, 2, 1)

    clock.set(datetime(2026, 4, 15, 21, 59, tzinfo=UTC))  # the deadline's last minute
    assert run_sweep(app).ratification_reminded == 0
    assert state_now(decision).kind == StateKind.AWAITING
    clock.set(datetime(2026, 4, 15, 22, 0, tzinfo=UTC))  # 16 April in Oslo
    assert state_now(decision).kind == StateKind.FAILED
    assert run_sweep(app).ratification_reminded == 1
    assert [n.user_id for n in reminders("after")] == [reps[3].id]
    clock.advance(days=3)
    assert run_sweep(app).ratification_reminded == 0
    assert len(reminders()) == 4

    clock.set(datetime(2026, 4, 21, 9, tzinfo=UTC))
    handle(reps[3], decision, d, on=date(2026, 4, 20))  # late, but it completes the count
    state = state_now(decision)
    assert (state.kind, state.since) == (StateKind.IN_FORCE, date(2026, 4, 20))
    acts = db.session.scalars(select(AuditEntry.act).where(
        AuditEntry.act.like("ratification.%")).order_by(AuditEntry.id)).all()
    assert acts == ["ratification.required", "ratification.recorded",
                    "ratification.reminded", "ratification.recorded",
                    "ratification.recorded", "ratification.reminded",
                    "ratification.recorded"]


def test_a_member_owes_the_awaited_decisions_of_its_rounds_until_it_answers(
        app, make, clock, decided):
    decision, members, reps = decided["decision"], decided["members"], decided["reps"]
    outsider = make.member("Kommune E")
    clock.set(datetime(2026, 3, 11, 12, tzinfo=UTC))

    def owing() -> set[str]:
        return {m.name for m in [*members, outsider]
                for d, requirement in queries.owed_by(m.id, today(now()))
                if d.id == decision.id and requirement.deadline == DEADLINE}

    assert owing() == {"Kommune A", "Kommune B", "Kommune C", "Kommune D"}
    handle(reps[0], decision, members[0])
    assert owing() == {"Kommune B", "Kommune C", "Kommune D"}
    handle(reps[1], decision, members[1], LocalOutcome.REJECTED)
    assert owing() == {"Kommune C", "Kommune D"}
    clock.set(datetime(2026, 4, 15, 22, 0, tzinfo=UTC))  # 16 April in Oslo: failed
    assert owing() == set()


def test_a_rejection_that_leaves_too_few_members_fails_before_the_deadline(make, decided):
    decision, (a, b, _c, _d), reps = decided["decision"], decided["members"], decided["reps"]
    handle(reps[0], decision, a, LocalOutcome.REJECTED)
    assert state_now(decision).kind == StateKind.AWAITING
    handle(reps[1], decision, b, LocalOutcome.NOT_HANDLED)
    assert state_now(decision).kind == StateKind.FAILED  # 2 can adopt, 3 are needed


def test_the_representative_goes_from_the_reminder_to_done_and_others_may_not(
        app, client, make, clock, decided):
    decision, (a, b, _c, _d), reps = decided["decision"], decided["members"], decided["reps"]
    clock.set(datetime(2026, 4, 1, 8, tzinfo=UTC))
    run_sweep(app)
    (note,) = [n for n in reminders() if n.user_id == reps[0].id]
    with app.test_request_context():
        url = messages.link(note)
    assert url == f"/ratification/decisions/{decision.id}/members/{a.id}"
    make.login(client, reps[0])
    assert client.get(url).status_code == 200
    response = client.post(url, data={
        "body": "council", "meeting_date": "2026-03-31", "case_number": "=2026/55",
        "record_url": "https://innsyn.kommune-a.no/sak/55", "outcome": "adopted",
        "file": (io.BytesIO(make.pdf_bytes()), "vedtak.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    row = queries.row(decision.id, a.id)
    assert (row.outcome, row.on_behalf, row.pdf_filename) == (
        LocalOutcome.ADOPTED, False, "vedtak.pdf")
    assert client.get(f"{url}/decision.pdf").status_code == 200
    board = client.get(f"/ratification/decisions/{decision.id}")
    assert board.status_code == 200 and "innsyn.kommune-a.no" in board.text
    # Another member's form is not hers.
    assert client.get(f"/ratification/decisions/{decision.id}/members/{b.id}"
                      ).status_code == 403
    with pytest.raises(NotAllowed):
        handle(reps[0], decision, b)


def test_bad_input_is_refused_next_to_the_field_and_saves_nothing(app, client, make,
                                                                  decided):
    decision, a = decided["decision"], decided["members"][0]
    make.login(client, decided["reps"][0])
    url = f"/ratification/decisions/{decision.id}/members/{a.id}"
    response = client.post(url, data={
        "body": "council", "meeting_date": "2026-03-01", "case_number": "12/26",
        "record_url": "javascript:alert(1)", "outcome": "adopted_changed"})
    assert response.status_code == 422
    assert queries.row(decision.id, a.id) is None
    assert "12/26" in response.text
    assert not public_link("javascript:alert(1)") and public_link("http://x.no/a")
    with pytest.raises(DomainError) as refused:
        handle(decided["reps"][0], decision, a, LocalOutcome.ADOPTED_WITH_CHANGES)
    assert refused.value.field == "change_text"


def test_the_secretariat_records_on_the_members_written_behalf_shown_as_such(
        client, make, decided):
    decision, a = decided["decision"], decided["members"][0]
    row = handle(decided["sec"], decision, a)
    assert row.on_behalf
    make.login(client, decided["sec"])
    page = client.get(f"/ratification/decisions/{decision.id}").text
    assert "recorded by the secretariat" in page or "registrert av sekretariatet" in page \
        or "sekretariatet" in page


def test_the_csv_table_lists_every_member_and_never_runs_a_formula(app, decided):
    decision, (a, *_rest), reps = decided["decision"], decided["members"], decided["reps"]
    handle(reps[0], decision, a, case_number="=HYPERLINK(\"http://x\")")
    rows = list(csv.reader(io.StringIO(table_csv(decision))))
    assert rows[0][0] == "member" and len(rows) == 5
    (mine,) = [r for r in rows if r[0] == a.name]
    assert mine[4] == "'=HYPERLINK(\"http://x\")" and mine[6] == "adopted"


def test_the_report_back_item_lists_what_is_awaited_frozen_at_publishing(
        app, make, clock, decided):
    sec, decision, (a, b, _c, _d) = decided["sec"], decided["decision"], decided["members"]
    handle(decided["reps"][0], decision, a)
    group = make.group(kind=GroupKind.BOARD)
    meeting = make.meeting(group)
    item = services.add_report_back_item(sec, meeting)
    db.session.commit()
    agenda.publish_notice(sec, meeting)
    db.session.commit()
    text = db.session.get(AgendaItem, item.id).background
    assert f"Vedtak {decision.ref}" in text and "1 av 3" in text
    assert "Kommune B" in text and "Kommune A" not in text
    # Later handlings do not change what the published notice said.
    handle(decided["reps"][1], decision, b)
    db.session.expire_all()
    assert db.session.get(AgendaItem, item.id).background == text
    frozen = db.session.scalar(select(AuditEntry).where(
        AuditEntry.act == "ratification.report_back_frozen"))
    assert frozen.after["background"] == text
    # Only the board and the council report back.
    other = make.meeting(make.group(kind=GroupKind.EXPERT))
    with pytest.raises(DomainError):
        services.add_report_back_item(sec, other)


def test_the_requirement_is_the_secretariats_and_fixed_once_members_have_answered(
        make, decided):
    decision, a = decided["decision"], decided["members"][0]
    with pytest.raises(NotAllowed):
        services.set_requirement(decided["reps"][0], decision.proposal, body=Body.OTHER,
                                 body_other="Bystyret", deadline=DEADLINE,
                                 in_force=InForce.ALL)
    handle(decided["reps"][0], decision, a)
    with pytest.raises(DomainError):
        services.set_requirement(decided["sec"], decision.proposal, body=Body.COUNCIL,
                                 deadline=DEADLINE, in_force=InForce.ALL)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.act == "ratification.requirement_changed")) == 0


def test_the_views_show_what_is_owed_and_the_state_everywhere(app, client, make, decided):
    decision, (a, b, _c, _d), reps = decided["decision"], decided["members"], decided["reps"]
    handle(reps[0], decision, a, record_url="https://innsyn.a.no/1")
    make.login(client, reps[1])
    start = client.get("/").text
    assert f"/ratification/decisions/{decision.id}/members/{b.id}" in start
    make.login(client, reps[0])
    assert f"/ratification/decisions/{decision.id}/members/" not in client.get("/").text
    member_page = client.get(f"/ratification/members/{a.id}").text
    assert decision.ref in member_page
    owing = client.get("/decisions/?ratification=awaiting").text
    assert decision.ref in owing
    assert decision.ref not in client.get("/decisions/?ratification=in_force").text
    area = client.get(f"/areas/{decision.proposal.area_id}").text
    assert 'data-state="awaiting"' in area
    public = app.test_client().get(f"/public/decisions/{decision.year}/{decision.number}")
    assert public.status_code == 200 and "Kommune A" in public.text
    assert "innsyn.a.no" in public.text and reps[0].name not in public.text


def test_the_demo_has_a_decision_in_every_state_and_handlings_in_every_outcome(app):
    demo_data()
    db.session.commit()
    decisions = db.session.scalars(select(Decision)).all()
    states = queries.states_of(decisions, today(now()))
    assert {s.kind for s in states.values()} == set(StateKind)
    outcomes = set(db.session.scalars(select(Ratification.outcome).distinct()))
    assert outcomes == set(LocalOutcome)


@pytest.mark.real_pdf
def test_the_notice_pdf_prints_the_awaited_ratifications_of_its_publishing_day(
        app, make, decided):
    sec, decision = decided["sec"], decided["decision"]
    meeting = make.meeting(make.group(kind=GroupKind.COUNCIL))
    services.add_report_back_item(sec, meeting)
    db.session.commit()
    notice = agenda.publish_notice(sec, meeting)
    db.session.commit()
    text = " ".join(page.extract_text() for page in PdfReader(
        io.BytesIO(storage.read(notice.storage_key))).pages)
    assert "Oppfølging av vedtak" in text
    assert f"Vedtak {decision.ref}" in " ".join(text.split())


def test_a_correction_from_a_stale_form_is_refused_not_overwritten(decided):
    decision, a, rep = decided["decision"], decided["members"][0], decided["reps"][0]
    row = handle(rep, decision, a)
    stale = row.lock_version
    handle(decided["sec"], decision, a, case_number="2026/124", lock_version=stale)
    with pytest.raises(Conflict):
        handle(rep, decision, a, case_number="2026/125", lock_version=stale)
    db.session.rollback()
    assert queries.row(decision.id, a.id).case_number == "2026/124"
