"""Read-only queries of the audit trail."""

from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from decisions.audit.models import AuditEntry


def entries(*, act: str | None = None, object_type: str | None = None,
            object_id: int | None = None, actor_id: int | None = None,
            since: datetime | None = None, until: datetime | None = None) -> Select:
    stmt = select(AuditEntry).options(selectinload(AuditEntry.actor)).order_by(
        AuditEntry.id.desc())
    if act:
        stmt = stmt.where(AuditEntry.act == act)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    if actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.at < until)
    return stmt


def acts() -> Select:
    return _distinct(AuditEntry.act)


def object_types() -> Select:
    return _distinct(AuditEntry.object_type)


def _distinct(column) -> Select:
    """The values of an indexed column, in order, found by skipping through its index
    (one probe for each value) rather than by reading every entry, as SELECT DISTINCT
    does: the trail grows by the million, its acts stay a few dozen."""
    values = select(func.min(column).label("value")).cte("distinct_values", recursive=True)
    following = select(func.min(column)).where(column > values.c.value).scalar_subquery()
    values = values.union_all(select(following).where(values.c.value.is_not(None)))
    return select(values.c.value).where(values.c.value.is_not(None)).order_by(values.c.value)
