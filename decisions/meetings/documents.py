"""The meeting's PDFs: rendered outside the write transaction, then recorded.

A PDF takes seconds to render; holding the write lock that long stops every other
writer (on SQLite, all of them). So publishing a notice (agenda.py) and approving
minutes (minutes.py) are three steps: freeze what the documents show into plain data
(a reading transaction: `pdf.NoticeSnapshot`, `pdf.Frozen`), render and store the files
with no transaction open (`render_and_store`), then record them in a short writing
transaction that first checks nothing changed since the freeze. The files of a
recording that does not commit are removed (storage.discard_unless_committed).
"""

import logging
from collections.abc import Callable
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from decisions.audit.services import record
from decisions.clock import now
from decisions.database import begin_writes
from decisions.errors import DomainError
from decisions.extensions import db
from decisions.files import storage
from decisions.meetings import pdf
from decisions.meetings.models import (
    AgendaItem,
    DocumentKind,
    ItemKind,
    Meeting,
    MeetingDocument,
    MeetingState,
)
from decisions.meetings.queries import latest_document, meeting_with_agenda

log = logging.getLogger(__name__)


class RenderFailed(DomainError):
    """The PDF renderer failed; nothing was published."""


class Stored(NamedTuple):
    key: str
    sha256: str
    size: int


RENDER_FAILED = _l("The PDF could not be made, so nothing was published and the meeting "
                   "is as it was. Try again; if it happens again, tell the system "
                   "administrator.")


def render_and_store(render: Callable[[], dict[DocumentKind, bytes]]
                     ) -> dict[DocumentKind, Stored]:
    """Ends the reading transaction, renders and stores the documents, and hands their
    files to the next transaction, which keeps them only if it commits."""
    db.session.commit()  # only read so far: nothing is held while rendering
    try:
        documents = render()
    except Exception as error:  # noqa: BLE001 - any failure of WeasyPrint or pypdf
        log.exception("rendering a meeting document failed")
        raise RenderFailed(RENDER_FAILED) from error
    stored: dict[DocumentKind, Stored] = {}
    try:
        for kind, data in documents.items():
            key, digest = storage.save(data)
            stored[kind] = Stored(key, digest, len(data))
    except BaseException:
        storage.remove(s.key for s in stored.values())
        raise
    begin_writes()
    storage.discard_unless_committed(db.session, [s.key for s in stored.values()])
    return stored


def record_document(meeting: Meeting, kind: DocumentKind, stored: Stored, *,
                    content_sha256: str | None = None) -> MeetingDocument:
    revision = (1 if kind in (DocumentKind.MINUTES, DocumentKind.PUBLIC_MINUTES)
                else meeting.notice_revision)
    document = MeetingDocument(meeting_id=meeting.id, kind=kind, revision=revision,
                               storage_key=stored.key, sha256=stored.sha256,
                               size=stored.size, content_sha256=content_sha256,
                               created_at=now())
    db.session.add(document)
    db.session.flush()
    return document


# --- Public versions of documents published before there were any ----------------------

def _has(meeting: Meeting, kind: DocumentKind, revision: int) -> bool:
    return db.session.scalar(select(MeetingDocument.id).where(
        MeetingDocument.meeting_id == meeting.id, MeetingDocument.kind == kind,
        MeetingDocument.revision == revision).limit(1)) is not None


def _approving_item(meeting: Meeting) -> AgendaItem | None:
    if meeting.minutes_approved_by_chair:
        return None
    return db.session.scalar(select(AgendaItem).where(
        AgendaItem.approves_meeting_id == meeting.id, AgendaItem.removed.is_(False),
        AgendaItem.kind == ItemKind.APPROVE_MINUTES).limit(1))


def _render_public(meeting_id: int, kind: DocumentKind, revision: int,
                   render: Callable[[], bytes]) -> MeetingDocument:
    stored = render_and_store(lambda: {kind: render()})
    meeting = db.session.get(Meeting, meeting_id)
    document = MeetingDocument(meeting_id=meeting_id, kind=kind, revision=revision,
                               storage_key=stored[kind].key, sha256=stored[kind].sha256,
                               size=stored[kind].size, created_at=now())
    db.session.add(document)
    db.session.flush()
    record(None, "meeting.public_document_rendered", meeting,
           after={"kind": kind.value, "revision": revision, "sha256": document.sha256})
    return document


def render_missing_public() -> tuple[list[MeetingDocument], list[Meeting]]:
    """Renders the public version of every approved minutes and of every published
    notice that has none; the members' versions are never rendered again. A notice is
    rendered only if the agenda still shows what the published notice showed (its
    content hash); the meetings whose notice changed since are returned as skipped.
    Each document is rendered with no transaction open and recorded in its own."""
    made: list[MeetingDocument] = []
    skipped: list[Meeting] = []
    minutes_due = [m.id for m in db.session.scalars(select(Meeting).where(
        Meeting.state == MeetingState.MINUTES_APPROVED).order_by(Meeting.id))
        if not _has(m, DocumentKind.PUBLIC_MINUTES, 1)]
    for meeting_id in minutes_due:
        meeting = meeting_with_agenda(meeting_id)
        source = pdf.minutes_source(meeting, _approving_item(meeting), public=True)
        made.append(_render_public(meeting_id, DocumentKind.PUBLIC_MINUTES, 1,
                                   lambda s=source: pdf.render_public_minutes(s)))
        db.session.commit()
    notices_due = [m.id for m in db.session.scalars(select(Meeting).where(
        Meeting.notice_revision > 0).order_by(Meeting.id))
        if not _has(m, DocumentKind.PUBLIC_NOTICE, m.notice_revision)]
    for meeting_id in notices_due:
        meeting = meeting_with_agenda(meeting_id)
        revision = meeting.notice_revision
        published = latest_document(meeting, DocumentKind.NOTICE)
        snapshot = pdf.notice_snapshot(meeting, revision)
        if published is None or published.content_sha256 != snapshot.content_sha256:
            skipped.append(meeting)
            continue
        made.append(_render_public(meeting_id, DocumentKind.PUBLIC_NOTICE, revision,
                                   lambda s=snapshot: pdf.render_public_notice(s)))
        db.session.commit()
    return made, skipped
