"""Read-only queries of the audit trail."""

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from decisions.audit.models import AuditEntry
from decisions.database import distinct_values


def entries(*, act: str | None = None, object_type: str | None = None,
            object_id: int | None = None, actor_id: int | None = None,
            since: datetime | None = None, until: datetime | None = None) -> Select:
    """The entries, newest first, with their actors."""
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
    return distinct_values(AuditEntry.act)


def object_types() -> Select:
    return distinct_values(AuditEntry.object_type)
