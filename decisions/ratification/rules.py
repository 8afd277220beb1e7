"""The ratification rules: pure functions of a decision's requirement, its members'
rows and a given day or moment. Nothing here is stored: pages, the register filter,
the reminders and the report-back item all compute the state from the rows."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from decisions.clock import from_oslo
from decisions.ratification.models import InForce, LocalOutcome

MAX_REMIND_DAYS = 90


class StateKind(StrEnum):
    AWAITING = "awaiting"
    IN_FORCE = "in_force"
    FAILED = "failed"


@dataclass(frozen=True)
class State:
    kind: StateKind
    since: date | None = None  # in force from this day
    adopted: int = 0
    needed: int = 0
    waiting: int = 0  # members without a row


@dataclass(frozen=True)
class Handling:
    """What the rules need of a member's row."""

    outcome: LocalOutcome
    meeting_date: date


def needed(in_force: InForce, required_count: int | None, members: int) -> int:
    """How many adoptions bring the decision into force."""
    if in_force == InForce.ALL:
        return members
    return min(required_count or members, members)


def state(in_force: InForce, required_count: int | None, deadline: date,
          member_ids: Iterable[int], rows: Mapping[int, Handling], today: date) -> State:
    """In force from the day the last needed adoption was made (the needed-th earliest
    local meeting that adopted it); failed when too few members can still adopt it, or
    the deadline has passed without enough adoptions; awaiting otherwise. A late
    adoption that completes the count puts a failed decision into force."""
    members = list(member_ids)
    rows = {m: h for m, h in rows.items() if m in set(members)}
    need = needed(in_force, required_count, len(members))
    adoption_days = sorted(h.meeting_date for h in rows.values() if h.outcome.adopts)
    waiting = len(members) - len(rows)
    counts = {"adopted": len(adoption_days), "needed": need, "waiting": waiting}
    if need and len(adoption_days) >= need:
        return State(StateKind.IN_FORCE, adoption_days[need - 1], **counts)
    if len(adoption_days) + waiting < need or today > deadline:
        return State(StateKind.FAILED, **counts)
    return State(StateKind.AWAITING, **counts)


def reminder_moments(deadline: date, remind_days: int) -> tuple[datetime, datetime]:
    """When the two reminders are due, as UTC moments: at Oslo midnight `remind_days`
    days before the deadline, and at Oslo midnight after the deadline day."""
    before = from_oslo(datetime.combine(deadline - timedelta(days=remind_days), time()))
    after = from_oslo(datetime.combine(deadline + timedelta(days=1), time()))
    return before, after


def reminders_due(deadline: date, remind_days: int, reminded_before: datetime | None,
                  reminded_after: datetime | None, moment: datetime) -> list[str]:
    """Which reminders are due now and not yet sent: "before" (until the deadline has
    passed) and "after"; each once."""
    before, after = reminder_moments(deadline, remind_days)
    due = []
    if reminded_before is None and before <= moment < after and remind_days > 0:
        due.append("before")
    if reminded_after is None and moment >= after:
        due.append("after")
    return due


def public_link(url: str) -> bool:
    """A link to a member's public record: http or https, with a host."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
