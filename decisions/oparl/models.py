"""What the OParl interface keeps of its own: the tombstones of objects it served once
and serves no more (deleted, withdrawn, made exempt, superseded)."""

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from decisions.extensions import db


class Tombstone(db.Model):
    """An object gone from the interface: its address answers `{id, type, created,
    modified, deleted: true}`, and lists show it only when asked `modified_since`.
    `kind` is the object's endpoint (meeting, agenda_item, file, paper, ...)."""

    __tablename__ = "oparl_tombstones"
    __table_args__ = (UniqueConstraint("kind", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int]
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime] = mapped_column(index=True)
    # An agenda item's order (its schema requires one, deleted or not).
    item_order: Mapped[int | None]
