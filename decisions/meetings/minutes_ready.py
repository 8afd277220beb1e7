"""The secretary marks drafted minutes ready for the chair's approval."""

from flask_babel import lazy_gettext as _l

from decisions.accounts.models import User
from decisions.audit.services import record, snapshot
from decisions.clock import now
from decisions.errors import DomainError, NotAllowed
from decisions.extensions import db
from decisions.meetings.models import Meeting, MeetingState
from decisions.permissions import can
from decisions.signals import minutes_ready


def can_mark_ready(meeting: Meeting) -> bool:
    """Drafted minutes not yet marked ready (marking again tells the chair again)."""
    return meeting.state == MeetingState.MINUTES_DRAFTED and meeting.minutes_ready_at is None


def mark_minutes_ready(actor: User, meeting: Meeting) -> None:
    """The minutes are written: the chair of the meeting's day is told that they
    await approval (the minutes_ready event)."""
    if not can(actor, "write_minutes", meeting):
        raise NotAllowed(_l("You may not do this."))
    if meeting.state != MeetingState.MINUTES_DRAFTED:
        raise DomainError(_l("Only drafted minutes can be marked ready for approval."))
    if meeting.minutes_ready_at is not None:
        raise DomainError(_l("The minutes are marked ready for approval already."))
    before = snapshot(meeting, "minutes_ready_at")
    meeting.minutes_ready_at = now()
    db.session.flush()
    record(actor, "minutes.ready", meeting, before=before,
           after=snapshot(meeting, "minutes_ready_at"))
    minutes_ready.send(meeting=meeting)
