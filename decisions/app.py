"""The application factory: configuration, extensions, blueprints, CLI groups, error
pages and template helpers. Nothing in decisions/ imports this module."""

import os
import secrets

from flask import Flask
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

import decisions.cli as cli
import decisions.connections as connections
import decisions.lifecycle as lifecycle
import decisions.models  # noqa: F401  every model, for migrations and relationships
import decisions.security as security
from config import CONFIGS, database_url
from decisions.accounts.cli import users
from decisions.accounts.totp_keys import new_key
from decisions.accounts.views import bp as accounts_bp
from decisions.accounts.views import load_user, unauthorized
from decisions.audit.cli import audit
from decisions.audit.views import bp as audit_bp
from decisions.clock import now, oslo
from decisions.confirm import confirm_attrs
from decisions.database import with_write_intent
from decisions.demo.cli import demo
from decisions.errors import register_errorhandlers as register_error_pages
from decisions.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate
from decisions.files import storage
from decisions.files.views import bp as files_bp
from decisions.followup.views import bp as followup_bp
from decisions.http import (
    BoundedIntConverter,
    person_url,
    refuse_nul_bytes,
    static_max_age,
    template_url_for,
    to_the_form_page,
)
from decisions.locale import (
    TEMPLATE_GETTEXT,
    Labels,
    nb,
    nb_html,
    select_locale,
    speech,
    when,
)
from decisions.main import bp as main_bp
from decisions.meetings.calendar_views import bp as calendar_bp
from decisions.meetings.cli import groups, meetings
from decisions.meetings.group_views import papers as papers_bp  # and the groups' admin
from decisions.meetings.subscribers import subscribe as subscribe_meetings
from decisions.meetings.views import bp as meetings_bp
from decisions.members.cli import members
from decisions.members.views import bp as members_bp
from decisions.notifications.queries import undeliverable_count
from decisions.notifications.subscribers import subscribe as subscribe_notifications
from decisions.notifications.views import bp as notifications_bp
from decisions.notifications.views import unread as unread_notifications
from decisions.oparl.cli import oparl
from decisions.oparl.subscribers import subscribe as subscribe_oparl
from decisions.oparl.views import bp as oparl_bp
from decisions.people.views import bp as people_bp
from decisions.permissions import can
from decisions.proposals import settle
from decisions.proposals.area_views import bp as areas_bp
from decisions.proposals.cli import areas, rounds
from decisions.proposals.forms import OUTCOME_LABELS, POSITION_LABELS
from decisions.proposals.views import bp as proposals_bp
from decisions.public.views import bp as public_bp
from decisions.ratification.subscribers import subscribe as subscribe_ratification
from decisions.ratification.views import bp as ratification_bp
from decisions.register.views import bp as register_bp
from decisions.search.cli import search
from decisions.search.views import bp as search_bp
from decisions.submissions import nonce_input


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask("decisions", template_folder="../templates", static_folder="../static")
    config_name = config_name or os.environ.get("SAMRAAD_CONFIG", "production")
    app.config.from_object(CONFIGS[config_name])
    app.config["CONFIG_NAME"] = config_name
    app.config.update(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = connections.engine_options(app.config)
    _keys_from_instance(app)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set; see README, Configuration.")
    storage.check_sending(app.config)
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config.get("PROXY_COUNT"):
        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    app.url_map.converters["int"] = BoundedIntConverter
    # Static files asked for with their version (the templates' url_for adds it)
    app.get_send_file_max_age = static_max_age(app.get_send_file_max_age)
    app.before_request(refuse_nul_bytes)
    register_extensions(app)
    security.register(app)
    storage.register(app)  # before any hook that loads the login
    register_blueprints(app)
    subscribe_notifications()
    subscribe_meetings()
    subscribe_ratification()
    subscribe_oparl()
    settle.register(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    lifecycle.register(app)  # last: its commit runs before the other after_request hooks
    return app


def _keys_from_instance(app: Flask) -> None:
    """Development: keys the environment does not give are made at random on the first
    run and kept in a file only the owner reads, so no published key signs anything."""

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
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)


def register_blueprints(app: Flask) -> None:
    for bp in (main_bp, accounts_bp, members_bp, proposals_bp, register_bp, audit_bp,
               meetings_bp, files_bp, calendar_bp, public_bp, search_bp, notifications_bp,
               people_bp,
               areas_bp,
               papers_bp,
               followup_bp, ratification_bp, oparl_bp):
        app.register_blueprint(bp)


def register_errorhandlers(app: Flask) -> None:
    register_error_pages(app)
    app.before_request(to_the_form_page)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals["position_labels"] = POSITION_LABELS
    app.jinja_env.globals["outcome_labels"] = OUTCOME_LABELS
    app.jinja_env.filters["nb"] = nb
    app.jinja_env.filters["nb_html"] = nb_html
    app.jinja_env.filters["when"] = when
    # A label (or a macro's piece of markup) made once a render for each value asked
    app.jinja_env.globals["Labels"] = Labels
    # Flask-Babel's, with the language resolved once per render (decisions.locale)
    app.jinja_env.globals.update(TEMPLATE_GETTEXT)
    app.jinja_env.filters["oslo"] = oslo
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    app.jinja_env.globals["unread_notifications"] = unread_notifications
    app.jinja_env.globals["url_for"] = template_url_for(app)
    # The start page's count of emails that did not get through (main may not import
    # notifications: the wiring hands it over).
    app.jinja_env.globals["undeliverable_emails"] = lambda: undeliverable_count(current_user)
    app.jinja_env.globals["form_nonce"] = nonce_input
    app.jinja_env.globals["person_url"] = person_url
    app.jinja_env.globals["confirm_attrs"] = confirm_attrs

    @app.context_processor
    def helpers():
        spoken = speech()
        return {"can": lambda action, obj=None, kind=None: can(current_user, action, obj,
                                                                  kind=kind),
                "locale": spoken.language, "_speech": spoken, "now": now}


def register_commands(app: Flask) -> None:
    for command in (members, users, demo, rounds, areas, groups, meetings, audit, search,
                    cli.sweep, cli.backup, cli.restore, oparl):
        app.cli.add_command(with_write_intent(command))
