"""Gap-free yearly counters (case numbers, decision numbers), safe under concurrent writers."""

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from decisions.database import dialect_insert
from decisions.extensions import db


class Counter(db.Model):
    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int]


def next_number(name: str, year: int) -> int:
    """Take the next number of a yearly series, in the caller's transaction.

    One atomic upsert: concurrent transactions queue on the counter row, and a
    rolled-back transaction gives its number back.
    """
    stmt = dialect_insert(db.session, Counter).values(name=name, year=year, value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Counter.name, Counter.year], set_={"value": Counter.value + 1}
    ).returning(Counter.value)
    return db.session.execute(stmt).scalar_one()


def current_value(name: str, year: int) -> int:
    return db.session.scalar(
        select(Counter.value).where(Counter.name == name, Counter.year == year)
    ) or 0
