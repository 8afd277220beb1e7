"""Acts on groups and their seats beyond adding one: edit a group, edit a seat, hand
the chair over from a date, the term change-over after an election; and the signed
address by which a person outside Samråd reads the documents of a meeting.

Adding a group or a seat and ending a seat are in decisions.meetings.services
(create_group, add_membership, end_membership), which these call.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, select
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.exc import StaleDataError

from decisions.accounts.models import User
from decisions.audit.services import record, snapshot
from decisions.clock import now, oslo
from decisions.errors import Conflict, DomainError, NotAllowed
from decisions.extensions import db
from decisions.meetings.models import (
    DocumentKind,
    Group,
    GroupKind,
    GroupMembership,
    GroupRole,
    Meeting,
    MeetingDocument,
)
from decisions.meetings.services import (
    add_membership,
    chair_of,
    check_seat_holder,
    end_membership,
    seats_on,
)
from decisions.members.models import Member
from decisions.permissions import can

GROUP_FIELDS = ("name", "kind", "active", "public_meetings")
EDITABLE_SEAT_FIELDS = ("person_name", "role", "member_id", "term_start", "term_end",
                        "user_id", "email")


def _require(actor: User, group: Group) -> None:
    if not can(actor, "manage_seats", group):
        raise NotAllowed(_l("You may not do this."))


GROUP_CONFLICT = _l("Someone else changed this group while you were editing it, so "
                    "nothing was saved. Open the page again to see what is saved now.")
SEAT_CONFLICT = _l("Someone else changed this seat while you were editing it, so "
                   "nothing was saved. Open the page again to see what is saved now.")


def _check_version(obj, lock_version: int | None, message) -> None:
    if lock_version is not None and lock_version != obj.lock_version:
        raise Conflict(message)


def _flush(message) -> None:
    try:
        db.session.flush()
    except StaleDataError:  # saved by someone else between our read and our write
        raise Conflict(message) from None


def edit_group(actor: User, group: Group, *, name: str, kind: GroupKind,
               active: bool, public_meetings: bool | None = None,
               lock_version: int | None = None) -> None:
    """Rename a group, change its kind, deactivate or reactivate it (its meetings and
    seats stay as they are), make its meetings public or not (`None` leaves it)."""
    _require(actor, group)
    _check_version(group, lock_version, GROUP_CONFLICT)
    if name != group.name and db.session.query(Group.id).filter(
            Group.name == name, Group.id != group.id).first() is not None:
        raise DomainError(_l("A group with this name exists already."), field="name")
    before = snapshot(group, *GROUP_FIELDS)
    group.name, group.kind, group.active = name, kind, active
    if public_meetings is not None:
        group.public_meetings = public_meetings
    _flush(GROUP_CONFLICT)
    after = snapshot(group, *GROUP_FIELDS)
    if after != before:
        record(actor, "group.edited", group, before=before, after=after)


def edit_seat(actor: User, seat: GroupMembership, *, person_name: str, role: GroupRole,
              member: Member | None, term_start: date, term_end: date | None,
              user: User | None, email: str | None,
              lock_version: int | None = None) -> None:
    _require(actor, seat.group)
    _check_version(seat, lock_version, SEAT_CONFLICT)
    if term_end is not None and term_end < term_start:
        raise DomainError(_l("The term cannot end before it starts."), field="term_end")
    check_seat_holder(user, email)
    before = snapshot(seat, *EDITABLE_SEAT_FIELDS)
    seat.person_name, seat.role = person_name, role
    seat.member_id = member.id if member else None
    seat.term_start, seat.term_end = term_start, term_end
    seat.user_id, seat.email = (user.id if user else None), (email or None)
    _flush(SEAT_CONFLICT)
    after = snapshot(seat, *EDITABLE_SEAT_FIELDS)
    if after != before:
        record(actor, "group.membership_edited", seat, before=before, after=after)


def _carry(actor: User, seat: GroupMembership, *, role: GroupRole, term_start: date,
           term_end: date | None) -> GroupMembership:
    """A new seat for the holder of `seat` (same person, login, email, member)."""
    return add_membership(actor, seat.group, person_name=seat.person_name, role=role,
                          term_start=term_start, term_end=term_end, user=seat.user,
                          member=seat.member, email=seat.email)


@dataclass
class NewChair:
    """Who takes the chair: the holder of another seat in the group, or a new person."""

    seat: GroupMembership | None = None
    person_name: str = ""
    user: User | None = None
    email: str | None = None
    member: Member | None = None


def change_chair(actor: User, group: Group, *, from_day: date, new: NewChair,
                 old_stays_member: bool = False) -> GroupMembership:
    """One act: the present chair's seat ends the day before `from_day` (they may go on
    as a member from that day), and the new chair holds the chair from `from_day` to
    the end of the old chair's term. A seat the new chair held ends too; chair_of(group,
    day) then names the old chair before the day and the new one from it."""
    _require(actor, group)
    old = chair_of(group, from_day)
    if old is not None and old.term_start >= from_day:
        raise DomainError(_l("The present chair's term starts on or after this day; edit "
                          "that seat instead."), field="from_day")
    if new.seat is not None and (new.seat.group_id != group.id
                                 or not new.seat.serves_on(from_day)):
        raise DomainError(_l("Choose a seat in this group that is held on that day."),
                          field="seat")
    if new.seat is not None and old is not None and new.seat.id == old.id:
        raise DomainError(_l("This person holds the chair already."), field="seat")
    if new.seat is None and not new.person_name:
        raise DomainError(_l("Choose a seat holder or write the new chair's name."),
                          field="person_name")
    term_end = old.term_end if old is not None else None
    if old is not None:
        end_membership(actor, old, from_day - timedelta(days=1))
        if old_stays_member:
            _carry(actor, old, role=GroupRole.MEMBER, term_start=from_day,
                   term_end=term_end)
    if new.seat is not None:
        held_until = new.seat.term_end
        if new.seat.term_start >= from_day:
            raise DomainError(_l("That seat starts on or after this day; edit it instead."),
                              field="seat")
        end_membership(actor, new.seat, from_day - timedelta(days=1))
        chair = _carry(actor, new.seat, role=GroupRole.CHAIR, term_start=from_day,
                       term_end=term_end or held_until)
    else:
        check_seat_holder(new.user, new.email)
        chair = add_membership(actor, group, person_name=new.person_name,
                               role=GroupRole.CHAIR, term_start=from_day, term_end=term_end,
                               user=new.user, email=new.email, member=new.member)
    record(actor, "group.chair_changed", group,
           before={"chair": old.id if old else None},
           after={"chair": chair.id, "from": from_day.isoformat(),
                  "old_stays_member": old_stays_member})
    return chair


@dataclass
class Continuing:
    """A seat of the old term carried into the new, in this role."""

    seat: GroupMembership
    role: GroupRole


def current_seats(group: Group, day: date) -> list[GroupMembership]:
    """The seats held on `day`, chair first, in the order the preview lists them."""
    order = list(GroupRole)
    return sorted(seats_on(group, day), key=lambda s: (order.index(s.role), s.person_name))


def change_term(actor: User, group: Group, *, old_term_end: date, new_term_start: date,
                new_term_end: date | None, continuing: list[Continuing]
                ) -> list[GroupMembership]:
    """The term change-over after a municipal election, in one act: every seat held on
    `old_term_end` ends on it (a seat ending earlier is left alone), and the continuing
    ones start again in the new term. Everything or nothing: a refusal raises before
    the transaction commits."""
    _require(actor, group)
    if new_term_start <= old_term_end:
        raise DomainError(_l("The new term must start after the old one ends."),
                          field="new_term_start")
    if new_term_end is not None and new_term_end < new_term_start:
        raise DomainError(_l("The term cannot end before it starts."), field="new_term_end")
    current = current_seats(group, old_term_end)
    held = {seat.id for seat in current}
    if any(c.seat.id not in held for c in continuing):
        raise DomainError(_l("The seats changed while you were looking at them. Here they "
                             "are as they are now."))
    for seat in current:
        if seat.term_start > old_term_end:
            raise DomainError(_l("A seat starts after the old term ends: %(name)s.",
                                 name=seat.person_name), field="old_term_end")
        if seat.term_end is None or seat.term_end > old_term_end:
            end_membership(actor, seat, old_term_end)
    carried = [_carry(actor, c.seat, role=c.role, term_start=new_term_start,
                      term_end=new_term_end) for c in continuing]
    record(actor, "group.term_changed", group,
           before={"seats": sorted(held)},
           after={"old_term_end": old_term_end.isoformat(),
                  "new_term_start": new_term_start.isoformat(),
                  "seats": [seat.id for seat in carried]})
    return carried


# --- Documents for a person outside Samråd -----------------------------------------

def _papers_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="seat-papers")


def papers_token(seat: GroupMembership, meeting: Meeting) -> str:
    """The secret part of the address where a seat's holder reads the meeting's
    documents without a login: signed, so it cannot be made for another seat or
    meeting."""
    return _papers_serializer().dumps([seat.id, meeting.id])


def _signed(token: str) -> tuple[int, int] | None:
    try:
        seat_id, meeting_id = _papers_serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return seat_id, meeting_id


def _reads(seat: GroupMembership) -> bool:
    today = oslo(now()).date()
    return bool(seat.email) and (seat.term_end is None or seat.term_end >= today)


def papers_for(token: str) -> tuple[GroupMembership, Meeting] | None:
    """The seat and meeting a token was made for, if it is genuine and the seat still
    has an email address and is not over (an ended seat reads no more)."""
    signed = _signed(token)
    if signed is None:
        return None
    seat = db.session.get(GroupMembership, signed[0])
    meeting = db.session.get(Meeting, signed[1])
    if seat is None or meeting is None or seat.group_id != meeting.group_id:
        return None
    return (seat, meeting) if _reads(seat) else None


def papers_document(token: str, kind: DocumentKind) -> MeetingDocument | None:
    """The latest `kind` document of the meeting a token was made for, with its
    meeting, in one query: None where `papers_for` finds nothing, or there is no such
    document."""
    signed = _signed(token)
    if signed is None:
        return None
    seat_id, meeting_id = signed
    found = db.session.execute(
        select(MeetingDocument, GroupMembership)
        .join(Meeting, Meeting.id == MeetingDocument.meeting_id)
        .join(GroupMembership, and_(GroupMembership.id == seat_id,
                                    GroupMembership.group_id == Meeting.group_id))
        .where(MeetingDocument.meeting_id == meeting_id, MeetingDocument.kind == kind)
        .options(contains_eager(MeetingDocument.meeting))
        .order_by(MeetingDocument.revision.desc()).limit(1)).first()
    return found[0] if found is not None and _reads(found[1]) else None

