"""Reading a user's notifications, and the outbox's emails that did not get through."""

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import selectinload

from decisions.accounts.models import User
from decisions.extensions import db
from decisions.meetings.models import Meeting
from decisions.notifications.models import Notification, OutboundEmail, OutboxState
from decisions.permissions import visible
from decisions.proposals.models import Proposal, Round


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        visible(user, "notification"), Notification.read_at.is_(None))) or 0


def of_user(user: User) -> Select:
    """Newest first, with what their sentences name loaded in a fixed number of queries."""
    return (select(Notification).where(visible(user, "notification"))
            .order_by(Notification.id.desc())
            .options(selectinload(Notification.user).selectinload(User.member),
                     selectinload(Notification.round).selectinload(Round.proposal)
                     .selectinload(Proposal.versions),
                     selectinload(Notification.round).selectinload(Round.version),
                     selectinload(Notification.meeting).selectinload(Meeting.group)))


# An email the mail server has refused this many times is shown as undeliverable while
# the sweep goes on retrying it (with a backoff of up to six hours: about a day).
LONG_RETRIED = 8


def _undeliverable() -> ColumnElement[bool]:
    return or_(OutboundEmail.state == OutboxState.FAILED,
               (OutboundEmail.state == OutboxState.PENDING)
               & (OutboundEmail.attempts >= LONG_RETRIED))


def undeliverable(user: User) -> Select:
    """Emails refused for good, or retried for long, that `user` may see; the latest
    first, with their recipients."""
    return (select(OutboundEmail).where(visible(user, "email"), _undeliverable())
            .options(selectinload(OutboundEmail.user))
            .order_by(OutboundEmail.created_at.desc(), OutboundEmail.id.desc()))


def undeliverable_count(user: User) -> int:
    if not user.is_authenticated:
        return 0
    return db.session.scalar(select(func.count()).select_from(OutboundEmail).where(
        visible(user, "email"), _undeliverable())) or 0
