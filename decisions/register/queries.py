"""Read-only queries of the decision register."""

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from decisions.extensions import db
from decisions.register.models import Decision, DecisionNote


def decisions(*, search: str | None = None, year: int | None = None) -> Select:
    stmt = select(Decision).order_by(Decision.year.desc(), Decision.number.desc())
    if year:
        stmt = stmt.where(Decision.year == year)
    return matching(stmt, search) if search else stmt


def matching(stmt: Select, search: str) -> Select:
    """Decisions whose title or resolution contains `search`. Autoescaped: a % or _
    the user typed matches itself, not any text."""
    text = search.strip()
    return stmt.where(or_(Decision.title.icontains(text, autoescape=True),
                          Decision.resolution.icontains(text, autoescape=True)))


def decision(year: int, number: int) -> Decision | None:
    return db.session.scalar(
        select(Decision).where(Decision.year == year, Decision.number == number)
        .options(selectinload(Decision.notes).selectinload(DecisionNote.member),
                 selectinload(Decision.proposal), selectinload(Decision.round)))


def decision_for_proposal(proposal_id: int) -> Decision | None:
    return db.session.scalar(select(Decision).where(Decision.proposal_id == proposal_id)
                             .order_by(Decision.id.desc()).limit(1))
