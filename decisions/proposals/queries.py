"""Read-only queries for proposals, rounds and positions."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, exists, func, or_, select
from sqlalchemy.orm import aliased, defer, joinedload, selectinload

from decisions.accounts.models import User
from decisions.audit.models import AuditEntry
from decisions.database import Keyset, keyset_page
from decisions.extensions import db
from decisions.members.models import Member
from decisions.permissions import visible
from decisions.proposals.diff import compare
from decisions.proposals.models import (
    Area,
    ObjectionEntry,
    ObjectionThread,
    Position,
    PositionChange,
    PositionKind,
    Procedure,
    Proposal,
    ProposalStatus,
    ProposalVersion,
    Round,
    RoundMember,
    ThreadEntryKind,
    VersionDiff,
)
from decisions.proposals.rules import (
    Answer,
    Counts,
    RoundState,
    Tally,
    evaluate,
    evaluate_counts,
    tally,
)
from decisions.register.models import Decision


def answers_for(round_ids: Iterable[int]) -> dict[int, dict[int, Answer]]:
    """Current answers per round, per member: one query for any number of rounds."""
    ids = list(round_ids)
    result: dict[int, dict[int, Answer]] = defaultdict(dict)
    if not ids:
        return result
    rows = db.session.execute(
        select(Position.round_id, Position.member_id, Position.kind, Position.registered_at)
        .where(Position.round_id.in_(ids))
    )
    for round_id, member_id, kind, at in rows:
        result[round_id][member_id] = Answer(kind, at)
    return result


def member_ids_for(round_ids: Iterable[int]) -> dict[int, list[int]]:
    ids = list(round_ids)
    result: dict[int, list[int]] = defaultdict(list)
    if not ids:
        return result
    rows = db.session.execute(
        select(RoundMember.round_id, RoundMember.member_id).where(RoundMember.round_id.in_(ids))
    )
    for round_id, member_id in rows:
        result[round_id].append(member_id)
    return result


def carried_objections(rounds: list[Round]) -> dict[int, dict[int, int]]:
    """Per consent round: the members whose latest answer to an earlier version of
    the same proposal was an objection, with that version's number. (Whether they
    have answered this round is for the caller to see.) Two queries for any number
    of rounds."""
    consent = [r for r in rounds if r.procedure == Procedure.CONSENT]
    result: dict[int, dict[int, int]] = {r.id: {} for r in consent}
    if not consent:
        return result
    rows = db.session.execute(_earlier_answers(), {
        "proposal_ids": list({r.proposal_id for r in consent}),
        "before": max(r.id for r in consent)}).all()
    of_proposal: dict[int, list] = defaultdict(list)  # each round reads its proposal's rows
    for row in rows:
        of_proposal[row.proposal_id].append(row)
    for round_ in consent:
        latest: dict[int, tuple[int, PositionKind]] = {}
        for _proposal_id, round_id, version, member_id, kind in of_proposal[round_.proposal_id]:
            if round_id < round_.id:
                latest[member_id] = (version, kind)
        result[round_.id] = {m: v for m, (v, kind) in latest.items() if kind.blocks}
    return result


# Statements every request of a page runs are built once (functools.cache), with bound
# parameters: SQLAlchemy then finds their compiled form without building and walking a
# new statement each time.

@cache
def _earlier_answers() -> Select:
    return (select(Round.proposal_id, Round.id, ProposalVersion.number, Position.member_id,
                   Position.kind)
            .join(Round, Round.id == Position.round_id)
            .join(ProposalVersion, ProposalVersion.id == Round.version_id)
            .where(Round.proposal_id.in_(bindparam("proposal_ids", expanding=True)),
                   Round.id < bindparam("before"))  # only earlier rounds weigh
            .order_by(Round.id))


def standing_objections(proposal_id: int) -> dict[int, tuple[str, int]]:
    """Members whose latest answer on the proposal, in any of its rounds, is an
    objection: member id -> (member name, version number). One query."""
    return standing_objections_of([proposal_id]).get(proposal_id, {})


def standing_objections_of(proposal_ids: Iterable[int]) -> dict[int, dict[int, tuple[str, int]]]:
    """`standing_objections` for many proposals: proposal id -> its standing objections.
    One query."""
    ids = list(proposal_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Round.proposal_id, Position.member_id, Member.name, Position.kind,
               ProposalVersion.number)
        .join(Round, Round.id == Position.round_id)
        .join(ProposalVersion, ProposalVersion.id == Round.version_id)
        .join(Member, Member.id == Position.member_id)
        .where(Round.proposal_id.in_(ids))
        .order_by(Round.id)
    ).all()
    latest: dict[int, dict[int, tuple]] = defaultdict(dict)
    for proposal_id, member_id, name, kind, version in rows:
        latest[proposal_id][member_id] = (name, kind, version)
    return {p: {m: (name, version) for m, (name, kind, version) in members.items()
                if kind.blocks}
            for p, members in latest.items()}


def state_of(round_: Round, member_ids: list[int], answers: dict[int, Answer],
             now: datetime, carried: dict[int, int] | None = None) -> RoundState:
    recorded = (round_.outcome, round_.closed_at) if round_.outcome else None
    return evaluate(round_.procedure, round_.quorum_percent, member_ids, answers,
                    round_.deadline, now, recorded, carried_objections=carried or {})


BLOCKING_KINDS = tuple(k for k in PositionKind if k.blocks)


def answer_counts(round_ids: Iterable[int]) -> dict[int, Counts]:
    """Per round: its members, their answers, the blocking ones and the moments the
    rules need, counted in SQL (one query, whatever the number of members)."""
    ids = list(round_ids)
    if not ids:
        return {}
    return {round_id: Counts(members=members, answered=answered or 0, blocking=blocking or 0,
                             first_blocking_at=first_blocking, last_answer_at=last)
            for round_id, members, answered, blocking, first_blocking, last
            in db.session.execute(_answer_counts(), {"round_ids": ids})}


@cache
def _answer_counts() -> Select:
    # The members and the answers each counted from their own index and then put side
    # by side: a position is only ever a member's of the round (members are added when
    # the round opens and never removed). Joining every member to its position instead
    # probed the positions' index once a member: 9 ms for four rounds of 372 members on
    # PostgreSQL, against 0.9 ms.
    ids = bindparam("round_ids", expanding=True)
    blocks = Position.kind.in_(BLOCKING_KINDS)
    members = (select(RoundMember.round_id, func.count().label("members"))
               .where(RoundMember.round_id.in_(ids)).group_by(RoundMember.round_id)
               .subquery())
    answers = (select(Position.round_id, func.count().label("answered"),
                      func.count(case((blocks, 1))).label("blocking"),
                      func.min(case((blocks, Position.registered_at))).label("first_blocking"),
                      func.max(Position.registered_at).label("last"))
               .where(Position.round_id.in_(ids)).group_by(Position.round_id).subquery())
    return (select(members.c.round_id, members.c.members, answers.c.answered,
                   answers.c.blocking, answers.c.first_blocking, answers.c.last)
            .outerjoin(answers, answers.c.round_id == members.c.round_id))


NO_MEMBERS = Counts(members=0, answered=0, blocking=0, first_blocking_at=None,
                    last_answer_at=None)


def states_of(rounds: list[Round], now: datetime) -> dict[int, RoundState]:
    """The state of many rounds in a fixed number of queries. A round still running
    is told from counts of its answers in SQL, so a list costs the same whatever the
    number of members; one past its deadline but not yet recorded (earlier objections
    weigh then) from its members' answers."""
    running = [r for r in rounds if r.outcome is None and r.deadline > now]
    due = [r for r in rounds if r.outcome is None and r.deadline <= now]
    counts = answer_counts(r.id for r in running)
    states = {r.id: evaluate_counts(r.procedure, r.quorum_percent,
                                    counts.get(r.id, NO_MEMBERS), r.deadline, now)
              for r in running}
    if due:
        ids = [r.id for r in due]
        members = member_ids_for(ids)
        answers = answers_for(ids)
        carried = carried_objections(due)
        states |= {r.id: state_of(r, members.get(r.id, []), answers.get(r.id, {}), now,
                                  carried.get(r.id))
                   for r in due}
    return {r.id: states[r.id] if r.id in states else RoundState(r.outcome, r.closed_at)
            for r in rounds}


@cache
def _due_rounds(limited: bool) -> Select:
    stmt = (select(Round.id).where(Round.outcome.is_(None), Round.deadline <= bindparam("now"))
            .order_by(Round.deadline))
    return stmt.limit(bindparam("limit")) if limited else stmt


@cache
def _earliest_deadline() -> Select:
    return select(func.min(Round.deadline)).where(Round.outcome.is_(None))


def earliest_deadline() -> datetime | None:
    """The earliest deadline of a round whose outcome is not recorded (None: there is
    none): no round is due before it (read from ix_rounds_unrecorded_deadline)."""
    return db.session.scalar(_earliest_deadline())


def due_rounds(now: datetime, limit: int | None = 20) -> list[int]:
    """Ids of rounds past their deadline whose outcome is not recorded yet, the
    earliest deadline first (every request asks, before its view)."""
    if limit is None:
        return list(db.session.scalars(_due_rounds(False), {"now": now}))
    return list(db.session.scalars(_due_rounds(True), {"now": now, "limit": limit}))


def due_reminders(now: datetime) -> list[int]:
    """Ids of open rounds whose reminder is due and not yet sent, the earliest first."""
    return list(db.session.scalars(
        select(Round.id).where(Round.outcome.is_(None), Round.reminded_at.is_(None),
                               Round.remind_at <= now, Round.deadline > now)
        .order_by(Round.remind_at)))


def latest_round_subquery():
    return (select(func.max(Round.id)).where(Round.proposal_id == Proposal.id)
            .correlate(Proposal).scalar_subquery())


def proposals(user: User, *, status: str | None = None, area_id: int | None = None,
              now: datetime) -> Select:
    """Proposals `user` may view, newest first. `status` filters by where each stands
    now: draft, open (a round is open), awaiting (back with the secretariat),
    decided or withdrawn."""
    latest = Round.id == latest_round_subquery()
    round_open = and_(Round.closed_at.is_(None), Round.deadline > now)
    # The list shows no text: the long columns stay unread (they load if touched).
    stmt = (select(Proposal)
            .options(selectinload(Proposal.area),
                     defer(Proposal.background), defer(Proposal.resolution),
                     defer(Proposal.background_html), defer(Proposal.resolution_html))
            .where(visible(user, "proposal"))
            .order_by(Proposal.updated_at.desc(), Proposal.id.desc()))
    if status in ("open", "awaiting"):
        # Only these filters ask about the latest round: the others need no join.
        stmt = stmt.outerjoin(Round, latest)
    if area_id:
        stmt = stmt.where(Proposal.area_id == area_id)
    if status == "open":
        stmt = stmt.where(Proposal.status == ProposalStatus.CIRCULATED, round_open)
    elif status == "awaiting":
        # Its latest round has ended (settled or past its deadline) without a decision.
        stmt = stmt.where(Proposal.status == ProposalStatus.CIRCULATED,
                          or_(Round.closed_at.is_not(None), Round.deadline <= now))
    elif status in {s.value for s in ProposalStatus}:
        stmt = stmt.where(Proposal.status == status)
    return stmt


def rounds_of(proposal_id: int) -> list[Round]:
    """A proposal's rounds, oldest first, with their versions."""
    return list(db.session.scalars(
        select(Round).where(Round.proposal_id == proposal_id)
        .options(selectinload(Round.version)).order_by(Round.id)))


def latest_rounds(proposal_ids: Iterable[int]) -> dict[int, Round]:
    ids = list(proposal_ids)
    if not ids:
        return {}
    rounds = db.session.scalars(
        select(Round).where(Round.id.in_(
            select(func.max(Round.id)).where(Round.proposal_id.in_(ids))
            .group_by(Round.proposal_id)))
    )
    return {r.proposal_id: r for r in rounds}


def member_open_rounds(member_id: int, now: datetime) -> list[tuple[Round, bool]]:
    """The open rounds that include the member, the nearest deadline first, each with
    whether the member has answered: one statement, whatever the member's history (the
    open rounds are read first, then each asked whether the member is in it)."""
    return list(db.session.execute(_member_open_rounds(),
                                   {"member_id": member_id, "now": now}).tuples())


@cache
def _member_open_rounds() -> Select:
    member_id = bindparam("member_id")
    included = exists().where(RoundMember.round_id == Round.id,
                              RoundMember.member_id == member_id)
    answered = exists().where(Position.round_id == Round.id, Position.member_id == member_id)
    return (select(Round, answered.label("answered"))
            .where(Round.closed_at.is_(None), Round.deadline > bindparam("now"), included)
            .options(joinedload(Round.proposal), joinedload(Round.version))
            .order_by(Round.deadline, Round.id))


def open_rounds(now: datetime) -> Select:
    """Every open round, the nearest deadline first."""
    return (select(Round).where(Round.closed_at.is_(None), Round.deadline > now)
            .options(selectinload(Round.proposal)).order_by(Round.deadline))


def board_rows(round_id: int) -> tuple[list[Member], dict[int, Position]]:
    """The round's members with their subregions, ordered for the board, and their
    positions by member (who registered each loaded with it): one query."""
    rows = db.session.execute(_board_rows(), {"round_id": round_id}).all()
    return [m for m, _p in rows], {m.id: p for m, p in rows if p is not None}


@cache
def _board_rows() -> Select:
    return (select(Member, Position).join(RoundMember, RoundMember.member_id == Member.id)
            .outerjoin(Position, and_(Position.round_id == RoundMember.round_id,
                                      Position.member_id == Member.id))
            .where(RoundMember.round_id == bindparam("round_id"))
            .options(joinedload(Member.subregion), joinedload(Position.registered_by))
            .order_by(Member.name))


def objection_threads(round_: Round, member_ids: Iterable[int]) -> dict[int, ObjectionThread]:
    """The thread of each member's objection as the round shows it: the latest opened
    in this round or before (an objection carried from an earlier version is the same
    conversation) and not withdrawn before it, with its entries. One query."""
    ids = list(member_ids)
    if not ids:
        return {}
    threads = db.session.scalars(_threads(), {
        "proposal_id": round_.proposal_id, "member_ids": ids, "round_id": round_.id}).unique()
    return {t.member_id: t for t in threads}  # the latest wins


@cache
def _threads() -> Select:
    round_id = bindparam("round_id")
    return (select(ObjectionThread)
            .where(ObjectionThread.proposal_id == bindparam("proposal_id"),
                   ObjectionThread.member_id.in_(bindparam("member_ids", expanding=True)),
                   ObjectionThread.opened_round_id <= round_id,
                   or_(ObjectionThread.closed_round_id.is_(None),
                       ObjectionThread.closed_round_id >= round_id))
            .options(joinedload(ObjectionThread.entries).options(
                joinedload(ObjectionEntry.author),
                # The thread names each entry's version by its number: not its texts.
                joinedload(ObjectionEntry.round).joinedload(Round.version)
                .load_only(ProposalVersion.number)))
            .order_by(ObjectionThread.id))


def history(round_id: int, *, per_page: int, after: int | None = None,
            before: int | None = None) -> Keyset:
    """A page of the round's changes of position, the newest first (`keyset_page`), as
    rows (id, at, member_name, from_kind, kind, confirmed_from_round_id,
    registered_by_name, on_behalf): one query, LIMITed, and one to ask whether there
    is more on the side it came from."""
    return keyset_page(_history().where(PositionChange.round_id == round_id),
                       PositionChange.id, after=after, before=before, per_page=per_page)


@cache
def _history() -> Select:
    registrar = aliased(User)
    return (select(PositionChange.id, PositionChange.at, Member.name.label("member_name"),
                   PositionChange.from_kind, PositionChange.kind,
                   PositionChange.confirmed_from_round_id,
                   registrar.name.label("registered_by_name"), PositionChange.on_behalf)
            .join(Member, Member.id == PositionChange.member_id)
            .join(registrar, registrar.id == PositionChange.registered_by_id))


def history_count(round_id: int) -> int:
    """How many changes of position the round has, counted in SQL."""
    return db.session.scalar(select(func.count()).select_from(PositionChange)
                             .where(PositionChange.round_id == round_id))


def previous_position(round_: Round, member_id: int) -> tuple[Position, Round] | None:
    """The member's position in the latest earlier round of the same proposal."""
    row = db.session.execute(_previous_position(), {
        "proposal_id": round_.proposal_id, "round_id": round_.id, "member_id": member_id,
    }).first()
    return (row[0], row[1]) if row else None


@cache
def _previous_position() -> Select:
    return (select(Position, Round).join(Round, Round.id == Position.round_id)
            .where(Round.proposal_id == bindparam("proposal_id"),
                   Round.id < bindparam("round_id"),
                   Position.member_id == bindparam("member_id"))
            .options(joinedload(Round.version))
            .order_by(Round.id.desc()).limit(1))


def version_diff(old: ProposalVersion, new: ProposalVersion) -> VersionDiff:
    """What changed from `old` to `new`, as stored when `new` was made (compared now
    only for the same version twice, or a pair the store lacks)."""
    stored = db.session.get(VersionDiff, (old.id, new.id))
    if stored is not None:
        return stored
    return VersionDiff(old_version_id=old.id, new_version_id=new.id, **compare(old, new))


def round_with_text(round_id: int) -> Round | None:
    """The round with its proposal and version: one query (the board's own)."""
    return db.session.scalar(_round_with_texts(), {"round_id": round_id})


def round_and_member(round_id: int, member_id: int) -> tuple[Round | None, Member | None]:
    """The round (with its proposal and version) and the member if it is one of the
    round's members (else None): one query."""
    row = db.session.execute(
        select(Round, Member).where(Round.id == round_id)
        .outerjoin(RoundMember, and_(RoundMember.round_id == Round.id,
                                     RoundMember.member_id == member_id))
        .outerjoin(Member, Member.id == RoundMember.member_id)
        .options(joinedload(Round.proposal), joinedload(Round.version))).first()
    return (row[0], row[1]) if row else (None, None)


def round_positions(round_id: int) -> tuple[list[int], dict[int, Position]]:
    """The round's member ids and their positions (by member id): one query."""
    rows = db.session.execute(
        select(RoundMember.member_id, Position).where(RoundMember.round_id == round_id)
        .outerjoin(Position, and_(Position.round_id == RoundMember.round_id,
                                  Position.member_id == RoundMember.member_id))).all()
    return [m for m, _p in rows], {m: p for m, p in rows if p is not None}


def is_member_of(round_id: int, member_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(
        RoundMember.round_id == round_id, RoundMember.member_id == member_id))))


@dataclass(kw_only=True)
class RoundSummary:
    """A round as its page shows it beside a board rendered before (`round_summary`):
    its state from counts in SQL, and of its members only those the page names, the
    viewer's member and the objectors, with their positions."""

    round: Round
    state: RoundState
    members: list[Member]  # in the board's order (by name)
    positions: dict[int, Position]
    # Members whose objection to an earlier version stands until they answer this round.
    carried: dict[int, int] = field(default_factory=dict)

    @property
    def objections(self) -> list[Position]:
        return [p for p in self.positions.values() if p.kind.blocks]

    @property
    def objectors(self) -> list[Member]:
        """Members whose objection stands in this round: made in it, or carried."""
        return [m for m in self.members if m.id in self.carried or (
            m.id in self.positions and self.positions[m.id].kind.blocks)]


@dataclass(kw_only=True)
class Board(RoundSummary):
    """Everything the consensus board shows, loaded in a fixed number of queries: every
    member of the round, with its position."""

    # The conversation of every objection the board shows, by member.
    threads: dict[int, ObjectionThread]
    tally: Tally
    by_subregion: list[tuple[str, list[Member]]] = field(default_factory=list)

    @property
    def not_responded(self) -> list[Member]:
        return [m for m in self.members if m.id not in self.positions]


# Acts that change a name the board shows without a change in the round: members,
# subregions (the board's headings) and people (the authors in objection threads).
# The audit entries that change a name the board shows, one condition each: each newest
# entry is then found through its own index of (act, id) or (object_type, id) (an OR of
# them, or an index of the type alone, made PostgreSQL walk the whole trail backwards:
# 0.2-0.6 s at national scale, against 2 ms).
NAMES_SHOWN = (AuditEntry.object_type == "members", AuditEntry.object_type == "subregions",
               AuditEntry.act == "user.changed")


def board_stamp(round_id: int, user: User) -> tuple | None:
    """What the board of a round shows, as of its last change, in one small query
    (before any of the board is built): the round's own columns, its latest position
    change, the latest entry in its proposal's objection threads and the latest change
    of a name it shows. None when there is no such round or `user` may not see it."""
    row = db.session.execute(_board_stamp(visible(user, "round")),
                             {"round_id": round_id}).first()
    return None if row is None else tuple(row)


@cache
def _board_stamp(seen: ColumnElement[bool]) -> Select:
    """Built once for each visibility clause (visible() keeps one a role)."""
    latest_change = (select(func.max(PositionChange.id))
                     .where(PositionChange.round_id == Round.id).scalar_subquery())
    latest_entry = (select(func.max(ObjectionEntry.id))
                    .join(ObjectionThread, ObjectionThread.id == ObjectionEntry.thread_id)
                    .where(ObjectionThread.proposal_id == Round.proposal_id)
                    .scalar_subquery())
    latest_names = [select(func.max(AuditEntry.id)).where(shown).scalar_subquery()
                    for shown in NAMES_SHOWN]
    return (select(Round.id, Round.version_id, Round.deadline, Round.closed_at, Round.outcome,
                   latest_change, latest_entry, *latest_names)
            .where(Round.id == bindparam("round_id"), seen))


@cache
def _round_with_texts() -> Select:
    return (select(Round).where(Round.id == bindparam("round_id"))
            .options(joinedload(Round.version), joinedload(Round.proposal)))


def board(round_id: int, now: datetime) -> Board | None:
    round_ = db.session.scalar(_round_with_texts(), {"round_id": round_id})
    if round_ is None:
        return None
    members, positions = board_rows(round_id)
    answers = {m: Answer(p.kind, p.registered_at) for m, p in positions.items()}
    member_ids = [m.id for m in members]
    groups: dict[str, list[Member]] = defaultdict(list)
    for member in members:
        groups[member.subregion.name].append(member)
    carried = {m: v for m, v in carried_objections([round_]).get(round_.id, {}).items()
               if m not in positions and m in set(member_ids)}
    objecting = [m for m, p in positions.items() if p.kind.blocks] + list(carried)
    return Board(
        round=round_, state=state_of(round_, member_ids, answers, now, carried),
        members=members, positions=positions,
        threads=objection_threads(round_, objecting),
        tally=tally(member_ids, answers), by_subregion=sorted(groups.items()),
        carried=carried)


def round_summary(round_id: int, viewer_member_id: int | None,
                  now: datetime) -> RoundSummary | None:
    """The round page's round beside a board already rendered: the round and its texts,
    its state from counts in SQL (`states_of`), and the rows of the members it names
    (the viewer's member, those objecting or whose earlier objection may stand), in a
    fixed number of queries whatever the number of members."""
    round_ = db.session.scalar(_round_with_texts(), {"round_id": round_id})
    if round_ is None:
        return None
    earlier = carried_objections([round_]).get(round_.id, {})
    rows = db.session.execute(_named_board_rows(), {
        "round_id": round_id, "viewer": viewer_member_id,
        "carried": list(earlier)}).all()
    positions = {m.id: p for m, p in rows if p is not None}
    named = {m.id for m, _p in rows}
    return RoundSummary(
        round=round_, state=states_of([round_], now)[round_.id],
        members=[m for m, _p in rows], positions=positions,
        carried={m: v for m, v in earlier.items() if m in named and m not in positions})


@cache
def _named_board_rows() -> Select:
    """`_board_rows` of the members the round page names: the viewer's, the objecting
    ones and the members listed in `carried`."""
    return _board_rows().where(or_(
        Position.kind.in_(BLOCKING_KINDS), Member.id == bindparam("viewer"),
        Member.id.in_(bindparam("carried", expanding=True))))


# --- What waits for the secretariat (the start page) -----------------------------------

def objections_awaiting_answer(now: datetime, *, limit: int = 20
                               ) -> list[tuple[ObjectionThread, Round]]:
    """Open objections the secretariat has not answered since the member last spoke
    (no answer yet, or the member replied after it), each with the proposal's open
    round where the answer is written (answer_objection's rule): the nearest deadline
    first."""
    latest = aliased(Round)
    last_kind = (select(ObjectionEntry.kind).where(ObjectionEntry.thread_id == ObjectionThread.id)
                 .order_by(ObjectionEntry.id.desc()).limit(1)
                 .correlate(ObjectionThread).scalar_subquery())
    latest_round = (select(func.max(latest.id))
                    .where(latest.proposal_id == ObjectionThread.proposal_id)
                    .correlate(ObjectionThread).scalar_subquery())
    in_round = exists().where(RoundMember.round_id == Round.id,
                              RoundMember.member_id == ObjectionThread.member_id)
    return list(db.session.execute(
        select(ObjectionThread, Round)
        .join(Round, Round.id == latest_round)
        .where(ObjectionThread.closed_at.is_(None), Round.closed_at.is_(None),
               Round.deadline > now, in_round,
               or_(last_kind.is_(None), last_kind != ThreadEntryKind.ANSWER))
        .options(joinedload(ObjectionThread.member), joinedload(Round.proposal))
        .order_by(Round.deadline, ObjectionThread.id).limit(limit)).tuples())


def unrecorded_rounds(now: datetime, *, limit: int = 20) -> list[Round]:
    """Rounds past their deadline whose outcome is not recorded (settling on read
    records them; one that stays here failed to settle): the oldest first."""
    return list(db.session.scalars(
        select(Round).where(Round.outcome.is_(None), Round.deadline <= now)
        .options(joinedload(Round.proposal)).order_by(Round.deadline).limit(limit)))


# --- Areas ---------------------------------------------------------------------------

def areas() -> list[Area]:
    """Every area: in use first, areas of operation before strategy areas, by name."""
    return list(db.session.scalars(
        select(Area).order_by(Area.active.desc(), Area.strategy, Area.name_nb)))


def decisions_in_area(user: User, area_id: int) -> Select:
    """Decisions `user` may view on proposals filed under the area, the latest first."""
    return (select(Decision).join(Proposal, Proposal.id == Decision.proposal_id)
            .where(Proposal.area_id == area_id, visible(user, "decision"),
                   visible(user, "proposal"))
            .order_by(Decision.adopted_at.desc(), Decision.id.desc()))
