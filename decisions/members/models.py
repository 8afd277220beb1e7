"""Members (municipalities, counties, others) grouped in subregions and counties.

A member keeps its history: every earlier name with the day it stopped being used
(`MemberName`), and a member closed by a merger says into which member and from
which day. Rounds and positions always point at the member as it was; a merger
never moves them."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from decisions.clock import now
from decisions.enums import enum_column
from decisions.extensions import db


class MemberKind(StrEnum):
    MUNICIPALITY = "municipality"
    COUNTY = "county"
    OTHER = "other"


class Subregion(db.Model):
    __tablename__ = "subregions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())

    members: Mapped[list["Member"]] = relationship(back_populates="subregion")

    def __repr__(self) -> str:
        return f"<Subregion {self.name}>"


class County(db.Model):
    """A county (fylke) that municipalities lie in: a round can take all of it at once.
    (The county authority itself, the fylkeskommune, is a member of kind county.)"""

    __tablename__ = "counties"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())

    members: Mapped[list["Member"]] = relationship(back_populates="county")

    def __repr__(self) -> str:
        return f"<County {self.name}>"


class Member(db.Model):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[MemberKind] = mapped_column(
        enum_column(MemberKind, "member_kind")
    )
    subregion_id: Mapped[int] = mapped_column(ForeignKey("subregions.id"), index=True)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # A member closed by a merger: from which day, and into which member.
    closed_on: Mapped[date | None]
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    # When the row was made and last changed (OParl's created/modified).
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    lock_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    subregion: Mapped[Subregion] = relationship(back_populates="members")
    county: Mapped[County | None] = relationship(back_populates="members")
    merged_into: Mapped["Member | None"] = relationship(remote_side=[id])
    former_names: Mapped[list["MemberName"]] = relationship(
        order_by="MemberName.until.desc(), MemberName.id.desc()", back_populates="member")

    __mapper_args__ = {"version_id_col": lock_version}

    def __repr__(self) -> str:
        return f"<Member {self.name}>"


class MemberName(db.Model):
    """A name the member had before a rename: used until the day `until` (exclusive)."""

    __tablename__ = "member_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    until: Mapped[date]
    recorded_at: Mapped[datetime]

    member: Mapped[Member] = relationship(back_populates="former_names")
