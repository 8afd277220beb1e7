"""Accounts: creating users, checking passwords with a per-account lock, login sessions."""

import functools
import hashlib
import hmac
import re
import secrets
from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from decisions.accounts import passwords
from decisions.accounts.models import LoginFailure, LoginSession, PasswordReset, Role, User
from decisions.audit.services import record, snapshot
from decisions.clock import now
from decisions.errors import DomainError
from decisions.extensions import db
from decisions.members.models import Member


def _hasher() -> PasswordHasher:
    """argon2id; the cost comes from the config (tests use a cheap one), and a hash
    made with other parameters is redone at the next successful login."""
    config = current_app.config
    return PasswordHasher(time_cost=config["ARGON2_TIME_COST"],
                          memory_cost=config["ARGON2_MEMORY_COST"],
                          parallelism=config["ARGON2_PARALLELISM"])

EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class AccountLocked(DomainError):
    pass


def hash_password(password: str, *, email: str = "") -> str:
    """The argon2id hash of an acceptable password (see passwords.problem)."""
    refused = passwords.problem(password, email=email)
    if refused:
        raise DomainError(refused, field="password")
    return _hasher().hash(password)


def create_user(actor: User | None, *, email: str, name: str, role: Role, password: str,
                member: Member | None = None, locale: str | None = None) -> User:
    email, name = email.strip().lower(), name.strip()
    if not EMAIL_SHAPE.fullmatch(email) or len(email) > 254:
        raise DomainError(_l("Write an email address like name@kommune.no."), field="email")
    if len(name) > 200:
        raise DomainError(_l("The name can be at most 200 characters."), field="name")
    if role == Role.REPRESENTATIVE and member is None:
        raise DomainError(_l("A representative must belong to a member."), field="member")
    if role != Role.REPRESENTATIVE and member is not None:
        raise DomainError(_l("Only representatives belong to a member."), field="member")
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise DomainError(_l("A user with this email already exists."), field="email")
    user = User(email=email, name=name or email, role=role,
                password_hash=hash_password(password, email=email), member=member, locale=locale,
                active=True, created_at=now())
    db.session.add(user)
    db.session.flush()
    record(actor, "user.created", user, after=snapshot(user, "email", "name", "role",
                                                        "member_id"))
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user if the password is right. Failures are counted per account in the
    database, so the limit holds across worker processes; too many lock it."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        # Spend the same time as for a real account (one verification), so timing
        # tells nothing about which emails have accounts.
        _verify(_unknown_account_hash(), password)
        return None
    if is_locked(user):
        raise AccountLocked(_l("Too many failed attempts. The account is locked for a "
                               "while; try again later."))
    if _verify(user.password_hash, password) and user.active:
        db.session.execute(delete(LoginFailure).where(LoginFailure.user_id == user.id))
        if _hasher().check_needs_rehash(user.password_hash):
            user.password_hash = _hasher().hash(password)
        return user
    count_failure(user)
    return None


def count_failure(user: User) -> None:
    """A wrong password or code for the account; enough of them lock it."""
    config = current_app.config
    moment = now()
    db.session.add(LoginFailure(user_id=user.id, at=moment))
    db.session.flush()
    window = moment - timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"])
    failures = db.session.scalar(
        select(func.count()).select_from(LoginFailure)
        .where(LoginFailure.user_id == user.id, LoginFailure.at > window))
    if failures >= config["LOGIN_MAX_FAILURES"]:
        until = moment + timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
        db.session.execute(update(User).where(User.id == user.id).values(locked_until=until))
        record(None, "user.locked", user, after={"locked_until": until, "failures": failures})


def is_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > now()


def _unknown_account_hash() -> str:
    config = current_app.config
    return _hash_for_unknown_accounts(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"],
                                      config["ARGON2_PARALLELISM"])


@functools.cache
def _hash_for_unknown_accounts(time_cost: int, memory_cost: int, parallelism: int) -> str:
    """Made once per cost: hashing on every attempt would double the time an unknown
    email takes, and tell it apart."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost,
                          parallelism=parallelism).hash(secrets.token_urlsafe(16))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> str:
    """A new server-side session; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    moment = now()
    login = LoginSession(token_hash=_hash_token(token), user_id=user.id, created_at=moment,
                         last_seen_at=moment)
    db.session.add(login)
    db.session.flush()
    record(user, "user.logged_in", user)
    return token


def session_user(token: str | None, *, reading: bool = True,
                 active: bool = True) -> User | None:
    """The user of a live session, or None if it has ended, idled out or expired.

    `reading` says the request only reads (GET), so it will not commit. `active`
    says a person did something: a page polling by itself does not keep a login alive."""
    if not token:
        return None
    login = db.session.scalar(
        select(LoginSession).where(LoginSession.token_hash == _hash_token(token)))
    if login is None or login.ended_at is not None:
        return None
    config = current_app.config
    moment = now()
    if (moment - login.last_seen_at > timedelta(minutes=config["SESSION_IDLE_MINUTES"])
            or moment - login.created_at > timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])):
        return None
    if not login.user.active:
        return None
    # Touch at most once a minute, so reading pages does not mean writing rows.
    if active and moment - login.last_seen_at > timedelta(minutes=1):
        touch = (update(LoginSession).where(LoginSession.id == login.id)
                 .values(last_seen_at=moment))
        if reading:
            # A read-only request never commits, so the touch gets its own short
            # transaction; on SQLite, turning the read into a write would fail
            # under concurrent writers.
            with db.engine.begin() as connection:
                connection.execute(touch)
        else:
            # A writing request already holds the write lock; it commits the touch.
            db.session.execute(touch)
    return login.user


def end_session(token: str | None) -> None:
    if not token:
        return
    login = db.session.scalar(
        select(LoginSession).where(LoginSession.token_hash == _hash_token(token)))
    if login is None or login.ended_at is not None:
        return
    login.ended_at = now()
    db.session.flush()
    record(login.user, "user.logged_out", login.user)


def set_language(user: User, locale: str) -> None:
    if user.locale == locale:
        return
    before = snapshot(user, "locale")
    user.locale = locale
    db.session.flush()
    record(user, "user.language_changed", user, before=before, after=snapshot(user, "locale"))


# --- Passwords: change and reset ------------------------------------------------------

RESET_VALID = timedelta(hours=1)
RESETS_PER_HOUR = 3  # per account: enough for a lost email, not a mail bomb


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password, email=user.email)
    db.session.flush()


def end_sessions(user: User, *, keep: str | None = None) -> None:
    """End every live login of the user but the one whose token is `keep`."""
    keep_hash = _hash_token(keep) if keep else None
    db.session.execute(update(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.ended_at.is_(None),
        LoginSession.token_hash != (keep_hash or "")).values(ended_at=now()))


def change_password(user: User, *, current: str, new: str, session_token: str | None) -> None:
    """A new password, given the current one; the user's other logins end."""
    if not _verify(user.password_hash, current):
        raise DomainError(_l("The current password is wrong."), field="current")
    _set_password(user, new)
    end_sessions(user, keep=session_token)
    record(user, "user.password_changed", user)


def request_password_reset(email: str) -> PasswordReset | None:
    """A reset link for an active account with this email, unless it had enough this
    hour. Returns None otherwise; the page says the same either way."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        return None
    moment = now()
    recent = db.session.scalar(select(func.count()).select_from(PasswordReset).where(
        PasswordReset.user_id == user.id,
        PasswordReset.created_at > moment - timedelta(hours=1)))
    if recent >= RESETS_PER_HOUR:
        return None
    token = secrets.token_urlsafe(32)
    reset = PasswordReset(user_id=user.id, token_hash=_hash_token(token), created_at=moment,
                          expires_at=moment + RESET_VALID)
    db.session.add(reset)
    db.session.flush()
    reset.token = token  # for the email; never stored
    record(None, "user.password_reset_requested", user)
    return reset


def reset_for(token: str) -> PasswordReset | None:
    """The unused, unexpired reset of this token, for an active account."""
    reset = db.session.scalar(select(PasswordReset).where(
        PasswordReset.token_hash == _hash_token(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= now() \
            or not reset.user.active:
        return None
    return reset


def reset_password(token: str, new: str) -> User:
    """The new password of a reset link; the link is spent and every login ends."""
    reset = db.session.scalar(select(PasswordReset).where(
        PasswordReset.token_hash == _hash_token(token)).with_for_update())
    if reset is None or reset_for(token) is None:
        raise DomainError(_l("This link has expired or has been used. Ask for a new one."))
    _set_password(reset.user, new)
    reset.used_at = now()
    end_sessions(reset.user)
    db.session.flush()
    record(reset.user, "user.password_reset", reset.user)
    return reset.user


# --- The second factor (TOTP) ---------------------------------------------------------

TOTP_STEP = 30  # seconds


def totp_required(user: User) -> bool:
    return user.role.value in current_app.config["TOTP_REQUIRED_ROLES"]


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads (from the QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=f"Samråd {current_app.config['ALLIANCE_NAME']}")


def check_totp(user: User, code: str, secret: str | None = None) -> bool:
    """Whether `code` is the user's current code (or the one just before or after, for
    clocks a little apart), and not used before: each code works once."""
    code = "".join(code.split())
    secret = secret or user.totp_secret
    if not secret or len(code) != 6 or not code.isdigit():
        return False
    user = db.session.execute(select(User).where(User.id == user.id).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one()
    totp, current = pyotp.TOTP(secret), int(now().timestamp()) // TOTP_STEP
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * TOTP_STEP), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False  # used already
            user.totp_last_step = step
            db.session.flush()
            return True
    return False


def enable_totp(user: User, secret: str, code: str) -> None:
    """Keep the secret once the user shows a code made from it."""
    if not check_totp(user, code, secret):
        raise DomainError(_l("The code is wrong. Type the six digits the app shows now."),
                          field="code")
    user.totp_secret = secret
    db.session.flush()
    record(user, "user.totp_enabled", user)


def reset_totp(actor: User | None, user: User) -> None:
    """For a lost phone: the code is removed; a role that needs one sets up a new one
    at the next login."""
    user.totp_secret, user.totp_last_step = None, None
    db.session.flush()
    record(actor, "user.totp_reset", user)


def disable_totp(user: User, code: str) -> None:
    if totp_required(user):
        raise DomainError(_l("Your role must log in with a code."))
    if not check_totp(user, code):
        raise DomainError(_l("The code is wrong. Type the six digits the app shows now."),
                          field="code")
    user.totp_secret, user.totp_last_step = None, None
    db.session.flush()
    record(user, "user.totp_disabled", user)
