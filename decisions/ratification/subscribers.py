"""Ratification listens to the meetings' events: a notice being frozen gets the
report-back item's text as it stands; a published notice keeps it."""

from decisions.ratification import services
from decisions.signals import notice_preparing, notice_published


def _notice_preparing(_sender, *, meeting) -> None:
    services.fill_report_back(meeting)


def _notice_published(_sender, *, meeting) -> None:
    services.keep_report_back(meeting)


HANDLERS = ((notice_preparing, _notice_preparing), (notice_published, _notice_published))


def subscribe() -> None:
    """Connect once (idempotent, strongly), as notifications do."""
    for signal, handler in HANDLERS:
        signal.connect(handler, weak=False)
