"""The acts of follow-up: the secretariat creates and edits items and sets a decision's
review date; the owner (or the secretariat) records dated updates; the sweep sends
the reminders. Each act checks permission and writes its audit entry."""

from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from decisions.accounts.models import Role, User
from decisions.audit.services import record, snapshot
from decisions.clock import now, oslo_today
from decisions.errors import Conflict, DomainError, NotAllowed
from decisions.extensions import db
from decisions.followup import rules
from decisions.followup.models import (
    ANSWERING_SEATS,
    FollowupItem,
    FollowupStatus,
    FollowupUpdate,
    OwnerKind,
)
from decisions.meetings.models import ActionItem, Group, GroupMembership
from decisions.members.models import Member
from decisions.permissions import can
from decisions.register.models import Decision
from decisions.signals import followup_due

ITEM_FIELDS = ("what", "owner_kind", "owner_member_id", "owner_group_id", "due", "weight",
               "status", "progress")


def _require(user: User, action: str, obj=None, *, kind: str | None = None) -> None:
    if not can(user, action, obj, kind=kind):
        raise NotAllowed(_l("You are not allowed to do this."))


def _lock(item: FollowupItem) -> FollowupItem:
    return db.session.execute(
        select(FollowupItem).where(FollowupItem.id == item.id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one()


def remind_days() -> int:
    return current_app.config.get("FOLLOWUP_REMIND_DAYS", rules.DEFAULT_REMIND_DAYS)


def owners(item: FollowupItem, day: date | None = None) -> list[User]:
    """The people who answer for the item: the member's active representatives, the
    group's chair and secretary seat holders with a login serving on `day`, or the
    secretariat."""
    day = day or oslo_today()
    if item.owner_kind == OwnerKind.MEMBER:
        users = db.session.scalars(select(User).where(
            User.role == Role.REPRESENTATIVE, User.member_id == item.owner_member_id,
            User.active).order_by(User.id))
        return list(users)
    if item.owner_kind == OwnerKind.GROUP:
        seats = db.session.scalars(select(GroupMembership).where(
            GroupMembership.group_id == item.owner_group_id,
            GroupMembership.user_id.is_not(None),
            GroupMembership.role.in_(ANSWERING_SEATS)))
        found = {s.user_id: s.user for s in seats if s.serves_on(day) and s.user.active}
        return sorted(found.values(), key=lambda u: u.id)
    return list(db.session.scalars(
        select(User).where(User.role == Role.SECRETARIAT, User.active).order_by(User.id)))


def _owner(owner_kind: OwnerKind, member: Member | None, group: Group | None
           ) -> tuple[int | None, int | None]:
    if owner_kind == OwnerKind.MEMBER:
        if member is None:
            raise DomainError(_l("Choose the member that owns the item."), "owner_member")
        return member.id, None
    if owner_kind == OwnerKind.GROUP:
        if group is None:
            raise DomainError(_l("Choose the group that owns the item."), "owner_group")
        return None, group.id
    return None, None


def _check(what: str, weight: int) -> str:
    what = (what or "").strip()
    if not what:
        raise DomainError(_l("Say what is to be done."), "what")
    if weight < 1:
        raise DomainError(_l("The weight is a whole number of 1 or more."), "weight")
    return what


def create_item(actor: User | None, *, what: str, owner_kind: OwnerKind, due: date,
                weight: int = 1, decision: Decision | None = None,
                action: ActionItem | None = None, member: Member | None = None,
                group: Group | None = None) -> FollowupItem:
    """A follow-up item of a decision or of an action in minutes. `actor` None: the
    command line and the demo."""
    if actor is not None:
        _require(actor, "create", kind="followup")
    if (decision is None) == (action is None):
        raise DomainError(_l("A follow-up item belongs to a decision or an action."))
    member_id, group_id = _owner(owner_kind, member, group)
    item = FollowupItem(
        decision_id=decision.id if decision else None, action_id=action.id if action else None,
        what=_check(what, weight), owner_kind=owner_kind, owner_member_id=member_id,
        owner_group_id=group_id, due=due, weight=weight, status=FollowupStatus.PLANNED,
        progress=0, created_at=now())
    db.session.add(item)
    db.session.flush()
    record(actor, "followup.created", item,
           after=snapshot(item, "decision_id", "action_id", *ITEM_FIELDS))
    return item


def edit_item(actor: User | None, item: FollowupItem, *, what: str, owner_kind: OwnerKind,
              due: date, weight: int = 1, member: Member | None = None,
              group: Group | None = None, lock_version: int | None = None) -> None:
    """Change what, owner, due date or weight. A moved due date is reminded anew."""
    if actor is not None:
        _require(actor, "edit", item)
    item = _lock(item)
    if lock_version is not None and lock_version != item.lock_version:
        raise Conflict(_l("Someone else changed this item while you were editing it. "
                          "Open it again to see the change."))
    member_id, group_id = _owner(owner_kind, member, group)
    before = snapshot(item, *ITEM_FIELDS)
    item.what, item.owner_kind, item.weight = _check(what, weight), owner_kind, weight
    item.owner_member_id, item.owner_group_id = member_id, group_id
    if item.due != due:
        item.due, item.reminded_before_at, item.reminded_on_at = due, None, None
    if snapshot(item, *ITEM_FIELDS) == before:
        return
    db.session.flush()
    record(actor, "followup.edited", item, before=before, after=snapshot(item, *ITEM_FIELDS))


def update_item(actor: User, item: FollowupItem, *, status: FollowupStatus, progress: int,
                comment: str = "", lock_version: int | None = None) -> FollowupUpdate:
    """A dated update by the owner or the secretariat: the item takes its status and
    progress, the update is kept. Done means 100 %."""
    _require(actor, "update", item)
    item = _lock(item)
    if lock_version is not None and lock_version != item.lock_version:
        raise Conflict(_l("Someone else updated this item meanwhile. Open it again to "
                          "see the update."))
    if not 0 <= progress <= 100:
        raise DomainError(_l("Progress is a per cent from 0 to 100."), "progress")
    if status == FollowupStatus.DONE:
        progress = 100
    before = snapshot(item, "status", "progress")
    item.status, item.progress = status, progress
    update = FollowupUpdate(item_id=item.id, at=now(), author_id=actor.id, status=status,
                            progress=progress, comment=(comment or "").strip())
    db.session.add(update)
    db.session.flush()
    record(actor, "followup.updated", item, before=before,
           after={**snapshot(item, "status", "progress"), "update_id": update.id,
                  "comment": update.comment})
    return update


def set_review_date(actor: User | None, decision: Decision, review_date: date | None) -> None:
    """When the secretariat looks at the decision's follow-up again."""
    if actor is not None:
        _require(actor, "create", kind="followup")
    decision = db.session.execute(
        select(Decision).where(Decision.id == decision.id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one()
    if decision.review_date == review_date:
        return
    before = {"review_date": decision.review_date}
    decision.review_date = review_date
    db.session.flush()
    record(actor, "decision.review_date_set", decision, before=before,
           after={"review_date": review_date})


def send_reminder(item_id: int) -> int:
    """The sweep's act for one item: the reminder the rules say is due, once per due
    date (recorded on the item under its lock). Returns how many people were told."""
    item = _lock(db.session.get(FollowupItem, item_id))
    day = oslo_today()
    stage = rules.reminder_due(item, day, remind_days())
    if stage is None:
        return 0
    users = owners(item, day)
    told = followup_due.send(item=item, stage=stage.value, users=users)
    count = sum(result or 0 for _receiver, result in told)
    moment = now()
    if stage == rules.Reminder.ON:
        item.reminded_on_at = moment
        item.reminded_before_at = item.reminded_before_at or moment
    else:
        item.reminded_before_at = moment
    db.session.flush()
    record(None, "followup.reminded", item,
           after={"stage": stage.value, "due": item.due, "people": count})
    return count
