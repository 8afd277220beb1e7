"""The meeting rules as pure functions: may a meeting be marked held, may its minutes be
approved (by the chair, or by an item of a later meeting), given its state and a moment.

Nothing here reads the database or the clock: the caller passes the loaded objects (or
anything with the same attributes) and the moment, so the services that refuse an act
and the pages that offer it reach the same answer. Each function answers None when the
act can succeed, else the reason it cannot, as a message for the user.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from decisions.locale import format_moment  # the one way a moment is written for people
from decisions.meetings.models import ItemKind, MeetingState

HELD_OR_LATER = (MeetingState.HELD, MeetingState.MINUTES_DRAFTED,
                 MeetingState.MINUTES_APPROVED)


def _when(moment: datetime) -> str:
    return format_moment(moment)


def why_not_held(meeting, now: datetime):
    """Why `meeting` cannot be marked held at `now`; None when it can."""
    if meeting.state != MeetingState.NOTICE_PUBLISHED:
        return _l("Publish the notice before the meeting is held.")
    if now < meeting.starts_at:
        return _l("The meeting starts %(when)s. It can be marked as held once it has "
                  "started.", when=_when(meeting.starts_at))
    return None


def _why_not_approvable(meeting, now: datetime):
    if meeting.state == MeetingState.MINUTES_APPROVED:
        return _l("These minutes are already approved.")
    if meeting.state != MeetingState.MINUTES_DRAFTED:
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
