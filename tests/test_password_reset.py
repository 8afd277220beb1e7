"""Changing a password and resetting a forgotten one by email: single-use links that
expire, the same answer for unknown addresses, every other login ended."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from decisions.accounts.models import PasswordReset, Role
from decisions.audit.models import AuditEntry
from decisions.extensions import db
from decisions.notifications.models import OutboundEmail
from decisions.sweep import sweep
from tests.factories import PASSWORD

NEW = "fire tilfeldige ord her"


def _count(model, *where) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _ask(client, email: str, **kwargs):
    """Ask for a link, as a browser does: the server closes the answer once sent,
    which is when the link is made."""
    response = client.post("/password/forgot", data={"email": email}, **kwargs)
    response.close()
    return response


def _link_from_the_email(app, smtp) -> str:
    db.session.commit()
    with app.app_context():
        sweep()
    (message,) = smtp.messages
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https://samraad\.example(/password/reset/\S+)", text).group(1)


def test_a_forgotten_password_is_reset_through_the_emailed_link_once(
        app, client, make, smtp):
    user = make.user(Role.BOARD, email="kari@asker.kommune.no")
    elsewhere = app.test_client()
    make.login(elsewhere, user)  # logged in on another device

    response = _ask(client, "Kari@Asker.kommune.no")
    assert response.status_code == 303
    link = _link_from_the_email(app, smtp)
    assert smtp.messages[0]["To"] == "kari@asker.kommune.no"
    assert client.get(link).status_code == 200
    done = client.post(link, data={"password": NEW, "confirm": NEW})

    assert done.status_code == 303 and done.location.endswith("/login")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}
                       ).status_code == 401
    assert client.post("/login", data={"email": user.email, "password": NEW}
                       ).status_code == 303
    assert client.get(link).status_code == 410  # spent
    assert elsewhere.get("/").status_code == 302  # the other login has ended
    assert _count(AuditEntry, AuditEntry.act == "user.password_reset") == 1


def test_an_unknown_address_gets_the_same_answer_and_no_email(app, client, make, smtp):
    make.user(Role.BOARD, email="kari@asker.kommune.no")

    known = client.post("/password/forgot", data={"email": "kari@asker.kommune.no"},
                        follow_redirects=True)
    unknown = client.post("/password/forgot", data={"email": "ola@asker.kommune.no"},
                          follow_redirects=True)

    assert known.status_code == unknown.status_code == 200
    message = "If the address belongs to an account"
    assert (message in known.text) == (message in unknown.text)
    assert _count(OutboundEmail) == 1


def test_a_link_expires_after_an_hour(app, client, make, smtp, clock):
    make.user(Role.BOARD, email="kari@asker.kommune.no")
    _ask(client, "kari@asker.kommune.no")
    link = _link_from_the_email(app, smtp)

    clock.advance(minutes=61)

    assert client.get(link).status_code == 410
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 410


def test_at_most_three_links_an_hour_go_to_one_account(app, client, make):
    make.user(Role.BOARD, email="kari@asker.kommune.no")
    for _ in range(5):
        _ask(client, "kari@asker.kommune.no")
    assert _count(PasswordReset) == 3 and _count(OutboundEmail) == 3


def test_a_common_new_password_is_refused_next_to_the_field_and_the_link_still_works(
        app, client, make, smtp):
    make.user(Role.BOARD, email="kari@asker.kommune.no")
    _ask(client, "kari@asker.kommune.no")
    link = _link_from_the_email(app, smtp)

    refused = client.post(link, data={"password": "qwerty123456", "confirm": "qwerty123456"})

    assert refused.status_code == 422 and 'id="password-error"' in refused.text
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 303


def test_changing_the_password_needs_the_current_one_and_ends_the_other_logins(
        app, client, make):
    user = make.user(Role.SECRETARIAT)
    elsewhere = app.test_client()
    make.login(elsewhere, user)
    make.login(client, user)

    wrong = client.post("/account/password", data={
        "current": "not my password at all", "password": NEW, "confirm": NEW})
    assert wrong.status_code == 422 and 'id="current-error"' in wrong.text
    assert elsewhere.get("/").status_code == 200

    done = client.post("/account/password", data={
        "current": PASSWORD, "password": NEW, "confirm": NEW})

    assert done.status_code == 303
    assert client.get("/").status_code == 200  # this login goes on
    assert elsewhere.get("/").status_code == 302  # the other one has ended
    assert _count(AuditEntry, AuditEntry.act == "user.password_changed") == 1


def test_a_reset_link_is_stored_only_as_a_hash(app, client, make, smtp):
    make.user(Role.BOARD, email="kari@asker.kommune.no")
    _ask(client, "kari@asker.kommune.no")
    link = _link_from_the_email(app, smtp)
    token = link.rsplit("/", 1)[1]
    stored = db.session.scalar(select(PasswordReset))
    assert stored.token_hash != token and token not in stored.token_hash
    assert stored.expires_at - stored.created_at == timedelta(hours=1)


def test_the_forgotten_password_answer_is_made_before_any_work_for_a_real_account(
        app, client, make, smtp):
    """The same answer in the same time for every address: the link for a real account
    is made and queued after the answer is sent (when the server closes it)."""
    make.user(Role.BOARD, email="kari@asker.kommune.no")

    response = client.post("/password/forgot", data={"email": "kari@asker.kommune.no"})

    assert response.status_code == 303
    assert _count(PasswordReset) == 0 and _count(OutboundEmail) == 0
    response.close()
    assert _count(PasswordReset) == 1 and _count(OutboundEmail) == 1


def _feed(client) -> str:
    page = client.post("/account/calendar")
    return re.search(r"(/calendar/[^\s\"<]+\.ics)", page.text).group(1)


def test_a_reset_voids_every_other_link_and_the_calendar_feeds(app, client, make, smtp):
    user = make.user(Role.BOARD, email="kari@asker.kommune.no")
    make.login(client, user)
    feed = _feed(client)
    assert client.get(feed).status_code == 200
    client.post("/logout")
    _ask(client, user.email)
    _ask(client, user.email)
    db.session.commit()
    with app.app_context():
        sweep()
    first, second = (re.search(r"https://samraad\.example(/password/reset/\S+)",
                               m.get_body(preferencelist=("plain",)).get_content()).group(1)
                     for m in smtp.messages)

    done = client.post(second, data={"password": NEW, "confirm": NEW},
                       headers={"Accept-Language": "en"}, follow_redirects=True)

    assert "Your calendar address has stopped working" in done.text
    assert client.get(first).status_code == 410
    assert client.get(feed).status_code == 404


def test_a_password_change_voids_the_reset_links_and_the_calendar_feeds_and_says_so(
        app, client, make, smtp):
    user = make.user(Role.BOARD, email="kari@asker.kommune.no")
    _ask(client, user.email)
    link = _link_from_the_email(app, smtp)
    make.login(client, user)
    feed = _feed(client)

    done = client.post("/account/password", data={
        "current": PASSWORD, "password": NEW, "confirm": NEW},
        headers={"Accept-Language": "en"}, follow_redirects=True)

    assert "Your calendar address has stopped working" in done.text
    assert client.get(link).status_code == 410
    assert client.get(feed).status_code == 404
