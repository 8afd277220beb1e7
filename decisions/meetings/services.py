"""The acts on groups and their seats: create a group, give and end a seat, and who
holds which seat on a day. The acts on meetings are in agenda.py (before the meeting:
planning, the agenda, the notice) and minutes.py (after it: attendance, minutes,
approval); what they share is in acts.py and documents.py."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from decisions.accounts.models import User
from decisions.accounts.services import EMAIL_SHAPE
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

def create_group(actor: User | None, *, name: str, kind: GroupKind,
                 public_meetings: bool = False) -> Group:
    if actor is not None:
        _require(actor, "manage_seats", Group(name=name, kind=kind))
    if db.session.scalar(select(Group.id).where(Group.name == name)) is not None:
        raise DomainError(_l("A group with this name exists already."), field="name")
    group = Group(name=name, kind=kind, active=True, public_meetings=public_meetings)
    db.session.add(group)
    db.session.flush()
    record(actor, "group.created", group,
           after=snapshot(group, "name", "kind", "public_meetings"))
    return group


SEAT_FIELDS = ("group_id", "person_name", "role", "term_start", "term_end", "user_id",
               "member_id", "email")


def add_membership(actor: User | None, group: Group, *, person_name: str, role: GroupRole,
                   term_start: date, term_end: date | None = None, user: User | None = None,
                   member: Member | None = None, email: str | None = None) -> GroupMembership:
    """A seat for a person with a login (`user`), or an email address for a person
    outside Samråd (`email`), or neither; never both."""
    if actor is not None:
        _require(actor, "manage_seats", group)
    if term_end is not None and term_end < term_start:
        raise DomainError(_l("The term cannot end before it starts."), field="term_end")
    check_seat_holder(user, email)
    seat = GroupMembership(group=group, person_name=person_name, role=role,
                           term_start=term_start, term_end=term_end,
                           user_id=user.id if user else None,
                           member_id=member.id if member else None, email=email or None)
    db.session.add(seat)
    db.session.flush()
    record(actor, "group.membership_added", seat, after=snapshot(seat, *SEAT_FIELDS))
    return seat


def check_seat_holder(user: User | None, email: str | None) -> None:
    """A seat's holder has a login, or an email address, or neither; never both."""
    if user is not None and email:
        raise DomainError(_l("Give either a login or an email address, not both."),
                          field="email")
    if email and (len(email) > 254 or not EMAIL_SHAPE.fullmatch(email)):
        raise DomainError(_l("Give an email address like name@example.no."), field="email")


def end_membership(actor: User | None, seat: GroupMembership, term_end: date) -> None:
    if actor is not None:
        _require(actor, "manage_seats", seat.group)
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
