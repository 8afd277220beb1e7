"""One request, one unit of work: the framework ends the transaction, views never do.

After the view (as Indico's request handler does): an answer below 400 commits, an
answer of 400 or more rolls back, and so does any exception (the error handlers roll
back and answer >= 400). A view that refused an act says so (`refused`), and the
request rolls back whatever its status: htmx fragments answer 200 with the errors in
them, and a refused button answers 303 back to its page. A view whose refusal must
still be kept (a counted failed login) says `keep`.

Work that must only happen once the data is stored (`after_commit`) runs right after
the commit, still inside the request (a login sets the session cookie only for a
stored session); work the answer must not wait for (`after_response`) runs when the
server closes the response, in its own transaction.

A commit that fails (a unique constraint, a stale row) is answered by the error
handler of its exception, as if the view had raised it.
"""

import functools
from collections.abc import Callable
from contextlib import contextmanager

from flask import Flask, current_app, flash, g, make_response, session

from decisions.database import expect_writes
from decisions.errors import DomainError
from decisions.extensions import db
from decisions.http import attach_error

REFUSED, KEPT = "refused", "kept"


def register(app: Flask) -> None:
    app.after_request(_end_unit_of_work)


def refuse() -> None:
    """This request's writes are not to be kept, whatever its status; what was
    written so far is rolled back now, so that the answer shows what is stored."""
    db.session.rollback()
    g.unit_of_work = REFUSED


def keep() -> None:
    """Keep what was written although the answer refuses (>= 400)."""
    g.unit_of_work = KEPT


def refused(error: DomainError, form=None, category: str = "error") -> None:
    """A service refused: nothing is kept, and the user is told why, next to the
    field of `form` it concerns (or above the form), else in a flash message."""
    refuse()
    if form is not None:
        attach_error(form, error)
    else:
        flash(error.message, category)


@contextmanager
def refusal(form=None, category: str = "error"):
    """`with refusal(form): ...` — a DomainError raised in the block is `refused`
    (rolled back, shown on the form or flashed) and the view goes on after the block."""
    try:
        yield
    except DomainError as error:
        refused(error, form, category)


def after_commit(work: Callable[[], object]) -> None:
    """Run `work` once this request's writes are committed (never if rolled back)."""
    g.setdefault("after_commit", []).append(work)


def after_response(work: Callable, *args) -> None:
    """Run `work(*args)` when the server has sent the answer (if this request's writes
    are committed), in its own transaction: work that the answer must neither wait
    for nor show by its time."""
    app = current_app._get_current_object()
    g.setdefault("after_response", []).append(functools.partial(_run_after, app, work, *args))


def _run_after(app: Flask, work: Callable, *args) -> None:
    with app.app_context():
        expect_writes()
        try:
            work(*args)
            db.session.commit()
        except Exception:
            db.session.rollback()
            app.logger.exception("Work after the answer failed: %s", work.__name__)


def _end_unit_of_work(response):
    outcome = g.pop("unit_of_work", None)
    if outcome == REFUSED or (response.status_code >= 400 and outcome != KEPT):
        db.session.rollback()
        g.pop("after_commit", None)
        g.pop("after_response", None)
    else:
        try:
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - answered by its error handler
            g.pop("after_commit", None)
            g.pop("after_response", None)
            session.pop("_flashes", None)  # a "saved" said before the commit is untrue
            return make_response(current_app.handle_user_exception(error))
        for work in g.pop("after_commit", ()):
            work()
    for work in g.pop("after_response", ()):
        response.call_on_close(work)
    return response
