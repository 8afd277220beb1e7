"""The SQL statements a block of code sends, for tests that count queries."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from decisions.extensions import db


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """Collect every statement sent on the app's engine inside the block."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
