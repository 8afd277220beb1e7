"""Audit entries, written by services in the same transaction as the change."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from decisions.accounts.models import User
from decisions.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    # An act's entries newest first (the list filtered by an act) and the acts there
    # are (its filter's choices) read from one index.
    # The newest entry of an act or of an object type is read from its index (the
    # board's stamp, the audit list's filters), not by walking the trail backwards.
    __table_args__ = (Index("ix_audit_entries_act_newest", "act", "id"),
                      Index("ix_audit_entries_object_type_newest", "object_type", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    act: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The chain: each entry's hash covers its content and the previous entry's hash,
    # so an edited or deleted entry breaks every hash after it (`flask audit verify`).
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    actor: Mapped[User | None] = relationship()


class AuditChain(db.Model):
    """The head of the chain: one row, the last entry and its hash. Locked by each
    committing transaction that wrote entries, so the chain has one order."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_entry_id: Mapped[int | None]
    hash: Mapped[str] = mapped_column(String(64))
