"""Samråd: consensus decisions and meetings for alliances of municipalities."""

import hashlib
import os
import secrets

from flask import Flask, g, has_app_context, has_request_context, request, session
from flask_babel import format_datetime
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import CONFIGS, database_url
from decisions import connections
from decisions.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    config_name = config_name or os.environ.get("SAMRAAD_CONFIG", "production")
    app.config.from_object(CONFIGS[config_name])
    app.config["CONFIG_NAME"] = config_name
    app.config.update(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = connections.engine_options(app.config)
    _keys_from_instance(app)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set; see README, Configuration.")
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from decisions.http import BoundedIntConverter, refuse_nul_bytes

    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_nul_bytes)
    register_extensions(app)
    from decisions import security

    security.register(app)
    register_blueprints(app)
    from decisions.proposals import settle

    settle.register(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    from decisions import lifecycle

    lifecycle.register(app)  # last: its commit runs before the other after_request hooks
    return app


def _keys_from_instance(app: Flask) -> None:
    """Development: keys the environment does not give are made at random on the first
    run and kept in a file only the owner reads, so no published key signs anything."""
    from decisions.accounts.totp_keys import new_key

    def kept(path: str, make) -> str:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # made before, maybe by another process just now
            with open(path) as file:
                return file.read().strip()
        with os.fdopen(fd, "w") as file:
            file.write(value := make())
        return value

    if not app.config.get("SECRET_KEY") and app.config.get("SECRET_KEY_FILE"):
        app.config["SECRET_KEY"] = kept(app.config["SECRET_KEY_FILE"],
                                        lambda: secrets.token_urlsafe(48))
    if not app.config.get("TOTP_ENCRYPTION_KEYS") and app.config.get("TOTP_KEY_FILE"):
        app.config["TOTP_ENCRYPTION_KEYS"] = [kept(app.config["TOTP_KEY_FILE"], new_key)]


def register_extensions(app: Flask) -> None:
    from decisions import models  # noqa: F401  every model, for migrations and relationships

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "..", "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    from decisions.accounts.views import load_user, unauthorized

    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)


def select_locale() -> str:
    """The user's chosen language, else the one chosen this session, else the browser's."""
    from flask import current_app

    if not has_request_context():  # the CLI speaks the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    for tag, _quality in request.accept_languages:  # in the browser's order of preference
        base = tag.lower().split("-")[0]
        if base in ("nb", "no", "nn"):
            return "nb"
        if base == "en":
            return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: foreign keys on, WAL, a busy timeout, durable commits, and transactions
    that SQLAlchemy begins itself (so writes can BEGIN IMMEDIATE)."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def writes_expected() -> bool:
    """Will this unit of work write? Said explicitly (`expect_writes`, `begin_writes`),
    else a request that is not GET/HEAD/OPTIONS to a view not marked `reads_first`."""
    if has_app_context() and g.get("expect_writes") is not None:
        return g.expect_writes
    if has_request_context() and request.method not in SAFE_METHODS:
        from flask import current_app

        view = current_app.view_functions.get(request.endpoint or "")
        return not getattr(view, "reads_first", False)
    return False


def expect_writes(expected: bool | None = True) -> None:
    """Said by commands that write, and by a reading request before it writes; None
    goes back to what the method and the view say."""
    g.expect_writes = expected


def reads_first(view):
    """Marks a POST view that does slow work before it writes (argon2, rendering): its
    transactions begin without SQLite's write lock until it calls `begin_writes()`."""
    view.reads_first = True
    return view


def begin_writes() -> None:
    """End the reading transaction; the next one takes the write lock at BEGIN.

    What was read is expired and read again under the lock, so a decision taken on
    it still holds when the write happens."""
    db.session.commit()
    g.expect_writes = True


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    """A unit of work that may write takes SQLite's write lock at BEGIN: a deferred
    transaction that reads and then writes fails with "database is locked" under
    concurrency whatever the busy timeout. Reads stay deferred and run in parallel."""
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes_expected() else "BEGIN")


def register_blueprints(app: Flask) -> None:
    from decisions.accounts.views import bp as accounts_bp
    from decisions.audit.views import bp as audit_bp
    from decisions.files.views import bp as files_bp
    from decisions.main import bp as main_bp
    from decisions.meetings.calendar_views import bp as calendar_bp
    from decisions.meetings.views import bp as meetings_bp
    from decisions.members.views import bp as members_bp
    from decisions.notifications.views import bp as notifications_bp
    from decisions.proposals.views import bp as proposals_bp
    from decisions.public.views import bp as public_bp
    from decisions.register.views import bp as register_bp
    from decisions.search.views import bp as search_bp

    for bp in (main_bp, accounts_bp, members_bp, proposals_bp, register_bp, audit_bp,
               meetings_bp, files_bp, calendar_bp, public_bp, search_bp, notifications_bp):
        app.register_blueprint(bp)


def register_errorhandlers(app: Flask) -> None:
    from decisions.errors import register_errorhandlers as register
    from decisions.http import to_the_form_page

    register(app)
    app.before_request(to_the_form_page)


def register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from decisions.clock import now, oslo
    from decisions.confirm import confirm_attrs
    from decisions.lang import nb, nb_html
    from decisions.permissions import can
    from decisions.proposals.forms import OUTCOME_LABELS, POSITION_LABELS
    from decisions.submissions import nonce_input

    app.jinja_env.globals["position_labels"] = POSITION_LABELS
    app.jinja_env.globals["outcome_labels"] = OUTCOME_LABELS
    app.jinja_env.filters["nb"] = nb
    app.jinja_env.filters["nb_html"] = nb_html
    app.jinja_env.filters["when"] = format_moment
    app.jinja_env.filters["oslo"] = oslo
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    def unread_notifications() -> int:
        from decisions.notifications.queries import unread_count

        return unread_count(current_user) if current_user.is_authenticated else 0

    app.jinja_env.globals["unread_notifications"] = unread_notifications
    app.jinja_env.globals["form_nonce"] = nonce_input
    app.jinja_env.globals["confirm_attrs"] = confirm_attrs
    app.jinja_env.filters["digest"] = lambda text: hashlib.sha256(
        str(text).encode()).hexdigest()[:16]

    @app.context_processor
    def helpers():
        return {"can": lambda action, obj=None, kind=None: can(current_user, action, obj,
                                                                  kind=kind),
                "locale": str(get_locale()), "now": now}


MOMENT_PATTERNS = {"nb": "d. MMM y 'kl.' HH:mm", "en": "d MMM y, HH:mm"}


def format_moment(value, fmt: str | None = None) -> str:
    """A moment in Oslo time, unambiguous in either language: "5. des. 2026 kl. 12:00"."""
    if not value:
        return ""
    from flask_babel import get_locale

    return format_datetime(value, fmt or MOMENT_PATTERNS.get(str(get_locale()), "medium"))


def register_commands(app: Flask) -> None:
    from decisions.cli import register

    register(app)
