"""Small helpers every view uses: safe redirects, loading objects with their permission."""

import functools
import hashlib
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, has_request_context, redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import IntegerConverter
from werkzeug.security import safe_join

from decisions.extensions import db, htmx
from decisions.permissions import can


def safe_next(target: str | None, fallback: str = "main.index") -> str:
    """A redirect target on this site only: a path, never another host or scheme."""
    if target and _is_local_path(target):
        return target
    return url_for(fallback)


def _is_local_path(target: str) -> bool:
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return False
    # Browsers read a backslash as a slash and any run of slashes after the scheme as
    # the start of a host: "/\/evil.example" goes to evil.example.
    path = target.replace("\\", "/")
    if not path.startswith("/") or path.startswith("//"):
        return False
    parts = urlsplit(path)
    return not parts.scheme and not parts.netloc


def see_other(endpoint: str, **values):
    """The answer to a successful POST (303, so a reload does not post again)."""
    return redirect(url_for(endpoint, **values), code=303)


def load(model, id_: int, action: str = "view"):
    """Load an object by id or 404, and check the current user may `action` it or 403."""
    obj = db.session.get(model, id_)
    if obj is None:
        abort(404)
    if not can(current_user, action, obj):
        abort(403)
    return obj


def require(action: str, kind: str) -> None:
    if not can(current_user, action, kind=kind):
        abort(403)


def wants_fragment() -> bool:
    """An htmx request for a part of the page (a history restore wants the whole)."""
    return bool(htmx) and not htmx.history_restore_request


def attach_error(form, error) -> None:
    """Show a service's DomainError next to the field it concerns, or above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


DB_INT_MAX = 2**31 - 1  # the largest id either database's INTEGER holds
MAX_PAGE = 10_000  # beyond it the offset overflows the database's integer


class BoundedIntConverter(IntegerConverter):
    """`<int:id>` that only matches ids a database column can hold: a bigger one is a
    plain 404, not a database error."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def int_arg(name: str, low: int = 1, high: int = DB_INT_MAX) -> int | None:
    """An integer query parameter, or None when missing, malformed or out of range."""
    value = request.args.get(name, type=int)
    return value if value is not None and low <= value <= high else None


def page_number() -> int:
    """The requested page of a list; nonsense means the first, too far the last allowed."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


def refuse_nul_bytes() -> None:
    """A NUL byte is never text a person typed, and PostgreSQL refuses to store it:
    answer 400 before anything reads the request."""
    if any("\x00" in value for value in request.values.values()) or "\x00" in request.path:
        abort(400)


def form_home(home):
    """For a POST-only view whose errors come back as a whole page: `home(**view_args)`
    is the address of the page its form is on. The error page is shown at the address
    the form posted to, and a reload or a bookmark of it (a GET) is sent there (303)
    instead of being refused with 405."""
    def mark(view):
        view.form_home = home
        return view
    return mark


def to_the_form_page():
    """Before every request: a GET of a POST-only address with a form_home goes there."""
    if request.method not in ("GET", "HEAD") or not isinstance(
            request.routing_exception, MethodNotAllowed):
        return None
    try:
        endpoint, args = current_app.url_map.bind_to_environ(request.environ).match(
            method="POST")
    except HTTPException:
        return None
    home = getattr(current_app.view_functions.get(endpoint), "form_home", None)
    return redirect(home(**args), code=303) if home is not None else None


def person_url(user_id: int | None) -> str | None:
    """The page of a person (a user), where their address is fixed; None for someone
    without a login or while the people pages are not part of the app."""
    from_app = current_app.view_functions
    if user_id is None or "people.show" not in from_app:
        return None
    return url_for("people.show", id=user_id)


def once_a_request(compute):
    """Decorates a function of no arguments whose value holds for a request (asked by
    the page and by its header): computed the first time, kept on the request. Outside
    a request it is computed each time."""
    kept_as = f"_once_{compute.__module__}.{compute.__qualname__}"

    @functools.wraps(compute)
    def once():
        if not has_request_context():
            return compute()
        value = getattr(request, kept_as, once)
        if value is once:
            value = compute()
            setattr(request, kept_as, value)
        return value

    return once


# Addresses the templates' url_for keeps per process; all are dropped when it is full.
URLS_KEPT = 4096
# A static file asked for with its version (?v=) may be kept by browsers for a year:
# another version of the file has another address.
STATIC_MAX_AGE = 365 * 24 * 3600


def static_version(app: Flask, filename: str) -> str | None:
    """The version of a static file: the start of its content's SHA-256 (None if there
    is no such file)."""
    path = safe_join(app.static_folder, filename)
    try:
        with open(path, "rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()[:12]
    except (OSError, TypeError):  # no such file, or a name outside the folder (None)
        return None


def template_url_for(app: Flask):
    """The templates' `url_for`: Flask's, with each address built once per process.
    Under the same script root an endpoint with the same values always has the same
    (relative) address, and werkzeug took 20-40 us to build each of the 50-100 a page
    names. Kept only for values that are integers and short plain strings (True is 1
    to a dict, but not to a URL; a query someone typed may be long, and the bound counts
    addresses, not bytes) and for no option (`_external`, `_anchor`, ...) or
    blueprint-relative name. Every endpoint has one rule (a test holds it), so the
    request's method, which werkzeug builds with, never changes an address. A static
    file's address carries the file's version (`static_version`), so that browsers
    keep the file until it changes instead of asking again on every page (see
    `static_max_age`)."""
    kept: dict[tuple, str] = {}

    def build(endpoint: str, values: dict) -> str:
        if endpoint == "static" and values.keys() == {"filename"}:
            version = static_version(app, values["filename"])
            if version:
                return app.url_for(endpoint, **values, v=version)
        return app.url_for(endpoint, **values)

    def url_for(endpoint: str, **values) -> str:
        if (not has_request_context() or endpoint[0] == "."
                or not all(_keepable(k, v) for k, v in values.items())):
            return build(endpoint, values)
        key = (endpoint, *values.items(), request.script_root)
        found = kept.get(key)
        if found is None:
            found = build(endpoint, values)
            if len(kept) >= URLS_KEPT:
                kept.clear()
            kept[key] = found
        return found

    return url_for


def _keepable(name: str, value) -> bool:
    return name[0] != "_" and (type(value) is int
                               or (type(value) is str and len(value) <= KEPT_VALUE_LENGTH))


KEPT_VALUE_LENGTH = 100


def static_max_age(default):
    """The app's `get_send_file_max_age`: a year for a static file asked for with its
    version, else Flask's (`default`: no max-age, so browsers ask again each time)."""

    def max_age(filename: str | None) -> int | None:
        if has_request_context() and request.args.get("v"):
            return STATIC_MAX_AGE
        return default(filename)

    return max_age
