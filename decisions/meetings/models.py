"""Groups and their members, meetings, agenda items, minutes and published documents."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    literal_column,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from decisions.accounts.models import User
from decisions.clock import now
from decisions.enums import enum_column
from decisions.extensions import db
from decisions.files.models import Attachment
from decisions.markdown import keeps_html
from decisions.members.models import Member
from decisions.proposals.models import Proposal


class GroupKind(StrEnum):
    BOARD = "board"
    COUNCIL = "council"
    COORDINATION = "coordination"
    COMMITTEE = "committee"
    EXPERT = "expert"


class Group(db.Model):
    """A body that meets: the board, the council, the coordination group, expert groups."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[GroupKind] = mapped_column(enum_column(GroupKind, "group_kind"))
    active: Mapped[bool] = mapped_column(default=True)
    # Its meetings are listed in the public calendar (with their public agenda).
    public_meetings: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When the row was made and last changed (OParl's created/modified).
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    lock_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    memberships: Mapped[list["GroupMembership"]] = relationship(
        back_populates="group", order_by="GroupMembership.id")

    __mapper_args__ = {"version_id_col": lock_version}


class GroupRole(StrEnum):
    CHAIR = "chair"
    DEPUTY_CHAIR = "deputy_chair"
    MEMBER = "member"
    DEPUTY = "deputy"
    SECRETARY = "secretary"
    OBSERVER = "observer"


class GroupMembership(db.Model):
    """A person's seat in a group for a term. A seat has a login (user_id), or an email
    address for a person outside Samråd, or neither."""

    __tablename__ = "group_memberships"
    __table_args__ = (
        CheckConstraint("term_end IS NULL OR term_end >= term_start", name="term_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    person_name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    role: Mapped[GroupRole] = mapped_column(enum_column(GroupRole, "group_role"))
    term_start: Mapped[date]
    term_end: Mapped[date | None]
    # For a person outside Samråd (no login): notices and approved minutes go here.
    email: Mapped[str | None] = mapped_column(String(254))
    # When the row was made and last changed (OParl's created/modified).
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    lock_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    group: Mapped[Group] = relationship(back_populates="memberships")
    user: Mapped[User | None] = relationship()
    member: Mapped[Member | None] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}

    def serves_on(self, day: date) -> bool:
        return self.term_start <= day and (self.term_end is None or day <= self.term_end)


class MeetingState(StrEnum):
    PLANNED = "planned"
    NOTICE_PUBLISHED = "notice_published"
    HELD = "held"
    MINUTES_DRAFTED = "minutes_drafted"
    MINUTES_APPROVED = "minutes_approved"
    CANCELLED = "cancelled"


class Meeting(db.Model):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime | None]
    place: Mapped[str] = mapped_column(String(300), default="")
    video_url: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[MeetingState] = mapped_column(
        enum_column(MeetingState, "meeting_state"), index=True)
    # 0 before the notice is published, 1 for the notice, 2 and up for revised notices.
    notice_revision: Mapped[int] = mapped_column(Integer, default=0)
    notice_published_at: Mapped[datetime | None]
    # Minutes: time actually held and the secretary's free-text note on attendance.
    # The secretary marked the draft minutes ready for the chair's approval.
    minutes_ready_at: Mapped[datetime | None]
    minutes_approved_at: Mapped[datetime | None]
    minutes_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Approved by the chair, or else by the approval item of a later meeting (the
    # item that names this meeting in `approves_meeting_id`).
    minutes_approved_by_chair: Mapped[bool | None]
    # Named in the minutes: the meeting leader (møteleder) and the minute-taker
    # (protokollfører); filled from the chair's and the secretary's seats when the
    # meeting is held, editable until the minutes are approved.
    meeting_leader: Mapped[str] = mapped_column(String(200), default="", server_default="")
    minute_taker: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime]
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    group: Mapped[Group] = relationship()
    items: Mapped[list["AgendaItem"]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position",
        foreign_keys="AgendaItem.meeting_id")
    attendance: Mapped[list["Attendance"]] = relationship(
        back_populates="meeting", order_by="Attendance.id")
    minutes_approved_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}


class ItemKind(StrEnum):
    APPROVE_NOTICE = "approve_notice"
    APPROVE_MINUTES = "approve_minutes"
    DECISION = "decision"
    DISCUSSION = "discussion"
    ORIENTATION = "orientation"
    REFERENCE = "reference"
    OTHER_BUSINESS = "other_business"


@keeps_html("proposed_resolution", "background", "notes", "decision_text")
class AgendaItem(db.Model):
    """An item ("sak"): numbered per group per calendar year when the notice goes out."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        # A number is given once in a group's year and never again, even if the
        # item it was given to is removed.
        UniqueConstraint("group_id", "year", "number"),
        CheckConstraint("(number IS NULL) = (year IS NULL)", name="number_has_year"),
        # The few items exempt from public access, by proposal: the public register
        # counts its decisions as all of them minus those an exempt item handled.
        Index("ix_agenda_items_exempt_proposal", "proposal_id",
              sqlite_where=text("exempt_basis != ''"),
              postgresql_where=text("exempt_basis != ''")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    position: Mapped[int]
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind, "item_kind"))
    title: Mapped[str] = mapped_column(String(300))
    year: Mapped[int | None]
    number: Mapped[int | None]
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), index=True)
    # For an approval-of-minutes item: the meeting whose minutes it approves.
    approves_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    # The case presentation (saksfremlegg).
    case_officer: Mapped[str] = mapped_column(String(200), default="")
    proposed_resolution: Mapped[str] = mapped_column(Text, default="")
    background: Mapped[str] = mapped_column(Text, default="")
    exempt_basis: Mapped[str] = mapped_column(String(200), default="")
    removed: Mapped[bool] = mapped_column(default=False)
    # The minutes of the item.
    notes: Mapped[str] = mapped_column(Text, default="")
    decision_text: Mapped[str] = mapped_column(Text, default="")
    proposed_resolution_html: Mapped[str] = mapped_column(Text, default="")
    background_html: Mapped[str] = mapped_column(Text, default="")
    notes_html: Mapped[str] = mapped_column(Text, default="")
    decision_text_html: Mapped[str] = mapped_column(Text, default="")
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    meeting: Mapped[Meeting] = relationship(back_populates="items", foreign_keys=[meeting_id])
    proposal: Mapped[Proposal | None] = relationship()
    approves_meeting: Mapped[Meeting | None] = relationship(foreign_keys=[approves_meeting_id])
    entries: Mapped[list["ProtocolEntry"]] = relationship(
        back_populates="item", order_by="ProtocolEntry.id")
    absences: Mapped[list["ItemAbsence"]] = relationship(
        back_populates="item", order_by="ItemAbsence.id")
    actions: Mapped[list["ActionItem"]] = relationship(
        back_populates="item", order_by="ActionItem.id")
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="item", order_by="Attachment.id",
        primaryjoin="and_(Attachment.item_id == AgendaItem.id, Attachment.removed.is_(False))",
        viewonly=True)

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def ref(self) -> str | None:
        """"12/26": the item's number and the year's last two digits."""
        if self.number is None:
            return None
        return f"{self.number}/{self.year % 100:02d}"

    @hybrid_property
    def exempt(self) -> bool:
        """Exempt from public access (offentleglova): the item has a legal basis."""
        return bool(self.exempt_basis)

    @exempt.inplace.expression
    @classmethod
    def _exempt_expression(cls) -> ColumnElement[bool]:
        # A literal, not a bound parameter: the partial index of exempt items
        # (ix_agenda_items_exempt_proposal) serves only a query whose condition is
        # the index's own.
        return cls.exempt_basis != literal_column("''")


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    APOLOGIES = "apologies"
    DEPUTY = "deputy"
    OTHER = "other"


class Attendance(db.Model):
    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    person_name: Mapped[str] = mapped_column(String(200))
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("group_memberships.id"))
    status: Mapped[AttendanceStatus] = mapped_column(
        enum_column(AttendanceStatus, "attendance_status"))
    # A deputy stands in for a seat holder (who then has sent apologies).
    stands_in_for: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(String(300), default="")
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    membership: Mapped[GroupMembership | None] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}


class EntryKind(StrEnum):
    DISSENT = "dissent"
    RESERVATION = "reservation"
    STAND_ASIDE = "stand_aside"
    OTHER = "other"


class ProtocolEntry(db.Model):
    """A protocol entry (protokolltilførsel): a member's recorded dissent or reservation."""

    __tablename__ = "protocol_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    kind: Mapped[EntryKind] = mapped_column(enum_column(EntryKind, "entry_kind"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    text: Mapped[str] = mapped_column(Text)

    item: Mapped[AgendaItem] = relationship(back_populates="entries")
    member: Mapped[Member | None] = relationship()


class AbsenceKind(StrEnum):
    LEFT = "left"
    DISQUALIFIED = "disqualified"


class ItemAbsence(db.Model):
    """Someone who left the meeting or was disqualified (inhabil) for one item."""

    __tablename__ = "item_absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    person_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AbsenceKind] = mapped_column(enum_column(AbsenceKind, "absence_kind"))
    note: Mapped[str] = mapped_column(String(300), default="")

    item: Mapped[AgendaItem] = relationship(back_populates="absences")


class ActionItem(db.Model):
    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due: Mapped[date | None]

    item: Mapped[AgendaItem] = relationship(back_populates="actions")


class DocumentKind(StrEnum):
    NOTICE = "notice"
    PACK = "pack"
    MINUTES = "minutes"
    # The redacted variants for the public: exempt items show only number and basis.
    PUBLIC_NOTICE = "public_notice"
    PUBLIC_MINUTES = "public_minutes"


class MeetingDocument(db.Model):
    """A published PDF, rendered once and served from storage from then on."""

    __tablename__ = "meeting_documents"
    __table_args__ = (UniqueConstraint("meeting_id", "kind", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind, "document_kind"))
    revision: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    # A notice's content (pdf.NoticeSnapshot.content_sha256): publishing again what
    # hashes the same issues no revision.
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]

    meeting: Mapped[Meeting] = relationship()


class CalendarFeed(db.Model):
    """A user's personal calendar subscription; the URL holds a token whose hash is here."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
