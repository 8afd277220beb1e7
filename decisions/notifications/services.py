"""Who hears of what. The acts call these in their own transaction, so a notification
exists exactly when the act committed; emails are made from them later by the sweep.

Every notification has a key naming the event and the recipient; the database keeps
it unique, and a second attempt to notify the same event is silently ignored. That is
what makes the sweep, the settle-on-read hook and a retried request safe together.
"""

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from decisions.accounts.models import Role, User
from decisions.audit.services import record
from decisions.clock import now, oslo
from decisions.database import dialect_insert
from decisions.errors import DomainError, NotAllowed
from decisions.extensions import db
from decisions.notifications.models import (
    Delivery,
    EmailState,
    Notification,
    NotificationKind,
    NotificationPreference,
)

DEFAULT_REMINDER_HOURS = 48
MAX_REMINDER_HOURS = 24 * 30


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
    from decisions.meetings.models import GroupMembership

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
    from decisions.proposals.models import Outcome, RoundMember

    if round_.outcome == Outcome.SUPERSEDED:
        return
    member_ids = db.session.scalars(
        select(RoundMember.member_id).where(RoundMember.round_id == round_.id))
    notify(NotificationKind.ROUND_CLOSED, representatives(member_ids),
           event=f"round_closed:{round_.id}", round_id=round_.id,
           params={"outcome": round_.outcome.value})


def objection_registered(change) -> None:
    """To the secretariat, when a member objects (or breaks silence); not again when
    it only rewords an objection it had already made."""
    if not change.kind.blocks or (change.from_kind is not None and change.from_kind.blocks):
        return
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


def notice_published(meeting) -> None:
    """To the group: the notice, or its revision (each revision is its own event)."""
    notify(NotificationKind.NOTICE, group_recipients(meeting),
           event=f"notice:{meeting.id}:{meeting.notice_revision}", meeting_id=meeting.id,
           params={"revision": meeting.notice_revision})


def meeting_cancelled(meeting) -> None:
    """To the group, when it had been given notice of the meeting."""
    if meeting.notice_revision:
        notify(NotificationKind.NOTICE, group_recipients(meeting),
               event=f"cancelled:{meeting.id}", meeting_id=meeting.id,
               params={"cancelled": True})


def minutes_approved(meeting) -> None:
    notify(NotificationKind.MINUTES_APPROVED, group_recipients(meeting),
           event=f"minutes:{meeting.id}", meeting_id=meeting.id)


# --- Reminders ------------------------------------------------------------------------

def remind_at(opened_at, deadline, hours: int):
    """When a round's reminder is due: `hours` before the deadline, or never when
    that is 0 or falls before the round opened (a short round gets no reminder)."""
    if hours <= 0:
        return None
    moment = deadline - timedelta(hours=hours)
    return moment if moment > opened_at else None


def check_reminder_hours(hours: int) -> None:
    if not 0 <= hours <= MAX_REMINDER_HOURS:
        raise DomainError(_l("Enter between 0 and %(max)s hours.", max=MAX_REMINDER_HOURS),
                          field="reminder_hours")


def due_reminders(moment) -> list[int]:
    from decisions.proposals.models import Round

    return list(db.session.scalars(
        select(Round.id).where(Round.outcome.is_(None), Round.reminded_at.is_(None),
                               Round.remind_at <= moment, Round.deadline > moment)
        .order_by(Round.remind_at)))


def send_reminder(round_id: int) -> int:
    """Remind the members of an open round that have not responded; once per round.
    Returns how many people were reminded."""
    from decisions.proposals.models import Position, Round, RoundMember
    from decisions.proposals.services import current_state, lock_round

    round_ = lock_round(db.session.get(Round, round_id))
    if round_.reminded_at is not None or not current_state(round_).is_open:
        return 0
    answered = select(Position.member_id).where(Position.round_id == round_.id)
    waiting = list(db.session.scalars(
        select(RoundMember.member_id).where(RoundMember.round_id == round_.id,
                                            RoundMember.member_id.not_in(answered))))
    count = notify(NotificationKind.REMINDER, representatives(waiting),
                   event=f"reminder:{round_.id}", round_id=round_.id)
    round_.reminded_at = now()
    db.session.flush()
    record(None, "round.reminded", round_, after={"members": len(waiting), "people": count})
    return count


# --- The user's side ------------------------------------------------------------------

def mark_read(user: User, notification: Notification) -> None:
    """Read marks are the user's own bookkeeping, like the last page seen: not audited."""
    if notification.user_id != user.id:
        raise NotAllowed(_l("You are not allowed to do this."))
    if notification.read_at is None:
        notification.read_at = now()
        db.session.flush()


def mark_all_read(user: User) -> None:
    from sqlalchemy import update

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
