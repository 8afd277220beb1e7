"""How the app waits for its database: never longer than it can answer in.

A PostgreSQL server that stops answering without refusing (a silent network
partition, a hung server or proxy) must cost a request a few seconds and a 503, not
the worker. Four bounds, from the configuration (README, "Configuration"):

- connecting: `connect_timeout` (libpq's, enforced by psycopg);
- a statement: `statement_timeout`, set in the server for every session, which
  cancels a query that runs or waits for a lock too long (the connection stays);
- the answer: the server can only cancel what reached it. Data sent and never
  acknowledged ends the connection after `tcp_user_timeout` (a real partition);
  data acknowledged but never answered (a hung server or proxy) is caught by our
  own guard, a deadline on every wait for the server a little beyond the statement
  timeout, after which the connection is closed and the pool makes a new one;
- a free connection of the pool: `pool_timeout`.

Every one of them ends in an error the 503 page answers (decisions/errors.py).

And one setting of how the server plans: `plan_cache_mode = force_custom_plan`.
psycopg prepares a statement on the server once a connection has run it five
times; the server then plans it for its values five more times and may switch to one
generic plan that knows none of them. For the board's stamp (the latest change of a
name shown: the audit trail's newest entry of a kind, the kind a bound value) the
generic plan walks the trail: 0.4-0.7 s a board poll at national scale, against
about 10 ms planned for the values (benchmarks/profile_pages.py, 20 requests).
Every execution is planned for its values; the prepared statement still saves the
parsing.
"""

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

# The guard waits this much longer than the statement timeout, so that a statement
# that merely runs long is cancelled by the server (a clean error, the connection
# kept) before the guard gives the connection up.
GUARD_MARGIN = 2.0
_GUARD_ARG = "samraad_answer_timeout"


def engine_options(config) -> dict:
    """SQLALCHEMY_ENGINE_OPTIONS with the configured timeouts for the database URL."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return options  # one shared in-memory connection: no pool to wait for
    options.setdefault("pool_timeout", config["DATABASE_POOL_TIMEOUT"])
    if url.get_backend_name() != "postgresql":
        return options
    connect = config["DATABASE_CONNECT_TIMEOUT"]
    statement = config["DATABASE_STATEMENT_TIMEOUT"]
    options["connect_args"] = {
        "connect_timeout": connect,
        # Data unacknowledged for as long as a connection may take to be made: the
        # server is gone. Keepalives find dead connections idling in the pool.
        "tcp_user_timeout": int(connect * 1000),
        "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 5,
        "keepalives_count": 3,
        "options": f"-c statement_timeout={int(statement * 1000)} "
                   "-c plan_cache_mode=force_custom_plan",
        _GUARD_ARG: statement + GUARD_MARGIN if statement else None,
        **options.get("connect_args", {}),
    }
    return options


class GuardedConnection(psycopg.Connection):
    """A psycopg connection that waits for any answer of the server at most
    `answer_timeout` seconds, then closes itself (its protocol state is unknown)."""

    answer_timeout: float | None = None

    def wait(self, gen, *args, **kwargs):
        guarded = self.answer_timeout is not None and len(args) < 2 \
            and kwargs.get("timeout") is None
        if guarded:
            kwargs["timeout"] = self.answer_timeout
        try:
            return super().wait(gen, *args, **kwargs)
        except psycopg.errors._WaitTimeout as error:
            if not guarded:
                raise
            self.pgconn.finish()
            raise psycopg.OperationalError(
                f"the database did not answer within {self.answer_timeout:g} s") from error


@event.listens_for(Engine, "do_connect")
def _guarded_connect(dialect, connection_record, cargs, cparams):
    """Connections of an engine made with engine_options() are guarded ones."""
    if _GUARD_ARG not in cparams:
        return None
    answer_timeout = cparams.pop(_GUARD_ARG)
    if answer_timeout is None:
        return None  # the guard is off with the statement timeout; psycopg connects
    connection = GuardedConnection.connect(*cargs, **cparams)
    connection.answer_timeout = answer_timeout
    return connection
