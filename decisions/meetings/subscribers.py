"""Meetings listen to the accounts' events (decisions.signals): accounts know nothing of
calendar feeds. `subscribe()` is called once by the app factory."""

from decisions.meetings.calendar import revoke_feeds
from decisions.signals import user_deactivated


def _user_deactivated(_sender, *, user) -> None:
    revoke_feeds(user)  # a deactivated account's calendar addresses stop at once


HANDLERS = ((user_deactivated, _user_deactivated),)


def subscribe() -> None:
    """Connect the handlers, strongly and idempotently (see notifications.subscribers)."""
    for signal, handler in HANDLERS:
        signal.connect(handler, weak=False)
