"""Decisions and the reservations and stand-asides recorded with them."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from decisions.enums import enum_column
from decisions.extensions import db
from decisions.markdown import keeps_html
from decisions.members.models import Member
from decisions.proposals.models import PositionKind, Procedure, Proposal, Round


@keeps_html("resolution", strict=False)  # a copy of the version adopted
class Decision(db.Model):
    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    number: Mapped[int]
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), unique=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    title: Mapped[str] = mapped_column(String(300), index=True)
    resolution: Mapped[str] = mapped_column(Text)
    resolution_html: Mapped[str] = mapped_column(Text, default="")
    procedure: Mapped[Procedure] = mapped_column(enum_column(Procedure, "decision_procedure"))
    adopted_at: Mapped[datetime] = mapped_column(index=True)
    # When the secretariat looks at the decision's follow-up again (decisions/followup).
    review_date: Mapped[date | None]

    round: Mapped[Round] = relationship()
    proposal: Mapped[Proposal] = relationship()
    notes: Mapped[list["DecisionNote"]] = relationship(
        back_populates="decision", order_by="DecisionNote.id"
    )

    @property
    def ref(self) -> str:
        return f"{self.year}/{self.number:03d}"


class DecisionNote(db.Model):
    """A reservation or stand-aside, copied from the round when the decision was made."""

    __tablename__ = "decision_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[PositionKind] = mapped_column(enum_column(PositionKind, "note_kind"))
    comment: Mapped[str] = mapped_column(Text, default="")

    decision: Mapped[Decision] = relationship(back_populates="notes")
    member: Mapped[Member] = relationship()


class DecisionDocument(db.Model):
    """The public PDF of a decision (the decided version with the decision), rendered
    once after the decision is stored and served from storage from then on."""

    __tablename__ = "decision_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), unique=True)
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    created_at: Mapped[datetime]

    decision: Mapped[Decision] = relationship()
