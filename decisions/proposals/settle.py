"""Settling on read: the first request after a deadline records the round's outcome
and decision, so the register and the lists never wait for the sweep.

It runs before the view and commits nothing of the request's own: when rounds are
due, the look for them is rolled back and each is recorded and committed in a short
transaction of its own, all ended before the view begins its transaction. (When none
is due, that one read is the first of the request's transaction.) A failure is
logged and leaves the page to show the computed outcome.

Most requests need not ask at all. Each process keeps the earliest deadline of the
rounds not yet recorded (`NextDue`): before it, no round can be due, so a request
asks the database nothing. A round opened in this process forgets it (the
`round_opened` event); one opened by another process (a second worker, the demo
commands), or by another thread of a threaded server while this one was reading the
deadline, is seen when the kept deadline is read again, at most RECHECK seconds after
it was read. A round can only be opened with a deadline in the future, and
deadlines are never moved, so a round another process opens is settled late only
if its deadline falls within RECHECK seconds of its opening; its page shows the
computed outcome meanwhile, as it does when recording fails.
"""

import time
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app, has_app_context, request

from decisions.clock import now
from decisions.database import expect_writes
from decisions.proposals.queries import earliest_deadline
from decisions.signals import round_opened
from decisions.sweep import record_ended_rounds

# Requests that show no round: files, calendars, the health check, the unread count
# that every open page polls. They need not wait for an outcome to be recorded.
NOT_SETTLING = {None, "static", "meetings.document", "files.download", "calendar.feed",
                "calendar.meeting", "main.health", "notifications.count",
                "papers.document", "public.document", "ratification.local_pdf",
                "oparl.file_content"}

# Seconds a process trusts its kept earliest deadline before reading it again: how
# late it may notice a round another process opened.
RECHECK = 10.0
KEY = "settle_next_due"


@dataclass(frozen=True)
class NextDue:
    """No round is due before `deadline` (None: no round is unrecorded), as read at
    `read_at` (time.monotonic)."""

    deadline: datetime | None
    read_at: float

    def holds(self, moment: datetime, clock: float) -> bool:
        return (clock - self.read_at < RECHECK
                and (self.deadline is None or moment < self.deadline))


def register(app: Flask) -> None:
    app.before_request(settle_ended_rounds)
    round_opened.connect(_forget_next_due)


def settle_ended_rounds() -> None:
    if request.endpoint in NOT_SETTLING:
        return
    known: NextDue | None = current_app.extensions.get(KEY)
    moment = now()
    if known is not None and known.holds(moment, time.monotonic()):
        return
    try:
        read_at = time.monotonic()
        deadline = earliest_deadline()
        if deadline is not None and deadline <= moment:
            # Due now: recorded, and the next earliest is read by the next request.
            current_app.extensions.pop(KEY, None)
            record_ended_rounds(limit=20)
        else:
            current_app.extensions[KEY] = NextDue(deadline, read_at)
    finally:
        expect_writes(None)  # back to what the method and the view say


def _forget_next_due(_sender=None, **_objects) -> None:
    """A round was opened here: its deadline may be the earliest."""
    if has_app_context():
        current_app.extensions.pop(KEY, None)
