"""Proposals, versions, rounds, positions (current and history) and objection threads."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from decisions.accounts.models import User
from decisions.enums import enum_column
from decisions.extensions import db
from decisions.markdown import keeps_html
from decisions.members.models import Member


class Area(db.Model):
    """An area of operation of the alliance, or one of its strategy areas
    (innsatsområder); its name is data, kept in both languages. A deactivated area is
    offered for no new proposal and keeps the ones it has."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_nb: Mapped[str] = mapped_column(String(120), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    strategy: Mapped[bool] = mapped_column(default=False, server_default=false())
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    lock_version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    __mapper_args__ = {"version_id_col": lock_version}

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_nb


class ProposalStatus(StrEnum):
    DRAFT = "draft"
    CIRCULATED = "circulated"  # has had a round; see its latest round for where it stands
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"


@keeps_html("background", "resolution")
class Proposal(db.Model):
    __tablename__ = "proposals"
    __table_args__ = (UniqueConstraint("case_year", "case_number"),
                      # The list's order: its first page is read without a sort.
                      Index("ix_proposals_updated", "updated_at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # The working text: edited while a draft, frozen into a version when circulated.
    title: Mapped[str] = mapped_column(String(300))
    background: Mapped[str] = mapped_column(Text, default="")
    resolution: Mapped[str] = mapped_column(Text)
    background_html: Mapped[str] = mapped_column(Text, default="")
    resolution_html: Mapped[str] = mapped_column(Text, default="")
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    status: Mapped[ProposalStatus] = mapped_column(
        enum_column(ProposalStatus, "proposal_status"), index=True
    )
    case_year: Mapped[int | None]
    case_number: Mapped[int | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    area: Mapped[Area] = relationship()
    created_by: Mapped[User] = relationship()
    versions: Mapped[list["ProposalVersion"]] = relationship(
        back_populates="proposal", order_by="ProposalVersion.number"
    )
    rounds: Mapped[list["Round"]] = relationship(
        back_populates="proposal", order_by="Round.id"
    )

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def case_ref(self) -> str | None:
        if self.case_number is None:
            return None
        return f"{self.case_number:02d}/{self.case_year}"


@keeps_html("background", "resolution")
class ProposalVersion(db.Model):
    """A circulated text. Never changes once written."""

    __tablename__ = "proposal_versions"
    __table_args__ = (UniqueConstraint("proposal_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    background: Mapped[str] = mapped_column(Text)
    resolution: Mapped[str] = mapped_column(Text)
    background_html: Mapped[str] = mapped_column(Text, default="")
    resolution_html: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]

    proposal: Mapped[Proposal] = relationship(back_populates="versions")


class VersionDiff(db.Model):
    """What changed from an earlier version to a later one of the same proposal, as
    rendered HTML with <ins> and <del>: computed once, when the later version is made,
    against every earlier one (a member is shown the changes since the version it
    answered, which need not be the one just before)."""

    __tablename__ = "version_diffs"

    old_version_id: Mapped[int] = mapped_column(ForeignKey("proposal_versions.id"),
                                                primary_key=True)
    new_version_id: Mapped[int] = mapped_column(ForeignKey("proposal_versions.id"),
                                                primary_key=True, index=True)
    title_html: Mapped[str] = mapped_column(Text)
    background_html: Mapped[str] = mapped_column(Text)
    resolution_html: Mapped[str] = mapped_column(Text)


class Procedure(StrEnum):
    CONSENT = "consent"
    SILENCE = "silence"


class Outcome(StrEnum):
    CONSENSUS = "consensus"
    NO_CONSENSUS = "no_consensus"
    ADOPTED = "adopted"  # silence held
    NOT_ADOPTED = "not_adopted"  # silence broken
    SUPERSEDED = "superseded"  # a revised version replaced the text
    WITHDRAWN = "withdrawn"  # the proposal was withdrawn

    @property
    def adopts(self) -> bool:
        return self in (Outcome.CONSENSUS, Outcome.ADOPTED)


class Round(db.Model):
    __tablename__ = "rounds"
    # Every request asks for rounds past their deadline with no outcome recorded
    # (settle on read): this index holds only the unrecorded ones, a handful however
    # long the history.
    __table_args__ = (Index("ix_rounds_unrecorded_deadline", "deadline",
                            sqlite_where=text("outcome IS NULL"),
                            postgresql_where=text("outcome IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("proposal_versions.id"), index=True)
    procedure: Mapped[Procedure] = mapped_column(enum_column(Procedure, "procedure"))
    quorum_percent: Mapped[int | None]
    opened_at: Mapped[datetime]
    deadline: Mapped[datetime] = mapped_column(index=True)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Set when the outcome was recorded (settled); until then it is computed.
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome, "outcome"))
    # The reminder to members that have not answered: how long before the deadline
    # (0: none), the moment that gives (none when it would come before the round
    # opened) and when the sweep sent it.
    reminder_hours: Mapped[int] = mapped_column(default=48, server_default=text("48"))
    remind_at: Mapped[datetime | None] = mapped_column(index=True)
    reminded_at: Mapped[datetime | None]

    proposal: Mapped[Proposal] = relationship(back_populates="rounds")
    version: Mapped[ProposalVersion] = relationship()
    members: Mapped[list[Member]] = relationship(secondary="round_members")


class RoundMember(db.Model):
    __tablename__ = "round_members"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id"), primary_key=True, index=True
    )


class PositionKind(StrEnum):
    SUPPORT = "support"
    RESERVATION = "reservation"  # support with reservations
    STAND_ASIDE = "stand_aside"
    OBJECT = "object"
    AMENDMENT = "amendment"  # silence procedure only: a proposed amendment

    @property
    def blocks(self) -> bool:
        return self in (PositionKind.OBJECT, PositionKind.AMENDMENT)

    @property
    def needs_comment(self) -> bool:
        return self in (PositionKind.RESERVATION, PositionKind.OBJECT, PositionKind.AMENDMENT)


class Position(db.Model):
    """A member's current position in a round: one row per member and round."""

    __tablename__ = "positions"
    __table_args__ = (UniqueConstraint("round_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[PositionKind] = mapped_column(enum_column(PositionKind, "position_kind"))
    comment: Mapped[str] = mapped_column(Text, default="")
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    on_behalf: Mapped[bool] = mapped_column(default=False)
    registered_at: Mapped[datetime]
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    member: Mapped[Member] = relationship()
    registered_by: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}


class PositionChange(db.Model):
    """Every registration of a position, kept forever: who, when, from what, to what."""

    __tablename__ = "position_changes"
    # The round page reads a round's newest changes from this index, in order.
    __table_args__ = (Index("ix_position_changes_round_newest", "round_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    from_kind: Mapped[PositionKind | None] = mapped_column(
        enum_column(PositionKind, "from_position_kind")
    )
    kind: Mapped[PositionKind] = mapped_column(enum_column(PositionKind, "to_position_kind"))
    comment: Mapped[str] = mapped_column(Text, default="")
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    on_behalf: Mapped[bool] = mapped_column(default=False)
    confirmed_from_round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))
    at: Mapped[datetime]

    member: Mapped[Member] = relationship()
    registered_by: Mapped[User] = relationship()


class ObjectionThread(db.Model):
    """A member's objection to a proposal, followed across the proposal's rounds (it is
    carried into every later round until the member withdraws it): the secretariat's
    answers and the member's replies are its entries. Opened and closed with the
    positions that make and withdraw the objection (audited as those positions); a
    closed thread takes no entries and keeps its history."""

    __tablename__ = "objection_threads"
    # One open thread per member and proposal: a second objection while one stands
    # is the same conversation.
    __table_args__ = (Index("uq_objection_threads_open", "proposal_id", "member_id",
                            unique=True, sqlite_where=text("closed_at IS NULL"),
                            postgresql_where=text("closed_at IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    opened_round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    opened_at: Mapped[datetime]
    closed_round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))
    closed_at: Mapped[datetime | None]

    member: Mapped[Member] = relationship()
    entries: Mapped[list["ObjectionEntry"]] = relationship(
        back_populates="thread", order_by="ObjectionEntry.id")

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ThreadEntryKind(StrEnum):
    ANSWER = "answer"  # by the secretariat
    REPLY = "reply"  # by a representative of the objecting member


class ObjectionEntry(db.Model):
    """One message in an objection's thread, written in a round of the proposal."""

    __tablename__ = "objection_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("objection_threads.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    kind: Mapped[ThreadEntryKind] = mapped_column(
        enum_column(ThreadEntryKind, "objection_entry_kind"))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]

    thread: Mapped[ObjectionThread] = relationship(back_populates="entries")
    round: Mapped[Round] = relationship()
    author: Mapped[User] = relationship()

    @property
    def member_id(self) -> int:
        """The objecting member."""
        return self.thread.member_id
