"""The SQL statements a block of code sends, for tests that count queries."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import event

from decisions.extensions import db
from decisions.proposals import settle


@contextmanager
def counting_queries(*, as_a_new_process: bool = True) -> Iterator[list[str]]:
    """Collect every statement sent on the app's engine inside the block.

    The block starts as a new server process would (`as_a_new_process`): without the
    earliest deadline settling on read keeps, so its first request asks for due rounds
    whatever the requests before it did or the data they left. Two counts of a page
    at two sizes of data then count the same things."""
    if as_a_new_process:
        current_app.extensions.pop(settle.KEY, None)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
