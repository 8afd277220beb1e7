"""The meeting rules as pure functions: the states a meeting goes through (one table of
the moves between them), and may it be changed, cancelled, marked held, its minutes
written or approved (by the chair, or by an item of a later meeting), given its state
and a moment.

Nothing here reads the database or the clock: the caller passes the loaded objects (or
anything with the same attributes) and the moment, so the services that refuse an act
and the pages that offer it reach the same answer. Each function answers None when the
act can succeed, else the reason it cannot, as a message for the user.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from decisions.locale import format_moment  # the one way a moment is written for people
from decisions.meetings.models import ItemKind, MeetingState

PLANNED, NOTICE_PUBLISHED = MeetingState.PLANNED, MeetingState.NOTICE_PUBLISHED
HELD, MINUTES_DRAFTED = MeetingState.HELD, MeetingState.MINUTES_DRAFTED
MINUTES_APPROVED, CANCELLED = MeetingState.MINUTES_APPROVED, MeetingState.CANCELLED

# The life of a meeting: the states each state may move to, and nothing else.
# planned -> notice_published -> held -> minutes_drafted -> minutes_approved, and
# cancelled from planned or notice_published. A published notice may be published again
# (a revised notice) and drafted minutes drafted further, so those two follow
# themselves: the agenda can be changed while a notice may (still) be published, the
# minutes written while they may (still) be drafted.
MOVES: dict[MeetingState, frozenset[MeetingState]] = {
    PLANNED: frozenset({NOTICE_PUBLISHED, CANCELLED}),
    NOTICE_PUBLISHED: frozenset({NOTICE_PUBLISHED, HELD, CANCELLED}),
    HELD: frozenset({MINUTES_DRAFTED}),
    MINUTES_DRAFTED: frozenset({MINUTES_DRAFTED, MINUTES_APPROVED}),
    MINUTES_APPROVED: frozenset(),
    CANCELLED: frozenset(),
}

HELD_OR_LATER = (HELD, MINUTES_DRAFTED, MINUTES_APPROVED)


def may_move(state: MeetingState, to: MeetingState) -> bool:
    """May a meeting in `state` move to `to` (or, for the two that follow themselves,
    stay there after another act)?"""
    return to in MOVES[state]


def agenda_open(state: MeetingState) -> bool:
    """May the meeting, its agenda and its notice still change (it has not been held
    or cancelled)?"""
    return may_move(state, NOTICE_PUBLISHED)


def minutes_open(state: MeetingState) -> bool:
    """May the minutes be written (held, not yet approved)?"""
    return may_move(state, MINUTES_DRAFTED)


def has_minutes(state: MeetingState) -> bool:
    """Has the meeting been held, so that it has minutes (drafted or not)?"""
    return state in HELD_OR_LATER


def why_not_edited(meeting):
    """Why the time and place of `meeting` cannot be changed; None when they can."""
    if not agenda_open(meeting.state):
        return _l("Time and place can only be changed before the meeting.")
    return None


def why_not_cancelled(meeting):
    """Why `meeting` cannot be cancelled; None when it can."""
    if not may_move(meeting.state, CANCELLED):
        return _l("Only a meeting that has not been held can be cancelled.")
    return None


def why_not_agenda_changed(meeting):
    """Why the agenda of `meeting` cannot be changed (nor its notice published)."""
    if not agenda_open(meeting.state):
        return _l("The agenda of a meeting that has been held or cancelled cannot be "
                  "changed.")
    return None


def why_not_minutes_written(meeting):
    """Why the minutes of `meeting` cannot be written or changed; None when they can."""
    if meeting.state == MINUTES_APPROVED:
        return _l("Approved minutes are final and cannot be changed.")
    if not minutes_open(meeting.state):
        return _l("Minutes are written once the meeting has been held.")
    return None


def _when(moment: datetime) -> str:
    return format_moment(moment)


def why_not_held(meeting, now: datetime):
    """Why `meeting` cannot be marked held at `now`; None when it can."""
    if not may_move(meeting.state, HELD):
        return _l("Publish the notice before the meeting is held.")
    if now < meeting.starts_at:
        return _l("The meeting starts %(when)s. It can be marked as held once it has "
                  "started.", when=_when(meeting.starts_at))
    return None


def _why_not_approvable(meeting, now: datetime):
    if meeting.state == MINUTES_APPROVED:
        return _l("These minutes are already approved.")
    if not may_move(meeting.state, MINUTES_APPROVED):
        return _l("There are no minutes to approve yet.")
    if now < meeting.starts_at:  # minutes of a meeting marked held too early (old data)
        return _l("Minutes cannot be approved before the meeting has taken place.")
    return None


def why_not_approved_by_chair(meeting, now: datetime):
    """Why the chair cannot approve `meeting`'s minutes at `now` (by circulation)."""
    return _why_not_approvable(meeting, now)


def why_not_approved_by_item(meeting, item, item_meeting, now: datetime):
    """Why `item` (an agenda item of `item_meeting`) cannot approve `meeting`'s minutes
    at `now`: it must be the approval item naming them, on the agenda of a later
    meeting that has been held."""
    if (item.kind != ItemKind.APPROVE_MINUTES or item.removed
            or item.approves_meeting_id != meeting.id):
        return _l("That item does not approve these minutes.")
    refused = _why_not_approvable(meeting, now)
    if refused is not None:
        return refused
    if item_meeting.starts_at <= meeting.starts_at:
        return _l("Minutes are approved by a later meeting.")
    if item_meeting.state not in HELD_OR_LATER or now < item_meeting.starts_at:
        return _l("Approval at the meeting of %(when)s can be chosen once that meeting "
                  "has been held.", when=_when(item_meeting.starts_at))
    return None
