"""Accounts: creating users, checking passwords and codes with locks per account and
per client, the pending login between them, login sessions, resets."""

import functools
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import flag_modified

from decisions.accounts import passwords, rules
from decisions.accounts.models import (
    FailureKind,
    LoginFailure,
    LoginSession,
    PasswordReset,
    PendingLogin,
    Role,
    User,
)
from decisions.audit.services import record, snapshot
from decisions.clock import now
from decisions.database import begin_writes, writes_expected
from decisions.errors import DomainError
from decisions.extensions import db
from decisions.meetings.calendar import revoke_feeds
from decisions.members.models import Member
from decisions.signals import login_locked, password_reset_requested, second_factor_reset


def _hasher() -> PasswordHasher:
    """argon2id; the cost comes from the config (tests use a cheap one), and a hash
    made with other parameters is redone at the next successful login."""
    config = current_app.config
    return PasswordHasher(time_cost=config["ARGON2_TIME_COST"],
                          memory_cost=config["ARGON2_MEMORY_COST"],
                          parallelism=config["ARGON2_PARALLELISM"])

EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class LoginRefused(DomainError):
    """Too many failed attempts: refused without looking at the password or code."""


class WrongSecret(DomainError):
    """A wrong password or code, counted. `lock_engaged` is the user whose lock this
    failure started (their owner is told), else None."""

    def __init__(self, message, field: str | None = None, lock_engaged: User | None = None):
        super().__init__(message, field=field)
        self.lock_engaged = lock_engaged


TOO_MANY = _l("Too many failed attempts. Wait a quarter of an hour and try again, or "
              "choose a new password through \"Forgotten your password?\".")
WRONG_LOGIN = _l("Wrong email or password.")
WRONG_CODE = _l("The code is wrong. Type the six digits the app shows now.")


def hash_password(password: str, *, email: str = "") -> str:
    """The argon2id hash of an acceptable password (see passwords.problem)."""
    refused = passwords.problem(password, email=email)
    if refused:
        raise DomainError(refused, field="password")
    return _hasher().hash(password)


def checked_person(*, email: str, name: str, role: Role, member: Member | None,
                   user_id: int | None = None) -> tuple[str, str]:
    """The email and name as kept, once they and the member fit the role: a
    representative speaks for exactly one member, nobody else for any; an email
    belongs to one account (`user_id`'s own may stay). Raises DomainError by field."""
    email, name = email.strip().lower(), name.strip()
    if not EMAIL_SHAPE.fullmatch(email) or len(email) > 254:
        raise DomainError(_l("Write an email address like name@kommune.no."), field="email")
    if len(name) > 200:
        raise DomainError(_l("The name can be at most 200 characters."), field="name")
    if role == Role.REPRESENTATIVE and member is None:
        raise DomainError(_l("A representative must belong to a member."), field="member")
    if role != Role.REPRESENTATIVE and member is not None:
        raise DomainError(_l("Only representatives belong to a member."), field="member")
    if db.session.scalar(select(User.id).where(User.email == email, User.id != (user_id or 0))):
        raise DomainError(_l("A user with this email already exists."), field="email")
    return email, name or email


def create_user(actor: User | None, *, email: str, name: str, role: Role, password: str,
                member: Member | None = None, locale: str | None = None) -> User:
    email, name = checked_person(email=email, name=name, role=role, member=member)
    user = User(email=email, name=name, role=role,
                password_hash=hash_password(password, email=email), member=member, locale=locale,
                active=True, created_at=now())
    db.session.add(user)
    db.session.flush()
    record(actor, "user.created", user, after=snapshot(user, "email", "name", "role",
                                                        "member_id"))
    return user


def authenticate(email: str, password: str, *, client: str) -> User:
    """The user if the password is right, else WrongSecret (counted) or LoginRefused.

    Nothing tells a real account from an unknown address: the same work is done and
    the failures of both are counted and lock alike (see README, "Login attempts and
    locks"). The argon2 work runs before the write lock is taken (begin_writes)."""
    account = _account_key(email)
    if _refused(account, client, FailureKind.PASSWORD):
        raise LoginRefused(TOO_MANY)
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    # An unknown email spends the same time as a real account (one verification).
    right = _verify(user.password_hash if user else _unknown_account_hash(), password)
    right = right and user is not None and user.active
    rehashed = (_hasher().hash(password)
                if right and _hasher().check_needs_rehash(user.password_hash) else None)
    begin_writes()
    if not right:
        raise WrongSecret(WRONG_LOGIN, lock_engaged=_count_failure(
            account, client, FailureKind.PASSWORD, user_email=email))
    user = db.session.get(User, user.id)
    # The right password forgets this client's failed passwords; the failures of other
    # clients, and every failed code, still count.
    _forget_failures(account, FailureKind.PASSWORD, client=client)
    if rehashed:
        user.password_hash = rehashed
    return user


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _account_key(email: str) -> str:
    return _digest("account:" + email.strip().lower())


def _client_key(client: str) -> str:
    return _digest("client:" + (client or ""))


def _lock_times() -> tuple[datetime, timedelta, timedelta]:
    config = current_app.config
    return (now(), timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"]),
            timedelta(minutes=config["LOGIN_LOCK_MINUTES"]))


def _failures(account: str, kind: FailureKind) -> list[tuple[datetime, str]]:
    moment, window, lock = _lock_times()
    return db.session.execute(select(LoginFailure.at, LoginFailure.client).where(
        LoginFailure.account == account, LoginFailure.kind == kind,
        LoginFailure.at > moment - window - lock)).all()


def _locked(rows) -> bool:
    moment, window, lock = _lock_times()
    until = rules.lock_until([at for at, _client in rows],
                             limit=current_app.config["LOGIN_MAX_FAILURES"],
                             window=window, lock=lock)
    return until is not None and until > moment


def _refused(account: str, client_address: str, kind: FailureKind) -> bool:
    """Whether this client may not try now: it failed too often for any accounts, or
    the account is locked and (for a password) this client is one that failed for it.
    A client that has not failed for the account still may: its owner, elsewhere."""
    moment, window, _lock = _lock_times()
    client = _client_key(client_address)
    by_client = db.session.scalar(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.client == client, LoginFailure.at > moment - window))
    if by_client >= current_app.config["LOGIN_CLIENT_MAX_FAILURES"]:
        return True
    rows = _failures(account, kind)
    if not _locked(rows):
        return False
    # A wrong code means the password was known: the code step locks for every client.
    return kind == FailureKind.CODE or any(c == client for _at, c in rows)


def _count_failure(account: str, client: str, kind: FailureKind, *,
                   user_email: str) -> User | None:
    """Insert-only, so concurrent workers all count. Returns the real, active user
    whose lock this failure engaged (the owner is told by email), else None."""
    was_locked = _locked(_failures(account, kind))
    db.session.add(LoginFailure(account=account, client=_client_key(client), kind=kind,
                                at=now()))
    db.session.flush()
    rows = _failures(account, kind)
    if was_locked or not _locked(rows):
        return None
    user = db.session.scalar(select(User).where(User.email == user_email.strip().lower()))
    if user is None or not user.active:
        return None
    record(None, "user.locked", user, after={"kind": kind.value, "failures": len(rows)})
    return user


def _forget_failures(account: str, kind: FailureKind | None = None, *,
                     client: str | None = None) -> None:
    stmt = delete(LoginFailure).where(LoginFailure.account == account)
    if kind is not None:
        stmt = stmt.where(LoginFailure.kind == kind)
    if client is not None:
        stmt = stmt.where(LoginFailure.client == _client_key(client))
    db.session.execute(stmt)


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


def hash_token(token: str) -> str:
    """What is kept of a token that is sent (a cookie, a link): its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


_hash_token = hash_token


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


@functools.cache
def _session_with_user() -> Select:
    """Built once: every request of a signed-in user runs it."""
    # The session as plain columns (only the user is an object a request keeps).
    return (select(LoginSession.id, LoginSession.created_at, LoginSession.last_seen_at,
                   LoginSession.ended_at, User)
            .join(User, User.id == LoginSession.user_id)
            .where(LoginSession.token_hash == bindparam("token_hash"))
            .options(joinedload(User.member)))


def session_user(token: str | None, *, reading: bool = True,
                 active: bool = True) -> User | None:
    """The user of a live session, or None if it has ended, idled out or expired.

    `reading` says the request only reads (GET), so it will not commit. `active`
    says a person did something: a page polling by itself does not keep a login alive."""
    if not token:
        return None
    # One query a request: the session, its user and the user's member (every page
    # names them in its header).
    login = db.session.execute(_session_with_user(),
                               {"token_hash": _hash_token(token)}).first()
    if login is None or login.ended_at is not None:
        return None
    config = current_app.config
    moment = now()
    if (moment - login.last_seen_at > timedelta(minutes=config["SESSION_IDLE_MINUTES"])
            or moment - login.created_at > timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])):
        return None
    if not login.User.active:
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
    return login.User


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


def _set_password(user: User, password_hash: str) -> int:
    """The new password voids what the old one may have let out: every other reset
    link of the account and its calendar feed addresses. Returns how many feeds
    stopped, so the user can be told to subscribe again."""
    user.password_hash = password_hash
    moment = now()
    db.session.execute(update(PasswordReset).where(
        PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)).values(used_at=moment))
    db.session.flush()
    return revoke_feeds(user)


def end_sessions(user: User, *, keep: str | None = None) -> None:
    """End every live login of the user but the one whose token is `keep`."""
    keep_hash = _hash_token(keep) if keep else None
    db.session.execute(update(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.ended_at.is_(None),
        LoginSession.token_hash != (keep_hash or "")).values(ended_at=now()))


def change_password(user: User, *, current: str, new: str, session_token: str | None,
                    client: str) -> int:
    """A new password, given the current one; the user's other logins end. Wrong
    current passwords count like failed logins. Returns how many calendar feeds
    stopped (see _set_password)."""
    account = _account_key(user.email)
    if _refused(account, client, FailureKind.PASSWORD):
        raise LoginRefused(TOO_MANY, field="current")
    right = _verify(user.password_hash, current)
    new_hash = hash_password(new, email=user.email) if right else None
    begin_writes()
    user = db.session.get(User, user.id)
    if not right:
        raise WrongSecret(_l("The current password is wrong."), field="current",
                          lock_engaged=_count_failure(account, client, FailureKind.PASSWORD,
                                                      user_email=user.email))
    feeds = _set_password(user, new_hash)
    end_sessions(user, keep=session_token)
    record(user, "user.password_changed", user)
    return feeds


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
    password_reset_requested.send(reset=reset)
    return reset


def announce_lock(user_id: int) -> None:
    """Tell the owner of an account that failed attempts locked its login (after the
    answer: its time must not tell a real account from an unknown address)."""
    login_locked.send(user=db.session.get(User, user_id))


def reset_for(token: str) -> PasswordReset | None:
    """The unused, unexpired reset of this token, for an active account."""
    reset = db.session.scalar(select(PasswordReset).where(
        PasswordReset.token_hash == _hash_token(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= now() \
            or not reset.user.active:
        return None
    return reset


def reset_password(token: str, new: str) -> tuple[User, int]:
    """The new password of a reset link; the link is spent, every login ends, and the
    account's failed attempts are forgotten (the email proved the owner). Returns the
    user and how many calendar feeds stopped."""
    reset = reset_for(token)
    if reset is None:
        raise DomainError(_l("This link has expired or has been used. Ask for a new one."))
    new_hash = hash_password(new, email=reset.user.email)
    begin_writes()
    reset = db.session.scalar(select(PasswordReset).where(
        PasswordReset.token_hash == _hash_token(token)).with_for_update())
    if reset is None or reset_for(token) is None:
        raise DomainError(_l("This link has expired or has been used. Ask for a new one."))
    user = reset.user
    feeds = _set_password(user, new_hash)
    end_sessions(user)
    _forget_failures(_account_key(user.email))
    db.session.flush()
    record(user, "user.password_reset", user)
    return user, feeds


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


def _code_attempt(user: User, code: str, client: str, secret: str | None = None) -> None:
    """A code for the account, counted apart from passwords: a right password never
    clears failed codes, and enough of them lock the code step for every client."""
    account = _account_key(user.email)
    if _refused(account, client, FailureKind.CODE):
        raise LoginRefused(TOO_MANY, field="code")
    if not check_totp(user, code, secret):
        raise WrongSecret(WRONG_CODE, field="code", lock_engaged=_count_failure(
            account, client, FailureKind.CODE, user_email=user.email))
    _forget_failures(account, FailureKind.CODE)


def enable_totp(user: User, secret: str, code: str, *, client: str) -> None:
    """Keep the secret once the user shows a code made from it."""
    _code_attempt(user, code, client, secret)
    user.totp_secret = secret
    db.session.flush()
    record(user, "user.totp_enabled", user)


def reset_totp(actor: User | None, user: User) -> None:
    """For a lost phone: the code is removed; a role that needs one sets up a new one
    at the next login."""
    user.totp_secret, user.totp_last_step = None, None
    db.session.flush()
    record(actor, "user.totp_reset", user)
    second_factor_reset.send(user=user)  # the owner is told by email


def rotate_totp_secrets() -> int:
    """Every stored secret written again, so encrypted with the newest key (the older
    keys still open them until this has run). Returns how many."""
    users = db.session.scalars(select(User).where(User.totp_secret.is_not(None))).all()
    pending = db.session.scalars(select(PendingLogin).where(
        PendingLogin.totp_secret.is_not(None))).all()
    logins = db.session.scalars(select(LoginSession).where(
        LoginSession.totp_setup_secret.is_not(None))).all()
    for row, column in ([(u, "totp_secret") for u in users]
                        + [(p, "totp_secret") for p in pending]
                        + [(s, "totp_setup_secret") for s in logins]):
        flag_modified(row, column)
    db.session.flush()
    for user in users:
        record(None, "user.totp_key_rotated", user)
    return len(users)


def disable_totp(user: User, code: str, *, client: str) -> None:
    if totp_required(user):
        raise DomainError(_l("Your role must log in with a code."))
    _code_attempt(user, code, client)
    user.totp_secret, user.totp_last_step = None, None
    db.session.flush()
    record(user, "user.totp_disabled", user)


def totp_setup_secret(session_token: str) -> str:
    """The secret being set up at /account/code, kept with the login on the server
    (never in the cookie) until a code made from it is shown."""
    login = db.session.scalar(select(LoginSession).where(
        LoginSession.token_hash == _hash_token(session_token)))
    if login.totp_setup_secret:
        return login.totp_setup_secret
    secret = new_totp_secret()
    made = (update(LoginSession).where(LoginSession.id == login.id,
                                       LoginSession.totp_setup_secret.is_(None))
            .values(totp_setup_secret=secret))
    kept = select(LoginSession.totp_setup_secret).where(LoginSession.id == login.id)
    if writes_expected():
        db.session.execute(made)
        return db.session.scalar(kept.execution_options(populate_existing=True))
    # Asked for by a GET, which does not commit: the secret gets its own transaction.
    with db.engine.begin() as connection:
        connection.execute(made)
        return connection.scalar(kept)


def end_totp_setup(session_token: str) -> None:
    db.session.execute(update(LoginSession).where(
        LoginSession.token_hash == _hash_token(session_token))
        .values(totp_setup_secret=None))


# --- The login between the password and the code ---------------------------------------

PENDING_VALID = timedelta(minutes=5)


def start_pending_login(user: User, next_url: str) -> str:
    """After the right password, for an account that logs in with a code: a row on the
    server that the code step needs, valid for a few minutes and once. Returns the
    token for the session cookie. A role that needs a code and has none gets the
    secret to set up here."""
    moment = now()
    db.session.execute(delete(PendingLogin).where(
        PendingLogin.user_id == user.id,
        (PendingLogin.used_at.is_not(None)) | (PendingLogin.created_at <= moment - PENDING_VALID)))
    token = secrets.token_urlsafe(32)
    db.session.add(PendingLogin(
        token_hash=_hash_token(token), user_id=user.id, next_url=next_url[:2000],
        created_at=moment, totp_secret=None if user.totp_secret else new_totp_secret()))
    db.session.flush()
    return token


def pending_login(token: str | None) -> PendingLogin | None:
    """The unused, unexpired pending login of this token, for an active account."""
    if not isinstance(token, str) or not token:
        return None
    pending = db.session.scalar(select(PendingLogin).where(
        PendingLogin.token_hash == _hash_token(token)))
    if (pending is None or pending.used_at is not None
            or now() - pending.created_at > PENDING_VALID or not pending.user.active):
        return None
    return pending


def complete_login(pending: PendingLogin, code: str, *, client: str) -> User:
    """The code step: a right code (and, when setting up, the new secret kept) spends
    the pending login; it cannot be used twice, even by two requests at once."""
    user = pending.user
    if pending.totp_secret and user.totp_secret is None:
        enable_totp(user, pending.totp_secret, code, client=client)
    else:
        _code_attempt(user, code, client)
    spent = db.session.execute(update(PendingLogin).where(
        PendingLogin.id == pending.id, PendingLogin.used_at.is_(None))
        .values(used_at=now(), totp_secret=None))
    if spent.rowcount != 1:
        raise DomainError(_l("This login has expired. Log in again."))
    return user
