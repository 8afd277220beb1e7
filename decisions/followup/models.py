"""Follow-up items of a decision (or of an action in minutes) and their dated updates."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from decisions.accounts.models import User
from decisions.enums import enum_column
from decisions.extensions import db
from decisions.meetings.models import ActionItem, Group, GroupRole
from decisions.members.models import Member
from decisions.register.models import Decision


class FollowupStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


OPEN_STATUSES = (FollowupStatus.PLANNED, FollowupStatus.IN_PROGRESS)


# The seats of a group that answer for its follow-up, when held with a login.
ANSWERING_SEATS = (GroupRole.CHAIR, GroupRole.SECRETARY)


class OwnerKind(StrEnum):
    MEMBER = "member"  # the member's representatives
    GROUP = "group"  # the group's chair and secretary seats with a login
    SECRETARIAT = "secretariat"


class FollowupItem(db.Model):
    __tablename__ = "followup_items"
    __table_args__ = (
        CheckConstraint("progress >= 0 AND progress <= 100", name="followup_progress"),
        CheckConstraint("weight > 0", name="followup_weight"),
        CheckConstraint("(decision_id IS NULL) <> (action_id IS NULL)",
                        name="followup_of_one"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("action_items.id"), index=True)
    what: Mapped[str] = mapped_column(Text)
    owner_kind: Mapped[OwnerKind] = mapped_column(enum_column(OwnerKind, "followup_owner"))
    owner_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    owner_group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)
    due: Mapped[date] = mapped_column(index=True)
    status: Mapped[FollowupStatus] = mapped_column(
        enum_column(FollowupStatus, "followup_status"))
    progress: Mapped[int] = mapped_column(default=0)
    weight: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    # The reminders sent for the current due date (reset when the due date moves).
    reminded_before_at: Mapped[datetime | None]
    reminded_on_at: Mapped[datetime | None]
    lock_version: Mapped[int] = mapped_column(default=1, server_default="1")

    decision: Mapped[Decision | None] = relationship()
    action: Mapped[ActionItem | None] = relationship()
    owner_member: Mapped[Member | None] = relationship()
    owner_group: Mapped[Group | None] = relationship()
    updates: Mapped[list["FollowupUpdate"]] = relationship(
        back_populates="item", order_by="FollowupUpdate.id")

    __mapper_args__ = {"version_id_col": lock_version}


class FollowupUpdate(db.Model):
    """A dated update by the owner (or the secretariat): status and progress with a
    comment. Kept as history; the item carries the latest."""

    __tablename__ = "followup_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("followup_items.id"), index=True)
    at: Mapped[datetime]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[FollowupStatus] = mapped_column(
        enum_column(FollowupStatus, "followup_update_status"))
    progress: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")

    item: Mapped[FollowupItem] = relationship(back_populates="updates")
    author: Mapped[User] = relationship()
