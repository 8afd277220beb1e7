"""Notifications listen to the domains' events: the domains send them (decisions.signals)
and never import notifications. `subscribe()` is called once by the app factory."""

from decisions.notifications import account_emails, services
from decisions.signals import (
    followup_due,
    invitation_sent,
    login_locked,
    meeting_cancelled,
    minutes_approved,
    minutes_ready,
    notice_published,
    objection_answered,
    objection_registered,
    objection_replied,
    password_reset_requested,
    ratification_reminder_due,
    reminder_due,
    round_closed,
    round_opened,
    second_factor_reset,
)


def _password_reset_requested(_sender, *, reset) -> None:
    account_emails.password_reset(reset)


def _invitation_sent(_sender, *, invitation) -> None:
    account_emails.invitation(invitation)


def _second_factor_reset(_sender, *, user) -> None:
    account_emails.second_factor_reset(user)


def _login_locked(_sender, *, user) -> None:
    account_emails.login_locked(user)


def _round_opened(_sender, *, round_) -> None:
    services.round_opened(round_)


def _round_closed(_sender, *, round_) -> None:
    services.round_closed(round_)


def _objection_registered(_sender, *, change) -> None:
    services.objection_registered(change)


def _objection_answered(_sender, *, entry) -> None:
    services.objection_answered(entry)


def _objection_replied(_sender, *, entry) -> None:
    services.objection_replied(entry)


def _reminder_due(_sender, *, round_, member_ids) -> int:
    return services.reminder(round_, member_ids)


def _followup_due(_sender, *, item, stage, users) -> int:
    return services.followup_due(item, stage, users)


def _notice_published(_sender, *, meeting) -> None:
    services.notice_published(meeting)


def _meeting_cancelled(_sender, *, meeting) -> None:
    services.meeting_cancelled(meeting)


def _minutes_approved(_sender, *, meeting) -> None:
    services.minutes_approved(meeting)


def _minutes_ready(_sender, *, meeting) -> None:
    services.minutes_ready(meeting)


def _ratification_reminder_due(_sender, *, decision, member_ids, which) -> int:
    return services.ratification_reminder(decision, member_ids, which)


HANDLERS = (
    (password_reset_requested, _password_reset_requested),
    (login_locked, _login_locked),
    (invitation_sent, _invitation_sent),
    (second_factor_reset, _second_factor_reset),
    (round_opened, _round_opened),
    (round_closed, _round_closed),
    (objection_registered, _objection_registered),
    (objection_answered, _objection_answered),
    (objection_replied, _objection_replied),
    (reminder_due, _reminder_due),
    (notice_published, _notice_published),
    (meeting_cancelled, _meeting_cancelled),
    (minutes_approved, _minutes_approved),
    (minutes_ready, _minutes_ready),
    (followup_due, _followup_due),
    (ratification_reminder_due, _ratification_reminder_due),
)


def subscribe() -> None:
    """Connect the handlers. Strongly (they are module functions, but nothing else must
    decide their lifetime), and idempotently: blinker keys a receiver by identity, so
    a second app made in the same process (the tests make many) connects nothing new."""
    for signal, handler in HANDLERS:
        signal.connect(handler, weak=False)
