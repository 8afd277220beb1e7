"""Settling on read: the first request after a deadline records the round's outcome
and decision, so the register and the lists never wait for the sweep.

It runs before the view and commits nothing of the request's own: when rounds are
due, the look for them is rolled back and each is recorded and committed in a short
transaction of its own, all ended before the view begins its transaction. (When none
is due, that one read is the first of the request's transaction.) A failure is
logged and leaves the page to show the computed outcome.
"""

from flask import Flask, request

from decisions.database import expect_writes
from decisions.sweep import record_ended_rounds

# Requests that show no round: files, calendars, the health check, the unread count
# that every open page polls. They need not wait for an outcome to be recorded.
NOT_SETTLING = {None, "static", "meetings.document", "files.download", "calendar.feed",
                "calendar.meeting", "main.health", "notifications.count",
                "papers.document", "public.document", "ratification.local_pdf",
                "oparl.file_content"}


def register(app: Flask) -> None:
    app.before_request(settle_ended_rounds)


def settle_ended_rounds() -> None:
    if request.endpoint in NOT_SETTLING:
        return
    try:
        record_ended_rounds(limit=20)
    finally:
        expect_writes(None)  # back to what the method and the view say
