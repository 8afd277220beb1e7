"""What a decision needs of its members after the alliance has decided (the
requirement, set on the proposal), each member's local handling of it, and the agenda
items that report back on what is still awaited."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from decisions.accounts.models import User
from decisions.enums import enum_column
from decisions.extensions import db
from decisions.members.models import Member


class Body(StrEnum):
    """The member's body that adopts the decision."""

    COUNCIL = "council"  # kommunestyre / fylkesting
    EXECUTIVE = "executive"  # formannskap / fylkesutvalg
    OTHER = "other"


class InForce(StrEnum):
    """What brings the decision into force."""

    ALL = "all"  # every member of the round adopts it
    COUNT = "count"  # a number of them


class LocalOutcome(StrEnum):
    ADOPTED = "adopted"
    ADOPTED_WITH_CHANGES = "adopted_changed"
    REJECTED = "rejected"
    NOT_HANDLED = "not_handled"  # the member will not handle it

    @property
    def adopts(self) -> bool:
        return self in (LocalOutcome.ADOPTED, LocalOutcome.ADOPTED_WITH_CHANGES)


class Requirement(db.Model):
    """That a proposal's decision needs each member's own adoption: set when it is
    circulated, or on its decision. One per proposal."""

    __tablename__ = "ratification_requirements"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), unique=True)
    body: Mapped[Body] = mapped_column(enum_column(Body, "ratification_body"))
    body_other: Mapped[str] = mapped_column(String(200), default="")
    deadline: Mapped[date] = mapped_column(index=True)
    in_force: Mapped[InForce] = mapped_column(enum_column(InForce, "ratification_in_force"))
    required_count: Mapped[int | None]
    # The reminder to members without a row: days before the deadline, and the day
    # after it; when each was sent (once).
    remind_days: Mapped[int] = mapped_column(default=14, server_default=text("14"))
    reminded_before_at: Mapped[datetime | None]
    reminded_after_at: Mapped[datetime | None]
    set_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime]
    lock_version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    set_by: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}


class Ratification(db.Model):
    """A member's local handling of a decision: one row per member and decision."""

    __tablename__ = "ratifications"
    __table_args__ = (UniqueConstraint("decision_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    body: Mapped[Body] = mapped_column(enum_column(Body, "local_body"))
    meeting_date: Mapped[date]
    case_number: Mapped[str] = mapped_column(String(60))  # the member's saksnummer
    record_url: Mapped[str] = mapped_column(String(500), default="")
    outcome: Mapped[LocalOutcome] = mapped_column(enum_column(LocalOutcome, "local_outcome"))
    change_text: Mapped[str] = mapped_column(Text, default="")
    # The local decision as a PDF, kept in the file store as attachments are.
    pdf_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    pdf_filename: Mapped[str] = mapped_column(String(200), default="")
    pdf_size: Mapped[int] = mapped_column(default=0)
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    on_behalf: Mapped[bool] = mapped_column(default=False)
    registered_at: Mapped[datetime]
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    member: Mapped[Member] = relationship()
    registered_by: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}


class ReportBackItem(db.Model):
    """An orientation item "Oppfølging av vedtak": its case presentation is written
    from what is awaited when the notice is published."""

    __tablename__ = "report_back_items"

    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), primary_key=True)
