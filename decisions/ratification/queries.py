"""Read-only queries of ratification. Every list is a fixed number of queries whatever
the number of members; the decision's state is computed (rules.state) and, for
filters, the same rule written as SQL (`state_is`), which tests hold equal."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from sqlalchemy import (
    ColumnElement,
    Date,
    and_,
    bindparam,
    case,
    exists,
    func,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import joinedload, selectinload

from decisions.extensions import db
from decisions.members.models import Member
from decisions.proposals.models import RoundMember
from decisions.ratification.models import (
    InForce,
    LocalOutcome,
    Ratification,
    Requirement,
)
from decisions.ratification.rules import Handling, State, StateKind, state
from decisions.register.models import Decision

ADOPTING = [o.value for o in LocalOutcome if o.adopts]


def requirement_for(proposal_id: int) -> Requirement | None:
    return db.session.scalar(select(Requirement).where(Requirement.proposal_id == proposal_id))


def decision_of(decision_id: int) -> Decision | None:
    return db.session.scalar(select(Decision).where(Decision.id == decision_id)
                             .options(joinedload(Decision.proposal)))


def row(decision_id: int, member_id: int) -> Ratification | None:
    return db.session.scalar(select(Ratification).where(
        Ratification.decision_id == decision_id, Ratification.member_id == member_id))


def round_member_ids(round_id: int) -> list[int]:
    return list(db.session.scalars(
        select(RoundMember.member_id).where(RoundMember.round_id == round_id)))


def is_in_round(round_id: int, member_id: int) -> bool:
    return db.session.scalar(select(RoundMember.member_id).where(
        RoundMember.round_id == round_id, RoundMember.member_id == member_id)) is not None


def decision_state(requirement: Requirement, member_ids: Iterable[int],
                   rows: Iterable[Ratification], today: date) -> State:
    return state(requirement.in_force, requirement.required_count, requirement.deadline,
                 member_ids, {r.member_id: Handling(r.outcome, r.meeting_date) for r in rows},
                 today)


@dataclass
class Board:
    """Everything the ratification board shows, loaded in a fixed number of queries."""

    decision: Decision
    requirement: Requirement
    members: list[Member]
    rows: dict[int, Ratification]
    state: State
    by_subregion: list[tuple[str, list[Member]]] = field(default_factory=list)

    @property
    def waiting(self) -> list[Member]:
        return [m for m in self.members if m.id not in self.rows]


def board(decision: Decision, requirement: Requirement, today: date) -> Board:
    members = list(db.session.scalars(
        select(Member).join(RoundMember, RoundMember.member_id == Member.id)
        .where(RoundMember.round_id == decision.round_id)
        .options(joinedload(Member.subregion)).order_by(Member.name)))
    rows = {r.member_id: r for r in db.session.scalars(
        select(Ratification).where(Ratification.decision_id == decision.id)
        .options(joinedload(Ratification.registered_by)))}
    groups: dict[str, list[Member]] = defaultdict(list)
    for member in members:
        groups[member.subregion.name].append(member)
    return Board(decision=decision, requirement=requirement, members=members, rows=rows,
                 state=decision_state(requirement, [m.id for m in members],
                                      rows.values(), today),
                 by_subregion=sorted(groups.items()))


def states_of(decisions: Iterable[Decision], today: date) -> dict[int, State]:
    """The ratification state of each decision that needs ratification, in three
    queries whatever their number."""
    decisions = list(decisions)
    if not decisions:
        return {}
    requirements = {r.proposal_id: r for r in db.session.scalars(
        select(Requirement).where(Requirement.proposal_id.in_(
            {d.proposal_id for d in decisions})))}
    wanted = [d for d in decisions if d.proposal_id in requirements]
    if not wanted:
        return {}
    members: dict[int, list[int]] = defaultdict(list)
    for round_id, member_id in db.session.execute(
            select(RoundMember.round_id, RoundMember.member_id)
            .where(RoundMember.round_id.in_({d.round_id for d in wanted}))):
        members[round_id].append(member_id)
    rows: dict[int, list[Ratification]] = defaultdict(list)
    for r in db.session.scalars(select(Ratification).where(
            Ratification.decision_id.in_({d.id for d in wanted}))):
        rows[r.decision_id].append(r)
    return {d.id: decision_state(requirements[d.proposal_id], members[d.round_id],
                                 rows[d.id], today) for d in wanted}


# --- The state as SQL (for filters): the same rule as rules.state ---------------------

def _counts():
    members = (select(func.count()).select_from(RoundMember)
               .where(RoundMember.round_id == Decision.round_id).scalar_subquery())
    answered = (select(func.count()).select_from(Ratification)
                .where(Ratification.decision_id == Decision.id).scalar_subquery())
    adopted = (select(func.count()).select_from(Ratification)
               .where(Ratification.decision_id == Decision.id,
                      Ratification.outcome.in_(ADOPTING)).scalar_subquery())
    need = case((Requirement.in_force == InForce.ALL, members),
                (Requirement.required_count.is_(None), members),
                (Requirement.required_count < members, Requirement.required_count),
                else_=members)
    return members, answered, adopted, need


def state_is(kind: StateKind, today: date | ColumnElement[date]) -> ColumnElement[bool]:
    """Where-clause on Decision joined with its Requirement (see `with_requirement`)."""
    members, answered, adopted, need = _counts()
    in_force = and_(need > 0, adopted >= need)
    failed = and_(not_(in_force), or_(adopted + members - answered < need,
                                      Requirement.deadline < today))
    if kind == StateKind.IN_FORCE:
        return in_force
    if kind == StateKind.FAILED:
        return failed
    return and_(not_(in_force), not_(failed))


def with_requirement(stmt):
    return stmt.join(Requirement, Requirement.proposal_id == Decision.proposal_id)


def filtered(stmt, kind: StateKind | None, today: date):
    """Decisions (a select of Decision) in ratification state `kind`."""
    if kind is None:
        return stmt
    return with_requirement(stmt).where(state_is(kind, today))


def awaiting(today: date) -> list[tuple[Decision, Requirement]]:
    """Every decision whose ratification is awaited, the earliest deadline first."""
    return list(db.session.execute(
        with_requirement(select(Decision, Requirement))
        .where(state_is(StateKind.AWAITING, today))
        .options(joinedload(Decision.proposal))
        .order_by(Requirement.deadline, Decision.id)).tuples())


def waiting_members(decision_ids: Iterable[int]) -> dict[int, list[Member]]:
    """The members without a row, per decision (for the report-back item)."""
    ids = list(decision_ids)
    if not ids:
        return {}
    answered = select(Ratification.member_id).where(Ratification.decision_id == Decision.id)
    found: dict[int, list[Member]] = defaultdict(list)
    for decision_id, member in db.session.execute(
            select(Decision.id, Member)
            .join(RoundMember, RoundMember.round_id == Decision.round_id)
            .join(Member, Member.id == RoundMember.member_id)
            .where(Decision.id.in_(ids), Member.id.not_in(answered))
            .order_by(Member.name)).tuples():
        found[decision_id].append(member)
    return found


def owed_by(member_id: int, today: date) -> list[tuple[Decision, Requirement]]:
    """What a member owes: decisions awaiting ratification in whose round it was and
    for which it has recorded nothing."""
    return list(db.session.execute(_owed_by(), {"member_id": member_id,
                                                "today": today}).tuples())


@cache
def _owed_by():
    # Asked of each decision that has a requirement (few), not of the member's history
    # nor of every decision: the requirements' proposals lead (an IN list, which SQLite
    # follows into the index of decisions by proposal whatever its statistics).
    member_id = bindparam("member_id")
    required = Decision.proposal_id.in_(select(Requirement.proposal_id))
    in_round = exists().where(RoundMember.round_id == Decision.round_id,
                              RoundMember.member_id == member_id)
    answered = exists().where(Ratification.decision_id == Decision.id,
                              Ratification.member_id == member_id)
    return (with_requirement(select(Decision, Requirement))
            .where(required, in_round, ~answered,
                   state_is(StateKind.AWAITING, bindparam("today", type_=Date)))
            .order_by(Requirement.deadline, Decision.id))


def done_by(member_id: int, limit: int = 50) -> list[tuple[Ratification, Decision]]:
    return list(db.session.execute(
        select(Ratification, Decision).join(Decision, Decision.id == Ratification.decision_id)
        .where(Ratification.member_id == member_id)
        .order_by(Ratification.registered_at.desc()).limit(limit)).tuples())


def reminder_candidates() -> list[Requirement]:
    """Requirements of decided proposals whose reminders are not all sent."""
    return list(db.session.scalars(
        select(Requirement).where(
            Requirement.reminded_after_at.is_(None),
            select(Decision.id).where(Decision.proposal_id == Requirement.proposal_id)
            .exists())
        .order_by(Requirement.id)))


def decision_for_requirement(requirement: Requirement) -> Decision | None:
    return db.session.scalar(select(Decision).where(
        Decision.proposal_id == requirement.proposal_id).order_by(Decision.id.desc()).limit(1))


def table(decision: Decision) -> list[tuple[Member, Ratification | None]]:
    """The ratification table, every member of the round in name order (CSV, PDF)."""
    rows = {r.member_id: r for r in db.session.scalars(
        select(Ratification).where(Ratification.decision_id == decision.id))}
    members = db.session.scalars(
        select(Member).join(RoundMember, RoundMember.member_id == Member.id)
        .where(RoundMember.round_id == decision.round_id)
        .options(selectinload(Member.subregion)).order_by(Member.name))
    return [(m, rows.get(m.id)) for m in members]
