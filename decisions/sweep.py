"""The sweep (`flask sweep`, from cron every minute): records the rounds whose deadline
has passed, sends the reminders that are due (of rounds, follow-up items and
ratifications), and turns
notifications into emails and sends them.

Each step is its own short transactions, so that a failure in one round or one email
leaves the rest done. Every step can run twice, or on several machines at once, and do
each thing once: outcomes are recorded under the round's lock, notifications and
emails have unique keys, and emails are claimed before they are sent.
"""

from dataclasses import dataclass, field

from flask import current_app

from decisions.clock import now, oslo_today
from decisions.database import expect_writes
from decisions.extensions import db
from decisions.files.services import remove_orphan_files
from decisions.followup import queries as followup_queries
from decisions.followup import services as followup_services
from decisions.notifications import mail
from decisions.proposals import queries
from decisions.proposals.models import Round
from decisions.proposals.services import record_outcome, send_reminder
from decisions.ratification import services as ratification
from decisions.submissions import forget_old


@dataclass
class SweepResult:
    settled: int = 0
    reminded: int = 0
    followup_reminded: int = 0
    ratification_reminded: int = 0
    queued: int = 0
    digests: int = 0
    delivery: dict[str, int] = field(default_factory=lambda: {
        "sent": 0, "retried": 0, "failed": 0})
    forgotten: int = 0
    orphans: int = 0
    failed_steps: list[str] = field(default_factory=list)


def _each(ids, act, what: str) -> int:
    """Run `act(id)` for each id in its own transaction; returns the sum of what the
    acts return. A failing one is logged and rolled back; the others go on."""
    total = 0
    for id_ in ids:
        try:
            total += act(id_) or 0
            db.session.commit()
        except Exception:  # noqa: BLE001 - one bad round must not stop the others
            db.session.rollback()
            current_app.logger.warning("%s %s failed", what, id_, exc_info=True)
    return total


def _forget_old_form_claims() -> int:
    forgotten = forget_old()
    db.session.commit()
    return forgotten


def _remove_orphan_files() -> int:
    return remove_orphan_files()


def record_ended_rounds(limit: int | None = None) -> int:
    """Record the outcome (and decision) of rounds whose deadline has passed."""
    due = queries.due_rounds(now(), limit=limit)
    if not due:
        return 0
    db.session.rollback()  # end the read: on SQLite a read cannot turn into a write
    expect_writes()

    return _each(due, lambda round_id: record_outcome(db.session.get(Round, round_id)),
                 "recording round")


def remind_followup_owners() -> int:
    """Remind the owners of follow-up items due soon or today, once each."""
    due = followup_queries.due_reminders(oslo_today(),
                                         followup_services.remind_days())
    return _each(due, followup_services.send_reminder, "reminding follow-up item")


def sweep() -> SweepResult:
    expect_writes()
    result = SweepResult()
    steps = [
        ("settled", record_ended_rounds),
        ("reminded", lambda: _each(queries.due_reminders(now()), send_reminder, "reminding round")),
        ("followup_reminded", remind_followup_owners),
        ("ratification_reminded", lambda: _each(
            ratification.due_reminders(now()), lambda due: ratification.send_reminder(*due),
            "reminding of ratification")),
        ("queued", mail.queue_emails),
        ("digests", mail.queue_digests),
        ("delivery", mail.deliver),
        ("forgotten", _forget_old_form_claims),
        ("orphans", _remove_orphan_files),
    ]
    for name, step in steps:
        try:
            setattr(result, name, step())
        except Exception:  # noqa: BLE001 - a failing step must not stop the next ones
            db.session.rollback()
            result.failed_steps.append(name)
            current_app.logger.exception("sweep step %s failed", name)
    return result
