"""Pure rules of the login: when failed attempts make a lock (no session, no clock)."""

from collections.abc import Iterable
from datetime import datetime, timedelta


def lock_until(failures: Iterable[datetime], *, limit: int, window: timedelta,
               lock: timedelta) -> datetime | None:
    """When the latest lock made by these failures ends: `limit` failures within
    `window` lock for `lock` from the last of them. None if they never made one."""
    times = sorted(failures)
    until = None
    for last in range(limit - 1, len(times)):
        if times[last] - times[last - limit + 1] < window:
            until = times[last] + lock
    return until
