"""Undeliverable email: the secretariat's page of emails the mail server refused for
good or for long, and sending one again (audited)."""

from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from decisions.accounts.models import Role
from decisions.audit.models import AuditEntry
from decisions.clock import now
from decisions.errors import DomainError, NotAllowed
from decisions.extensions import db
from decisions.notifications import services
from decisions.notifications.models import OutboundEmail, OutboxState
from decisions.notifications.queries import LONG_RETRIED
from decisions.permissions import can

EN = {"Accept-Language": "en"}


def outbound(user, *, state=OutboxState.FAILED, attempts=1, subject="Ny høring",
             error="550 5.1.1 <ola@kommune.test>: mailbox unavailable") -> OutboundEmail:
    email = OutboundEmail(
        key=f"test:{subject}:{user.id}:{state}:{attempts}", user_id=user.id,
        to_address=user.email, subject=subject, text_body="Tekst.", html_body="<p>Tekst.</p>",
        state=state, attempts=attempts, next_attempt_at=now() + timedelta(hours=6),
        last_error=error, created_at=now())
    db.session.add(email)
    db.session.commit()
    return email


@pytest.fixture
def people(app, make):
    return make.user(Role.SECRETARIAT), make.representative(make.member())


def test_the_page_lists_refused_and_long_retried_emails_with_the_servers_answer(
        app, client, make, people):
    sec, rep = people
    outbound(rep, subject="Refused for good")
    outbound(rep, state=OutboxState.PENDING, attempts=LONG_RETRIED, subject="Retried long",
             error="421 try again later")
    outbound(rep, state=OutboxState.PENDING, attempts=1, subject="Retried once")
    outbound(rep, state=OutboxState.SENT, attempts=1, subject="Delivered", error="")
    make.login(client, sec)

    page = client.get("/notifications/outbox", headers=EN).text

    assert "Refused for good" in page and "Retried long" in page
    assert "mailbox unavailable" in page and "421 try again later" in page
    assert rep.email in page
    assert "Retried once" not in page and "Delivered" not in page


def test_retry_puts_the_email_back_for_the_sweep_and_is_audited(app, client, make, people):
    sec, rep = people
    email = outbound(rep)
    make.login(client, sec)

    response = client.post(f"/notifications/outbox/{email.id}/retry")

    assert response.status_code == 303
    db.session.expire_all()
    email = db.session.get(OutboundEmail, email.id)
    assert (email.state, email.attempts) == (OutboxState.PENDING, 0)
    assert email.next_attempt_at <= now()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.act == "email.retried"))
    assert entry.object_id == email.id and entry.before["state"] == "failed"


def test_a_sent_email_is_not_sent_again(app, make, people):
    sec, rep = people
    email = outbound(rep, state=OutboxState.SENT, error="")
    with pytest.raises(DomainError):
        services.retry_email(sec, email)


def test_only_the_secretariat_retries(app, make, people):
    _sec, rep = people
    email = outbound(rep)
    for user in (rep, make.user(Role.BOARD), make.user(Role.ADMIN)):
        with pytest.raises(NotAllowed):
            services.retry_email(user, email)


def test_fix_the_address_links_to_the_person_when_the_people_pages_exist(
        app, client, make, people):
    sec, rep = people
    outbound(rep)
    make.login(client, sec)
    has_people = "people.show" in app.view_functions

    page = client.get("/notifications/outbox", headers=EN).text

    assert (f"/people/{rep.id}" in page) is has_people
    assert ("Fix the address" in page) is has_people


def test_the_start_page_counts_undeliverable_emails_for_the_secretariat_only(
        app, client, make, people):
    sec, rep = people
    outbound(rep)
    outbound(rep, subject="Annen", attempts=2)
    make.login(client, sec)
    assert "2 emails could not be delivered" in client.get("/", headers=EN).text
    other = app.test_client()
    make.login(other, rep)
    assert "could not be delivered" not in other.get("/", headers=EN).text


def test_the_outbox_and_its_emails_are_the_secretariats_alone(app, make, people):
    sec, rep = people
    email = outbound(rep)
    assert can(sec, "list", kind="email") and can(sec, "retry", email)
    for user in (rep, make.user(Role.BOARD), make.user(Role.ADMIN), AnonymousUserMixin()):
        assert not can(user, "list", kind="email")
        assert not can(user, "view", email) and not can(user, "retry", email)
