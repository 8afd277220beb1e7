"""Flask extensions, created unbound here and bound to the app in create_app()."""

from flask import current_app, request
from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from decisions.database import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
babel = Babel()
# Attempts per client address at the login, code and password-reset forms. The
# counters live in RATELIMIT_STORAGE_URI: memory (one process) by default, Redis when
# several workers or hosts must share them.
limiter = Limiter(key_func=get_remote_address)


def counted(limit):
    """`limit` (a Limiter decorator) on a view, which is marked as one the limiter
    counts. Every other request skips the limiter's check: there are no default limits
    to count, and its look for them cost 160-370 function calls a request."""
    def decorate(view):
        view = limit(view)
        view.rate_limited = True
        return view
    return decorate


@limiter.request_filter
def _not_counted() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, "rate_limited", False)
