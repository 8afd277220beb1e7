"""Logging in and out, and choosing a language."""

from urllib.parse import urlsplit

import segno
from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from decisions import writes_expected
from decisions.accounts import services
from decisions.accounts.forms import (
    ChangePasswordForm,
    CodeForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    ResetPasswordForm,
)
from decisions.accounts.models import User
from decisions.clock import now
from decisions.errors import DomainError
from decisions.extensions import db, limiter
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


limit_login = limiter.shared_limit(_login_limit, "login", methods=["POST"])
limit_reset = limiter.shared_limit(_reset_limit, "password-reset", methods=["POST"])


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
    if request.headers.get("HX-Request"):
        page = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = page.path + (f"?{page.query}" if page.query else "")
        response = make_response("", 401)
        response.headers["HX-Redirect"] = url_for("accounts.login", next=back or None)
        return response
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


@bp.route("/login", methods=["GET", "POST"])
@limit_login
def login():
    form = LoginForm(next=request.args.get("next", ""))
    error = None
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except DomainError as locked:
            db.session.commit()
            user, error = None, locked.message
        if user is not None:
            db.session.commit()
            if user.totp_secret or services.totp_required(user):
                # The password was right; the code comes next, on its own page.
                _fresh_session(pending=user.id, pending_at=now().timestamp(),
                               pending_next=form.next.data or "")
                return see_other("accounts.second_factor")
            return _sign_in(user, form.next.data)
        db.session.commit()  # the failure counts even though the login failed
        error = error or _("Wrong email or password.")
    status = 401 if error else 200
    return render_template("accounts/login.html", form=form, error=error), status


def _fresh_session(**values) -> None:
    """Nothing from before survives a step of the login but the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.update(values)


def _sign_in(user, next_: str | None):
    token = services.start_session(user)
    db.session.commit()
    _fresh_session(sid=token)
    login_user(user)
    return redirect(safe_next(next_), code=303)


PENDING_MINUTES = 5  # between the password and the code


def _pending_user():
    user_id, since = session.get("pending"), session.get("pending_at", 0)
    if user_id is None or now().timestamp() - since > PENDING_MINUTES * 60:
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.active else None


@bp.route("/login/code", methods=["GET", "POST"])
@limit_login
def second_factor():
    """The second step of the login: the code from the authenticator app. A user whose
    role needs one and who has none yet sets it up here, with a QR code."""
    user = _pending_user()
    if user is None:
        return see_other("accounts.login")
    enrolling = user.totp_secret is None
    if enrolling and "pending_secret" not in session:
        session["pending_secret"] = services.new_totp_secret()
    form = CodeForm()
    if form.validate_on_submit():
        if services.is_locked(user):
            form.code.errors.append(_("Too many failed attempts. The account is locked for "
                                      "a while; try again later."))
        else:
            try:
                if enrolling:
                    services.enable_totp(user, session["pending_secret"], form.code.data)
                elif not services.check_totp(user, form.code.data):
                    raise DomainError(_("The code is wrong. Type the six digits the app "
                                        "shows now."), field="code")
            except DomainError as error:
                db.session.rollback()
                services.count_failure(user)
                db.session.commit()
                attach_error(form, error)
            else:
                return _sign_in(user, session.get("pending_next"))
    secret = session.get("pending_secret") if enrolling else None
    context = {"form": form, "enrolling": enrolling, "secret": secret,
               "qr": _qr(services.totp_uri(user, secret)) if secret else None}
    status = 422 if form.errors else 200
    return render_template("accounts/second_factor.html", **context), status


def _qr(uri: str) -> Markup:
    """The otpauth address as an inline SVG QR code (no image fetched from anywhere)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff",
                                                 omitsize=True)
    return Markup(svg)  # noqa: S704 - segno's own SVG of our own URI


@bp.route("/logout", methods=["POST"])
def logout():
    services.end_session(session.get("sid"))
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(safe_next(None, "accounts.login"), code=303)


@bp.route("/language", methods=["POST"])
def language():
    form = LanguageForm()
    if form.validate_on_submit() and form.lang.data in current_app.config["LANGUAGES"]:
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            services.set_language(current_user, form.lang.data)
            db.session.commit()
    return redirect(safe_next(form.next.data), code=303)


# --- Passwords ------------------------------------------------------------------------

def _form_page(template: str, form, **context):
    status = 422 if form.errors or form.form_errors else 200
    return render_template(template, form=form, **context), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's password; every other login of the account ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, current=form.current.data,
                                     new=form.password.data, session_token=session.get("sid"))
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Your password is changed. You are logged out everywhere else."),
                  "success")
            return see_other("main.index")
    return _form_page("accounts/password.html", form)


@bp.route("/account/code", methods=["GET", "POST"])
@login_required
@limit_login
def code():
    """Turn logging in with a code from an authenticator app on or off. Roles that must
    use a code (TOTP_REQUIRED_ROLES) set it up at login and cannot turn it off."""
    user, form = current_user, CodeForm()
    enabled, required = user.totp_secret is not None, services.totp_required(current_user)
    if not enabled and "setup_secret" not in session:
        session["setup_secret"] = services.new_totp_secret()
    if form.validate_on_submit():
        try:
            if enabled:
                services.disable_totp(user, form.code.data)
            else:
                services.enable_totp(user, session["setup_secret"], form.code.data)
        except DomainError as error:
            db.session.rollback()
            if error.field == "code":  # a wrong code counts toward the account's lock
                services.count_failure(user)
                db.session.commit()
            attach_error(form, error)
        else:
            db.session.commit()
            session.pop("setup_secret", None)
            flash(_("You log in with a code from now on.") if not enabled else
                  _("You log in with the password only from now on."), "success")
            return see_other("accounts.code")
    secret = None if enabled else session["setup_secret"]
    return _form_page("accounts/code.html", form, enabled=enabled, required=required,
                      secret=secret, qr=_qr(services.totp_uri(user, secret)) if secret else None)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limit_reset
def forgot():
    """Ask for a link to choose a new password. The answer is the same whether the
    address has an account or not."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        reset = services.request_password_reset(form.email.data)
        if reset is not None:
            _email_reset_link(reset)
        db.session.commit()
        flash(_("If the address belongs to an account, an email with a link to choose a new "
                "password is on its way. The link works for an hour."), "success")
        return see_other("accounts.login")
    return _form_page("accounts/forgot.html", form)


def _email_reset_link(reset) -> None:
    from decisions.notifications.mail import queue_message
    from decisions.notifications.messages import Message

    def build() -> Message:
        return Message(
            _("Choose a new password for Samråd"),
            [_("Someone (we hope you) asked to choose a new password for your account. "
               "The link works once, for an hour. If it was not you, ignore this email: "
               "your password stays as it is.")],
            action=(_("Choose a new password"),
                    url_for("accounts.reset", token=reset.token, _external=True)))
    queue_message(reset.user, f"password_reset:{reset.id}", build)


@bp.route("/password/reset/<string(maxlength=100):token>", methods=["GET", "POST"])
@limit_reset
def reset(token: str):
    """The link from the email: a new password, then every login of the account ends."""
    if services.reset_for(token) is None:
        return render_template("accounts/reset.html", form=None), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Your password is changed. Log in with it."), "success")
            return see_other("accounts.login")
    return _form_page("accounts/reset.html", form)
