"""PDF attachments to agenda items and proposals."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from decisions.accounts.models import User
from decisions.extensions import db

if TYPE_CHECKING:
    from decisions.proposals.models import Proposal


class Attachment(db.Model):
    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint("(item_id IS NULL) <> (proposal_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), index=True)
    # The name the user gave, cleaned for display and for Content-Disposition only;
    # the file itself lies under `storage_key`, a random name.
    filename: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    pages: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime]
    removed: Mapped[bool] = mapped_column(default=False)

    uploaded_by: Mapped[User] = relationship()
    # Not imported, even for type checkers: meetings.models imports this module, and
    # SQLAlchemy finds the class by its name.
    item: Mapped["AgendaItem | None"] = relationship()  # noqa: F821
    proposal: Mapped["Proposal | None"] = relationship()
