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

from flask import Response, current_app, g, request, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.utils import send_file as werkzeug_send_file

from decisions.errors import DomainError
from decisions.files import grants

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


SENDING = ("direct", "x-accel", "x-sendfile")


def register(app) -> None:
    """The process's grants, and the hook that answers from them: before every other
    app and blueprint hook that loads the login (refuse_nul_bytes and the limiter run
    before it, as they were registered earlier)."""
    grants.register(app)
    app.before_request(answer_kept)


def check_sending(config) -> None:
    """Refuses, at start, a FILE_SENDING the app does not know or an accel prefix that
    would not name a location (one slash at each end)."""
    mode = config.get("FILE_SENDING", "direct")
    if mode not in SENDING:
        raise RuntimeError(f"FILE_SENDING must be one of {', '.join(SENDING)}, not {mode!r}; "
                           "see README, Configuration.")
    prefix = config.get("FILE_ACCEL_PREFIX", "")
    if mode == "x-accel" and not (prefix.startswith("/") and prefix.endswith("/")):
        raise RuntimeError(f"FILE_ACCEL_PREFIX must begin and end with '/', not {prefix!r}.")


def send_pdf(key: str, download_name: str | None, sha256: str, *,
             inline: bool = False) -> Response:
    """A stored PDF as a download that no browser runs; the one way every route sends
    a stored file, called once the route has said the person may read it. Its hash is
    the ETag, so a browser that has it gets a 304 from the app. `inline`: shown,
    without Content-Disposition (the open data interface's accessUrl).

    For a logged-in person the answer is kept as a grant (decisions/files/grants.py):
    the same address asked again by the same session within DOWNLOAD_GRANT_SECONDS is
    sent by `answer_kept` without loading the login or asking the database.

    FILE_SENDING says who sends the bytes: "direct", streamed from the file by the app
    (sendfile under gunicorn), never read into memory; "x-accel", handed to nginx by
    `X-Accel-Redirect: <FILE_ACCEL_PREFIX><key[:2]>/<key>` (an `internal` location,
    docs/deploying.md); "x-sendfile", handed to Apache's mod_xsendfile or lighttpd by
    `X-Sendfile: <absolute path>`. The headers are the same in every mode; a 304 or a
    refusal (403/404, before this is called) never carries the hand-over header."""
    # Only where the route loaded the login to decide: a public route's visitor with
    # a session cookie is not loaded for this.
    user = g.get("_login_user")
    sid = session.get("sid")
    if sid and user is not None and user.is_authenticated:
        grants.of_app().keep(sid, request.full_path, session.get("_user_id"), key,
                             download_name, sha256, inline)
    return _send(key, download_name, sha256, inline)


def answer_kept() -> Response | None:
    """Before the login is loaded: a stored file this session was just allowed to read
    at this address, sent again as it was (None: the route decides, as always)."""
    kept = grants.of_app()
    kept.begin()
    if not kept.kept or request.method not in ("GET", "HEAD"):
        return None
    sid = session.get("sid")
    grant = sid and kept.find(sid, request.full_path, session.get("_user_id"))
    if not grant:
        return None
    return _send(grant.key, grant.download_name, grant.sha256, grant.inline)


def _send(key: str, download_name: str | None, sha256: str, inline: bool) -> Response:
    mode = current_app.config["FILE_SENDING"]
    path = path_of(key).absolute()  # absolute: send_file would look in the app's package
    response = werkzeug_send_file(
        path, request.environ, mimetype="application/pdf", as_attachment=not inline,
        download_name=None if inline else download_name, etag=sha256,
        conditional=mode == "direct", use_x_sendfile=mode != "direct",
        response_class=current_app.response_class)
    if inline:  # send_file names the stored file even inline
        del response.headers["Content-Disposition"]
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = SANDBOX
    response.cache_control.private = True
    response.cache_control.max_age = 0  # a newer revision has the same address
    if mode != "direct":
        _hand_over(response, key, mode)
    return response


def _hand_over(response: Response, key: str, mode: str) -> None:
    """The front server sends the file (and answers a Range itself): the app sends the
    headers alone, or a 304 when the browser has this revision."""
    path = response.headers.pop("X-Sendfile")
    del response.headers["Content-Length"]  # of the file; the app's body is empty
    response.make_conditional(request.environ)
    if response.status_code == 304:
        return
    if mode == "x-accel":
        response.headers["X-Accel-Redirect"] = (
            f"{current_app.config['FILE_ACCEL_PREFIX']}{key[:2]}/{key}")
    else:
        response.headers["X-Sendfile"] = path
