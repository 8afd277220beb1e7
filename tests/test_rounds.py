"""Rounds, positions, revisions and decisions through the services and the database."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from decisions.accounts.models import Role
from decisions.audit import chain
from decisions.audit.models import AuditEntry
from decisions.clock import now
from decisions.errors import DomainError, NotAllowed
from decisions.extensions import db
from decisions.proposals import services
from decisions.proposals.models import (
    Outcome,
    Position,
    PositionChange,
    PositionKind,
    Procedure,
    Proposal,
    ProposalStatus,
    ProposalVersion,
    Round,
)
from decisions.register.models import Decision, DecisionNote

SUPPORT = PositionKind.SUPPORT
RESERVATION = PositionKind.RESERVATION
STAND_ASIDE = PositionKind.STAND_ASIDE
OBJECT = PositionKind.OBJECT
AMENDMENT = PositionKind.AMENDMENT


@pytest.fixture
def sec(app, make):
    return make.user(Role.SECRETARIAT)


def acts(**where) -> list[str]:
    stmt = select(AuditEntry.act).order_by(AuditEntry.id)
    for column, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, column) == value)
    return list(db.session.scalars(stmt))


def history(round_: Round, member) -> list[tuple]:
    return [(c.from_kind, c.kind, c.comment) for c in db.session.scalars(
        select(PositionChange).where(PositionChange.round_id == round_.id,
                                     PositionChange.member_id == member.id)
        .order_by(PositionChange.id))]


def position_of(round_: Round, member) -> Position | None:
    return db.session.scalar(select(Position).where(Position.round_id == round_.id,
                                                    Position.member_id == member.id))


def register(actor, round_, member, kind, comment=""):
    result = services.register_position(actor, round_, member, kind=kind, comment=comment)
    db.session.commit()
    return result


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def revise(sec, proposal, members, resolution="Osloregionen slutter seg til den reviderte "
           "strategien.", procedure=Procedure.CONSENT):
    """Revise the resolution text and circulate it for a week."""
    latest = proposal.versions[-1]
    round_ = services.revise_proposal(
        sec, proposal, title=latest.title, background=latest.background,
        resolution=resolution, members=members, deadline=now() + timedelta(days=7),
        procedure=procedure)
    db.session.commit()
    return round_


# Positions: changes and history


def test_position_can_be_changed_until_close_and_every_change_is_kept(sec, make, clock):
    a, b = make.member(), make.member()
    ra, rb = make.representative(a), make.representative(b)
    round_ = make.round_(sec, [a, b])

    register(ra, round_, a, SUPPORT)
    clock.advance(hours=1)
    register(ra, round_, a, OBJECT, "Kostnadene er ikke utredet.")
    clock.advance(hours=1)
    register(ra, round_, a, RESERVATION, "Kostnadene må fordeles etter folketall.")

    assert history(round_, a) == [
        (None, SUPPORT, ""),
        (SUPPORT, OBJECT, "Kostnadene er ikke utredet."),
        (OBJECT, RESERVATION, "Kostnadene må fordeles etter folketall."),
    ]
    current = position_of(round_, a)
    assert (current.kind, current.comment) == (
        RESERVATION, "Kostnadene må fordeles etter folketall.")
    assert current.registered_at == clock()
    assert acts(object_type="positions") == [
        "position.registered", "position.changed", "position.changed"]

    register(rb, round_, b, SUPPORT)  # everyone has answered: the round closes
    with pytest.raises(DomainError,
                       match=r"Denne høringsrunden er avsluttet\. Standpunkter kan ikke lenger "
                             r"endres\."):
        services.register_position(ra, round_, a, kind=SUPPORT)
    db.session.rollback()
    assert len(history(round_, a)) == 3


def test_registering_the_same_position_again_records_no_change(sec, make, clock):
    a, b = make.member(), make.member()
    ra = make.representative(a)
    round_ = make.round_(sec, [a, b])
    register(ra, round_, a, RESERVATION, "Merknad.")
    clock.advance(hours=1)
    register(ra, round_, a, RESERVATION, "  Merknad.  ")
    assert len(history(round_, a)) == 1
    assert acts(object_type="positions") == ["position.registered"]


def test_member_restating_a_position_the_secretariat_registered_is_recorded_as_its_own(
        sec, make, clock):
    a, b = make.member(), make.member()
    ra = make.representative(a)
    round_ = make.round_(sec, [a, b])
    register(sec, round_, a, RESERVATION, "Per brev: kostnadene må deles.")
    clock.advance(hours=2)
    register(ra, round_, a, RESERVATION, "Per brev: kostnadene må deles.")

    position = position_of(round_, a)
    assert (position.on_behalf, position.registered_by_id) == (False, ra.id)
    assert position.registered_at == clock()
    changes = db.session.scalars(select(PositionChange).order_by(PositionChange.id)).all()
    assert [(c.registered_by_id, c.on_behalf, c.from_kind, c.kind) for c in changes] == [
        (sec.id, True, None, RESERVATION), (ra.id, False, RESERVATION, RESERVATION)]


def test_secretariat_registers_on_behalf_and_it_is_recorded_as_such(sec, make):
    a, b = make.member(), make.member()
    round_ = make.round_(sec, [a, b])

    register(sec, round_, a, STAND_ASIDE, "Ikke relevant for oss.")

    position = position_of(round_, a)
    assert position.on_behalf is True
    assert position.registered_by_id == sec.id
    change = db.session.scalars(select(PositionChange)).one()
    assert (change.on_behalf, change.registered_by_id) == (True, sec.id)
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.act == "position.registered")).one()
    assert entry.actor_id == sec.id
    assert entry.object_id == position.id
    assert entry.after["on_behalf"] is True
    assert entry.after["member_id"] == a.id


def test_representative_registration_is_not_on_behalf(sec, make):
    a, b = make.member(), make.member()
    ra = make.representative(a)
    round_ = make.round_(sec, [a, b])
    register(ra, round_, a, SUPPORT)
    assert position_of(round_, a).on_behalf is False
    assert db.session.scalars(select(PositionChange)).one().on_behalf is False


@pytest.mark.parametrize("kind, comment", [(SUPPORT, ""), (STAND_ASIDE, ""),
                                           (RESERVATION, "Endret syn.")])
def test_secretariat_cannot_change_or_withdraw_a_members_objection(sec, make, kind, comment):
    a, b = make.member(), make.member()
    ra = make.representative(a)
    round_ = make.round_(sec, [a, b])
    register(ra, round_, a, OBJECT, "Strider mot kommuneplanen.")

    with pytest.raises(NotAllowed):
        services.register_position(sec, round_, a, kind=kind, comment=comment)
    db.session.rollback()

    position = position_of(round_, a)
    assert (position.kind, position.comment) == (OBJECT, "Strider mot kommuneplanen.")
    assert len(history(round_, a)) == 1


def test_only_the_members_representative_withdraws_its_objection(sec, make):
    a, b = make.member(), make.member()
    ra, rb = make.representative(a), make.representative(b)
    round_ = make.round_(sec, [a, b])
    register(sec, round_, a, OBJECT, "Innsigelse sendt per brev.")  # on written behalf
    register(rb, round_, b, SUPPORT)

    with pytest.raises(NotAllowed):
        services.register_position(sec, round_, a, kind=SUPPORT)
    db.session.rollback()
    with pytest.raises(NotAllowed):
        services.register_position(rb, round_, a, kind=SUPPORT)
    db.session.rollback()
    assert position_of(round_, a).kind == OBJECT

    register(ra, round_, a, SUPPORT)
    assert history(round_, a)[-1][:2] == (OBJECT, SUPPORT)
    db.session.refresh(round_)
    assert round_.outcome == Outcome.CONSENSUS


def test_secretariat_cannot_change_an_objection_through_the_position_form(sec, make, client):
    a, b = make.member(), make.member()
    ra = make.representative(a)
    round_ = make.round_(sec, [a, b])
    register(ra, round_, a, OBJECT, "Strider mot kommuneplanen.")

    make.login(client, sec)
    response = client.post(f"/rounds/{round_.id}/members/{a.id}/position",
                           data={"kind": "support"})
    assert response.status_code == 422
    # In bokmål, the default: "Only the objecting member can withdraw or change its objection."
    message = "Bare medlemmet som har fremmet innsigelsen, kan trekke eller endre den."
    assert message in response.text
    db.session.expire_all()
    assert position_of(round_, a).kind == OBJECT


def test_representative_of_another_member_cannot_register(sec, make):
    a, b = make.member(), make.member()
    rb = make.representative(b)
    round_ = make.round_(sec, [a, b])
    with pytest.raises(NotAllowed):
        services.register_position(rb, round_, a, kind=SUPPORT)
    db.session.rollback()
    assert position_of(round_, a) is None
    assert count(PositionChange) == 0


def test_representative_of_another_member_is_refused_over_http(sec, make, client):
    a, b = make.member(), make.member()
    rb = make.representative(b)
    round_ = make.round_(sec, [a, b])
    make.login(client, rb)
    response = client.post(f"/rounds/{round_.id}/members/{a.id}/position",
                           data={"kind": "object", "comment": "Nei."})
    assert response.status_code == 403
    assert count(Position) == 0


@pytest.mark.parametrize("role", [Role.BOARD, Role.ADMIN])
def test_board_members_and_admins_cannot_register_positions(sec, make, role):
    a = make.member()
    round_ = make.round_(sec, [a])
    with pytest.raises(NotAllowed):
        services.register_position(make.user(role), round_, a, kind=SUPPORT)
    db.session.rollback()
    assert count(Position) == 0


def test_a_member_outside_the_round_cannot_register(sec, make):
    a, outsider = make.member(), make.member()
    ro = make.representative(outsider)
    round_ = make.round_(sec, [a])
    with pytest.raises(DomainError, match=r"Kommune \d+ er ikke med i denne høringsrunden\."):
        services.register_position(ro, round_, outsider, kind=SUPPORT)
    db.session.rollback()
    assert count(Position) == 0


@pytest.mark.parametrize("kind", [OBJECT, RESERVATION])
@pytest.mark.parametrize("comment", ["", "   \n "])
def test_objection_and_reservation_need_a_comment(sec, make, kind, comment):
    a, b = make.member(), make.member()
    ra = make.representative(a)
    round_ = make.round_(sec, [a, b])
    with pytest.raises(DomainError) as error:
        services.register_position(ra, round_, a, kind=kind, comment=comment)
    assert error.value.field == "comment"
    db.session.rollback()
    assert count(Position) == 0


@pytest.mark.parametrize("kind", [SUPPORT, STAND_ASIDE])
def test_support_and_stand_aside_need_no_comment(sec, make, kind):
    a, b = make.member(), make.member()
    ra = make.representative(a)
    round_ = make.round_(sec, [a, b])
    register(ra, round_, a, kind)
    assert position_of(round_, a).kind == kind


def test_amendment_is_refused_in_a_consent_round(sec, make):
    a, b = make.member(), make.member()
    ra = make.representative(a)
    round_ = make.round_(sec, [a, b])
    with pytest.raises(DomainError) as error:
        services.register_position(ra, round_, a, kind=AMENDMENT, comment="Ny tekst.")
    assert error.value.field == "kind"
    db.session.rollback()
    assert count(Position) == 0


@pytest.mark.parametrize("after", [timedelta(0), timedelta(seconds=1), timedelta(days=30)])
def test_registering_at_or_after_the_deadline_is_refused(sec, make, clock, after):
    a, b = make.member(), make.member()
    ra = make.representative(a)
    round_ = make.round_(sec, [a, b], deadline=timedelta(days=7))
    clock.set(round_.deadline + after)
    with pytest.raises(DomainError,
                       match=r"Denne høringsrunden er avsluttet\. Standpunkter kan ikke lenger "
                             r"endres\."):
        services.register_position(ra, round_, a, kind=SUPPORT)
    db.session.rollback()
    assert count(Position) == 0


def test_registering_just_before_the_deadline_is_accepted(sec, make, clock):
    a, b = make.member(), make.member()
    ra = make.representative(a)
    round_ = make.round_(sec, [a, b], deadline=timedelta(days=7))
    clock.set(round_.deadline - timedelta(seconds=1))
    register(ra, round_, a, SUPPORT)
    assert position_of(round_, a).kind == SUPPORT


# Closing: early, at the deadline, and read paths without a job


def test_consent_round_closes_early_at_the_last_answer_and_creates_the_decision(sec, make, clock):
    a, b = make.member(), make.member()
    ra, rb = make.representative(a), make.representative(b)
    round_ = make.round_(sec, [a, b])
    register(ra, round_, a, SUPPORT)
    clock.advance(hours=5)
    last = clock()
    register(rb, round_, b, SUPPORT)
    db.session.refresh(round_)
    assert (round_.outcome, round_.closed_at) == (Outcome.CONSENSUS, last)
    decision = db.session.scalars(select(Decision)).one()
    assert decision.adopted_at == last
    assert round_.proposal.status == ProposalStatus.DECIDED


def test_silence_procedure_does_not_close_when_everyone_agrees(sec, make):
    a, b = make.member(), make.member()
    ra, rb = make.representative(a), make.representative(b)
    round_ = make.round_(sec, [a, b], procedure=Procedure.SILENCE)
    register(ra, round_, a, SUPPORT)
    register(rb, round_, b, SUPPORT)
    db.session.refresh(round_)
    assert round_.outcome is None
    assert count(Decision) == 0


@pytest.mark.parametrize("kind", [OBJECT, AMENDMENT])
def test_broken_silence_ends_the_procedure_at_once_as_not_adopted(sec, make, clock, kind):
    a, b = make.member(), make.member()
    ra, rb = make.representative(a), make.representative(b)
    round_ = make.round_(sec, [a, b], procedure=Procedure.SILENCE)
    clock.advance(hours=3)
    register(ra, round_, a, kind, "Ordet «bør» må bli «skal».")
    db.session.refresh(round_)
    assert (round_.outcome, round_.closed_at) == (Outcome.NOT_ADOPTED, clock())
    with pytest.raises(DomainError,
                       match=r"Denne høringsrunden er avsluttet\. Standpunkter kan ikke lenger "
                             r"endres\."):
        services.register_position(rb, round_, b, kind=SUPPORT)
    db.session.rollback()
    assert count(Decision) == 0
    assert round_.proposal.status == ProposalStatus.CIRCULATED


def test_silence_held_at_the_deadline_is_adopted_with_a_decision(sec, make, clock):
    a, b = make.member(), make.member()
    round_ = make.round_(sec, [a, b], procedure=Procedure.SILENCE)
    clock.set(round_.deadline + timedelta(minutes=1))
    assert services.settle_due_rounds() == 1
    db.session.commit()
    db.session.refresh(round_)
    assert (round_.outcome, round_.closed_at) == (Outcome.ADOPTED, round_.deadline)
    decision = db.session.scalars(select(Decision)).one()
    assert decision.procedure == Procedure.SILENCE
    assert decision.adopted_at == round_.deadline


def _round_page(client, round_id: int) -> str:
    response = client.get(f"/rounds/{round_id}")
    assert response.status_code == 200
    return response.text


def test_the_first_page_after_the_deadline_shows_and_records_the_outcome_without_the_job(
        app, sec, make, clock, client):
    a, b = make.member(), make.member()
    ra = make.representative(a)
    round_ = make.round_(sec, [a, b])
    register(ra, round_, a, SUPPORT)
    app.config.update(SESSION_IDLE_MINUTES=60 * 24 * 30, SESSION_ABSOLUTE_HOURS=24 * 30)
    make.login(client, sec)
    assert "state-open" in _round_page(client, round_.id)

    clock.set(round_.deadline + timedelta(hours=1))
    db.session.rollback()
    assert db.session.get(Round, round_.id).outcome is None  # nothing ran yet
    page = _round_page(client, round_.id)  # a GET, the first request after the deadline

    assert "state-consensus" in page
    assert "state-open" not in page
    db.session.rollback()
    assert db.session.get(Round, round_.id).outcome == Outcome.CONSENSUS
    decision = db.session.scalars(select(Decision)).one()
    assert (decision.round_id, decision.adopted_at) == (round_.id, round_.deadline)
    assert acts(act="decision.recorded") == ["decision.recorded"]

    # The job finds nothing left to do, and settling again changes nothing.
    assert services.settle_due_rounds() == 0
    assert services.settle_round(db.session.get(Round, round_.id)).outcome == Outcome.CONSENSUS
    db.session.commit()
    assert count(Decision) == 1
    assert "state-consensus" in _round_page(client, round_.id)


def test_the_settle_job_records_an_ended_round_exactly_once(sec, make, clock):
    a = make.member()
    round_ = make.round_(sec, [a])
    clock.set(round_.deadline)

    assert services.settle_due_rounds() == 1
    db.session.commit()
    assert services.settle_due_rounds() == 0
    db.session.commit()
    assert count(Decision) == 1
    assert acts(act="decision.recorded") == ["decision.recorded"]


def test_round_past_its_deadline_with_an_objection_shows_no_consensus(sec, make, clock, client):
    a, b = make.member(), make.member()
    ra = make.representative(a)
    round_ = make.round_(sec, [a, b])
    register(ra, round_, a, OBJECT, "Mangler konsekvensutredning.")
    clock.set(round_.deadline)
    make.login(client, ra)
    page = _round_page(client, round_.id)
    assert "state-no_consensus" in page

    db.session.rollback()
    db.session.refresh(round_)
    assert (round_.outcome, round_.closed_at) == (Outcome.NO_CONSENSUS, round_.deadline)
    assert count(Decision) == 0
    assert round_.proposal.status == ProposalStatus.CIRCULATED  # back with the secretariat


def test_quorum_not_met_at_the_deadline_gives_no_consensus(sec, make, clock):
    members = [make.member() for _ in range(4)]
    reps = [make.representative(m) for m in members]
    round_ = make.round_(sec, members, quorum_percent=75)
    register(reps[0], round_, members[0], SUPPORT)
    register(reps[1], round_, members[1], STAND_ASIDE)
    clock.set(round_.deadline)
    services.settle_due_rounds()
    db.session.commit()
    db.session.refresh(round_)
    assert round_.outcome == Outcome.NO_CONSENSUS
    assert count(Decision) == 0


def test_settle_due_rounds_leaves_open_rounds_alone(sec, make, clock):
    a = make.member()
    round_ = make.round_(sec, [a], deadline=timedelta(days=7))
    clock.set(round_.deadline - timedelta(seconds=1))
    assert services.settle_due_rounds() == 0
    db.session.refresh(round_)
    assert round_.outcome is None


# Revision


def test_revising_makes_version_2_and_a_new_round_and_supersedes_the_open_round(sec, make, clock):
    a, b = make.member(), make.member()
    ra = make.representative(a)
    first = make.round_(sec, [a, b])
    register(ra, first, a, OBJECT, "Kostnadene er ikke utredet.")
    clock.advance(days=1)
    proposal = first.proposal

    second = revise(sec, proposal, [a, b])

    db.session.refresh(first)
    assert (first.outcome, first.closed_at) == (Outcome.SUPERSEDED, clock())
    assert second.id != first.id and second.outcome is None
    assert [v.number for v in proposal.versions] == [1, 2]
    assert second.version.number == 2
    assert second.version.resolution == "Osloregionen slutter seg til den reviderte strategien."
    assert first.version.resolution == "Osloregionen slutter seg til strategien."  # frozen
    assert position_of(second, a) is None  # positions do not carry over silently
    assert count(Decision) == 0
    with pytest.raises(DomainError,
                       match=r"Denne høringsrunden er avsluttet\. Standpunkter kan ikke lenger "
                             r"endres\."):  # the old text takes no more positions
        services.register_position(ra, first, a, kind=SUPPORT)
    db.session.rollback()


def test_revising_with_the_same_text_is_refused(sec, make):
    a = make.member()
    round_ = make.round_(sec, [a])
    with pytest.raises(DomainError) as error:
        revise(sec, round_.proposal, [a], resolution=round_.version.resolution)
    assert error.value.field == "resolution"
    db.session.rollback()
    assert count(ProposalVersion) == 1
    assert db.session.get(Round, round_.id).outcome is None


def test_member_sees_the_diff_and_confirms_its_previous_position_in_one_post(
        sec, make, clock, client):
    a, b = make.member(), make.member()
    ra = make.representative(a)
    first = make.round_(sec, [a, b])
    register(ra, first, a, OBJECT, "Kostnadene er ikke utredet.")
    second = revise(sec, first.proposal, [a, b],
                    resolution="Osloregionen slutter seg til planen.")

    make.login(client, ra)
    page = client.get(f"/rounds/{second.id}/members/{a.id}/position")
    assert page.status_code == 200
    marks = re.sub(r'<span class="ds-sr-only">[^<]*</span>', "", page.text)
    assert "<del>strategien.</del><ins>planen.</ins>" in marks
    confirm_url = f"/rounds/{second.id}/members/{a.id}/confirm"
    assert f'action="{confirm_url}"' in page.text
    assert "Kostnadene er ikke utredet." in page.text  # its previous position, shown

    response = client.post(confirm_url)
    assert response.status_code == 303

    db.session.expire_all()
    position = position_of(second, a)
    assert (position.kind, position.comment) == (OBJECT, "Kostnadene er ikke utredet.")
    change = db.session.scalars(
        select(PositionChange).where(PositionChange.round_id == second.id)).one()
    assert change.confirmed_from_round_id == first.id
    assert change.registered_by_id == ra.id
    assert acts(object_type="positions")[-1] == "position.confirmed"


def test_a_stale_confirm_does_not_overwrite_the_answer_to_the_new_version(
        sec, make, client):
    a, b = make.member(), make.member()
    ra = make.representative(a)
    first = make.round_(sec, [a, b])
    register(ra, first, a, OBJECT, "Kostnadene er ikke utredet.")
    second = revise(sec, first.proposal, [a, b])
    register(ra, second, a, SUPPORT)  # answered the new text; then a stale tab confirms

    make.login(client, ra)
    client.post(f"/rounds/{second.id}/members/{a.id}/confirm")

    db.session.expire_all()
    assert position_of(second, a).kind == SUPPORT  # the objection did not come back
    assert [kind for _, kind, _ in history(second, a)] == [SUPPORT]


def test_confirm_without_an_earlier_position_is_refused(sec, make):
    a, b = make.member(), make.member()
    ra = make.representative(a)
    first = make.round_(sec, [a, b])
    second = revise(sec, first.proposal, [a, b])
    with pytest.raises(DomainError, match=r"Det finnes ikke noe tidligere standpunkt å bekrefte\."):
        services.confirm_previous_position(ra, second, a)
    db.session.rollback()
    assert count(Position) == 0


def test_revising_after_no_consensus_opens_a_new_round(sec, make, clock):
    a = make.member()
    ra = make.representative(a)
    first = make.round_(sec, [a])
    register(ra, first, a, OBJECT, "Nei.")
    clock.set(first.deadline + timedelta(days=1))
    second = revise(sec, first.proposal, [a])
    db.session.refresh(first)
    assert first.outcome == Outcome.NO_CONSENSUS  # settled, not superseded
    assert first.closed_at == first.deadline
    register(ra, second, a, SUPPORT)
    db.session.refresh(second)
    assert second.outcome == Outcome.CONSENSUS


def test_a_decided_proposal_cannot_be_revised_or_withdrawn(sec, make, clock):
    a = make.member()
    round_ = make.round_(sec, [a], procedure=Procedure.SILENCE)
    clock.set(round_.deadline)  # silence held; no job has recorded it yet
    proposal = round_.proposal
    with pytest.raises(DomainError, match=r"Det er allerede fattet vedtak i denne saken\."):
        revise(sec, proposal, [a])
    db.session.rollback()
    with pytest.raises(DomainError, match=r"Det er allerede fattet vedtak i denne saken\."):
        services.withdraw_proposal(sec, proposal)
    db.session.rollback()
    assert count(ProposalVersion) == 1
    assert db.session.get(Proposal, proposal.id).status == ProposalStatus.CIRCULATED
    services.settle_due_rounds()
    db.session.commit()
    assert db.session.get(Proposal, proposal.id).status == ProposalStatus.DECIDED
    assert count(Decision) == 1


def test_withdrawing_the_proposal_ends_its_open_round(sec, make, clock):
    a = make.member()
    ra = make.representative(a)
    round_ = make.round_(sec, [a, make.member()])
    clock.advance(hours=2)
    services.withdraw_proposal(sec, round_.proposal)
    db.session.commit()
    db.session.refresh(round_)
    assert (round_.outcome, round_.closed_at) == (Outcome.WITHDRAWN, clock())
    assert round_.proposal.status == ProposalStatus.WITHDRAWN
    with pytest.raises(DomainError,
                       match=r"Denne høringsrunden er avsluttet\. Standpunkter kan ikke lenger "
                             r"endres\."):
        services.register_position(ra, round_, a, kind=SUPPORT)
    db.session.rollback()


# Numbers


def test_case_number_is_given_at_first_circulation_only(sec, make, clock):
    a = make.member()
    ra = make.representative(a)
    first = make.proposal(sec)
    assert first.case_number is None and first.case_ref is None
    make.round_(sec, [a], proposal_=first)
    assert first.case_ref == "01/2026"

    other = make.round_(sec, [a]).proposal
    assert other.case_ref == "02/2026"

    revise(sec, first, [a])  # a new version and round: same case
    register(ra, first.rounds[-1], a, OBJECT, "Nei.")
    clock.set(first.rounds[-1].deadline)
    services.open_round(sec, first, members=[a], deadline=clock() + timedelta(days=7),
                        procedure=Procedure.CONSENT)  # a new round after no consensus
    db.session.commit()
    db.session.expire_all()
    assert len(first.rounds) == 3
    assert first.case_ref == "01/2026"
    assert make.round_(sec, [a]).proposal.case_ref == "03/2026"


def test_case_number_year_is_the_year_in_oslo(sec, make, clock):
    a = make.member()
    clock.set(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))  # 00:30 on 1 January in Oslo
    round_ = make.round_(sec, [a])
    assert round_.proposal.case_ref == "01/2027"


def test_decisions_are_numbered_in_sequence(sec, make):
    a = make.member()
    ra = make.representative(a)
    refs = []
    for _ in range(3):
        round_ = make.round_(sec, [a])
        register(ra, round_, a, SUPPORT)
        refs.append(db.session.scalars(
            select(Decision).where(Decision.round_id == round_.id)).one().ref)
    assert refs == ["2026/001", "2026/002", "2026/003"]


def test_a_round_that_does_not_adopt_takes_no_decision_number(sec, make, clock):
    a = make.member()
    ra = make.representative(a)
    failed = make.round_(sec, [a])
    register(ra, failed, a, OBJECT, "Nei.")
    clock.set(failed.deadline)
    services.settle_due_rounds()
    db.session.commit()
    adopted = make.round_(sec, [a])
    register(ra, adopted, a, SUPPORT)
    assert db.session.scalars(select(Decision)).one().ref == "2026/001"


# Decisions


def test_reservations_and_stand_asides_are_attached_to_the_decision(sec, make):
    a, b, c = make.member("Asker"), make.member("Bærum"), make.member("Drammen")
    ra, rb, rc = (make.representative(m) for m in (a, b, c))
    round_ = make.round_(sec, [a, b, c])
    register(ra, round_, a, RESERVATION, "Kostnadene fordeles etter folketall.")
    register(rb, round_, b, STAND_ASIDE, "Gjelder ikke oss.")
    register(rc, round_, c, SUPPORT, "Bra.")

    decision = db.session.scalars(select(Decision)).one()
    assert decision.round_id == round_.id
    assert decision.resolution == round_.version.resolution
    assert decision.title == round_.version.title
    assert sorted((n.member.name, n.kind, n.comment) for n in decision.notes) == [
        ("Asker", RESERVATION, "Kostnadene fordeles etter folketall."),
        ("Bærum", STAND_ASIDE, "Gjelder ikke oss."),
    ]


def test_decision_takes_the_text_of_the_version_its_round_circulated(sec, make):
    a = make.member()
    ra = make.representative(a)
    first = make.round_(sec, [a, make.member()])
    register(ra, first, a, SUPPORT)  # on version 1; superseded before it closed
    second = revise(sec, first.proposal, [a], resolution="Versjon to.")
    register(ra, second, a, SUPPORT)
    decision = db.session.scalars(select(Decision)).one()
    assert (decision.round_id, decision.resolution) == (second.id, "Versjon to.")
    assert count(DecisionNote) == 0  # plain support is not noted


# Audit


def test_every_state_change_writes_an_audit_entry(sec, make, clock):
    a, b = make.member(), make.member()
    ra, rb = make.representative(a), make.representative(b)
    before = len(acts())
    proposal = make.proposal(sec)
    first = make.round_(sec, [a, b], proposal_=proposal)
    register(ra, first, a, OBJECT, "Nei.")
    services.answer_objection(sec, first, a, "Vi reviderer teksten.")
    db.session.commit()
    second = revise(sec, proposal, [a, b])
    services.confirm_previous_position(ra, second, a)
    db.session.commit()
    register(ra, second, a, SUPPORT)
    register(rb, second, b, RESERVATION, "Merknad.")

    assert acts()[before:] == [
        "proposal.created",
        "version.frozen", "proposal.circulated", "round.opened",
        "position.registered",
        "objection.answered",
        "round.closed", "proposal.revised",
        "version.frozen", "proposal.circulated", "round.opened",
        "position.confirmed",
        "position.changed",
        "position.registered", "round.closed", "proposal.decided", "decision.recorded",
    ]
    closed = db.session.scalars(select(AuditEntry).where(AuditEntry.act == "round.closed")
                                .order_by(AuditEntry.id)).all()
    assert [(e.after["outcome"], e.actor_id) for e in closed] == [
        ("superseded", sec.id), ("consensus", rb.id)]


def test_settling_by_the_job_is_audited_without_an_actor(sec, make, clock):
    a = make.member()
    round_ = make.round_(sec, [a], procedure=Procedure.SILENCE)
    clock.set(round_.deadline)
    services.settle_due_rounds()
    db.session.commit()
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.act.in_(
            ["round.closed", "proposal.decided", "decision.recorded"]))
        .order_by(AuditEntry.id)).all()
    assert [(e.act, e.actor_id) for e in entries] == [
        ("round.closed", None), ("proposal.decided", None), ("decision.recorded", None)]


def test_a_change_and_its_audit_entry_are_in_the_same_transaction(sec, make):
    a, b = make.member(), make.member()
    ra = make.representative(a)
    round_ = make.round_(sec, [a, b])
    entries = len(acts())

    services.register_position(ra, round_, a, kind=OBJECT, comment="Nei.")
    # Kept in the transaction; inserted (chained) when it commits.
    assert [e.act for e in db.session.info.get(chain.PENDING, [])] == ["position.registered"]
    db.session.rollback()  # the request failed after the service: neither is kept
    assert chain.PENDING not in db.session.info
    assert len(acts()) == entries
    assert count(Position) == 0 and count(PositionChange) == 0

    services.register_position(ra, round_, a, kind=OBJECT, comment="Nei.")
    db.session.commit()
    assert acts()[entries:] == ["position.registered"]
    assert count(Position) == 1


def test_a_settled_decision_and_its_audit_entries_roll_back_together(sec, make, clock):
    a = make.member()
    round_ = make.round_(sec, [a], procedure=Procedure.SILENCE)
    clock.set(round_.deadline)
    services.settle_due_rounds()
    db.session.rollback()
    assert count(Decision) == 0
    assert "decision.recorded" not in acts()
    assert db.session.get(Round, round_.id).outcome is None
    assert db.session.get(Proposal, round_.proposal_id).status == ProposalStatus.CIRCULATED


def test_an_objection_in_a_closed_round_can_no_longer_be_answered(sec, make, clock):
    asker = make.member("Asker")
    round_ = make.round_(sec, [asker], deadline=timedelta(days=2))
    register(make.representative(asker), round_, asker, OBJECT, "Mangler finansiering.")
    clock.advance(days=3)

    with pytest.raises(DomainError, match=r"Høringsrunden er avsluttet\."):
        services.answer_objection(sec, round_, asker, "Svar etter fristen.")
    db.session.rollback()
    assert "objection.answered" not in acts()


def test_revising_does_not_make_an_objection_go_away_without_the_member(sec, make, clock, client):
    asker, baerum = make.member("Asker"), make.member("Bærum")
    rep_asker, rep_baerum = make.representative(asker), make.representative(baerum)
    first = make.round_(sec, [asker, baerum])
    register(rep_baerum, first, baerum, OBJECT, "Datoen kolliderer.")
    second = services.revise_proposal(
        sec, first.proposal, title=first.version.title, background="Ny bakgrunn.",
        resolution="Endret tekst.", members=[asker, baerum],
        deadline=now() + timedelta(days=7), procedure=Procedure.CONSENT)
    db.session.commit()
    register(rep_asker, second, asker, SUPPORT)

    clock.set(second.deadline)
    make.login(client, rep_asker)
    page = _round_page(client, second.id)

    assert "state-no_consensus" in page
    assert f'data-member="{baerum.id}" data-carried-from-version="1"' in page
    db.session.rollback()
    assert count(Decision) == 0


def test_a_draft_withdrawn_before_it_went_out_stays_hidden_from_members(sec, make, client):
    asker = make.member("Asker")
    rep = make.representative(asker)
    draft = make.proposal(sec, title="Hemmelig utkast")
    services.withdraw_proposal(sec, draft)
    db.session.commit()

    make.login(client, rep)

    assert client.get(f"/proposals/{draft.id}").status_code == 403
    assert "Hemmelig utkast" not in client.get("/proposals/").text
    assert "Hemmelig utkast" not in client.get("/proposals/?status=withdrawn").text


def test_demo_data_is_refused_outside_development_without_force(app, runner):
    app.config["CONFIG_NAME"] = "production"

    result = runner.invoke(args=["demo", "load"])

    assert result.exit_code != 0
    assert count(AuditEntry) == 0


def test_a_refused_answer_keeps_the_typed_text_next_to_the_field(sec, make, clock, client):
    asker = make.member("Asker")
    round_ = make.round_(sec, [asker], deadline=timedelta(days=2))
    register(make.representative(asker), round_, asker, OBJECT, "Mangler finansiering.")
    make.login(client, sec)

    empty = client.post(f"/rounds/{round_.id}/members/{asker.id}/answer", data={"text": " "})
    assert empty.status_code == 422
    assert f'id="answer-{asker.id}-error"' in empty.text

    clock.advance(days=2, minutes=1)
    make.login(client, sec)
    late = client.post(f"/rounds/{round_.id}/members/{asker.id}/answer",
                       data={"text": "Et svar skrevet etter fristen."})
    assert late.status_code == 422
    assert "Et svar skrevet etter fristen." in late.text
    db.session.rollback()
    assert "objection.answered" not in acts()


def test_the_secretariat_cannot_answer_for_a_member_whose_earlier_objection_stands(sec, make):
    asker, baerum = make.member("Asker"), make.member("Bærum")
    first = make.round_(sec, [asker, baerum])
    register(make.representative(baerum), first, baerum, OBJECT, "Datoen kolliderer.")
    second = services.revise_proposal(
        sec, first.proposal, title=first.version.title, background="",
        resolution="Endret tekst.", members=[asker, baerum],
        deadline=now() + timedelta(days=7), procedure=Procedure.CONSENT)
    db.session.commit()

    with pytest.raises(NotAllowed):
        services.register_position(sec, second, baerum, kind=SUPPORT)
    db.session.rollback()
    assert position_of(second, baerum) is None


@pytest.mark.parametrize("procedure", [Procedure.CONSENT, Procedure.SILENCE])
def test_a_new_round_must_include_the_members_whose_objection_stands(sec, make, clock,
                                                                     procedure):
    asker, baerum = make.member("Asker"), make.member("Bærum")
    first = make.round_(sec, [asker, baerum], deadline=timedelta(days=2))
    register(make.representative(baerum), first, baerum, OBJECT, "Datoen kolliderer.")
    clock.advance(days=3)  # no consensus: back with the secretariat

    with pytest.raises(DomainError) as refused:
        services.open_round(sec, first.proposal, members=[asker], procedure=procedure,
                            deadline=now() + timedelta(days=7))
    assert refused.value.field == "members"
    db.session.rollback()
    assert count(Round) == 1
