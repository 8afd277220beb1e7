"""The second factor: required for the secretariat and the admin (set up at the first
login with a QR code), optional for others; each code works once; wrong codes are
counted apart from wrong passwords; the step between password and code, and a secret
being set up, live on the server; the secrets are encrypted at rest."""

import re

import pyotp
import pytest
from sqlalchemy import select

from decisions.accounts.models import Role, User
from decisions.audit.models import AuditEntry
from decisions.extensions import db
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def required(app):
    app.config["TOTP_REQUIRED_ROLES"] = ("secretariat", "admin")
    app.config["WTF_CSRF_ENABLED"] = False  # test_csrf.py covers the tokens


def _password_step(client, user, next_="/proposals/"):
    response = client.post(f"/login?next={next_}", data={
        "email": user.email, "password": PASSWORD, "next": next_})
    assert response.status_code == 303 and response.location.endswith("/login/code")
    return client.get("/login/code")


def _code(secret: str, clock, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(int(clock().timestamp()) + 30 * offset_steps)


def test_the_secretariat_sets_up_the_code_at_first_login_and_is_then_signed_in(
        app, client, make, clock):
    sec = make.user(Role.SECRETARIAT)

    page = _password_step(client, sec)
    assert page.status_code == 200 and "<svg" in page.text
    secret = re.search(r'class="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    assert client.get("/proposals/").status_code == 302  # not signed in yet
    done = client.post("/login/code", data={"code": _code(secret, clock)})

    assert done.status_code == 303 and done.location.endswith("/proposals/")
    assert client.get("/proposals/").status_code == 200
    db.session.refresh(sec)
    assert sec.totp_secret == secret
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.act == "user.totp_enabled"))


def test_a_code_works_once_and_the_next_one_works_after_it(app, make, clock):
    sec = make.user(Role.SECRETARIAT)
    secret = pyotp.random_base32()
    sec.totp_secret = secret
    db.session.commit()
    first, second = app.test_client(), app.test_client()

    _password_step(first, sec)
    code = _code(secret, clock)
    assert first.post("/login/code", data={"code": code}).status_code == 303
    _password_step(second, sec)
    replay = second.post("/login/code", data={"code": code})
    assert replay.status_code == 422 and 'id="code-error"' in replay.text

    clock.advance(seconds=30)
    assert second.post("/login/code", data={"code": _code(secret, clock)}).status_code == 303


LOCKED = "For mange mislykkede forsøk"


def _wrong(right: str) -> str:
    return "000000" if right != "000000" else "111111"


def test_wrong_codes_lock_the_code_step_for_every_client(app, client, make, clock):
    """Whoever types wrong codes knows the password: the code step locks everywhere."""
    admin = make.user(Role.ADMIN)
    secret = pyotp.random_base32()
    admin.totp_secret = secret
    db.session.commit()
    _password_step(client, admin)
    right = _code(secret, clock)

    for _ in range(5):
        assert client.post("/login/code", data={"code": _wrong(right)}).status_code == 422
    locked = client.post("/login/code", data={"code": right})
    assert locked.status_code == 422 and LOCKED in locked.text

    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.5"
    _password_step(elsewhere, admin)
    assert LOCKED in elsewhere.post("/login/code", data={"code": right}).text
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.act == "user.locked"))


def test_a_right_password_does_not_clear_the_failed_codes(app, client, make, clock):
    """"Password, then four wrong codes" cannot repeat for ever."""
    admin = make.user(Role.ADMIN)
    admin.totp_secret = secret = pyotp.random_base32()
    db.session.commit()
    right = _code(secret, clock)
    for _ in range(2):
        _password_step(client, admin)  # the right password, each time
        for _ in range(3):
            client.post("/login/code", data={"code": _wrong(right)})

    _password_step(client, admin)
    assert LOCKED in client.post("/login/code", data={"code": right}).text


def test_the_code_step_cannot_be_forged_with_the_secret_key(app, client, make, clock):
    """Whoever holds SECRET_KEY can sign any cookie; the password step lives on the
    server, so a cookie saying "password passed" opens nothing."""
    admin = make.user(Role.ADMIN)
    admin.totp_secret = secret = pyotp.random_base32()
    db.session.commit()
    forged = app.session_interface.get_signing_serializer(app).dumps(
        {"pending": admin.id, "pending_at": clock().timestamp()})
    client.set_cookie("session", forged)

    response = client.post("/login/code", data={"code": _code(secret, clock)})

    assert response.status_code == 303 and response.location.endswith("/login")
    assert client.get("/proposals/").status_code == 302


def test_a_pending_login_works_once(app, client, make, clock):
    admin = make.user(Role.ADMIN)
    admin.totp_secret = secret = pyotp.random_base32()
    db.session.commit()
    _password_step(client, admin)
    copied = client.get_cookie("session").value
    assert client.post("/login/code", data={"code": _code(secret, clock)}).status_code == 303

    replay = app.test_client()
    replay.set_cookie("session", copied)
    clock.advance(seconds=30)
    response = replay.post("/login/code", data={"code": _code(secret, clock)})
    assert response.status_code == 303 and response.location.endswith("/login")


def _cookie_data(app, client) -> str:
    return str(app.session_interface.get_signing_serializer(app).loads(
        client.get_cookie("session").value))


def test_the_secret_being_set_up_never_travels_in_the_cookie(app, client, make, clock):
    sec = make.user(Role.SECRETARIAT)
    page = _password_step(client, sec)
    secret = re.search(r'class="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    assert secret not in _cookie_data(app, client)

    assert client.post("/login/code", data={"code": _code(secret, clock)}).status_code == 303
    rep = make.representative(make.member())
    other = app.test_client()
    make.login(other, rep)
    page = other.get("/account/code")
    secret = re.search(r'class="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    assert secret not in _cookie_data(app, other)
    assert other.get("/account/code").text.count(secret) >= 1  # the same secret again


def test_second_factor_secrets_are_encrypted_at_rest(app, make):
    from sqlalchemy import text

    sec = make.user(Role.SECRETARIAT)
    sec.totp_secret = secret = pyotp.random_base32()
    db.session.commit()

    stored = db.session.execute(text("SELECT totp_secret FROM users WHERE id = :id"),
                                {"id": sec.id}).scalar_one()
    assert secret not in stored and stored.startswith("gAAAA")
    db.session.expire_all()
    assert db.session.get(User, sec.id).totp_secret == secret


def test_rotating_the_key_re_encrypts_every_secret_with_the_new_one(app, make, runner):
    from cryptography.fernet import Fernet
    from sqlalchemy import text

    sec = make.user(Role.SECRETARIAT)
    sec.totp_secret = secret = pyotp.random_base32()
    db.session.commit()
    old = app.config["TOTP_ENCRYPTION_KEYS"][0]
    new = Fernet.generate_key().decode()
    app.config["TOTP_ENCRYPTION_KEYS"] = [new, old]

    result = runner.invoke(args=["users", "rotate-totp-key"])

    assert result.exit_code == 0, result.output
    stored = db.session.execute(text("SELECT totp_secret FROM users WHERE id = :id"),
                                {"id": sec.id}).scalar_one()
    assert Fernet(new.encode()).decrypt(stored.encode()).decode() == secret
    app.config["TOTP_ENCRYPTION_KEYS"] = [new]  # the old key can go now
    db.session.expire_all()
    assert db.session.get(User, sec.id).totp_secret == secret


def test_a_representative_without_a_code_logs_in_with_the_password_alone(app, client, make):
    rep = make.representative(make.member())
    response = client.post("/login", data={"email": rep.email, "password": PASSWORD})
    assert response.status_code == 303 and not response.location.endswith("/login/code")


def test_the_code_step_expires_after_five_minutes(app, client, make, clock):
    sec = make.user(Role.SECRETARIAT)
    sec.totp_secret = pyotp.random_base32()
    db.session.commit()
    _password_step(client, sec)
    clock.advance(minutes=6)

    response = client.post("/login/code", data={"code": _code(sec.totp_secret, clock)})

    assert response.status_code == 303 and response.location.endswith("/login")
    assert db.session.get(User, sec.id).totp_last_step is None


# --- Choosing a code for oneself (/account/code) ----------------------------------------

def test_a_representative_turns_on_a_code_and_the_next_login_asks_for_it(
        app, client, make, clock):
    rep = make.representative(make.member())
    make.login(client, rep)
    page = client.get("/account/code")
    secret = re.search(r'class="totp-secret">([A-Z2-7]+)<', page.text).group(1)

    wrong = client.post("/account/code", data={"code": "000000"})
    assert wrong.status_code == 422 and "Koden er feil" in wrong.text
    assert db.session.get(User, rep.id).totp_secret is None
    done = client.post("/account/code", data={"code": _code(secret, clock)})

    assert done.status_code == 303
    assert db.session.get(User, rep.id).totp_secret == secret
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.act == "user.totp_enabled",
                                                      AuditEntry.actor_id == rep.id))
    client.post("/logout")
    clock.advance(minutes=1)
    _password_step(client, rep)  # asserts the login now goes to the code step


def test_turning_the_code_off_takes_the_current_code(app, client, make, clock):
    rep = make.representative(make.member())
    rep.totp_secret = pyotp.random_base32()
    db.session.commit()
    _password_step(client, rep)
    client.post("/login/code", data={"code": _code(rep.totp_secret, clock)})
    clock.advance(minutes=1)

    assert client.post("/account/code", data={"code": "123456"}).status_code == 422
    assert db.session.get(User, rep.id).totp_secret is not None
    done = client.post("/account/code", data={"code": _code(rep.totp_secret, clock)})
    assert done.status_code == 303
    assert db.session.get(User, rep.id).totp_secret is None


def test_a_role_that_needs_a_code_cannot_turn_it_off(app, client, make, clock):
    sec = make.user(Role.SECRETARIAT)
    sec.totp_secret = secret = pyotp.random_base32()
    db.session.commit()
    _password_step(client, sec)
    client.post("/login/code", data={"code": _code(secret, clock)})
    clock.advance(minutes=1)

    page = client.get("/account/code")
    assert "Slå av" not in page.text
    refused = client.post("/account/code", data={"code": _code(secret, clock)})
    assert refused.status_code == 422
    assert db.session.get(User, sec.id).totp_secret == secret


def test_a_lost_phone_the_code_is_removed_from_the_command_line(app, make, runner):
    sec = make.user(Role.SECRETARIAT)
    sec.totp_secret = pyotp.random_base32()
    db.session.commit()
    result = runner.invoke(args=["users", "reset-code", sec.email])
    assert result.exit_code == 0, result.output
    assert db.session.get(User, sec.id).totp_secret is None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.act == "user.totp_reset"))
    assert runner.invoke(args=["users", "reset-code", "nobody@example.test"]).exit_code == 1


def test_a_code_posted_before_the_settings_page_was_read_is_simply_wrong(app, client, make):
    """The secret being set up is made by the post itself, in the request's own write
    transaction (a POST keeps its write intent after the rounds are settled)."""
    rep = make.representative(make.member())
    make.login(client, rep)
    wrong = client.post("/account/code", data={"code": "000000"})
    assert wrong.status_code == 422 and "Koden er feil" in wrong.text
