"""Read-only queries of follow-up: a decision's items, roll-ups of many decisions at
once, what an owner owes, the secretariat's list, the register's filter by follow-up
state, and what the orientation item reports."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import selectinload

from decisions.accounts.models import Role, User
from decisions.extensions import db
from decisions.followup import rules
from decisions.followup.models import (
    ANSWERING_SEATS,
    OPEN_STATUSES,
    FollowupItem,
    FollowupStatus,
    FollowupUpdate,
    OwnerKind,
)
from decisions.meetings.models import ActionItem, AgendaItem, GroupMembership
from decisions.permissions import visible
from decisions.register.models import Decision


def _loaded(stmt: Select) -> Select:
    return stmt.options(selectinload(FollowupItem.owner_member),
                        selectinload(FollowupItem.owner_group),
                        selectinload(FollowupItem.decision),
                        selectinload(FollowupItem.action).selectinload(ActionItem.item)
                        .selectinload(AgendaItem.meeting))


def overdue_first(today: date):
    """Order: open overdue items first, then open by due date, then the closed ones."""
    return ((~and_(FollowupItem.status.in_(OPEN_STATUSES), FollowupItem.due < today)),
            ~FollowupItem.status.in_(OPEN_STATUSES), FollowupItem.due, FollowupItem.id)


def of_decision(decision_id: int) -> list[FollowupItem]:
    return list(db.session.scalars(_loaded(
        select(FollowupItem).where(FollowupItem.decision_id == decision_id)
        .order_by(FollowupItem.due, FollowupItem.id))))


def of_action(action_id: int) -> list[FollowupItem]:
    return list(db.session.scalars(_loaded(
        select(FollowupItem).where(FollowupItem.action_id == action_id)
        .order_by(FollowupItem.due, FollowupItem.id))))


def item(id_: int) -> FollowupItem | None:
    return db.session.scalar(_loaded(select(FollowupItem).where(FollowupItem.id == id_))
                             .options(selectinload(FollowupItem.updates)
                                      .selectinload(FollowupUpdate.author)))


def summaries(decision_ids: Iterable[int], today: date) -> dict[int, rules.Summary]:
    """The follow-up summary of each decision with items, in one query."""
    ids = list(decision_ids)
    if not ids:
        return {}
    found: dict[int, list] = defaultdict(list)
    for row in db.session.execute(
            select(FollowupItem.decision_id, FollowupItem.status, FollowupItem.progress,
                   FollowupItem.weight, FollowupItem.due)
            .where(FollowupItem.decision_id.in_(ids))):
        found[row.decision_id].append(row)
    return {id_: rules.summary(rows, today) for id_, rows in found.items()}


def owned_by(user: User, today: date) -> Select:
    """The items `user` answers for (as representative of the owning member, holder of
    a chair or secretary seat of the owning group, or the secretariat), open overdue
    first, then open by due date, then those done or dropped."""
    conditions = []
    if user.role == Role.REPRESENTATIVE and user.member_id is not None:
        conditions.append(and_(FollowupItem.owner_kind == OwnerKind.MEMBER,
                               FollowupItem.owner_member_id == user.member_id))
    if user.role == Role.SECRETARIAT:
        conditions.append(FollowupItem.owner_kind == OwnerKind.SECRETARIAT)
    seat = select(GroupMembership.id).where(
        GroupMembership.group_id == FollowupItem.owner_group_id,
        GroupMembership.user_id == user.id, GroupMembership.role.in_(ANSWERING_SEATS),
        GroupMembership.term_start <= today,
        or_(GroupMembership.term_end.is_(None), GroupMembership.term_end >= today))
    conditions.append(and_(FollowupItem.owner_kind == OwnerKind.GROUP, exists(seat)))
    return _loaded(select(FollowupItem).where(or_(*conditions), visible(user, "followup"))
                   .order_by(*overdue_first(today)))


def listing(user: User, today: date, *, owner: str | None = None,
            status: str | None = None, overdue: bool = False) -> Select:
    """Every item `user` may see, filtered: `owner` "secretariat", "member:<id>" or
    "group:<id>"; `status` one of FollowupStatus; `overdue` open past the due date."""
    stmt = select(FollowupItem).where(visible(user, "followup"))
    if owner == "secretariat":
        stmt = stmt.where(FollowupItem.owner_kind == OwnerKind.SECRETARIAT)
    elif owner and ":" in owner:
        kind, _sep, raw = owner.partition(":")
        if raw.isdigit() and kind in ("member", "group"):
            column = (FollowupItem.owner_member_id if kind == "member"
                      else FollowupItem.owner_group_id)
            stmt = stmt.where(column == int(raw))
    if status in set(FollowupStatus):
        stmt = stmt.where(FollowupItem.status == FollowupStatus(status))
    if overdue:
        stmt = stmt.where(FollowupItem.status.in_(OPEN_STATUSES), FollowupItem.due < today)
    return _loaded(stmt.order_by(*overdue_first(today)))


def _counted():
    return and_(FollowupItem.decision_id == Decision.id,
                FollowupItem.status != FollowupStatus.DROPPED)


def in_state(stmt: Select, state: rules.FollowupState, today: date) -> Select:
    """Narrow a select of decisions to those in `state` (rules.state, as SQL)."""
    counted = exists(select(FollowupItem.id).where(_counted()))
    overdue = exists(select(FollowupItem.id).where(
        _counted(), FollowupItem.status.in_(OPEN_STATUSES), FollowupItem.due < today))
    still_open = exists(select(FollowupItem.id).where(
        _counted(), FollowupItem.status != FollowupStatus.DONE))
    if state == rules.FollowupState.NONE:
        return stmt.where(~counted)
    if state == rules.FollowupState.OVERDUE:
        return stmt.where(overdue)
    if state == rules.FollowupState.DONE:
        return stmt.where(counted, ~still_open)
    return stmt.where(still_open, ~overdue)


def due_reminders(today: date, days_before: int) -> list[int]:
    """Ids of open items a reminder may be due for (the rules decide), earliest first."""
    return list(db.session.scalars(
        select(FollowupItem.id).where(
            FollowupItem.status.in_(OPEN_STATUSES),
            or_(and_(FollowupItem.due <= today, FollowupItem.reminded_on_at.is_(None)),
                and_(FollowupItem.due <= today + timedelta(days=days_before),
                     FollowupItem.reminded_before_at.is_(None))))
        .order_by(FollowupItem.due, FollowupItem.id)))


def due_for_report(until: date) -> list[FollowupItem]:
    """Open items overdue or due before `until`, with their decision (or action), by
    due date: what the orientation item "Oppfølging av vedtak" lists."""
    return list(db.session.scalars(_loaded(
        select(FollowupItem).where(FollowupItem.status.in_(OPEN_STATUSES),
                                   FollowupItem.due < until)
        .order_by(FollowupItem.due, FollowupItem.id))))
