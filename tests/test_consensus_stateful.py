"""Random sequences of positions, changes, withdrawals, revisions and clock moves,
driven through the real services and database, never break the consensus rules."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from decisions.accounts.models import Role
from decisions.clock import now
from decisions.errors import DomainError, NotAllowed
from decisions.extensions import db
from decisions.proposals import queries, services
from decisions.proposals.models import (
    Outcome,
    Position,
    PositionChange,
    PositionKind,
    Procedure,
    Proposal,
    ProposalStatus,
    Round,
    RoundMember,
)
from decisions.proposals.rules import RoundState, allowed_kinds
from decisions.register.models import Decision
from tests.conftest import _empty_tables

pytestmark = pytest.mark.heavy  # long in all: run first (tests/conftest.py)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MAX_MEMBERS = 4
REASONS = ["Begrunnelse.", "En annen begrunnelse."]
NOTED = (PositionKind.RESERVATION, PositionKind.STAND_ASIDE)

kinds = st.sampled_from(list(PositionKind))
procedures = st.sampled_from(list(Procedure))
quorums = st.one_of(st.none(), st.integers(min_value=1, max_value=100))
deadlines = st.integers(min_value=1, max_value=14 * 24).map(lambda h: timedelta(hours=h))
member_index = st.integers(min_value=0, max_value=MAX_MEMBERS - 1)
# The member's own representative most often; the secretariat on the member's behalf;
# now and then a representative of another member, who must be refused.
actors = st.sampled_from(["representative", "representative", "secretariat",
                          "another representative"])
clock_moves = st.one_of(
    st.integers(min_value=1, max_value=180).map(lambda m: timedelta(minutes=m)),
    st.integers(min_value=1, max_value=48).map(lambda h: timedelta(hours=h)),
    st.integers(min_value=1, max_value=3).map(lambda d: timedelta(days=d)),
)


def _expect(error: type[DomainError] | None, call):
    """Run a service call and commit, or check it raised exactly `error` and roll back."""
    try:
        result = call()
    except DomainError as raised:
        db.session.rollback()
        event(re.sub(r"\d+", "N", f"refused: {raised.message}"))
        assert error is not None, f"refused unexpectedly: {raised.message}"
        assert type(raised) is error, f"expected {error.__name__}, got {type(raised).__name__}"
        return None
    assert error is None, f"expected {error.__name__}, but it was accepted"
    db.session.commit()
    return result


@dataclass
class Snapshot:
    """Everything the invariants look at, read once per step in a few queries."""

    now: datetime
    rounds: list[Round]
    states: dict[int, RoundState]
    members: dict[int, set[int]]
    positions: dict[int, dict[int, Position]]
    changes: dict[tuple[int, int], list[PositionChange]]
    decisions: dict[int, Decision]
    proposals: list[Proposal]

    @classmethod
    def read(cls) -> "Snapshot":
        moment = now()
        rounds = list(db.session.scalars(select(Round).order_by(Round.id)))
        members: dict[int, set[int]] = defaultdict(set)
        for link in db.session.scalars(select(RoundMember)):
            members[link.round_id].add(link.member_id)
        positions: dict[int, dict[int, Position]] = defaultdict(dict)
        for p in db.session.scalars(select(Position)):
            positions[p.round_id][p.member_id] = p
        changes: dict[tuple[int, int], list[PositionChange]] = defaultdict(list)
        for c in db.session.scalars(select(PositionChange).order_by(PositionChange.id)):
            changes[(c.round_id, c.member_id)].append(c)
        decisions = {d.round_id: d for d in db.session.scalars(
            select(Decision).options(selectinload(Decision.notes)))}
        return cls(moment, rounds, queries.states_of(rounds, moment), members, positions,
                   changes, decisions, list(db.session.scalars(select(Proposal))))


def test_random_rounds_never_break_the_consensus_rules(app, clock, make):
    class ConsensusMachine(RuleBasedStateMachine):
        """The model keeps only what the rules do not decide: who answered what, and how
        many changes were registered. The invariants hold the database to DESIGN's rules."""

        @initialize(size=st.integers(min_value=1, max_value=MAX_MEMBERS),
                    procedure=procedures, quorum=quorums, deadline=deadlines)
        def circulate(self, size, procedure, quorum, deadline):
            clock.set(START)
            self.sec = make.user(Role.SECRETARIAT)
            self.members = [make.member() for _ in range(size)]
            self.reps = {m.id: make.representative(m) for m in self.members}
            self.revisions = 0
            # round id -> member id -> (kind, comment); (round id, member id) -> changes
            self.positions: dict[int, dict[int, tuple[PositionKind, str]]] = {}
            self.changes: dict[tuple[int, int], int] = defaultdict(int)
            self.registrant: dict[tuple[int, int], int] = {}  # who registered the position
            self.proposal_of: dict[int, int] = {}  # round id -> proposal id
            self._circulate(procedure, quorum, deadline)

        def teardown(self):
            try:
                db.session.rollback()  # a failed step may have left the transaction broken
                snap = Snapshot.read()
                for round_ in snap.rounds:  # the spread of outcomes, shown with statistics
                    state = snap.states[round_.id]
                    early = state.closed_at is not None and state.closed_at < round_.deadline
                    event(f"{round_.procedure} round: {state.outcome or 'open'}"
                          f"{' early' if early else ''}")
            finally:
                db.session.remove()  # ids are reused once the tables are emptied
                _empty_tables()

        # helpers

        def _circulate(self, procedure, quorum, deadline):
            """A new proposal, circulated to every member: the machine moves on to it."""
            if procedure == Procedure.SILENCE:
                quorum = None
            self.proposal = make.proposal(self.sec)
            round_ = make.round_(self.sec, self.members, proposal_=self.proposal,
                                 procedure=procedure, quorum_percent=quorum, deadline=deadline)
            self.positions[round_.id] = {}
            self.proposal_of[round_.id] = self.proposal.id

        @property
        def round(self) -> Round:
            return db.session.scalars(select(Round).where(Round.proposal_id == self.proposal.id)
                                      .order_by(Round.id.desc())).first()

        def _member(self, index: int):
            return self.members[index % len(self.members)]

        def _by_id(self, member_id: int):
            return next(m for m in self.members if m.id == member_id)

        def _register(self, actor, member, kind, comment, *, confirm=False):
            round_ = self.round
            previous = self.positions[round_.id].get(member.id)
            comment = comment.strip()
            if db.session.get(RoundMember, (round_.id, member.id)) is None:
                expected = DomainError
            elif not services.current_state(round_).is_open:
                # The recorded position sent again (a resend after a lost answer) is
                # answered with what is recorded; any other is refused.
                expected = None if previous == (kind, comment) and not confirm else DomainError
            elif kind not in allowed_kinds(round_.procedure):
                expected = DomainError
            elif kind.needs_comment and not comment:
                expected = DomainError
            elif actor.role == Role.SECRETARIAT and member.id in self._standing_objectors():
                # Only the objecting member changes its objection, in this round or one
                # to an earlier version that it has not answered yet.
                expected = NotAllowed
            else:
                expected = None
            if confirm:
                def call():
                    return services.confirm_previous_position(actor, round_, member)
            else:
                def call():
                    return services.register_position(actor, round_, member, kind=kind,
                                                      comment=comment)
            position = _expect(expected, call)
            if position is not None and not services.current_state(round_).is_open \
                    and previous == (kind, comment):
                return  # a resend after the close: nothing recorded
            key = (round_.id, member.id)
            # The same position by the same person again changes nothing.
            if position is not None and (previous, self.registrant.get(key)) != (
                    (kind, comment), actor.id):
                self.positions[round_.id][member.id] = (kind, comment)
                self.registrant[key] = actor.id
                self.changes[key] += 1
                assert position.on_behalf is (actor.role == Role.SECRETARIAT)
                assert position.registered_by_id == actor.id

        def _previous(self, round_id: int, member_id: int):
            """The member's answer on the latest earlier version it answered."""
            same_case = [r for r, p in self.proposal_of.items()
                         if p == self.proposal_of[round_id] and r < round_id]
            for earlier in sorted(same_case, reverse=True):
                if member_id in self.positions[earlier]:
                    return self.positions[earlier][member_id]
            return None

        def _standing_objectors(self) -> set[int]:
            """Members whose latest answer on the current proposal, in any round, blocks."""
            latest: dict[int, tuple] = {}
            for round_id in sorted(r for r, p in self.proposal_of.items()
                                   if p == self.proposal.id):
                latest.update(self.positions[round_id])
            return {m for m, (kind, _) in latest.items() if kind.blocks}

        def _current_objectors(self) -> list[int]:
            return sorted(m for m, (kind, _) in self.positions[self.round.id].items()
                          if kind.blocks)

        # rules

        @rule(index=member_index, kind=kinds, reason=st.sampled_from(REASONS),
              comment_optional=st.booleans(), actor=actors)
        def register_position(self, index, kind, reason, comment_optional, actor):
            member = self._member(index)
            comment = reason if kind.needs_comment or comment_optional else ""
            if actor == "another representative" and len(self.members) > 1:
                intruder = self.reps[self._member(index + 1).id]
                round_ = self.round
                _expect(NotAllowed, lambda: services.register_position(
                    intruder, round_, member, kind=kind, comment=comment))
                return
            user = self.sec if actor == "secretariat" else self.reps[member.id]
            self._register(user, member, kind, comment)

        @precondition(lambda self: services.current_state(self.round).is_open)
        @rule(answers=st.lists(kinds, min_size=MAX_MEMBERS, max_size=MAX_MEMBERS))
        def the_members_that_have_not_answered_answer(self, answers):
            round_ = self.round
            waiting = [m for m in round_.members if m.id not in self.positions[round_.id]]
            for member, kind in zip(waiting, answers, strict=False):
                self._register(self.reps[member.id], member, kind, REASONS[0])

        @precondition(lambda self: any(self.positions[self.round.id]))
        @rule(data=st.data(), kind=kinds, comment=st.sampled_from(REASONS))
        def change_position(self, data, kind, comment):
            member_id = data.draw(st.sampled_from(sorted(self.positions[self.round.id])))
            self._register(self.reps[member_id], self._by_id(member_id), kind, comment)

        @precondition(lambda self: self._current_objectors())
        @rule(data=st.data(), comment=st.sampled_from(["", *REASONS]),
              by_secretariat=st.booleans())
        def withdraw_objection(self, data, comment, by_secretariat):
            """The objecting member may withdraw it; the secretariat may not (NotAllowed)."""
            member_id = data.draw(st.sampled_from(self._current_objectors()))
            user = self.sec if by_secretariat else self.reps[member_id]
            self._register(user, self._by_id(member_id), PositionKind.SUPPORT, comment)

        def _worth_revising(self) -> bool:
            """The secretariat revises when members object or a round ended without a
            recorded decision (a round past its deadline may still turn out to adopt the
            text: then revising is refused)."""
            round_ = self.round
            if round_.outcome is not None and round_.outcome.adopts:
                return False
            return bool(self._current_objectors()) or not services.current_state(
                round_).is_open

        @precondition(_worth_revising)
        @rule(chosen=st.sets(member_index, min_size=1), procedure=procedures,
              quorum=quorums, deadline=deadlines,
              confirms=st.lists(st.booleans(), min_size=MAX_MEMBERS, max_size=MAX_MEMBERS))
        def revise(self, chosen, procedure, quorum, deadline, confirms):
            old = self.round
            old_state = services.current_state(old)
            members = [m for m in self.members if m.id in {self._member(i).id for i in chosen}]
            if procedure == Procedure.SILENCE:
                quorum = None
            self.revisions += 1
            adopted = old_state.outcome is not None and old_state.outcome.adopts
            # Leaving out a member whose objection stands would overrule it: refused.
            leaves_out_objector = not self._standing_objectors() <= {m.id for m in members}
            latest = self.proposal.versions[-1]
            refused = adopted or leaves_out_objector
            new = _expect(DomainError if refused else None, lambda: services.revise_proposal(
                self.sec, self.proposal, title=latest.title, background=latest.background,
                resolution=f"Revidert tekst nummer {self.revisions}.", members=members,
                deadline=now() + deadline, procedure=procedure, quorum_percent=quorum))
            if new is None:
                return
            db.session.refresh(old)
            if old_state.is_open:
                assert (old.outcome, old.closed_at) == (Outcome.SUPERSEDED, now())
            else:
                assert old.outcome == old_state.outcome
            assert new.version.number == len(self.proposal.versions) > old.version.number
            self.positions[new.id] = {}
            self.proposal_of[new.id] = self.proposal.id
            # Each member may confirm its previous position in one step.
            for member, confirm in zip(members, confirms, strict=False):
                previous = self._previous(new.id, member.id)
                if confirm and previous is not None:
                    self._register(self.reps[member.id], member, *previous, confirm=True)

        @precondition(lambda self: self.proposal.status == ProposalStatus.DECIDED)
        @rule(procedure=procedures, quorum=quorums, deadline=deadlines)
        def circulate_the_next_proposal(self, procedure, quorum, deadline):
            self._circulate(procedure, quorum, deadline)

        def _job(self, runs: bool) -> None:
            if runs:  # the scheduled job that settles due rounds, which may not have run
                services.settle_due_rounds()
                db.session.commit()

        @rule(delta=clock_moves, job_runs=st.booleans())
        def advance_clock(self, delta, job_runs):
            clock.advance(seconds=delta.total_seconds())
            self._job(job_runs)

        @rule(offset=st.sampled_from([-1, 0, 1]), job_runs=st.booleans())
        def reach_the_deadline(self, offset, job_runs):
            """Just before, at, or just after the current round's deadline."""
            clock.set(max(clock(), self.round.deadline + timedelta(seconds=offset)))
            self._job(job_runs)

        # invariants, all read from one snapshot of the database

        @invariant()
        def the_rules_hold(self):
            snap = Snapshot.read()
            no_adoption_while_an_objection_is_open(snap)
            consent_round_closes_early_exactly_when_all_agree(snap)
            silence_never_closes_early_unless_broken(snap)
            at_the_deadline_the_outcome_follows_from_the_positions(snap)
            past_the_deadline_no_round_is_open(snap)
            a_decision_exists_iff_a_recorded_outcome_adopts(snap)
            only_the_latest_round_of_a_proposal_can_be_open(snap)
            every_change_is_kept_and_the_latest_counts(snap, self.positions, self.changes)

    run_state_machine_as_test(ConsensusMachine, settings=settings(
        max_examples=30, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))


def _blocking(snap: Snapshot, round_: Round) -> list[Position]:
    members = snap.members[round_.id]
    return [p for m, p in snap.positions[round_.id].items() if m in members and p.kind.blocks]


def _carried(snap: Snapshot, round_: Round) -> set[int]:
    """Members of a consent round who objected to an earlier version of the proposal
    (their latest earlier answer) and have not answered this round."""
    if round_.procedure != Procedure.CONSENT:
        return set()
    latest: dict[int, Position] = {}
    for earlier in snap.rounds:
        if earlier.proposal_id == round_.proposal_id and earlier.id < round_.id:
            latest.update(snap.positions[earlier.id])
    return {m for m, p in latest.items() if p.kind.blocks
            and m in snap.members[round_.id] and m not in snap.positions[round_.id]}


def _all_agree(snap: Snapshot, round_: Round) -> bool:
    answered = set(snap.positions[round_.id])
    return answered >= snap.members[round_.id] and not _blocking(snap, round_)


def _closed_early(state: RoundState, round_: Round) -> bool:
    return state.closed_at is not None and state.closed_at < round_.deadline


def no_adoption_while_an_objection_is_open(snap: Snapshot) -> None:
    for round_ in snap.rounds:
        state = snap.states[round_.id]
        if state.outcome is not None and state.outcome.adopts:
            assert not _blocking(snap, round_), f"round {round_.id} adopted over an objection"
            assert not _carried(snap, round_), f"round {round_.id} adopted over an objection " \
                "to an earlier version"


def consent_round_closes_early_exactly_when_all_agree(snap: Snapshot) -> None:
    for round_ in snap.rounds:
        if round_.procedure != Procedure.CONSENT:
            continue
        state = snap.states[round_.id]
        early_consensus = state.outcome == Outcome.CONSENSUS and _closed_early(state, round_)
        assert early_consensus == _all_agree(snap, round_), (round_.id, state)
        if snap.now < round_.deadline and round_.outcome is None:
            assert state.is_open


def silence_never_closes_early_unless_broken(snap: Snapshot) -> None:
    for round_ in snap.rounds:
        if round_.procedure != Procedure.SILENCE:
            continue
        state = snap.states[round_.id]
        if _closed_early(state, round_) and state.outcome != Outcome.SUPERSEDED:
            assert state.outcome == Outcome.NOT_ADOPTED, (round_.id, state)
        if state.is_open:
            assert not _blocking(snap, round_)


def at_the_deadline_the_outcome_follows_from_the_positions(snap: Snapshot) -> None:
    """At the deadline: consensus iff no objection and the quorum (rounded up) is met;
    silence holds iff nobody broke it, and broken silence ended when it was broken."""
    for round_ in snap.rounds:
        state = snap.states[round_.id]
        if state.is_open or state.outcome == Outcome.SUPERSEDED:
            continue
        blocking = _blocking(snap, round_)
        members = snap.members[round_.id]
        if round_.procedure == Procedure.CONSENT:
            if _closed_early(state, round_):
                continue  # checked by consent_round_closes_early_exactly_when_all_agree
            answered = len(set(snap.positions[round_.id]) & members)
            needed = -(-len(members) * (round_.quorum_percent or 0) // 100)
            agreed = not blocking and not _carried(snap, round_) and answered >= needed
            assert (state.outcome, state.closed_at) == (
                Outcome.CONSENSUS if agreed else Outcome.NO_CONSENSUS, round_.deadline)
        elif blocking:
            assert state.outcome == Outcome.NOT_ADOPTED
            assert state.closed_at == min(p.registered_at for p in blocking)
        else:
            assert (state.outcome, state.closed_at) == (Outcome.ADOPTED, round_.deadline)


def past_the_deadline_no_round_is_open(snap: Snapshot) -> None:
    """Read paths show the outcome even when no job ran; only the deadline ends a round
    without a service recording it."""
    for round_ in snap.rounds:
        state = snap.states[round_.id]
        if snap.now >= round_.deadline:
            assert not state.is_open
        if round_.outcome is None and not state.is_open:
            assert snap.now >= round_.deadline
            assert state.closed_at == round_.deadline
        # the service's own read agrees with the list pages' batched read
        assert services.current_state(round_) == state


def a_decision_exists_iff_a_recorded_outcome_adopts(snap: Snapshot) -> None:
    adopted = {r.id: r for r in snap.rounds if r.outcome is not None and r.outcome.adopts}
    assert set(snap.decisions) == set(adopted)
    for proposal in snap.proposals:
        adopted_here = [r for r in adopted.values() if r.proposal_id == proposal.id]
        assert len(adopted_here) <= 1
        assert (proposal.status == ProposalStatus.DECIDED) == bool(adopted_here)
    for round_id, round_ in adopted.items():
        decision = snap.decisions[round_id]
        assert decision.adopted_at == round_.closed_at
        assert decision.resolution == round_.version.resolution
        assert {(n.member_id, n.kind) for n in decision.notes} == {
            (p.member_id, p.kind) for p in snap.positions[round_id].values() if p.kind in NOTED}


def only_the_latest_round_of_a_proposal_can_be_open(snap: Snapshot) -> None:
    latest: dict[int, int] = {}
    for round_ in snap.rounds:
        latest[round_.proposal_id] = max(latest.get(round_.proposal_id, 0), round_.id)
    for round_ in snap.rounds:
        if round_.id != latest[round_.proposal_id]:
            assert round_.outcome is not None


def every_change_is_kept_and_the_latest_counts(snap: Snapshot, model, counts) -> None:
    for round_id, answers in model.items():
        stored = snap.positions[round_id]
        assert {m: (p.kind, p.comment) for m, p in stored.items()} == answers
        for member_id in answers:
            chain = snap.changes[(round_id, member_id)]
            assert len(chain) == counts[(round_id, member_id)]
            assert chain[0].from_kind is None
            for before, after in zip(chain, chain[1:], strict=False):
                assert after.from_kind == before.kind
            assert (chain[-1].kind, chain[-1].comment) == answers[member_id]
            assert chain[-1].at == stored[member_id].registered_at
