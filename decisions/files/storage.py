"""The file store: uploaded attachments and published PDFs, outside static/, under
random names that say nothing of their content and cannot climb out of the store."""

import hashlib
import os
import re
import secrets
import tempfile
from pathlib import Path

from flask import Response, current_app, send_file

_KEY = re.compile(r"^[0-9a-f]{32}\.pdf$")
# Should a browser show a stored PDF anyway (ignoring the download), it runs sandboxed:
# no script, no forms, no access to the app's origin, nothing fetched, not framed.
SANDBOX = "sandbox; default-src 'none'; frame-ancestors 'none'"


def _root() -> Path:
    return Path(current_app.config["FILE_STORAGE"])


def path_of(key: str) -> Path:
    if not _KEY.match(key):
        raise ValueError(f"not a storage key: {key!r}")
    return _root() / key[:2] / key


def save(data: bytes) -> tuple[str, str]:
    """Store `data` under a new random key; returns (key, sha256). The write is atomic:
    a crash leaves either the whole file or none."""
    key = secrets.token_hex(16) + ".pdf"
    target = path_of(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return key, hashlib.sha256(data).hexdigest()


def read(key: str) -> bytes:
    return path_of(key).read_bytes()


def send_pdf(key: str, download_name: str, sha256: str) -> Response:
    """A stored PDF as a download that no browser runs: streamed from its file
    (sendfile under gunicorn), not read into memory; its hash is the ETag, so a
    browser that has it gets a 304."""
    # An absolute path: send_file would look for a relative one in the app's package.
    response = send_file(path_of(key).absolute(), mimetype="application/pdf",
                         as_attachment=True, download_name=download_name, etag=sha256)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = SANDBOX
    response.cache_control.private = True
    response.cache_control.max_age = 0  # a newer revision has the same address
    return response
