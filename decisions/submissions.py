"""The same form posted twice saves once.

Every form that creates a record carries a random nonce (`form_nonce()` in the
templates). Saving claims the nonce in the same transaction as the record, under a
unique constraint: a second post of the same form (a double click, a resent
request after a lost answer, two tabs of the same page) finds it claimed and
creates nothing. A rolled-back save gives the nonce back.
"""

import secrets
from datetime import datetime, timedelta

from flask import redirect, request
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import ForeignKey, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

import decisions.lifecycle as lifecycle
from decisions.clock import now
from decisions.database import UTCDateTime
from decisions.errors import DomainError
from decisions.extensions import db

FIELD = "form_nonce"
KEPT = timedelta(days=7)  # a form is not resent after a week; older claims are swept


class FormSubmission(db.Model):
    __tablename__ = "form_submissions"
    __table_args__ = (UniqueConstraint("user_id", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # Where the first save led (the new record's page), for the second post.
    location: Mapped[str | None] = mapped_column(String(500))


class AlreadySaved(DomainError):
    """This form was saved before; `location` is where that save led, if known."""

    def __init__(self, location: str | None):
        super().__init__(_l("This form was already sent, and what it held is saved once. "
                            "Reload the page to see it."))
        self.location = location


def nonce_input() -> Markup:
    """A hidden field with a fresh nonce, for a form that creates a record."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        FIELD, secrets.token_urlsafe(24))


def claim(user) -> FormSubmission | None:
    """Claims the posted form's nonce in the current transaction; raises AlreadySaved
    when the same form was saved before. A post without a nonce (not from one of our
    pages) is not deduplicated."""
    nonce = (request.form.get(FIELD) or "").strip()[:64]
    if not nonce:
        return None
    submission = FormSubmission(user_id=user.id, nonce=nonce, created_at=now())
    try:
        # On PostgreSQL a second post waits here until the first one commits or rolls back.
        with db.session.begin_nested():
            db.session.add(submission)
    except IntegrityError:
        earlier = db.session.scalar(select(FormSubmission.location).where(
            FormSubmission.user_id == user.id, FormSubmission.nonce == nonce))
        raise AlreadySaved(earlier) from None
    return submission


def led_to(submission: FormSubmission | None, location: str) -> None:
    """Remember the page the first save of a form led to, for a second post of it."""
    if submission is not None:
        submission.location = location


def to_first_save(earlier: AlreadySaved, fallback: str):
    """The answer to the second post of a form that creates a page: that page, with
    the message that the form was saved once. Nothing of this post is kept."""
    lifecycle.refused(earlier, category="info")
    return redirect(earlier.location or fallback, 303)


def forget_old() -> int:
    """Deletes claims older than a week (run by the sweep)."""
    result = db.session.execute(delete(FormSubmission).where(
        FormSubmission.created_at < now() - KEPT))
    return result.rowcount
