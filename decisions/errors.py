"""Domain errors raised by services, and the error pages every failure ends in."""

from flask import Flask, current_app, render_template, request, session
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from decisions.extensions import db, htmx


class DomainError(Exception):
    """A rule of the domain refused an act. `field` names the form field it concerns."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The user may not do this to this object (a 403)."""


class Conflict(DomainError):
    """Someone else changed the record first."""


def _page(status: int, title, message):
    template = "_error_fragment.html" if htmx else "error.html"
    return render_template(template, status=status, title=title, message=message), status


def register_errorhandlers(app: Flask) -> None:
    messages = {
        400: (_l("Bad request"), _l("The request could not be understood.")),
        403: (_l("Not allowed"), _l("You do not have access to this page or action.")),
        404: (_l("Not found"), _l("We could not find what you asked for. It may have been "
                                  "removed, or the address may be wrong.")),
        405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
        409: (_l("Changed by someone else"), _l("Someone else changed this in the meantime. "
                                                "Reload the page to see their change.")),
        413: (_l("Too large"), None),  # the message names the limit: see http_error
        429: (_l("Too many attempts"), _l("Wait a little and try again.")),
        500: (_l("Something went wrong"), _l("Nothing was saved. Try again, and contact the "
                                             "secretariat if it happens again.")),
        503: (_l("Unavailable"), _l("The service is unavailable right now. Nothing was saved. "
                                    "Try again in a minute.")),
    }

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        db.session.rollback()
        code = error.code or 500
        title, message = messages.get(code, (error.name, error.description))
        if code == 413:  # only an attachment is ever that large: say the limit
            message = _l("The file is larger than %(limit)s MB.",
                         limit=current_app.config["ATTACHMENT_MAX_MB"])
        return _page(code, title, message)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        db.session.rollback()
        return _page(400, _l("Form expired"), _l(
            "The form was too old or came from elsewhere. Go back, reload the page and "
            "send it again."))

    @app.errorhandler(NotAllowed)
    def not_allowed(error: NotAllowed):
        db.session.rollback()
        return _page(403, messages[403][0], error.message)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        return _page(409, messages[409][0], error.message)

    @app.errorhandler(IntegrityError)
    @app.errorhandler(StaleDataError)
    def conflict(error):
        db.session.rollback()
        return _page(409, *messages[409])

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def database_down(error):
        """The database cannot be reached (down, restarting, silent, locked too long, no
        connection free in time): nothing was written, and the page says so without
        asking the database anything."""
        try:
            db.session.rollback()
        except DBAPIError:
            db.session.invalidate()
        app.logger.exception("database error")
        # The language of the session, not the user's (reading the user needs the database).
        languages = current_app.config["LANGUAGES"]
        locale = session.get("lang") if session.get("lang") in languages else \
            current_app.config["BABEL_DEFAULT_LOCALE"]
        with force_locale(locale):
            title, message = (str(text) for text in messages[503])
            template = "_error_fragment.html" if htmx else "unavailable.html"
            # Rendered without the context processors: Flask-Login's would load the user.
            page = current_app.jinja_env.get_template(template).render(
                title=title, message=message, locale=locale, config=current_app.config,
                request=request)
        return page, 503, {"Retry-After": "30"}

    @app.errorhandler(Exception)
    def unexpected(error):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return _page(500, *messages[500])
