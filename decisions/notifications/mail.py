"""Email: turning notifications into outbound emails, and sending those over SMTP.

Both run in the sweep, after the acts have committed. An outbound email is rendered
once, in the recipient's language, and kept; sending it is retried until the mail
server takes it (or refuses the address for good). A claim with a deadline keeps two
sweeps from sending the same email; an email is marked sent in its own commit the
moment the server has taken it.
"""

import base64
import hashlib
import secrets
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app, render_template, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from decisions.accounts.models import User
from decisions.clock import now, oslo
from decisions.database import dialect_insert
from decisions.extensions import db
from decisions.notifications import messages
from decisions.notifications.models import (
    Delivery,
    EmailState,
    Notification,
    NotificationPreference,
    OutboundEmail,
    OutboxState,
)

BATCH = 200
CLAIM = timedelta(minutes=10)  # a sweep that dies mid-send frees its emails after this
MAX_BACKOFF = timedelta(hours=6)


@contextmanager
def link_context() -> Iterator[None]:
    """Build absolute links to BASE_URL, as a request to it would (the sweep has no
    request of its own)."""
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        yield


def _locale(user: User) -> str:
    languages = current_app.config["LANGUAGES"]
    return user.locale if user.locale in languages else current_app.config[
        "BABEL_DEFAULT_LOCALE"]


@dataclass(frozen=True)
class Recipient:
    """A person outside Samråd (a seat with an email address and no login)."""

    name: str
    email: str


def _render(user: User | Recipient, subject: str, *,
            message: messages.Message | None = None,
            items: list[tuple[str, str]] | None = None) -> dict[str, str]:
    settings_url = url_for("notifications.settings", _external=True) \
        if isinstance(user, User) else None  # a person outside Samråd has no settings
    context = {"user": user, "message": message, "items": items or [],
               "settings_url": settings_url,
               "alliance": current_app.config["ALLIANCE_NAME"], "subject": subject}
    subject = " ".join(subject.split())  # a header is one line, whatever a title holds
    return {"subject": subject[:300],
            "text_body": render_template("email/message.txt", **context),
            "html_body": render_template("email/message.html", **context)}


def _add_outbound(key: str, user: User | Recipient, content: dict,
                  attachments=()) -> int | None:
    """The outbound email under `key`, unless one exists (then None)."""
    moment = now()
    stmt = dialect_insert(db.session, OutboundEmail).values(
        key=key, user_id=user.id if isinstance(user, User) else None,
        to_address=user.email, attachments=list(attachments),
        state=OutboxState.PENDING, attempts=0, next_attempt_at=moment, last_error="",
        created_at=moment, **content)
    return db.session.execute(
        stmt.on_conflict_do_nothing(index_elements=["key"]).returning(OutboundEmail.id)
    ).scalar()


def _claimed(stmt, limit: int):
    """Rows no other sweep holds (PostgreSQL: SKIP LOCKED; SQLite runs one writer)."""
    return stmt.limit(limit).with_for_update(skip_locked=True)


def _deliveries(user_ids: set[int]) -> dict[tuple[int, str], Delivery]:
    rows = db.session.execute(select(NotificationPreference).where(
        NotificationPreference.user_id.in_(user_ids))).scalars()
    return {(row.user_id, row.kind): row.delivery for row in rows}


def queue_emails() -> int:
    """Emails for new notifications, as each user wants them: one email now, a place
    in tomorrow's digest, or none. Returns how many emails were queued."""
    queued = 0
    with link_context():
        while True:
            batch = db.session.scalars(_claimed(
                select(Notification).where(Notification.email_state == EmailState.PENDING)
                .order_by(Notification.id)
                .options(selectinload(Notification.user).selectinload(User.member)),
                BATCH)).all()
            if not batch:
                break
            chosen = _deliveries({n.user_id for n in batch})
            for n in batch:
                delivery = chosen.get((n.user_id, n.kind), Delivery.IMMEDIATE)
                queued += _guarded(n, lambda n=n, d=delivery: _queue_one(n, d))
            db.session.commit()
    return queued


def _guarded(n: Notification, step) -> int:
    """Run one notification's step in a savepoint: if it fails, the notification is
    marked failed (and logged) and the others go on."""
    try:
        with db.session.begin_nested():
            return step()
    except Exception:  # noqa: BLE001 - one broken notification must not stop the others
        current_app.logger.exception("notification %s could not be made an email", n.id)
        n.email_state = EmailState.FAILED
        return 0


def queue_message(user: User, key: str, build) -> None:
    """An email that is not a notification (a password reset link): `build()` makes
    its Message in the user's language, with links to BASE_URL; the next sweep sends
    it like any other."""
    with link_context(), force_locale(_locale(user)):
        message = build()
        content = _render(user, message.subject, message=message)
    _add_outbound(key, user, content, message.attachments)


def queue_external(key: str, recipient: Recipient, message: messages.Message) -> None:
    """An email to a person outside Samråd, rendered now (links to BASE_URL, in the
    alliance's language) and sent by the sweep like any other; `key` makes it once."""
    _add_outbound(key, recipient, _render(recipient, message.subject, message=message),
                  message.attachments)


def _queue_one(n: Notification, delivery: Delivery) -> int:
    if delivery == Delivery.OFF or not n.user.active:
        n.email_state = EmailState.NOT_SENT
        return 0
    if delivery == Delivery.DIGEST:
        n.email_state = EmailState.DIGEST
        return 0
    if not messages.still_relevant(n):
        n.email_state = EmailState.NOT_SENT
        return 0
    with force_locale(_locale(n.user)):
        message = messages.compose(n)
        content = _render(n.user, message.subject, message=message)
    n.email_id = _add_outbound(f"notification:{n.id}", n.user, content, message.attachments)
    n.email_state = EmailState.QUEUED
    return 1


def queue_digests() -> int:
    """Once a day, after DIGEST_HOUR in Oslo: one email per user gathering what waits
    for the digest. Returns how many digests were queued."""
    moment = now()
    local = oslo(moment)
    if local.hour < current_app.config["DIGEST_HOUR"]:
        return 0
    queued = 0
    with link_context():
        user_ids = db.session.scalars(
            select(Notification.user_id).where(Notification.email_state == EmailState.DIGEST)
            .distinct().order_by(Notification.user_id)).all()
        for user_id in user_ids:
            try:
                queued += _queue_digest(db.session.get(User, user_id), local.date())
                db.session.commit()
            except Exception:  # noqa: BLE001 - one user's digest must not stop the others
                db.session.rollback()
                current_app.logger.exception("the digest of user %s failed", user_id)
    return queued


def _queue_digest(user: User, day) -> int:
    key = f"digest:{user.id}:{day.isoformat()}"
    if db.session.scalar(select(OutboundEmail.id).where(OutboundEmail.key == key)):
        return 0  # today's digest has gone out: what waits goes in tomorrow's
    waiting = db.session.scalars(_claimed(
        select(Notification).where(Notification.user_id == user.id,
                                   Notification.email_state == EmailState.DIGEST)
        .order_by(Notification.id), 500)).all()
    relevant = [n for n in waiting if user.active and messages.still_relevant(n)]
    if not relevant:
        for n in waiting:
            n.email_state = EmailState.NOT_SENT
        return 0
    with force_locale(_locale(user)):
        items = [(messages.subject(n), messages.link(n, external=True)) for n in relevant]
        subject = ngettext("Samråd: %(num)s new notification",
                           "Samråd: %(num)s new notifications", len(items))
        content = _render(user, subject, items=items)
    email_id = _add_outbound(key, user, content)
    if email_id is None:  # another sweep made today's digest meanwhile
        return 0
    for n in waiting:
        n.email_state = EmailState.QUEUED if n in relevant else EmailState.NOT_SENT
        n.email_id = email_id if n in relevant else None
    return 1


# --- Sending --------------------------------------------------------------------------

class Permanent(Exception):
    """The server refused the email for good (e.g. an unknown address)."""


def _message(email: OutboundEmail, *, to: str) -> EmailMessage:
    config = current_app.config
    sender = config["MAIL_SENDER"]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "samraad"
    message = EmailMessage()
    message["Subject"] = email.subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(now())
    # The same id on every attempt, so a mail system can drop a duplicate.
    token = hashlib.sha256(f"{email.id}:{email.key}".encode()).hexdigest()[:24]
    message["Message-ID"] = f"<{token}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.text_body)
    message.add_alternative(email.html_body, subtype="html")
    for attachment in email.attachments:
        maintype, _slash, subtype = attachment["content_type"].partition("/")
        message.add_attachment(base64.b64decode(attachment["data"]), maintype=maintype,
                               subtype=subtype, filename=attachment["filename"])
    return message


def _connect() -> smtplib.SMTP:
    config = current_app.config
    context = ssl.create_default_context()
    if config["MAIL_USE_TLS"]:
        smtp = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"],
                                timeout=config["MAIL_TIMEOUT"], context=context)
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                            timeout=config["MAIL_TIMEOUT"])
        if config["MAIL_USE_STARTTLS"]:
            smtp.starttls(context=context)
    if config["MAIL_USERNAME"]:
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return smtp


def _send(smtp: smtplib.SMTP, message: EmailMessage) -> None:
    try:
        smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            raise Permanent(str(error.recipients)) from error
        raise
    except smtplib.SMTPResponseException as error:
        if 500 <= error.smtp_code < 600 and not isinstance(
                error, smtplib.SMTPSenderRefused):
            raise Permanent(f"{error.smtp_code} {error.smtp_error!r}") from error
        raise


# Answers about the session, not the email: the server is away, closing, or will not
# take our greeting or login; every email would get the same.
_SESSION_ERRORS = (smtplib.SMTPConnectError, smtplib.SMTPHeloError,
                   smtplib.SMTPAuthenticationError)


def _refused_this_email_only(error: Exception) -> bool:
    """Did the server, still talking to us, refuse this one email (451 for a recipient,
    452 for a large message)? Then only it waits and the batch goes on. smtplib's
    errors are OSErrors, so the SMTP answer is told from a lost connection by its
    class and code, not by OSError."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return True
    return (isinstance(error, smtplib.SMTPResponseException)
            and not isinstance(error, _SESSION_ERRORS)
            and error.smtp_code != 421)  # 421: the server is closing the connection


class Connection:
    """One SMTP connection for a sweep, opened at the first email that needs it."""

    def __init__(self):
        self.smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = _connect()
        _send(self.smtp, message)

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.smtp = None


def _claim() -> tuple[str, list[int]]:
    moment = now()
    token = secrets.token_hex(16)
    ids = db.session.scalars(_claimed(
        select(OutboundEmail.id).where(
            OutboundEmail.state == OutboxState.PENDING,
            OutboundEmail.next_attempt_at <= moment,
            or_(OutboundEmail.claimed_until.is_(None), OutboundEmail.claimed_until < moment))
        .order_by(OutboundEmail.id), BATCH)).all()
    if ids:
        db.session.execute(update(OutboundEmail).where(OutboundEmail.id.in_(ids))
                           .values(claimed_until=moment + CLAIM, claim_token=token))
    db.session.commit()
    return token, list(ids)


def _finish(email_id: int, token: str, **values) -> None:
    db.session.execute(update(OutboundEmail).where(
        OutboundEmail.id == email_id, OutboundEmail.claim_token == token)
        .values(claimed_until=None, claim_token=None, **values))
    db.session.commit()


def _retry_values(attempts: int, error: str) -> dict:
    backoff = min(timedelta(minutes=2 ** min(attempts - 1, 12)), MAX_BACKOFF)
    return {"attempts": attempts, "next_attempt_at": now() + backoff,
            "last_error": error[:2000]}


def _renew(email_id: int, token: str) -> bool:
    """Extend this sweep's claim on an email just before sending it, and end the
    transaction (so that SQLite's write lock is not held while the mail server is
    talked to). False when the claim ran out and another sweep holds the email."""
    moment = now()
    renewed = db.session.execute(update(OutboundEmail).where(
        OutboundEmail.id == email_id, OutboundEmail.claim_token == token,
        OutboundEmail.claimed_until > moment).values(claimed_until=moment + CLAIM)
        .returning(OutboundEmail.id)).scalar()
    db.session.commit()
    return renewed is not None


def send_batch(token: str, ids: list[int], connection: Connection,
               counts: dict[str, int]) -> bool:
    """Send the claimed emails; False when the mail server is away (the rest of the
    batch then waits for the next sweep)."""
    for position, email_id in enumerate(ids):
        email = db.session.get(OutboundEmail, email_id)
        attempts = email.attempts + 1
        if email.user is not None and not email.user.active:
            _finish(email_id, token, state=OutboxState.DROPPED,
                    last_error="the account was deactivated before the email went")
            continue
        try:
            # To the user's address as it is now; to a person outside Samråd, as given.
            message = _message(email, to=email.user.email if email.user else email.to_address)
        except (ValueError, TypeError) as error:  # an email that cannot be built
            _finish(email_id, token, state=OutboxState.FAILED, attempts=attempts,
                    last_error=repr(error)[:2000])
            counts["failed"] += 1
            current_app.logger.exception("email %s could not be built", email_id)
            continue
        to_address = message["To"]
        if not _renew(email_id, token):
            continue  # another sweep has it now
        try:
            connection.send(message)
        except Permanent as error:
            _finish(email_id, token, state=OutboxState.FAILED, attempts=attempts,
                    last_error=str(error)[:2000])
            counts["failed"] += 1
            current_app.logger.error("email %s refused for good: %s", email_id, error)
        except (OSError, ValueError, smtplib.SMTPException) as error:
            # ValueError: e.g. a login the server could not take; it may be fixed.
            _finish(email_id, token, **_retry_values(attempts, repr(error)))
            counts["retried"] += 1
            current_app.logger.warning("email %s not sent, will retry: %r", email_id, error)
            if connection.smtp is None or not _refused_this_email_only(error):
                connection.close()
                for rest in ids[position + 1:]:
                    _finish(rest, token, next_attempt_at=now() + timedelta(minutes=1))
                return False
        else:
            _finish(email_id, token, state=OutboxState.SENT, attempts=attempts,
                    sent_at=now(), last_error="", to_address=to_address)
            counts["sent"] += 1
    return True


def deliver() -> dict[str, int]:
    """Send every email that is due. Returns counts of sent, retried and failed."""
    counts = {"sent": 0, "retried": 0, "failed": 0}
    connection = Connection()
    try:
        while True:
            token, ids = _claim()
            if not ids or not send_batch(token, ids, connection, counts):
                break
    finally:
        connection.close()
    return counts


def describe(counts: dict[str, int]) -> str:
    return _("Sent %(sent)s, to retry %(retried)s, refused %(failed)s.", **counts)
