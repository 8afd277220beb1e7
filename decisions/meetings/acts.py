"""What every act on a meeting shares: the actor's permission, the meeting's row lock,
audited moves between states, and a stale save turned into a conflict."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from decisions.accounts.models import User
from decisions.audit.services import record, snapshot
from decisions.errors import Conflict, DomainError, NotAllowed
from decisions.extensions import db
from decisions.meetings import rules
from decisions.meetings.models import Meeting, MeetingState
from decisions.permissions import can

ITEM_CONFLICT = _l("Someone else saved this item while you were editing it.")


def require(actor: User, action: str, obj: object) -> None:
    if not can(actor, action, obj):
        raise NotAllowed(_l("You may not do this."))


def refuse(refusal) -> None:
    """Raises the rules' answer (a reason for the user), unless it is None."""
    if refusal is not None:
        raise DomainError(refusal)


def lock_meeting(meeting: Meeting) -> Meeting:
    """Every act on a meeting or its items takes the meeting's row first, so
    concurrent acts queue (PostgreSQL row lock; SQLite writes are serialized)."""
    return db.session.scalars(
        select(Meeting).where(Meeting.id == meeting.id).with_for_update()
        .execution_options(populate_existing=True)).one()


def move(meeting: Meeting, state: MeetingState) -> None:
    """Puts the meeting in `state`, a move the rules' table allows. The act has said
    already why a move it may not make is refused; this is the last guard."""
    if not rules.may_move(meeting.state, state):
        raise ValueError(f"a {meeting.state} meeting cannot become {state}")
    meeting.state = state


def set_state(actor: User | None, meeting: Meeting, state: MeetingState, act: str) -> None:
    """Moves the meeting to `state` and audits the move as `act`."""
    before = snapshot(meeting, "state")
    move(meeting, state)
    db.session.flush()
    record(actor, act, meeting, before=before, after=snapshot(meeting, "state"))


def flush_or_conflict(message=ITEM_CONFLICT) -> None:
    try:
        db.session.flush()
    except StaleDataError:  # saved by someone else between our read and our write
        raise Conflict(message) from None
