"""Logging in and out, and choosing a language."""

import functools
from urllib.parse import urlsplit

import segno
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_htmx import make_response as htmx_response
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

import decisions.lifecycle as lifecycle
from decisions.accounts import services
from decisions.accounts.forms import (
    ChangePasswordForm,
    CodeForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    ResetPasswordForm,
)
from decisions.database import reads_first, writes_expected
from decisions.errors import DomainError
from decisions.extensions import counted, htmx, limiter
from decisions.http import attach_error, safe_next, see_other

bp = Blueprint("accounts", __name__)
# Sent by elements that refresh themselves (hx-headers), so that they do not count
# as the user being active.
POLL_HEADER = "X-Samraad-Poll"


# Guessing passwords, codes and reset links is slowed per client address as well as
# per account (the lock): only the posts count.
def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _reset_limit() -> str:
    return current_app.config["RATELIMIT_PASSWORD_RESET"]


limit_login = counted(limiter.shared_limit(_login_limit, "login", methods=["POST"]))
limit_reset = counted(limiter.shared_limit(_reset_limit, "password-reset", methods=["POST"]))


def load_user(user_id: str):
    """Flask-Login's loader: only a live server-side session yields a user."""
    user = services.session_user(session.get("sid"),
                                 reading=not writes_expected(),
                                 active=POLL_HEADER not in request.headers)
    return user if user is not None and str(user.id) == user_id else None


def unauthorized():
    """Not logged in (or the login expired): to the login page, and back afterwards.
    An htmx request gets the redirect as HX-Redirect, so the whole page goes to the
    login form instead of the form being swapped into a fragment."""
    if htmx:
        page = urlsplit(htmx.current_url or "")
        back = page.path + (f"?{page.query}" if page.query else "")
        return htmx_response("", 401, redirect=url_for("accounts.login", next=back or None))
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def _client() -> str:
    """The client address the failures count (the proxies' one with PROXY_COUNT)."""
    return request.remote_addr or ""


def _failed(form, error: DomainError) -> None:
    """A refused password or code: the failure (if one was counted) is kept, and the
    owner of an account whose lock it engaged is told by email, after the answer (its
    time must not tell a real account from an unknown address)."""
    if isinstance(error, services.WrongSecret):
        lifecycle.keep()  # the failure counts, although the answer refuses
        if error.lock_engaged is not None:
            lifecycle.after_response(services.announce_lock, error.lock_engaged.id)
    else:
        lifecycle.refuse()
    if form is not None:
        attach_error(form, error)


@bp.route("/login", methods=["GET", "POST"])
@limit_login
@reads_first
def login():
    form = LoginForm(next=request.args.get("next", ""))
    error = None
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data,
                                         client=_client())
        except DomainError as refused:
            _failed(None, refused)
            error = refused.message
        else:
            if user.totp_secret or services.totp_required(user):
                # The password was right; the code comes next, on its own page.
                token = services.start_pending_login(user, form.next.data or "")
                lifecycle.after_commit(functools.partial(fresh_session, pending=token))
                return see_other("accounts.second_factor")
            return sign_in(user, form.next.data)
    status = 401 if error else 200
    return render_template("accounts/login.html", form=form, error=error), status


def fresh_session(**values) -> None:
    """Nothing from before survives a step of the login but the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.update(values)


def sign_in(user, next_: str | None):
    token = services.start_session(user)

    def enter():  # only once the session it names is stored
        fresh_session(sid=token)
        login_user(user)

    lifecycle.after_commit(enter)
    return redirect(safe_next(next_), code=303)


@bp.route("/login/code", methods=["GET", "POST"])
@limit_login
def second_factor():
    """The second step of the login: the code from the authenticator app. A user whose
    role needs one and who has none yet sets it up here, with a QR code."""
    pending = services.pending_login(session.get("pending"))
    if pending is None:
        return see_other("accounts.login")
    user, secret = pending.user, pending.totp_secret
    enrolling = user.totp_secret is None
    form = CodeForm()
    if form.validate_on_submit():
        try:
            services.complete_login(pending, form.code.data, client=_client())
        except DomainError as error:
            _failed(form, error)
        else:
            return sign_in(user, pending.next_url)
    context = {"form": form, "enrolling": enrolling, "secret": secret,
               "qr": _qr(services.totp_uri(user, secret)) if enrolling else None}
    status = 422 if form.errors else 200
    return render_template("accounts/second_factor.html", **context), status




def _qr(uri: str) -> Markup:
    """The otpauth address as an inline SVG QR code (no image fetched from anywhere)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff",
                                                 omitsize=True)
    return Markup(svg)  # noqa: S704 - segno's own SVG of our own URI


def _leave() -> None:
    logout_user()
    session.clear()


@bp.route("/logout", methods=["POST"])
def logout():
    services.end_session(session.get("sid"))
    lifecycle.after_commit(_leave)
    return redirect(safe_next(None, "accounts.login"), code=303)


@bp.route("/language", methods=["POST"])
def language():
    form = LanguageForm()
    if form.validate_on_submit() and form.lang.data in current_app.config["LANGUAGES"]:
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            services.set_language(current_user, form.lang.data)
    return redirect(safe_next(form.next.data), code=303)


# --- Passwords ------------------------------------------------------------------------

def _form_page(template: str, form, **context):
    status = 422 if form.errors or form.form_errors else 200
    return render_template(template, form=form, **context), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@reads_first
def password():
    """Change one's password; every other login of the account ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            feeds = services.change_password(
                current_user, current=form.current.data, new=form.password.data,
                session_token=session.get("sid"), client=_client())
        except DomainError as error:
            _failed(form, error)
        else:
            flash(_("Your password is changed. You are logged out everywhere else."),
                  "success")
            _tell_of_stopped_feeds(feeds)
            return see_other("main.index")
    return _form_page("accounts/password.html", form)


def _tell_of_stopped_feeds(feeds: int) -> None:
    if feeds:
        flash(_("Your calendar address has stopped working, since it could be read by "
                "whoever had your old password. Make a new one under Calendar "
                "subscription."), "warning")


@bp.route("/account/code", methods=["GET", "POST"])
@login_required
@limit_login
def code():
    """Turn logging in with a code from an authenticator app on or off. Roles that must
    use a code (TOTP_REQUIRED_ROLES) set it up at login and cannot turn it off."""
    user, form = current_user, CodeForm()
    enabled, required = user.totp_secret is not None, services.totp_required(current_user)
    secret = None if enabled else services.totp_setup_secret(session["sid"])
    if form.validate_on_submit():
        try:
            if enabled:
                services.disable_totp(user, form.code.data, client=_client())
            else:
                services.enable_totp(user, secret, form.code.data, client=_client())
                services.end_totp_setup(session["sid"])
        except DomainError as error:
            _failed(form, error)
        else:
            flash(_("You log in with a code from now on.") if not enabled else
                  _("You log in with the password only from now on."), "success")
            return see_other("accounts.code")
    return _form_page("accounts/code.html", form, enabled=enabled, required=required,
                      secret=secret, qr=_qr(services.totp_uri(user, secret)) if secret else None)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limit_reset
@reads_first  # the answer writes nothing; the work after it takes its own lock
def forgot():
    """Ask for a link to choose a new password. The answer is the same, and as quick,
    whether the address has an account or not: the link is made and queued after the
    answer has gone (on the response's close), so no time tells them apart."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        lifecycle.after_response(services.request_password_reset, form.email.data)
        flash(_("If the address belongs to an account, an email with a link to choose a new "
                "password is on its way. The link works for an hour."), "success")
        return see_other("accounts.login")
    return _form_page("accounts/forgot.html", form)


@bp.route("/password/reset/<string(maxlength=100):token>", methods=["GET", "POST"])
@limit_reset
@reads_first
def reset(token: str):
    """The link from the email: a new password, then every login of the account ends."""
    if services.reset_for(token) is None:
        return render_template("accounts/reset.html", form=None), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            _user, feeds = services.reset_password(token, form.password.data)
        except DomainError as error:
            lifecycle.refused(error, form)
        else:
            def leave():  # logged out once the new password is stored, and told so
                _leave()
                flash(_("Your password is changed. Log in with it."), "success")
                _tell_of_stopped_feeds(feeds)

            lifecycle.after_commit(leave)
            return see_other("accounts.login")
    return _form_page("accounts/reset.html", form)
