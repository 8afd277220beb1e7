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

from decisions.clock import now
from decisions.database import begin_writes
from decisions.errors import DomainError
from decisions.extensions import db
from decisions.files import storage
from decisions.meetings.models import DocumentKind, Meeting, MeetingDocument

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
    revision = meeting.notice_revision if kind != DocumentKind.MINUTES else 1
    document = MeetingDocument(meeting_id=meeting.id, kind=kind, revision=revision,
                               storage_key=stored.key, sha256=stored.sha256,
                               size=stored.size, content_sha256=content_sha256,
                               created_at=now())
    db.session.add(document)
    db.session.flush()
    return document
