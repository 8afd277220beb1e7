"""Settling on read: the first request after a deadline records the round's outcome
and decision, so the register and the lists never wait for the sweep.

It runs before the view, in transactions of its own that are ended before the
request's own transaction begins: the look for due rounds is a read (rolled back),
each due round is recorded and committed on its own, and a failure is logged and
leaves the page to show the computed outcome.
"""

from flask import Flask, request

from decisions import expect_writes
from decisions.extensions import db
from decisions.sweep import record_ended_rounds

# Requests that show no round: files, calendars, the health check, the unread count
# that every open page polls. They need not wait for an outcome to be recorded.
NOT_SETTLING = {None, "static", "meetings.document", "files.download", "calendar.feed",
                "calendar.meeting", "main.health", "notifications.count"}


def register(app: Flask) -> None:
    app.before_request(settle_ended_rounds)


def settle_ended_rounds() -> None:
    if request.endpoint in NOT_SETTLING:
        return
    expect_writes(False)  # the look for due rounds only reads, whatever the method
    try:
        record_ended_rounds(limit=20)
    finally:
        db.session.rollback()  # nothing of it stays open into the request's transaction
        expect_writes(None)  # back to what the method and the view say
