"""The file store: uploaded attachments and published PDFs, outside static/, under
random names that say nothing of their content and cannot climb out of the store.

No file without a row: a file is written before the transaction that records it
commits, so the keys written for a transaction are handed to `discard_unless_committed`
and removed when that transaction ends without a commit. A process killed between the
two leaves a file no row names; the sweep removes those once they are an hour old
(`remove_orphans`)."""

import hashlib
import logging
import os
import re
import secrets
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from flask import Response, current_app, send_file
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from decisions.errors import DomainError

log = logging.getLogger(__name__)

_KEY = re.compile(r"^[0-9a-f]{32}\.pdf$")
# Should a browser show a stored PDF anyway (ignoring the download), it runs sandboxed:
# no script, no forms, no access to the app's origin, nothing fetched, not framed.
SANDBOX = "sandbox; default-src 'none'; frame-ancestors 'none'"
PENDING = "storage.pending"  # session.info key: files that go unless the transaction commits
ORPHAN_AGE = 3600  # seconds: older than any request that is still to record its file


class StoreFailed(DomainError):
    """The disk refused a write (full, read-only, gone): said as such, never a bare 500."""

    def __init__(self, field: str | None = None):
        super().__init__(_l("The document store is full or not writable, so nothing was "
                            "saved. Tell the system administrator."), field=field)


def _root() -> Path:
    return Path(current_app.config["FILE_STORAGE"])


def path_of(key: str) -> Path:
    if not _KEY.match(key):
        raise ValueError(f"not a storage key: {key!r}")
    return _root() / key[:2] / key


def save(data: bytes) -> tuple[str, str]:
    """Store `data` under a new random key; returns (key, sha256). The write is atomic
    and durable: a crash leaves either the whole file or none, and once this returns
    the file survives a power cut. A disk that refuses raises StoreFailed."""
    key = secrets.token_hex(16) + ".pdf"
    target = path_of(key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    except OSError as error:
        log.error("the file store refused a new file: %s", error)
        raise StoreFailed() from error
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
        fsync_directory(target.parent)  # the rename itself must reach the disk
    except BaseException as error:
        Path(tmp).unlink(missing_ok=True)
        target.unlink(missing_ok=True)
        if isinstance(error, OSError):
            log.error("the file store refused a write: %s", error)
            raise StoreFailed() from error
        raise
    return key, hashlib.sha256(data).hexdigest()


def fsync_directory(directory: Path) -> None:
    """Makes the names in `directory` durable (a rename is not, until its directory is)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove(keys: Iterable[str]) -> None:
    for key in keys:
        try:
            path_of(key).unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove stored file %s", key, exc_info=True)


def discard_unless_committed(session: Session, keys: Iterable[str]) -> None:
    """The files under `keys` are removed when the session's current (or next)
    transaction ends without a commit."""
    session.info.setdefault(PENDING, []).extend(keys)


@event.listens_for(Session, "after_commit")
def _kept(session: Session) -> None:
    session.info.pop(PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _not_committed(session: Session, transaction) -> None:
    if transaction.parent is None and session.info.get(PENDING):
        remove(session.info.pop(PENDING))


def remove_orphans(referenced: set[str], older_than: float = ORPHAN_AGE) -> int:
    """Removes stored files (and leftover temporary files) older than `older_than`
    seconds that no row names; returns how many. Younger ones may belong to a request
    that has not recorded its file yet."""
    root = _root()
    if not root.is_dir():
        return 0
    cutoff = time.time() - older_than
    removed = 0
    for path in root.glob("*/*"):
        if not path.is_file() or path.name in referenced:
            continue
        if not (_KEY.match(path.name) or path.name.startswith(".upload-")):
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def read(key: str) -> bytes:
    return path_of(key).read_bytes()


def send_pdf(key: str, download_name: str | None, sha256: str, *,
             inline: bool = False) -> Response:
    """A stored PDF as a download that no browser runs: streamed from its file
    (sendfile under gunicorn), not read into memory; its hash is the ETag, so a
    browser that has it gets a 304. `inline`: shown, without Content-Disposition (the
    open data interface's accessUrl)."""
    # An absolute path: send_file would look for a relative one in the app's package.
    response = send_file(path_of(key).absolute(), mimetype="application/pdf",
                         as_attachment=not inline,
                         download_name=None if inline else download_name, etag=sha256)
    if inline:  # send_file names the stored file even inline
        del response.headers["Content-Disposition"]
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = SANDBOX
    response.cache_control.private = True
    response.cache_control.max_age = 0  # a newer revision has the same address
    return response
