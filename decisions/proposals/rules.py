"""The consensus rules as pure functions: a round's state from its positions and the clock.

Nothing here reads the database or the clock itself, so every read path and the
services reach the same answer, and the rules can be tested exhaustively.
"""

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from decisions.proposals.models import Outcome, PositionKind, Procedure


@dataclass(frozen=True)
class Answer:
    kind: PositionKind
    at: datetime


@dataclass(frozen=True)
class RoundState:
    outcome: Outcome | None  # None while open
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.outcome is None


OPEN = RoundState(None, None)

DEFAULT_REMINDER_HOURS = 48
MAX_REMINDER_HOURS = 24 * 30


def reminder_hours_valid(hours: int) -> bool:
    return 0 <= hours <= MAX_REMINDER_HOURS


def remind_at(opened_at: datetime, deadline: datetime, hours: int) -> datetime | None:
    """When a round's reminder is due: `hours` before the deadline, or never when
    that is 0 or falls before the round opened (a short round gets no reminder)."""
    if hours <= 0:
        return None
    moment = deadline - timedelta(hours=hours)
    return moment if moment > opened_at else None


def raises_objection(from_kind: PositionKind | None, kind: PositionKind) -> bool:
    """A position that objects (or breaks silence) where the member did not already
    object: rewording an objection it had made is not a new one."""
    return kind.blocks and not (from_kind is not None and from_kind.blocks)


def quorum_met(quorum_percent: int | None, members: int, responded: int) -> bool:
    if not quorum_percent:
        return True
    return responded >= math.ceil(members * quorum_percent / 100)


def allowed_kinds(procedure: Procedure) -> tuple[PositionKind, ...]:
    if procedure == Procedure.SILENCE:
        return tuple(PositionKind)
    return tuple(k for k in PositionKind if k != PositionKind.AMENDMENT)


def evaluate(
    procedure: Procedure,
    quorum_percent: int | None,
    member_ids: Iterable[int],
    answers: Mapping[int, Answer],
    deadline: datetime,
    now: datetime,
    recorded: tuple[Outcome, datetime] | None = None,
    carried_objections: Collection[int] = (),
) -> RoundState:
    """The state of a round. `answers` are the members' current positions.

    `recorded` is an outcome already written (settled, superseded, withdrawn):
    once written, it is the state. `carried_objections` are the members whose
    objection to an earlier version still stands because they have not answered
    this round: a revision cannot make an objection go away by itself, only the
    member can (consent rounds; a new silence period starts afresh).
    """
    if recorded is not None:
        return RoundState(*recorded)
    members = set(member_ids)
    current = {m: a for m, a in answers.items() if m in members}
    blocking = [a.at for a in current.values() if a.kind.blocks]
    return evaluate_counts(
        procedure, quorum_percent, Counts(
            members=len(members), answered=len(current), blocking=len(blocking),
            first_blocking_at=min(blocking, default=None),
            last_answer_at=max((a.at for a in current.values()), default=None),
            still_objecting=len((set(carried_objections) & members) - set(current))),
        deadline, now)


@dataclass(frozen=True)
class Counts:
    """What the rules need to know of a round's current answers: how many members it
    has, how many answered, how many of the answers block, the first blocking and the
    last answer's moments, and how many members' earlier objections still stand
    (carried, not answered in this round). A list computes them in SQL
    (`queries.states_of`); `evaluate` from the answers themselves."""

    members: int
    answered: int
    blocking: int
    first_blocking_at: datetime | None
    last_answer_at: datetime | None
    still_objecting: int = 0


def evaluate_counts(procedure: Procedure, quorum_percent: int | None, counts: Counts,
                    deadline: datetime, now: datetime,
                    recorded: tuple[Outcome, datetime] | None = None) -> RoundState:
    """`evaluate` from the counts of the round's answers: the same rules."""
    if recorded is not None:
        return RoundState(*recorded)
    if procedure == Procedure.SILENCE:
        # Broken silence ends the round at once; otherwise it runs to its deadline.
        if counts.blocking:
            return RoundState(Outcome.NOT_ADOPTED, counts.first_blocking_at)
        if now >= deadline:
            return RoundState(Outcome.ADOPTED, deadline)
        return OPEN

    # Consent round: closes early the moment everyone has answered and nobody objects.
    if not counts.blocking and counts.members and counts.answered == counts.members:
        closed = counts.last_answer_at
        if closed < deadline:
            return RoundState(Outcome.CONSENSUS, closed)
    if now >= deadline:
        agreed = (not counts.blocking and not counts.still_objecting
                  and quorum_met(quorum_percent, counts.members, counts.answered))
        return RoundState(Outcome.CONSENSUS if agreed else Outcome.NO_CONSENSUS, deadline)
    return OPEN


@dataclass(frozen=True)
class Tally:
    counts: dict[PositionKind, int]
    no_response: int
    total: int


def tally(member_ids: Iterable[int], answers: Mapping[int, Answer]) -> Tally:
    members = set(member_ids)
    counts = dict.fromkeys(PositionKind, 0)
    for member_id, answer in answers.items():
        if member_id in members:
            counts[answer.kind] += 1
    answered = sum(counts.values())
    return Tally(counts, len(members) - answered, len(members))
