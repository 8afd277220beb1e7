"""Read-only queries for attachments."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from decisions.extensions import db
from decisions.files.models import Attachment
from decisions.meetings.models import AgendaItem


def for_download(id_: int) -> Attachment | None:
    """An attachment with what says who may read it (its item and meeting, or its
    proposal), in one query."""
    return db.session.scalar(
        select(Attachment).where(Attachment.id == id_)
        .options(joinedload(Attachment.item).joinedload(AgendaItem.meeting),
                 joinedload(Attachment.proposal)))


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
