"""Who hears of what. The acts send domain events (decisions.signals) in their own
transaction and the subscribers call these, so a notification exists exactly when the
act committed; emails are made from them later by the sweep.

Every notification has a key naming the event and the recipient; the database keeps
it unique, and a second attempt to notify the same event is silently ignored. That is
what makes the sweep, the settle-on-read hook and a retried request safe together.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from decisions.accounts.models import Role, User
from decisions.audit.services import record
from decisions.clock import now, oslo
from decisions.database import dialect_insert
from decisions.errors import DomainError, NotAllowed
from decisions.extensions import db
from decisions.meetings.models import GroupMembership
from decisions.meetings.seats import papers_token
from decisions.meetings.services import chair_of
from decisions.notifications import mail, messages
from decisions.notifications.models import (
    Delivery,
    EmailState,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboundEmail,
    OutboxState,
)
from decisions.permissions import can
from decisions.proposals.models import Outcome, RoundMember

# --- Recipients -----------------------------------------------------------------------

def representatives(member_ids: Iterable[int]) -> list[User]:
    """The active representatives of these members (a member may have several)."""
    ids = list(member_ids)
    if not ids:
        return []
    return list(db.session.scalars(
        select(User).where(User.role == Role.REPRESENTATIVE, User.member_id.in_(ids),
                           User.active).order_by(User.id)))


def secretariat() -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.role == Role.SECRETARIAT, User.active).order_by(User.id)))


def group_recipients(meeting) -> list[User]:
    """Everyone with a login who holds a seat in the meeting's group on its day."""
    day = oslo(meeting.starts_at).date()
    seats = db.session.scalars(
        select(GroupMembership).where(GroupMembership.group_id == meeting.group_id,
                                      GroupMembership.user_id.is_not(None)))
    users = {seat.user_id: seat.user for seat in seats if seat.serves_on(day)}
    return sorted((u for u in users.values() if u.active), key=lambda u: u.id)


# --- Notifying ------------------------------------------------------------------------

def notify(kind: NotificationKind, users: Iterable[User], *, event: str,
           round_id: int | None = None, meeting_id: int | None = None,
           params: Mapping[str, Any] | None = None) -> int:
    """One notification per user of the event named `event`; returns how many are
    new. Users notified of this event before are skipped by the database."""
    moment = now()
    rows = [{"key": f"{event}:user:{user.id}", "user_id": user.id, "kind": kind,
             "round_id": round_id, "meeting_id": meeting_id, "params": dict(params or {}),
             "created_at": moment, "email_state": EmailState.PENDING}
            for user in {u.id: u for u in users}.values()]
    if not rows:
        return 0
    stmt = dialect_insert(db.session, Notification).values(rows)
    stmt = stmt.on_conflict_do_nothing(index_elements=["key"]).returning(Notification.id)
    return len(db.session.execute(stmt).all())


def round_opened(round_) -> None:
    """To the representatives of every member in a new round (a revision included:
    its email asks them to confirm or change what they answered before)."""
    notify(NotificationKind.ROUND_OPENED,
           representatives(m.id for m in round_.members), event=f"round_opened:{round_.id}",
           round_id=round_.id, params={"version": round_.version.number})


def round_closed(round_) -> None:
    """To every member in the round, with its outcome. A round replaced by a revision
    is not announced: the new round's email says so, and one email is enough."""
    if round_.outcome == Outcome.SUPERSEDED:
        return
    member_ids = db.session.scalars(
        select(RoundMember.member_id).where(RoundMember.round_id == round_.id))
    notify(NotificationKind.ROUND_CLOSED, representatives(member_ids),
           event=f"round_closed:{round_.id}", round_id=round_.id,
           params={"outcome": round_.outcome.value})


def objection_registered(change) -> None:
    """To the secretariat, when a member objects (or breaks silence); the round's rules
    decide what is a new objection (proposals.rules.raises_objection)."""
    notify(NotificationKind.OBJECTION, secretariat(), event=f"objection:{change.id}",
           round_id=change.round_id,
           params={"member": change.member.name, "kind": change.kind.value,
                   "change_id": change.id})


def objection_replied(entry) -> None:
    """To the secretariat, as an objection is: the objecting member replied in it."""
    notify(NotificationKind.OBJECTION, secretariat(), event=f"objection_reply:{entry.id}",
           round_id=entry.round_id,
           params={"member": entry.thread.member.name, "kind": "reply", "entry_id": entry.id})


def objection_answered(answer) -> None:
    """To the representatives of the member whose objection the secretariat answered."""
    notify(NotificationKind.OBJECTION_ANSWERED, representatives([answer.member_id]),
           event=f"objection_answered:{answer.id}", round_id=answer.round_id,
           params={"answer_id": answer.id})


def outside_seats(meeting) -> list[GroupMembership]:
    """The seats on the meeting's day held by people outside Samråd: an email
    address and no login."""
    day = oslo(meeting.starts_at).date()
    seats = db.session.scalars(
        select(GroupMembership).where(GroupMembership.group_id == meeting.group_id,
                                      GroupMembership.user_id.is_(None),
                                      GroupMembership.email.is_not(None))
        .order_by(GroupMembership.id))
    return [seat for seat in seats if seat.email and seat.serves_on(day)]


def tell_outside(kind: NotificationKind, meeting, *, event: str,
                 params: Mapping[str, Any] | None = None) -> None:
    """The email a user gets for the event, to every seat holder outside Samråd, with
    links to the documents at the seat's signed address instead of the meeting page.
    Rendered now, in the alliance's language; once per seat and event."""
    seats = outside_seats(meeting)
    if not seats:
        return
    with mail.link_context(), force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        for seat in seats:
            told = Notification(kind=kind, meeting_id=meeting.id, meeting=meeting,
                                params={**(params or {}),
                                        "papers": papers_token(seat, meeting)})
            mail.queue_external(f"{event}:seat:{seat.id}",
                                mail.Recipient(seat.person_name, seat.email),
                                messages.compose(told))


def notice_published(meeting) -> None:
    """To the group: the notice, or its revision (each revision is its own event)."""
    event, params = (f"notice:{meeting.id}:{meeting.notice_revision}",
                     {"revision": meeting.notice_revision})
    notify(NotificationKind.NOTICE, group_recipients(meeting), event=event,
           meeting_id=meeting.id, params=params)
    tell_outside(NotificationKind.NOTICE, meeting, event=event, params=params)


def meeting_cancelled(meeting) -> None:
    """To the group, when it had been given notice of the meeting."""
    if meeting.notice_revision:
        event, params = f"cancelled:{meeting.id}", {"cancelled": True}
        notify(NotificationKind.NOTICE, group_recipients(meeting), event=event,
               meeting_id=meeting.id, params=params)
        tell_outside(NotificationKind.NOTICE, meeting, event=event, params=params)


def minutes_approved(meeting) -> None:
    event = f"minutes:{meeting.id}"
    notify(NotificationKind.MINUTES_APPROVED, group_recipients(meeting), event=event,
           meeting_id=meeting.id)
    tell_outside(NotificationKind.MINUTES_APPROVED, meeting, event=event)


def minutes_ready(meeting) -> None:
    """To the chair of the meeting's day (who approves the minutes), if the chair's
    seat has a login."""
    chair = chair_of(meeting.group, oslo(meeting.starts_at).date())
    if chair is not None and chair.user is not None and chair.user.active:
        notify(NotificationKind.MINUTES_READY, [chair.user],
               event=f"minutes_ready:{meeting.id}",
               meeting_id=meeting.id)


# --- Reminders ------------------------------------------------------------------------

def reminder(round_, member_ids: Iterable[int]) -> int:
    """To the representatives of the round's members that have not answered; the round
    decides when (proposals.services.send_reminder). Returns how many were told."""
    return notify(NotificationKind.REMINDER, representatives(member_ids),
                  event=f"reminder:{round_.id}", round_id=round_.id)


def followup_due(item, stage: str, users: Iterable[User]) -> int:
    """To the owners of a follow-up item, before its due date or on it; the item decides
    when (followup.services.send_reminder). Once per item, stage and due date."""
    return notify(NotificationKind.FOLLOWUP_DUE, users,
                  event=f"followup:{item.id}:{stage}:{item.due.isoformat()}",
                  params={"item_id": item.id, "stage": stage, "due": item.due.isoformat(),
                          "what": item.what[:200]})


def ratification_reminder(decision, member_ids: Iterable[int], which: str) -> int:
    """To the representatives of the members that have not recorded their own
    adoption of a decision: before its deadline and after it, once each."""
    return notify(NotificationKind.RATIFICATION, representatives(member_ids),
                  event=f"ratification:{decision.id}:{which}", round_id=decision.round_id,
                  params={"decision_id": decision.id, "which": which, "ref": decision.ref})


# --- The user's side ------------------------------------------------------------------

def mark_read(user: User, notification: Notification) -> None:
    """Read marks are the user's own bookkeeping, like the last page seen: not audited."""
    if notification.user_id != user.id:
        raise NotAllowed(_l("You are not allowed to do this."))
    if notification.read_at is None:
        notification.read_at = now()
        db.session.flush()


def mark_all_read(user: User) -> None:
    db.session.execute(update(Notification)
                       .where(Notification.user_id == user.id, Notification.read_at.is_(None))
                       .values(read_at=now()))


def preferences(user: User) -> dict[NotificationKind, Delivery]:
    chosen = dict(db.session.execute(
        select(NotificationPreference.kind, NotificationPreference.delivery)
        .where(NotificationPreference.user_id == user.id)).all())
    return {kind: chosen.get(kind, Delivery.IMMEDIATE) for kind in NotificationKind}


def set_preferences(user: User, choices: Mapping[NotificationKind, Delivery]) -> None:
    """The user's delivery per kind; unchanged kinds are left as they are."""
    before = preferences(user)
    changed = {kind: delivery for kind, delivery in choices.items()
               if before[kind] != delivery}
    if not changed:
        return
    for kind, delivery in changed.items():
        row = db.session.get(NotificationPreference, (user.id, kind))
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind,
                                                  delivery=delivery))
        else:
            row.delivery = delivery
    db.session.flush()
    record(user, "notifications.preferences_changed", user,
           before={k.value: before[k].value for k in changed},
           after={k.value: d.value for k, d in changed.items()})


# --- The outbox -----------------------------------------------------------------------

def retry_email(actor: User, email: OutboundEmail) -> None:
    """Send a refused (or long-retried) email again: back to pending, due at once, its
    count of attempts started afresh; the sweep sends it to the recipient's address as
    it is now (fix it on the person first)."""
    if not can(actor, "retry", email):
        raise NotAllowed(_l("You are not allowed to do this."))
    email = db.session.execute(
        select(OutboundEmail).where(OutboundEmail.id == email.id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one()
    if email.state not in (OutboxState.FAILED, OutboxState.PENDING):
        raise DomainError(_l("This email is no longer waiting to be sent."))
    moment = now()
    if email.claimed_until is not None and email.claimed_until > moment:
        raise DomainError(_l("The email is being sent right now. Look again in a minute."))
    before = {"state": email.state.value, "attempts": email.attempts,
              "last_error": email.last_error}
    email.state, email.attempts, email.next_attempt_at = OutboxState.PENDING, 0, moment
    email.claimed_until = email.claim_token = None
    db.session.flush()
    record(actor, "email.retried", email, before=before,
           after={"state": email.state.value, "attempts": 0, "to": email.to_address})
