"""The acts on groups and their seats: create a group, give and end a seat, and who
holds which seat on a day. The acts on meetings are in agenda.py (before the meeting:
planning, the agenda, the notice) and minutes.py (after it: attendance, minutes,
approval); what they share is in acts.py and documents.py."""

from datetime import date

from flask_babel import lazy_gettext as _l

from decisions.accounts.models import User
from decisions.audit.services import record, snapshot
from decisions.errors import DomainError
from decisions.extensions import db
from decisions.meetings.acts import require as _require
from decisions.meetings.models import (
    Group,
    GroupKind,
    GroupMembership,
    GroupRole,
)
from decisions.members.models import Member

# --- Groups ---------------------------------------------------------------------------

def create_group(actor: User | None, *, name: str, kind: GroupKind) -> Group:
    if actor is not None:
        _require(actor, "manage", Group(name=name, kind=kind))
    group = Group(name=name, kind=kind, active=True)
    db.session.add(group)
    db.session.flush()
    record(actor, "group.created", group, after=snapshot(group, "name", "kind"))
    return group


def add_membership(actor: User | None, group: Group, *, person_name: str, role: GroupRole,
                   term_start: date, term_end: date | None = None, user: User | None = None,
                   member: Member | None = None) -> GroupMembership:
    if actor is not None:
        _require(actor, "manage", group)
    if term_end is not None and term_end < term_start:
        raise DomainError(_l("The term cannot end before it starts."), field="term_end")
    seat = GroupMembership(group=group, person_name=person_name, role=role,
                           term_start=term_start, term_end=term_end,
                           user_id=user.id if user else None,
                           member_id=member.id if member else None)
    db.session.add(seat)
    db.session.flush()
    record(actor, "group.membership_added", seat, after=snapshot(
        seat, "group_id", "person_name", "role", "term_start", "term_end", "user_id"))
    return seat


def end_membership(actor: User, seat: GroupMembership, term_end: date) -> None:
    _require(actor, "manage", seat.group)
    if term_end < seat.term_start:
        raise DomainError(_l("The term cannot end before it starts."), field="term_end")
    before = snapshot(seat, "term_end")
    seat.term_end = term_end
    db.session.flush()
    record(actor, "group.membership_ended", seat, before=before,
           after=snapshot(seat, "term_end"))


def seats_on(group: Group, day: date) -> list[GroupMembership]:
    return [seat for seat in group.memberships if seat.serves_on(day)]


def _officers_of_the_day(group: Group, day: date) -> tuple[str, str]:
    """Who leads the meeting and who takes the minutes unless the minutes say
    otherwise: the holders of the chair's and the secretary's seats."""
    seats = seats_on(group, day)

    def holder(role: GroupRole) -> str:
        return next((seat.person_name for seat in seats if seat.role == role), "")
    return holder(GroupRole.CHAIR), holder(GroupRole.SECRETARY)


def chair_of(group: Group, day: date) -> GroupMembership | None:
    return next((seat for seat in seats_on(group, day) if seat.role == GroupRole.CHAIR),
                None)
