"""Test fixtures: the app on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

The schema is made by the migrations, once per database and session; after each
test every table is emptied. Time is a FakeClock the test moves. PDFs are written by
the stub renderer unless the test is marked `real_pdf`.
"""

import atexit
import gc
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from jinja2 import BytecodeCache
from pypdf import PdfReader
from sqlalchemy import Engine, create_engine, make_url, text
from werkzeug.routing.rules import Rule

import config
from decisions import create_app
from decisions.extensions import db
from decisions.meetings.pdf import STUB_MARK

TESTS = Path(__file__).resolve().parent

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _url(backend: str, tmp_dir) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_dir / 'test.sqlite'}"
    url = config.database_url(os.environ["TEST_DATABASE_URL"])
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return _database_of_its_own(url, worker) if worker else url


def _database_of_its_own(url: str, worker: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database (made here)."""
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _reset_postgres(url: str) -> None:
    """An empty schema. The test database does not wait for its WAL to reach the disk
    at each commit (synchronous_commit off: a crash could lose the last commits, which
    a test database does not mind; nothing else changes), as SQLite's files live in
    memory: the suite commits tens of thousands of times."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
        name = conn.scalar(text("SELECT current_database()"))
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    engine.dispose()


# SQLite syncs every commit to disk (synchronous=FULL, as in production) and the suite
# commits tens of thousands of times: its database files live in memory (tmpfs) where
# the machine has one, so that a sync costs nothing and the disk is not shared out.
MEMORY_DISK = Path("/dev/shm")


def sqlite_folder(tmp_path_factory, name: str) -> Path:
    """A folder for a test database: on tmpfs when there is one, else under pytest's."""
    if MEMORY_DISK.is_dir() and os.access(MEMORY_DISK, os.W_OK):
        folder = Path(tempfile.mkdtemp(prefix=f"samraad-{name}-", dir=MEMORY_DISK))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        return folder
    return tmp_path_factory.mktemp(name)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A migrated, empty database for the whole session, per backend."""
    url = _url(request.param, sqlite_folder(tmp_path_factory, request.param))
    if request.param == "postgresql":
        _reset_postgres(url)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


class FakeClock:
    """The app's clock in tests: stands still until moved."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment


@pytest.fixture
def clock():
    return FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


class FreshContextClient(FlaskClient):
    """Each request in its own app context, as in production: the test's own app
    context (held open for db.session) would otherwise share `g` (the logged-in
    user, the language) and the database session across requests."""

    def open(self, *args, **kwargs):
        # End the test's own transaction first: on SQLite its read snapshot would
        # hide what the request writes, and its lock could block the request.
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


class FreshContextRunner(FlaskCliRunner):
    """Each command in its own app context, as when run from a shell."""

    def invoke(self, *args, **kwargs):
        db.session.commit()
        with self.app.app_context():
            return super().invoke(*args, **kwargs)


class CompiledTemplates(BytecodeCache):
    """Each test's app has a Jinja environment of its own, which would compile every
    template it renders again: the compiled code is kept for the test process instead
    (Jinja checks each template's source against it before use)."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()

# SQLAlchemy keeps the SQL it compiled in a cache of the engine (keyed by the engine's
# dialect), and each test's app made an engine of its own: every test compiled every
# statement it ran again, about a sixth of a short test's time. The tests' apps share
# one engine per database URL, as a long-lived production process has one.
SHARED_ENGINES: dict[str, Engine] = {}


def _share_engine(app, database_url: str) -> None:
    """The app's engine becomes the test process's one for `database_url` (Flask-SQLAlchemy
    keeps an app's engines in `_app_engines`; the app's own has not connected yet)."""
    own = db.engines[None]
    shared = SHARED_ENGINES.setdefault(database_url, own)
    if shared is not own:
        db._app_engines[app][None] = shared
        own.dispose()


def _reuse_what_rules_compile() -> None:
    """Each test's app binds every URL rule again (about 160), and werkzeug parses each
    rule's text into regular-expression parts and compiles two Python functions per rule
    to build its URLs: nearly all of create_app's time, some 40 ms a test. The test
    process keeps both.

    A builder depends only on what its key holds (the rule's parsed parts and defaults),
    and gets the rule it builds for as its first argument, so the same function serves
    every app's copy of the rule. A rule text's parts depend only on the text and the
    map's converters; the parse's side effects on the rule (its trace, its arguments,
    a converter object per variable) are made again for each rule, the converters
    new, through the rule's own get_converter."""
    compile_builder, parse_rule, get_converter = (
        Rule._compile_builder, Rule._parse_rule, Rule.get_converter)
    builders: dict = {}
    parsed: dict = {}

    def cached_builder(self, append_unknown: bool = True):
        key = (self.rule, self.subdomain, self.host, tuple(self._trace),
               tuple(sorted((self.defaults or {}).items())), append_unknown)
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = compile_builder(self, append_unknown)
        return builder

    def cached_parse(self, rule: str) -> list:
        key = (rule, tuple(self.map.converters.items()))
        found = parsed.get(key)
        if found is None:
            asked: list[tuple] = []

            def recorded(variable, name, args, kwargs):
                asked.append((variable, name, args, kwargs))
                return get_converter(self, variable, name, args, kwargs)

            traced = len(self._trace)
            self.get_converter = recorded
            try:
                parts = list(parse_rule(self, rule))
            finally:
                del self.get_converter
            found = parsed[key] = (parts, self._trace[traced:], asked)
            return parts
        parts, trace, asked = found
        self._trace.extend(trace)
        for variable, name, args, kwargs in asked:
            self._converters[variable] = self.get_converter(variable, name, args, kwargs)
            self.arguments.add(variable)
        return parts

    Rule._compile_builder = cached_builder
    Rule._parse_rule = cached_parse


_reuse_what_rules_compile()


def pytest_collection_finish(session) -> None:
    """What the test process holds for good once the tests are collected (the modules,
    the app's classes, SQLAlchemy's mappers: some 240,000 objects) is kept out of the
    garbage collector's reach. Its collections walked all of it, again and again: half
    the time of each test's create_app. What the tests make is collected as before."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items) -> None:
    """The modules marked `heavy` first, the rest in their order: pytest-xdist hands out
    whole modules (make test: --dist loadfile --no-loadscope-reorder), so a long module
    started last (the axe walks, a minute and more each) would leave one worker running
    it alone at the end while the other has nothing left to do."""
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None)


@pytest.fixture
def app(request, database_url, clock, tmp_path):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=database_url,
                     FILE_STORAGE=str(tmp_path / "files"))
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    with app.app_context():
        _share_engine(app, database_url)
    if request.node.get_closest_marker("real_pdf"):
        app.config["PDF_RENDERER"] = "weasyprint"
    app.extensions["clock"] = clock
    app.test_client_class = FreshContextClient
    app.test_cli_runner_class = FreshContextRunner
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture(autouse=True, scope="session")
def _tests_read_no_stub_pdf():
    """A test that reads a PDF the stub renderer wrote (a blank page) fails, saying to
    mark it `real_pdf`: no assertion on a PDF's content can pass against the stub. The
    app's own reading (the pack, an attachment's pages) is not the test's."""
    original = PdfReader.__init__

    def guarded(self, *args, **kwargs):
        original(self, *args, **kwargs)
        caller = Path(sys._getframe(1).f_code.co_filename)
        if caller.is_relative_to(TESTS) and STUB_MARK in (self.metadata or {}):
            pytest.fail(f"{caller.name} reads a PDF of the stub renderer: mark the test "
                        "@pytest.mark.real_pdf to have WeasyPrint render it", pytrace=False)

    PdfReader.__init__ = guarded
    yield
    PdfReader.__init__ = original


def filled_tables(conn, tables: list) -> list[int]:
    """The positions in `tables` of those that have a row, in one query."""
    used = " UNION ALL ".join(f"SELECT {n} FROM (SELECT 1 FROM {table.name} LIMIT 1) AS t{n}"
                              for n, table in enumerate(tables))
    return sorted(n for (n,) in conn.execute(text(used)))


def _empty_tables() -> None:
    """Delete the rows of the tables that have any (found in one query), children
    first; on PostgreSQL their id sequences start again at 1, as in a new database.
    (TRUNCATE of every table took about a second on PostgreSQL, per test.)"""
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        filled = [tables[n] for n in filled_tables(conn, tables)]
        if conn.dialect.name != "postgresql":
            for table in filled:
                conn.execute(table.delete())
        elif filled:
            run_script(conn, [*without_row_checks(conn),
                              *(f"DELETE FROM {table.name}" for table in filled),
                              restart_sequences(filled, "1, false")])


def run_script(conn, statements: list[str]) -> None:
    """PostgreSQL: the statements (no parameters) in one round trip to the server, in
    `conn`'s transaction; one by one they were 80 and more a test."""
    conn.connection.driver_connection.execute("; ".join(statements))


_SUPERUSER: dict[str, bool] = {}


def without_row_checks(conn) -> list[str]:
    """PostgreSQL: for the rest of the transaction, no foreign-key check on each row
    deleted or copied back (the rows are a whole database's, taken or emptied
    together), where the test database's user may say so (a superuser)."""
    url = str(conn.engine.url)
    if url not in _SUPERUSER:
        _SUPERUSER[url] = conn.scalar(text("SELECT current_setting('is_superuser')")) == "on"
    return ["SET LOCAL session_replication_role = replica"] if _SUPERUSER[url] else []


def restart_sequences(tables: list, value: str) -> str:
    """PostgreSQL: one statement that sets the id sequence of each of `tables` (those
    that have one) to `value`, SQL of the table's name `{t}` and id column `{c}`."""
    calls = [f"setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
             + value.format(t=table.name, c=column.name) + ")"
             for table in tables for column in table.primary_key.columns
             if len(table.primary_key.columns) == 1 and column.autoincrement is not False
             and column.type.python_type is int]
    return "SELECT " + ", ".join(calls) if calls else "SELECT 1"


@pytest.fixture
def client(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app.test_client()


@pytest.fixture
def csrf_client(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make():
    from tests import factories

    return factories


class Inbox:
    """What a real SMTP server on loopback (aiosmtpd) received. `fail_next` answers
    the next DATA commands with a temporary error; `refuse` refuses addresses for good,
    `defer` for now (451);
    `delay` makes each delivery take that long (to overlap concurrent senders)."""

    def __init__(self):
        self.messages = []
        self.envelopes: list[list[str]] = []  # the RCPT TO addresses of each message
        self.fail_next = 0
        self.refuse: set[str] = set()
        self.defer: set[str] = set()
        self.delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        if address in self.defer:
            return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio
        from email import message_from_bytes, policy

        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_next:
            self.fail_next -= 1
            return "451 4.3.0 Try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        self.envelopes.append(list(envelope.rcpt_tos))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(app):
    """A real SMTP server on 127.0.0.1 for this test; the app sends to it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                      BASE_URL="https://samraad.example")
    yield inbox
    controller.stop()
