"""Members (municipalities, counties, others) grouped in subregions."""

from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

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

    members: Mapped[list["Member"]] = relationship(back_populates="subregion")

    def __repr__(self) -> str:
        return f"<Subregion {self.name}>"


class Member(db.Model):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[MemberKind] = mapped_column(
        enum_column(MemberKind, "member_kind")
    )
    subregion_id: Mapped[int] = mapped_column(ForeignKey("subregions.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    subregion: Mapped[Subregion] = relationship(back_populates="members")

    def __repr__(self) -> str:
        return f"<Member {self.name}>"
