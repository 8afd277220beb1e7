"""Read-only queries of members."""

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from decisions.members.models import Member, Subregion


def members() -> Select:
    return (select(Member).join(Subregion).options(selectinload(Member.subregion))
            .order_by(Subregion.name, Member.name))
