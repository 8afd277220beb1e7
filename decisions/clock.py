"""The one clock of the app: code asks `now()`, tests move time instead of sleeping."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

OSLO = ZoneInfo("Europe/Oslo")


def system_now() -> datetime:
    return datetime.now(UTC)


def now() -> datetime:
    """The current moment, aware, in UTC. Tests replace app.extensions['clock']."""
    if has_app_context():
        clock: Callable[[], datetime] = current_app.extensions.get("clock", system_now)
        return clock()
    return system_now()


def oslo(moment: datetime) -> datetime:
    return moment.astimezone(OSLO)


def oslo_today(moment: datetime | None = None) -> date:
    """The day in Oslo at `moment` (now, by default)."""
    return oslo(moment or now()).date()


def from_oslo(naive_local: datetime) -> datetime:
    """A wall-clock time typed by a user in Oslo, as an aware UTC moment."""
    return naive_local.replace(tzinfo=OSLO).astimezone(UTC)


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Run with the app's clock stopped at `moment` (demo data, tests)."""
    app = current_app._get_current_object()
    previous = app.extensions.get("clock")
    app.extensions["clock"] = lambda: moment
    try:
        yield
    finally:
        if previous is None:
            app.extensions.pop("clock", None)
        else:
            app.extensions["clock"] = previous
