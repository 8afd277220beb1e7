"""Adding and removing PDF attachments: the only code that writes them."""

import io
import re
import unicodedata

from flask import current_app
from flask_babel import lazy_gettext as _l
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from sqlalchemy import select

from decisions.accounts.models import User
from decisions.audit.services import record, snapshot
from decisions.clock import now
from decisions.errors import DomainError, NotAllowed
from decisions.extensions import db
from decisions.files import storage
from decisions.files.models import Attachment
from decisions.meetings import rules as meeting_rules
from decisions.meetings.models import AgendaItem, MeetingDocument
from decisions.permissions import can
from decisions.proposals.models import Proposal, ProposalStatus
from decisions.ratification.models import Ratification

PDF_MAGIC = b"%PDF-"


def clean_filename(name: str) -> str:
    """A display name from what the browser sent: no directories, no control or
    quoting characters, never empty, always ending in .pdf."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C" and c not in '"<>|:*?')
    name = name.strip(" .")[:150]
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    return f"{stem or 'vedlegg'}.pdf"


def _page_count(data: bytes) -> int:
    """A PDF is judged by its content: it must start like one and open as one."""
    if not data.startswith(PDF_MAGIC):
        raise DomainError(_l("The file is not a PDF. Only PDF attachments can be added."),
                          field="file")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DomainError(_l("The PDF is password protected. Upload it without a "
                                 "password."), field="file")
        pages = len(reader.pages)
    except DomainError:
        raise
    # PyPdfError: also the limits pypdf keeps against hostile files (LimitReachedError:
    # page trees too deep, streams too large), which are no PdfReadError.
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError):
        pages = 0
    if pages == 0:
        raise DomainError(_l("The PDF could not be read. Save it again as PDF and upload "
                             "it once more."), field="file")
    limit = current_app.config["ATTACHMENT_MAX_PAGES"]
    if pages > limit:
        raise DomainError(_l("The PDF has %(pages)s pages; an attachment may have at most "
                             "%(limit)s. Split it into several attachments.",
                             pages=pages, limit=limit), field="file")
    return pages


def store_pdf(data: bytes, filename: str) -> tuple[str, int, str, str]:
    """A PDF upload checked by the attachments' rules (size, a readable PDF, pages) and
    stored under a random name that goes unless the transaction commits; returns
    (clean filename, pages, storage key, sha256). Also for other PDFs users upload,
    such as a member's local decision."""
    limit = current_app.config["ATTACHMENT_MAX_MB"]
    if len(data) > limit * 1024 * 1024:
        raise DomainError(_l("The file is larger than %(limit)s MB.", limit=limit),
                          field="file")
    pages = _page_count(data)
    name = clean_filename(filename)
    try:
        key, digest = storage.save(data)
    except storage.StoreFailed as error:
        error.field = "file"
        raise
    storage.discard_unless_committed(db.session, [key])
    return name, pages, key, digest


def add_attachment(actor: User, *, data: bytes, filename: str, title: str = "",
                   item: AgendaItem | None = None,
                   proposal: Proposal | None = None) -> Attachment:
    """Stores a PDF attachment of an agenda item or a proposal under a random name."""
    if (item is None) == (proposal is None):
        raise ValueError("an attachment belongs to an item or a proposal")
    if not can(actor, "upload", kind="attachment"):
        raise NotAllowed(_l("You may not do this."))
    if item is not None and not meeting_rules.agenda_open(item.meeting.state):
        raise DomainError(_l("Attachments can only be added before the meeting."),
                          field="file")
    if proposal is not None and proposal.status not in (ProposalStatus.DRAFT,
                                                        ProposalStatus.CIRCULATED):
        raise DomainError(_l("A decided or withdrawn proposal takes no new attachments."),
                          field="file")
    name, pages, key, digest = store_pdf(data, filename)
    attachment = Attachment(
        item_id=item.id if item else None, proposal_id=proposal.id if proposal else None,
        filename=name, title=(title or name[:-4])[:300], storage_key=key, sha256=digest,
        size=len(data), pages=pages, uploaded_by_id=actor.id, uploaded_at=now())
    db.session.add(attachment)
    db.session.flush()
    record(actor, "attachment.added", attachment, after=snapshot(
        attachment, "item_id", "proposal_id", "filename", "title", "sha256", "size"))
    return attachment


def remove_attachment(actor: User, attachment: Attachment) -> None:
    """Takes an attachment off its item or proposal; the file stays for the record."""
    if not can(actor, "upload", kind="attachment"):
        raise NotAllowed(_l("You may not do this."))
    if attachment.item is not None and not meeting_rules.agenda_open(
            attachment.item.meeting.state):
        raise DomainError(_l("Attachments can only be removed before the meeting."))
    attachment.removed = True
    db.session.flush()
    record(actor, "attachment.removed", attachment,
           before=snapshot(attachment, "item_id", "proposal_id", "filename"))


def remove_orphan_files() -> int:
    """Removes stored files that no attachment or meeting document names, once they are
    old enough that no request can still be about to record them (run by the sweep)."""
    referenced = set(db.session.scalars(select(Attachment.storage_key)))
    referenced |= set(db.session.scalars(select(MeetingDocument.storage_key)))
    referenced |= set(db.session.scalars(
        select(Ratification.pdf_key).where(Ratification.pdf_key.is_not(None))))
    db.session.rollback()  # only read: hold nothing while walking the disk
    return storage.remove_orphans(referenced)
