"""Notifications (one per event and recipient), each user's choice of delivery per
kind, and the outbox of emails waiting to be sent.

A notification is written in the same transaction as the act that caused it; its
`key` is unique, so an event is never notified twice however often the code that
notices it runs. Emails are made from notifications by the sweep, after the commit.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from decisions.accounts.models import User
from decisions.enums import enum_column
from decisions.extensions import db


class NotificationKind(StrEnum):
    ROUND_OPENED = "round_opened"
    REMINDER = "reminder"
    OBJECTION = "objection"
    OBJECTION_ANSWERED = "objection_answered"
    ROUND_CLOSED = "round_closed"
    NOTICE = "notice"  # published, revised or cancelled
    MINUTES_APPROVED = "minutes_approved"
    MINUTES_READY = "minutes_ready"  # draft minutes await the chair's approval
    FOLLOWUP_DUE = "followup_due"  # a follow-up item's owner: due soon, or due today
    RATIFICATION = "ratification"  # a decision awaits the member's own adoption


class Delivery(StrEnum):
    """How a user wants a kind of notification by email."""

    IMMEDIATE = "immediate"
    DIGEST = "digest"  # gathered into one email a day
    OFF = "off"  # only in the app


class EmailState(StrEnum):
    PENDING = "pending"  # the sweep has not looked at it yet
    DIGEST = "digest"  # waits for the user's next daily digest
    QUEUED = "queued"  # an outbound email carries it (see email_id)
    NOT_SENT = "not_sent"  # email off for this kind, or no longer relevant
    FAILED = "failed"  # could not be made into an email (logged); kept to look into


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        # A user's list, newest first, read without a sort.
        Index("ix_notifications_user_newest", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What happened to whom, e.g. "round_opened:12:user:5": the database refuses a
    # second notification of the same event to the same person.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[NotificationKind] = mapped_column(
        enum_column(NotificationKind, "notification_kind"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    email_state: Mapped[EmailState] = mapped_column(
        enum_column(EmailState, "email_state"), index=True)
    email_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_emails.id"), index=True)

    user: Mapped[User] = relationship()
    round: Mapped["Round | None"] = relationship()  # noqa: F821
    meeting: Mapped["Meeting | None"] = relationship()  # noqa: F821


class NotificationPreference(db.Model):
    """A user's delivery for one kind; no row means immediate email."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[NotificationKind] = mapped_column(
        enum_column(NotificationKind, "preference_kind"), primary_key=True)
    delivery: Mapped[Delivery] = mapped_column(enum_column(Delivery, "delivery"))


class OutboxState(StrEnum):
    PENDING = "pending"  # to send at next_attempt_at
    SENT = "sent"
    FAILED = "failed"  # refused for good by the mail server (a bad address)
    DROPPED = "dropped"  # the recipient's account was deactivated before it went


class OutboundEmail(db.Model):
    """A rendered email waiting to be sent, or sent. Its key is unique (one email per
    notification, one digest per user and day); a claim with a deadline lets several
    sweeps run at once without two of them sending the same email."""

    __tablename__ = "outbound_emails"
    __table_args__ = (
        Index("ix_outbound_emails_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    # None for a person outside Samråd (a seat with an email address and no login).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # [{"filename", "content_type", "data" (base64)}]: small files such as an .ics.
    attachments: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    state: Mapped[OutboxState] = mapped_column(enum_column(OutboxState, "outbox_state"))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship()
