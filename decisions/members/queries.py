"""Read-only queries of members, subregions and counties."""

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from decisions.accounts.models import User
from decisions.extensions import db
from decisions.members.models import County, Member, Subregion


def members() -> Select:
    return (select(Member).join(Subregion)
            .options(selectinload(Member.subregion), selectinload(Member.county),
                     selectinload(Member.merged_into))
            .order_by(Subregion.name, Member.name))


def active_members() -> list[Member]:
    return list(db.session.scalars(select(Member).where(Member.active)
                                   .options(selectinload(Member.subregion),
                                            selectinload(Member.county))
                                   .order_by(Member.name)))


def subregions(active_only: bool = False) -> list[Subregion]:
    query = select(Subregion).order_by(Subregion.name)
    return list(db.session.scalars(query.where(Subregion.active) if active_only else query))


def counties(active_only: bool = False) -> list[County]:
    query = select(County).order_by(County.name)
    return list(db.session.scalars(query.where(County.active) if active_only else query))


def representatives_of(member: Member) -> list[User]:
    return list(db.session.scalars(select(User).where(User.member_id == member.id)
                                   .order_by(User.name)))


def merged_into(member: Member) -> list[Member]:
    """The members that were merged into `member`."""
    return list(db.session.scalars(select(Member).where(Member.merged_into_id == member.id)
                                   .order_by(Member.name)))


@dataclass
class Picker:
    """The members a round can go to, grouped by subregion, with the counties."""

    groups: list[tuple[Subregion, list[Member]]]
    counties: list[tuple[County, list[Member]]]
    members: list[Member]


def picker() -> Picker:
    """Active members, grouped for choosing the members of a round."""
    members = active_members()
    by_subregion: dict[int, list[Member]] = {}
    by_county: dict[int, list[Member]] = {}
    for m in members:
        by_subregion.setdefault(m.subregion_id, []).append(m)
        if m.county_id is not None:
            by_county.setdefault(m.county_id, []).append(m)
    return Picker(
        groups=[(s, by_subregion[s.id]) for s in subregions() if s.id in by_subregion],
        counties=[(c, by_county[c.id]) for c in counties() if c.id in by_county],
        members=members)
