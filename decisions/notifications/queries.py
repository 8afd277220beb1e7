"""Reading a user's notifications, and the outbox's emails that did not get through."""

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from decisions.accounts.models import User
from decisions.extensions import db
from decisions.meetings.models import Meeting
from decisions.notifications.models import Notification, OutboundEmail, OutboxState
from decisions.permissions import visible
from decisions.proposals.models import Round


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        visible(user, "notification"), Notification.read_at.is_(None))) or 0


def of_user(user: User) -> Select:
    """Newest first, with what their lines name (`messages.subject`: a round's proposal
    and version, a meeting's group) joined in the same query: each is one row of a
    many-to-one, so the page's LIMIT still counts notifications."""
    return (select(Notification).where(visible(user, "notification"))
            .order_by(Notification.id.desc())
            .options(joinedload(Notification.round).options(
                         joinedload(Round.proposal), joinedload(Round.version)),
                     joinedload(Notification.meeting).joinedload(Meeting.group)))


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
