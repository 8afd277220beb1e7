"""The people list: search and filters, read-only."""

from datetime import datetime, timedelta

from sqlalchemy import Select, func, or_, select

from decisions.accounts.models import LoginSession, Role, User

LAST_LOGIN = ("never", "month", "year")  # never / not for a month / not for a year


def last_login():
    """When each user last logged in (a correlated subquery; None: never)."""
    return (select(func.max(LoginSession.created_at))
            .where(LoginSession.user_id == User.id).correlate(User).scalar_subquery())


def people(*, q: str = "", role: Role | None = None, member_id: int | None = None,
           active: bool | None = None, second_factor: bool | None = None,
           last_login_filter: str | None = None, moment: datetime) -> Select:
    """(user, last login) rows, by name; `q` finds name or email."""
    last = last_login()
    stmt = select(User, last.label("last_login")).order_by(User.name, User.id)
    words = q.strip().lower()
    if words:
        like = f"%{words.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(func.lower(User.name).like(like), User.email.like(like)))
    if role is not None:
        stmt = stmt.where(User.role == role)
    if member_id is not None:
        stmt = stmt.where(User.member_id == member_id)
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    if second_factor is not None:
        stmt = stmt.where(User.totp_secret.is_not(None) if second_factor
                          else User.totp_secret.is_(None))
    if last_login_filter == "never":
        stmt = stmt.where(last.is_(None))
    elif last_login_filter in ("month", "year"):
        days = 30 if last_login_filter == "month" else 365
        stmt = stmt.where(or_(last.is_(None), last < moment - timedelta(days=days)))
    return stmt


