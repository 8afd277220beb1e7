"""Pure functions of follow-up items and a given day: the roll-up, what is overdue,
which reminder is due, and the decision's follow-up state.

The roll-up is Decidim's (accountability: a result's progress is the weighted mean of
its children's): sum(progress * weight) / sum(weight), over the items that are not
dropped. A dropped item no longer counts for or against the decision; a decision
whose items are all dropped (or that has none) has no roll-up (None), not 0 %."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol

from decisions.followup.models import OPEN_STATUSES, FollowupStatus

DEFAULT_REMIND_DAYS = 7


class ItemLike(Protocol):
    status: FollowupStatus
    progress: int
    weight: int
    due: date


def rollup(items: Iterable[ItemLike]) -> float | None:
    """The weighted mean progress in per cent, dropped items left out; None if no
    item counts."""
    counted = [i for i in items if i.status != FollowupStatus.DROPPED]
    total = sum(i.weight for i in counted)
    if not total:
        return None
    return sum(i.progress * i.weight for i in counted) / total


def is_open(item: ItemLike) -> bool:
    return item.status in OPEN_STATUSES


def is_overdue(item: ItemLike, today: date) -> bool:
    """Open past its due date (on the due date it is due, not overdue)."""
    return is_open(item) and item.due < today


class Reminder(StrEnum):
    BEFORE = "before"
    ON = "on"


def reminder_due(item, today: date, days_before: int = DEFAULT_REMIND_DAYS
                 ) -> Reminder | None:
    """The reminder to send now, if any: on (or after) the due date the due-day one,
    else from `days_before` days ahead the early one; each once per due date (the
    item records it). When the early one was missed, the due-day one alone is sent."""
    if not is_open(item):
        return None
    if today >= item.due:
        return Reminder.ON if item.reminded_on_at is None else None
    if today >= item.due - timedelta(days=days_before) and item.reminded_before_at is None:
        return Reminder.BEFORE
    return None


class FollowupState(StrEnum):
    NONE = "none"  # no item that counts
    ON_TRACK = "on_track"  # open items, none overdue
    OVERDUE = "overdue"  # an open item past its due date
    DONE = "done"  # every item that counts is done


def state(items: Iterable[ItemLike], today: date) -> FollowupState:
    counted = [i for i in items if i.status != FollowupStatus.DROPPED]
    if not counted:
        return FollowupState.NONE
    if any(is_overdue(i, today) for i in counted):
        return FollowupState.OVERDUE
    if all(i.status == FollowupStatus.DONE for i in counted):
        return FollowupState.DONE
    return FollowupState.ON_TRACK


@dataclass
class Summary:
    """What a decision shows of its follow-up."""

    rollup: float | None
    state: FollowupState
    overdue: int
    total: int


def summary(items: Iterable[ItemLike], today: date) -> Summary:
    items = list(items)
    return Summary(rollup=rollup(items), state=state(items, today),
                   overdue=sum(1 for i in items if is_overdue(i, today)), total=len(items))
