"""The interface listens to the proposals' events: a round that adopts its proposal
gets the decision's public PDF (the paper's main file) rendered after the answer."""

from flask import has_request_context

from decisions.lifecycle import after_response
from decisions.oparl import papers
from decisions.signals import round_closed


def _round_closed(_sender, *, round_) -> None:
    if round_.outcome is not None and round_.outcome.adopts and has_request_context():
        after_response(papers.render_for_round, round_.id)


HANDLERS = ((round_closed, _round_closed),)


def subscribe() -> None:
    """Connect once (idempotent, strongly), as notifications do."""
    for signal, handler in HANDLERS:
        signal.connect(handler, weak=False)
