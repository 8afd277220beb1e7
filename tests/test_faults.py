"""Faults: the database restarted under a running app (the next request succeeds), the
database away (a 503 page that needs no database, nothing written), the database
silent (a 503 page within the configured timeouts, not a hung worker), SQLite's
settings.

PostgreSQL is reached through a TCP proxy on loopback that the test can cut, stop,
silence and start again: to the app, exactly a database server restarting, going away
or going silent behind a network partition.
"""

import signal
import socket
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from decisions import create_app
from decisions.accounts.models import Role
from decisions.extensions import db
from decisions.proposals.models import Proposal
from tests.conftest import FreshContextClient, free_port


class Proxy:
    """Forwards 127.0.0.1:<port> to the database server; `cut()` drops every open
    connection (a restart), `stop()` refuses new ones too (down), `start()` again;
    `swallow()` lets nothing through either way from then on, on open connections and
    new ones alike, without closing or refusing any (a silent partition)."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port = target, free_port()
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.swallowing = False

    def swallow(self) -> None:
        self.swallowing = True

    def start(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=True)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            if self.swallowing:
                self.sockets.append(client)  # accepted, never answered
                continue
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if not self.swallowing:
                    sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        self.sockets.clear()

    def stop(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        self.listener.close()
        self.cut()


# Short timeouts, so that the tests of a silent database take seconds.
TIMEOUTS = {"DATABASE_CONNECT_TIMEOUT": 2, "DATABASE_STATEMENT_TIMEOUT": 2,
            "DATABASE_POOL_TIMEOUT": 2}


@contextmanager
def within(seconds: int):
    """Fails the test instead of hanging it when the block takes longer than this (a
    guard against a hang, generous; not a measure of speed)."""
    def hung(signum, frame):
        raise AssertionError(f"still waiting after {seconds} s: the worker would hang")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def proxied(app, database_url, tmp_path):
    """The app on the test's PostgreSQL database, through the proxy."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a database server that restarts is PostgreSQL's")
    url = make_url(database_url)
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    other = create_app("test", SQLALCHEMY_DATABASE_URI=through,
                       FILE_STORAGE=str(tmp_path / "files"), **TIMEOUTS)
    other.extensions["clock"] = app.extensions["clock"]
    other.config["WTF_CSRF_ENABLED"] = False
    other.test_client_class = FreshContextClient
    yield other, proxy
    proxy.stop()
    with other.app_context():
        db.engine.dispose()


def test_after_a_database_restart_the_next_request_succeeds(proxied, make):
    other, proxy = proxied
    user = make.user(Role.SECRETARIAT)
    client = other.test_client()
    make.login(client, user)
    assert client.get("/proposals/").status_code == 200

    proxy.cut()  # every pooled connection is dead now

    assert client.get("/proposals/").status_code == 200


def test_while_the_database_is_down_pages_say_so_and_nothing_is_written(proxied, make):
    other, proxy = proxied
    user = make.user(Role.SECRETARIAT)
    area = make.area()
    client = other.test_client()
    make.login(client, user)
    proxy.stop()

    page = client.get("/proposals/", headers={"Accept-Language": "en"})
    posted = client.post("/proposals/new", data={
        "title": "Skrevet mens databasen var nede", "area": area.id,
        "resolution": "Vedtak."})

    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    assert "The service is unavailable right now. Nothing was saved." in page.text \
        or "Tjenesten er ikke tilgjengelig" in page.text
    assert posted.status_code == 503
    proxy.start()
    assert client.get("/proposals/").status_code == 200  # back without a restart of ours
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_a_database_that_goes_silent_under_open_connections_gives_the_503_page(
        proxied, make):
    other, proxy = proxied
    user = make.user(Role.SECRETARIAT)
    client = other.test_client()
    make.login(client, user)
    assert client.get("/proposals/").status_code == 200  # pooled, established

    proxy.swallow()  # the queries go out and nothing ever comes back
    with within(60):
        page = client.get("/proposals/")
        posted = client.post("/proposals/new", data={
            "title": "Skrevet mens databasen var stum", "area": make.area().id,
            "resolution": "Vedtak."})

    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    assert "Tjenesten er ikke tilgjengelig akkurat nå. Ingenting ble lagret." in page.text
    assert posted.status_code == 503
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_a_database_that_accepts_connections_and_never_answers_gives_the_503_page(
        proxied, make):
    other, proxy = proxied
    user = make.user(Role.SECRETARIAT)
    client = other.test_client()
    make.login(client, user)
    with other.app_context():
        db.engine.dispose()  # the next request connects anew
    proxy.swallow()

    with within(60):
        page = client.get("/proposals/")

    assert page.status_code == 503


def test_a_statement_that_runs_too_long_is_cancelled_by_the_server_and_the_connection_stays(
        proxied):
    other, _proxy = proxied
    with other.app_context(), within(60):
        with pytest.raises(OperationalError, match="statement timeout"):
            db.session.execute(text("SELECT pg_sleep(30)"))
        db.session.rollback()
        assert db.session.execute(text("SELECT 1")).scalar() == 1


def test_no_free_connection_in_the_pool_in_time_gives_the_503_page(
        app, database_url, make, tmp_path):
    other = create_app("test", SQLALCHEMY_DATABASE_URI=database_url,
                       FILE_STORAGE=str(tmp_path / "files"), DATABASE_POOL_TIMEOUT=1,
                       SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0})
    other.extensions["clock"] = app.extensions["clock"]
    other.config["WTF_CSRF_ENABLED"] = False
    other.test_client_class = FreshContextClient
    client = other.test_client()
    make.login(client, make.user(Role.SECRETARIAT))

    with other.app_context():
        held = db.engine.connect()  # the pool's one connection, busy elsewhere
        try:
            with within(60):
                page = client.get("/proposals/")
        finally:
            held.close()
            db.engine.dispose()

    assert page.status_code == 503


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_full_sync(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's settings")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
