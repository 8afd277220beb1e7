"""Writing audit entries. Services call `record` in the same transaction as their change;
the entry is inserted, chained to the one before it, when that transaction commits."""

from datetime import date, datetime
from enum import Enum
from typing import Any

from decisions.accounts.models import User
from decisions.audit import chain
from decisions.audit.models import AuditEntry
from decisions.clock import now
from decisions.extensions import db


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def snapshot(obj: object, *fields: str) -> dict[str, Any]:
    """The named attributes of an object, as JSON-safe values."""
    return {field: _plain(getattr(obj, field)) for field in fields}


def record(actor: User | None, act: str, obj: Any, *, before: dict | None = None,
           after: dict | None = None, object_type: str | None = None) -> AuditEntry:
    if getattr(obj, "id", None) is None:
        db.session.flush()
    entry = AuditEntry(
        at=now(),
        actor_id=actor.id if actor is not None else None,
        act=act,
        object_type=object_type or obj.__tablename__,
        object_id=obj.id,
        before={k: _plain(v) for k, v in before.items()} if before else None,
        after={k: _plain(v) for k, v in after.items()} if after else None,
    )
    chain.queue(db.session(), entry)  # inserted, chained, when the transaction commits
    return entry
