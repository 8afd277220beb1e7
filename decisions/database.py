"""The declarative base, its naming convention and the column types every domain shares;
the engine events (SQLite's pragmas and write lock) and the write intent they follow."""

import copy
import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import click
from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import DateTime, MetaData, Select, TypeDecorator, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A moment in time: stored as naive UTC on every database, returned as aware UTC.

    SQLite keeps no time zone, so without this a value read back would silently
    change meaning between the two databases.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def dialect_insert(session, table):
    """INSERT with ON CONFLICT for the session's database (PostgreSQL or SQLite)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


class Base(DeclarativeBase):
    registry = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION),
                        type_annotation_map={datetime: UTCDateTime()})


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: foreign keys on, WAL, a busy timeout, durable commits, and transactions
    that SQLAlchemy begins itself (so writes can BEGIN IMMEDIATE)."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def writes_expected() -> bool:
    """Will this unit of work write? Said explicitly (`expect_writes`, `begin_writes`),
    else a request that is not GET/HEAD/OPTIONS to a view not marked `reads_first`."""
    if has_app_context() and g.get("expect_writes") is not None:
        return g.expect_writes
    if has_request_context() and request.method not in SAFE_METHODS:
        view = current_app.view_functions.get(request.endpoint or "")
        return not getattr(view, "reads_first", False)
    return False


def expect_writes(expected: bool | None = True) -> None:
    """Said by commands that write, and by a reading request before it writes; None
    goes back to what the method and the view say."""
    g.expect_writes = expected


def reads_only(command):
    """Marks a `flask` command that never writes (put it under the command decorator,
    or above it): its transactions begin without SQLite's write lock."""
    callback = command.callback if isinstance(command, click.Command) else command
    callback.reads_only = True
    return command


def with_write_intent(command: click.Command) -> click.Command:
    """The command (a group: each of its commands) declaring write intent before its
    body runs, unless marked `reads_only`: a command is one unit of work that writes,
    as a POST is. The factory registers every command through this, so no command body
    says `expect_writes()`. Returns a copy; the module's command is left as it is."""
    command = copy.copy(command)
    if isinstance(command, click.Group):
        command.commands = {name: with_write_intent(sub)
                            for name, sub in command.commands.items()}
    elif command.callback is not None and not getattr(command.callback, "reads_only", False):
        command.callback = _declaring_writes(command.callback)
    return command


def _declaring_writes(callback):
    # `flask` pushes the app context before it looks a command up, and the tests' runner
    # invokes in one: `g` is there.
    @functools.wraps(callback)
    def declaring(*args, **kwargs):
        expect_writes()
        return callback(*args, **kwargs)

    declaring.declares_writes = True
    return declaring


def reads_first(view):
    """Marks a POST view that does slow work before it writes (argon2, rendering): its
    transactions begin without SQLite's write lock until it calls `begin_writes()`."""
    view.reads_first = True
    return view


def begin_writes() -> None:
    """End the reading transaction; the next one takes the write lock at BEGIN.

    What was read is expired and read again under the lock, so a decision taken on
    it still holds when the write happens."""
    # The app's Flask-SQLAlchemy, not decisions.extensions.db: extensions imports Base
    # from here.
    current_app.extensions["sqlalchemy"].session.commit()
    g.expect_writes = True


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    """A unit of work that may write takes SQLite's write lock at BEGIN: a deferred
    transaction that reads and then writes fails with "database is locked" under
    concurrency whatever the busy timeout. Reads stay deferred and run in parallel."""
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes_expected() else "BEGIN")


# --- Reading big tables ------------------------------------------------------------------

def distinct_values(column, *, descending: bool = False) -> Select:
    """The values (not NULL) of an indexed column, in order, found by skipping through
    its index (one probe for each value: a loose index scan as a recursive CTE) rather
    than by reading every row, as SELECT DISTINCT does: the audit trail and the search
    index grow by the hundred thousand, their acts and years stay a few dozen."""
    values = select(func.min(column).label("value")).cte("distinct_values", recursive=True)
    following = select(func.min(column)).where(column > values.c.value).scalar_subquery()
    values = values.union_all(select(following).where(values.c.value.is_not(None)))
    return (select(values.c.value).where(values.c.value.is_not(None))
            .order_by(values.c.value.desc() if descending else values.c.value))


@dataclass(frozen=True)
class Keyset:
    """A page of a list newest first, addressed by its neighbours' keys rather than by
    a page number: `newer` is the `before` of the page before it, `older` the `after`
    of the page after it (None: there is none)."""

    items: list[Any]
    newer: int | None = None
    older: int | None = None


def keyset_page(stmt: Select, key, *, after: int | None = None, before: int | None = None,
                per_page: int = 50) -> Keyset:
    """The page of `stmt`'s rows (one entity a row, or rows of columns among which
    `key`; ordered here by the unique integer column `key`, highest first) below `after`
    or above `before`; else the first page.

    Each page is read from the index of `key` where the last one stopped, so a page
    deep in a list of millions costs what the first does, and nothing counts the rows.
    A `before` with less than a page above it, and an `after` with nothing below it
    (a stale or made-up address), give the first page."""
    # The app's Flask-SQLAlchemy session: decisions.extensions imports Base from here.
    session = current_app.extensions["sqlalchemy"].session
    stmt = stmt.order_by(None)
    name = key.key

    read = session.scalars if len(stmt.column_descriptions) == 1 else session.execute

    def rows(order, *where) -> list:
        return read(stmt.where(*where).order_by(order).limit(per_page + 1)).all()

    def any_beyond(where) -> bool:
        return bool(session.scalar(select(stmt.where(where).exists())))

    if before is not None:
        found = rows(key.asc(), key > before)
        if len(found) >= per_page:
            items = found[:per_page][::-1]
            last = getattr(items[-1], name)
            return Keyset(items, newer=getattr(items[0], name) if len(found) > per_page else None,
                          older=last if any_beyond(key < last) else None)
    elif after is not None:
        found = rows(key.desc(), key < after)
        if found:
            items = found[:per_page]
            first = getattr(items[0], name)
            return Keyset(items, newer=first if any_beyond(key > first) else None,
                          older=getattr(items[-1], name) if len(found) > per_page else None)
    found = rows(key.desc())
    items = found[:per_page]
    return Keyset(items, older=getattr(items[-1], name) if len(found) > per_page else None)
