"""Accounts: passwords, server-side sessions, the locks per account and per client,
safe redirects after login, `flask users create`, the language a user sees, and the
password hash kept out of SQLite's write lock."""

import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from decisions import create_app
from decisions.accounts.models import LoginFailure, Role, User
from decisions.audit.models import AuditEntry
from decisions.extensions import db
from tests.factories import PASSWORD

ENGLISH = {"Accept-Language": "en"}


def _log_in(client, email, password=PASSWORD, **data):
    return client.post("/login", data={"email": email, "password": password, **data},
                       headers=ENGLISH)


def _signed_in(client) -> bool:
    response = client.get("/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and urlsplit(response.location).path == "/login"
    return False


def _count(model) -> int:
    db.session.commit()  # ends the test's read transaction: a SQLite one sees a snapshot
    return db.session.scalar(select(func.count()).select_from(model))


# Passwords


def test_the_right_password_signs_in(app, client, make):
    user = make.user(Role.BOARD)
    response = _log_in(client, user.email)
    assert response.status_code == 303 and response.location == "/"
    assert _signed_in(client)


def test_the_email_is_not_case_sensitive(app, client, make):
    make.user(Role.BOARD, email="Kari.Nordmann@Example.test")
    assert _log_in(client, "  KARI.NORDMANN@example.TEST ").status_code == 303


def test_a_wrong_password_is_refused_and_says_so(app, client, make):
    user = make.user(Role.BOARD)
    response = _log_in(client, user.email, "wrong password, sorry")
    assert response.status_code == 401
    assert "Wrong email or password." in response.text
    assert user.email in response.text  # what the user typed is kept
    assert not _signed_in(client)


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(app, client, make):
    response = _log_in(client, "nobody@example.test")
    assert response.status_code == 401 and "Wrong email or password." in response.text
    assert not _signed_in(client)


def test_an_unknown_email_costs_the_same_password_work_as_a_real_account(app, client, make,
                                                                          monkeypatch):
    """Else the time of the answer tells which emails have accounts."""
    real, deactivated = make.user(Role.BOARD), make.user(Role.BOARD)
    deactivated.active = False
    db.session.commit()
    calls = []
    for name in ("hash", "verify"):
        original = getattr(PasswordHasher, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(PasswordHasher, name, counted)
    _log_in(client, "nobody@example.test", "a guess")  # may prepare the stand-in hash

    work = {}
    for email in ("nobody@example.test", real.email, deactivated.email):
        calls.clear()
        assert _log_in(client, email, "a guess").status_code == 401
        work[email] = list(calls)

    assert list(work.values()) == [["verify"]] * 3, work


def test_a_deactivated_user_cannot_sign_in_with_the_right_password(app, client, make):
    user = make.user(Role.BOARD)
    user.active = False
    db.session.commit()
    assert _log_in(client, user.email).status_code == 401
    assert not _signed_in(client)


def test_the_password_is_stored_as_an_argon2id_hash(app, make):
    user = make.user(Role.SECRETARIAT)
    db.session.expire_all()
    stored = db.session.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


# Sessions


def test_logout_ends_the_session_on_the_server_so_a_copied_cookie_is_refused(app, client,
                                                                              make):
    make.login(client, make.user(Role.SECRETARIAT))
    copied = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert _signed_in(thief)  # the cookie alone is enough, until the logout

    assert client.post("/logout").status_code == 303

    assert not _signed_in(client)
    assert not _signed_in(thief)
    client.set_cookie("session", copied)
    assert not _signed_in(client)


def test_deactivating_a_user_ends_the_sessions_already_open(app, client, make):
    user = make.user(Role.SECRETARIAT)
    make.login(client, user)
    assert _signed_in(client)
    db.session.commit()  # a new transaction: a SQLite one that read before the login
    user.active = False  # could not write after it
    db.session.commit()
    assert not _signed_in(client)


def test_a_session_idle_for_30_minutes_has_expired(app, client, make, clock):
    make.login(client, make.user(Role.BOARD))
    clock.advance(minutes=29)
    assert _signed_in(client)
    clock.advance(minutes=29)  # 58 minutes after login, but never 30 idle
    assert _signed_in(client)
    clock.advance(minutes=31)
    assert not _signed_in(client)


def test_an_active_session_still_ends_after_12_hours(app, client, make, clock):
    make.login(client, make.user(Role.BOARD))
    for _ in range(24):  # 11 h 36 min, never idle
        clock.advance(minutes=29)
        assert _signed_in(client)
    clock.advance(minutes=29)
    assert not _signed_in(client)


# The per-account lock


def _fail(client, user, times: int, clock=None, every: int = 0, email=None) -> None:
    for _ in range(times):
        response = _log_in(client, email or user.email, "wrong password, sorry")
        response.close()  # as a server does once the answer is sent
        assert response.status_code == 401
        if clock is not None:
            clock.advance(minutes=every)


def _from(app, address: str):
    """A client at another address (another device or network)."""
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = address
    return other


TOO_MANY = "Too many failed attempts."


def test_five_failures_in_15_minutes_lock_the_account_for_the_client_that_made_them(
        app, client, make, clock):
    user = make.user(Role.SECRETARIAT)
    _fail(client, user, 4, clock, every=3)
    _fail(client, user, 1)  # the fifth, 12 minutes after the first

    response = _log_in(client, user.email)

    assert response.status_code == 401
    assert TOO_MANY in response.text
    assert not _signed_in(client)
    assert _count(LoginFailure) == 5


def test_while_the_account_is_locked_its_owner_logs_in_from_a_client_that_did_not_fail(
        app, client, make):
    """A stranger cannot lock the owner out: the lock holds the clients that failed."""
    user = make.user(Role.SECRETARIAT)
    _fail(client, user, 5)
    assert TOO_MANY in _log_in(client, user.email).text

    owner = _from(app, "192.0.2.7")
    assert _log_in(owner, user.email).status_code == 303
    assert _signed_in(owner)
    assert TOO_MANY in _log_in(client, user.email).text  # the stranger is still held


def test_a_client_that_fails_once_while_the_account_is_locked_is_held_too(app, client, make):
    user = make.user(Role.SECRETARIAT)
    _fail(client, user, 5)
    another = _from(app, "192.0.2.8")
    assert "Wrong email or password." in _log_in(another, user.email, "guess").text
    assert TOO_MANY in _log_in(another, user.email).text


def test_the_lock_lifts_15_minutes_after_the_fifth_failure(app, client, make, clock):
    user = make.user(Role.SECRETARIAT)
    _fail(client, user, 5)
    clock.advance(minutes=14, seconds=59)
    assert _log_in(client, user.email).status_code == 401
    clock.advance(seconds=1)
    assert _log_in(client, user.email).status_code == 303
    assert _signed_in(client)


def test_failures_spread_over_more_than_15_minutes_do_not_lock(app, client, make, clock):
    user = make.user(Role.SECRETARIAT)
    _fail(client, user, 4, clock, every=4)  # at 0, 4, 8, 12; now 16
    _fail(client, user, 1)  # only four failures in the last 15 minutes
    assert _log_in(client, user.email).status_code == 303


def test_a_successful_login_starts_the_count_again(app, client, make):
    user = make.user(Role.SECRETARIAT)
    _fail(client, user, 4)
    make.login(client, user)
    client.post("/logout")
    _fail(client, user, 4)
    assert _log_in(client, user.email).status_code == 303


def _same_for_every_session(html: str) -> str:
    """The page without what differs per session and answer anyway (tokens, nonces)."""
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    return re.sub(r'(name="csrf-token" content|name="csrf_token"[^>]*value|nonce)="[^"]*"',
                  r'\1=""', html)


def test_an_unknown_address_locks_with_exactly_the_answers_of_a_real_account(
        app, client, make):
    """Nothing in the answers tells which addresses have accounts."""
    real = make.user(Role.SECRETARIAT, email="kari@asker.kommune.no")
    unknown = "nobody@asker.kommune.no"
    answers = {}
    for email, address in ((real.email, "192.0.2.1"), (unknown, "192.0.2.2")):
        stranger = _from(app, address)
        answers[email] = [
            (r.status_code, _same_for_every_session(r.text.replace(email, "EMAIL")))
            for r in (_log_in(stranger, email, "wrong password, sorry") for _ in range(7))]
    assert answers[real.email] == answers[unknown]
    assert TOO_MANY in answers[unknown][-1][1]


def test_one_client_failing_for_many_addresses_is_refused_for_every_account(
        app, client, make):
    """Trying one password on many accounts is held per client, not per account."""
    user = make.user(Role.SECRETARIAT)
    app.config["LOGIN_CLIENT_MAX_FAILURES"] = 6
    for n in range(6):
        assert _log_in(client, f"person{n}@example.test", "Sommer2026!").status_code == 401

    assert TOO_MANY in _log_in(client, user.email).text  # even the right password
    assert _log_in(_from(app, "192.0.2.9"), user.email).status_code == 303


def test_the_owner_is_emailed_once_when_the_lock_engages(app, client, make):
    from decisions.notifications.models import OutboundEmail

    user = make.user(Role.SECRETARIAT, email="kari@asker.kommune.no")
    _fail(client, user, 4)
    fifth = _log_in(client, user.email, "wrong password, sorry")
    assert _count(OutboundEmail) == 0  # nothing on the answer's path (its time tells)
    fifth.close()
    assert _count(OutboundEmail) == 1
    _fail(_from(app, "192.0.2.3"), user, 2)  # failures while locked tell nobody again
    _fail(client, None, 5, email="nobody@asker.kommune.no")

    db.session.commit()
    (email,) = db.session.scalars(select(OutboundEmail)).all()
    assert email.to_address == user.email and email.key.startswith("login_locked:")
    assert "/password/forgot" in email.text_body


def test_the_lock_writes_an_audit_entry(app, client, make):
    user = make.user(Role.SECRETARIAT)
    _fail(client, user, 5)
    db.session.commit()
    acts = db.session.scalars(select(AuditEntry.act).where(AuditEntry.object_id == user.id,
                                                           AuditEntry.object_type == "users"))
    assert "user.locked" in list(acts)


def test_the_failure_count_lives_in_the_database_so_every_app_process_shares_it(
        app, client, make, clock):
    user = make.user(Role.SECRETARIAT)
    other_process = create_app("test", SQLALCHEMY_DATABASE_URI=app.config[
        "SQLALCHEMY_DATABASE_URI"], WTF_CSRF_ENABLED=False)
    other_process.extensions["clock"] = clock
    other_client = other_process.test_client()
    try:
        _fail(client, user, 3)
        _fail(other_client, user, 2)
        assert _log_in(client, user.email).status_code == 401
        assert _log_in(other_client, user.email).status_code == 401
        assert TOO_MANY in _log_in(other_client, user.email).text
    finally:
        with other_process.app_context():
            db.session.remove()
            db.engine.dispose()


def test_wrong_current_passwords_at_the_password_page_count_like_failed_logins(
        app, client, make):
    user = make.user(Role.BOARD)
    make.login(client, user)
    guess = {"current": "wrong password, sorry", "password": "fire tilfeldige ord her",
             "confirm": "fire tilfeldige ord her"}
    for _ in range(5):
        assert client.post("/account/password", data=guess,
                           headers=ENGLISH).status_code == 422

    right = client.post("/account/password", data={**guess, "current": PASSWORD},
                        headers=ENGLISH)
    assert right.status_code == 422 and TOO_MANY in right.text
    client.post("/logout")
    assert TOO_MANY in _log_in(client, user.email).text


def test_the_lock_rule_counts_failures_within_the_window_from_the_last_of_them():
    from datetime import datetime, timedelta

    from decisions.accounts.rules import lock_until

    t = datetime(2026, 3, 2, 9, 0)
    minutes = [timedelta(minutes=m) for m in (0, 3, 6, 9, 12)]
    rule = {"limit": 5, "window": timedelta(minutes=15), "lock": timedelta(minutes=15)}
    assert lock_until([t + m for m in minutes], **rule) == t + timedelta(minutes=27)
    assert lock_until([t + m * 4 / 3 for m in minutes], **rule) is None  # 0..16 minutes
    assert lock_until([t] * 4, **rule) is None


# Where the login leads


def _hidden_next(html: str) -> str:
    match = re.search(r'<input[^>]*id="next"[^>]*value="([^"]*)"', html)
    assert match, "the login form has no next field"
    return unescape(match.group(1))


def test_the_login_leads_back_to_the_page_that_asked_for_it(app, client, make):
    user = make.user(Role.BOARD)
    asked = client.get("/decisions/?q=klima")
    assert urlsplit(asked.location).path == "/login"
    next_ = _hidden_next(client.get(asked.location).text)
    assert next_ == "/decisions/?q=klima"
    response = _log_in(client, user.email, next=next_)
    assert response.status_code == 303 and response.location == "/decisions/?q=klima"


@pytest.mark.parametrize("target", ["/decisions/", "/proposals/?status=open&area=1"])
def test_a_next_on_the_site_is_followed(app, client, make, target):
    user = make.user(Role.BOARD)
    response = _log_in(client, user.email, next=target)
    assert response.status_code == 303 and response.location == target


@pytest.mark.parametrize("target", [
    "//evil.example",
    "///evil.example",
    "https://evil.example",
    "https://evil.example/decisions/",
    "http:/evil.example",
    "/\\evil.example",
    "/\\/evil.example",  # a browser reads it as ///evil.example: the host evil.example
    "/\\\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    " javascript:alert(1)",
    "decisions/",
])
def test_a_next_that_leaves_the_site_goes_to_the_start_page(app, client, make, target):
    user = make.user(Role.BOARD)
    response = _log_in(client, user.email, next=target)
    assert response.status_code == 303 and response.location == "/"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil"])
def test_the_language_switch_stays_on_the_site_too(app, client, target):
    response = client.post("/language", data={"lang": "en", "next": target})
    assert response.status_code == 303 and response.location == "/"


# flask users create


def test_users_create_makes_a_representative_of_a_member(app, client, runner, make):
    member = make.member("Asker")
    result = runner.invoke(args=["users", "create", "Rep@Asker.example", "--role",
                                 "representative", "--member", "Asker", "--name", "Kari"],
                           env={"SAMRAAD_PASSWORD": "et langt nok passord"})
    assert result.exit_code == 0, result.output
    assert "Opprettet rep@asker.example (representative)" in result.output
    db.session.commit()
    user = db.session.scalar(select(User).where(User.email == "rep@asker.example"))
    assert (user.role, user.member_id, user.name) == (Role.REPRESENTATIVE, member.id, "Kari")
    assert user.password_hash.startswith("$argon2id$")
    # The runner shares the test's app context, where the command asked for write
    # transactions (BEGIN IMMEDIATE on SQLite): end this one before the request.
    db.session.commit()
    assert _log_in(client, "rep@asker.example", "et langt nok passord").status_code == 303


def test_users_create_asks_for_the_password_when_the_environment_has_none(app, runner):
    result = runner.invoke(args=["users", "create", "sek@example.test", "--role",
                                 "secretariat"],
                           input="et langt nok passord\net langt nok passord\n",
                           env={"SAMRAAD_PASSWORD": None})
    assert result.exit_code == 0, result.output
    assert "Passord" in result.output
    assert _count(User) == 1


# The command speaks the default language, bokmål.
@pytest.mark.parametrize(("args", "password", "message"), [
    (["--role", "representative", "--member", "Nowhere"], "et langt nok passord",
     "«Nowhere»"),
    (["--role", "representative"], "et langt nok passord",
     "En representant må høre til et medlem."),
    (["--role", "board", "--member", "Asker"], "et langt nok passord",
     "Bare representanter kan høre til et medlem."),
    (["--role", "secretariat"], "for kort", "Passordet må være 12 til 128 tegn langt."),
    (["--role", "chief"], "et langt nok passord", "'chief' is not one of"),
])
def test_users_create_refuses_bad_input_with_a_clear_message_and_creates_nothing(
        app, runner, make, args, password, message):
    make.member("Asker")
    result = runner.invoke(args=["users", "create", "ny@example.test", *args],
                           env={"SAMRAAD_PASSWORD": password})
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert _count(User) == 0
    assert _count(AuditEntry) == 0


def test_users_create_refuses_an_email_that_is_taken(app, runner, make):
    make.user(Role.BOARD, email="tatt@example.test")
    result = runner.invoke(args=["users", "create", "TATT@example.test", "--role", "admin"],
                           env={"SAMRAAD_PASSWORD": "et langt nok passord"})
    assert result.exit_code != 0
    assert "Det finnes allerede en bruker med denne e-postadressen." in result.output
    assert _count(User) == 1


# Language


def _lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.text)
    assert match, "the page has no <html lang>"
    return match.group(1)


def test_bokmaal_is_the_default_language(app, client):
    response = client.get("/login")
    assert _lang(response) == "nb"
    assert "Logg inn i Samråd" in response.text


def test_a_browser_that_asks_for_english_gets_english(app, client):
    response = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert _lang(response) == "en"
    assert "Log in to Samråd" in response.text


def test_a_browser_that_prefers_norwegian_over_english_gets_bokmaal(app, client):
    response = client.get("/login", headers={"Accept-Language": "nn-NO,en;q=0.5"})
    assert _lang(response) == "nb"


def test_the_language_switch_is_remembered_for_the_visitor(app, client):
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.status_code == 303 and response.location == "/login"
    assert _lang(client.get("/login")) == "en"
    client.post("/language", data={"lang": "nb", "next": "/login"})
    assert _lang(client.get("/login", headers=ENGLISH)) == "nb"


def test_the_language_switch_is_remembered_for_the_user_on_every_device(app, client, make):
    user = make.user(Role.REPRESENTATIVE, member=make.member())
    make.login(client, user)
    client.post("/language", data={"lang": "en", "next": "/"})
    db.session.commit()  # ends the test's read transaction: a SQLite one sees a snapshot
    assert db.session.get(User, user.id).locale == "en"

    laptop = app.test_client()
    make.login(laptop, user)
    assert _lang(laptop.get("/")) == "en"  # no Accept-Language: the user's choice


def test_a_language_chosen_on_the_login_page_survives_the_login(app, client, make):
    user = make.user(Role.BOARD)
    client.post("/language", data={"lang": "en", "next": "/login"})
    make.login(client, user)
    assert _lang(client.get("/")) == "en"


def test_an_unknown_language_changes_nothing(app, client):
    response = client.post("/language", data={"lang": "xx", "next": "/login"})
    assert response.status_code == 303
    assert _lang(client.get("/login")) == "nb"


def test_an_htmx_request_after_the_login_expired_sends_the_whole_page_to_login(app, make,
                                                                               client, clock):
    sec = make.user(Role.SECRETARIAT)
    make.login(client, sec)
    clock.advance(minutes=31)

    response = client.post("/rounds/1/members/1/position", data={"kind": "support"},
                           headers={"HX-Request": "true",
                                    "HX-Current-URL": "http://localhost/rounds/1?x=1"})

    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/rounds/1?x%3D1"


def test_a_page_asked_for_without_login_comes_back_after_it(app, client):
    response = client.get("/decisions/?q=lading")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/decisions/?q%3Dlading"


def test_a_polling_board_does_not_keep_an_idle_login_alive(app, make, client, clock):
    sec = make.user(Role.SECRETARIAT)
    make.login(client, sec)
    for _ in range(4):  # 40 minutes of a tab left open, refreshing itself
        clock.advance(minutes=10)
        client.get("/", headers={"HX-Request": "true", "X-Samraad-Poll": "1"})

    assert client.get("/").status_code == 302  # idle for more than 30 minutes


def test_a_person_using_the_app_stays_logged_in_past_the_idle_limit(app, make, client, clock):
    sec = make.user(Role.SECRETARIAT)
    make.login(client, sec)
    for _ in range(4):
        clock.advance(minutes=10)
        assert client.get("/").status_code == 200


def test_users_create_refuses_something_that_is_not_an_email(app, runner):
    result = runner.invoke(args=["users", "create", "not an email", "--role", "board"],
                           env={"SAMRAAD_PASSWORD": "et langt nok passord"})

    assert result.exit_code != 0
    assert _count(User) == 0


def test_areas_are_added_from_the_command_line_in_both_languages(app, runner):
    from decisions.proposals.models import Area

    result = runner.invoke(args=["areas", "add", "Klima og miljø", "--en",
                                 "Climate and environment"])
    again = runner.invoke(args=["areas", "add", "Klima og miljø"])

    assert result.exit_code == 0, result.output
    assert again.exit_code != 0
    assert [(a.name_nb, a.name_en) for a in db.session.query(Area)] == [
        ("Klima og miljø", "Climate and environment")]


# The password hash and SQLite's write lock


def _writes_elsewhere_while_hashing(app, monkeypatch) -> list[str]:
    """Each time argon2 runs, another connection writes to the database (waiting at
    most a second): it can only if the request holds no write lock meanwhile."""
    import sqlite3
    import threading

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite"):
        pytest.skip("PostgreSQL has no database-wide write lock")
    path = url.removeprefix("sqlite:///")
    outcomes = []

    def write() -> None:
        connection = sqlite3.connect(path, timeout=1, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("UPDATE users SET name = name")
            connection.execute("COMMIT")
            outcomes.append("written")
        except sqlite3.OperationalError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    for name in ("hash", "verify"):
        original = getattr(PasswordHasher, name)

        def while_hashing(self, *args, _original=original, **kwargs):
            writer = threading.Thread(target=write)
            writer.start()
            writer.join(timeout=5)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(PasswordHasher, name, while_hashing)
    return outcomes


def test_the_login_does_not_hold_the_sqlite_write_lock_while_hashing(app, client, make,
                                                                      monkeypatch):
    user = make.user(Role.BOARD)
    outcomes = _writes_elsewhere_while_hashing(app, monkeypatch)
    assert _log_in(client, user.email, "wrong password, sorry").status_code == 401
    assert _log_in(client, user.email).status_code == 303
    assert outcomes == ["written", "written"]


def test_a_password_change_does_not_hold_the_sqlite_write_lock_while_hashing(
        app, client, make, monkeypatch):
    user = make.user(Role.BOARD)
    make.login(client, user)
    outcomes = _writes_elsewhere_while_hashing(app, monkeypatch)
    new = "fire tilfeldige ord her"
    done = client.post("/account/password", data={"current": PASSWORD, "password": new,
                                                  "confirm": new})
    assert done.status_code == 303
    assert outcomes == ["written", "written"]  # checking the current one, hashing the new


def test_a_reset_does_not_hold_the_sqlite_write_lock_while_hashing(app, client, make,
                                                                    monkeypatch):
    from decisions.accounts.services import request_password_reset

    user = make.user(Role.BOARD)
    token = request_password_reset(user.email).token
    db.session.commit()
    outcomes = _writes_elsewhere_while_hashing(app, monkeypatch)
    new = "fire tilfeldige ord her"
    done = client.post(f"/password/reset/{token}", data={"password": new, "confirm": new})
    assert done.status_code == 303
    assert outcomes == ["written"]


def test_development_signs_with_a_random_key_made_once_in_the_instance_folder(
        app, tmp_path):
    """`make run` never uses a key published with the code."""
    import os

    files = {"SECRET_KEY_FILE": str(tmp_path / "instance" / "secret_key"),
             "TOTP_KEY_FILE": str(tmp_path / "instance" / "totp_key")}
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    first = create_app("development", SQLALCHEMY_DATABASE_URI=uri, SECRET_KEY=None,
                       TOTP_ENCRYPTION_KEYS=[], **files)
    again = create_app("development", SQLALCHEMY_DATABASE_URI=uri, SECRET_KEY=None,
                       TOTP_ENCRYPTION_KEYS=[], **files)
    elsewhere = create_app("development", SQLALCHEMY_DATABASE_URI=uri, SECRET_KEY=None,
                           TOTP_ENCRYPTION_KEYS=[],
                           SECRET_KEY_FILE=str(tmp_path / "other" / "secret_key"),
                           TOTP_KEY_FILE=str(tmp_path / "other" / "totp_key"))

    assert len(first.config["SECRET_KEY"]) >= 40
    assert first.config["SECRET_KEY"] == again.config["SECRET_KEY"]  # logins survive
    assert first.config["SECRET_KEY"] != elsewhere.config["SECRET_KEY"]
    assert first.config["TOTP_ENCRYPTION_KEYS"] == again.config["TOTP_ENCRYPTION_KEYS"]
    assert os.stat(files["SECRET_KEY_FILE"]).st_mode & 0o077 == 0  # the owner's only
    for made in (first, again, elsewhere):
        with made.app_context():
            db.engine.dispose()
