"""Reading a user's notifications."""

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from decisions.accounts.models import User
from decisions.extensions import db
from decisions.meetings.models import Meeting
from decisions.notifications.models import Notification
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
