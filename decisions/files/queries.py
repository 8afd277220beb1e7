"""Read-only queries for attachments."""

from sqlalchemy import select

from decisions.extensions import db
from decisions.files.models import Attachment


def of_item(item_id: int) -> list[Attachment]:
    """An agenda item's attachments that have not been removed, in upload order: read
    afresh, so an answer rendered before the request commits shows the one just added."""
    return list(db.session.scalars(
        select(Attachment).where(Attachment.item_id == item_id, Attachment.removed.is_(False))
        .order_by(Attachment.id)))


def of_proposal(proposal_id: int) -> list[Attachment]:
    """A proposal's attachments that have not been removed, in upload order."""
    return list(db.session.scalars(
        select(Attachment).where(Attachment.proposal_id == proposal_id,
                                 Attachment.removed.is_(False))
        .order_by(Attachment.id)))
