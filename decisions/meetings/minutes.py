"""The acts on a meeting once it is held: attendance, the meeting leader and the
minute-taker, each item's notes, decision, protocol entries, absences and actions, and
the approval of the minutes, published as a PDF."""

from collections.abc import Callable
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from decisions.accounts.models import User
from decisions.audit.services import record, snapshot
from decisions.clock import now, oslo
from decisions.errors import Conflict, DomainError
from decisions.extensions import db
from decisions.followup.models import FollowupItem
from decisions.meetings import pdf, rules
from decisions.meetings.acts import (
    flush_or_conflict,
    lock_meeting,
    move,
    refuse,
    require,
    set_state,
)
from decisions.meetings.documents import record_document, render_and_store
from decisions.meetings.models import (
    AbsenceKind,
    ActionItem,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    DocumentKind,
    EntryKind,
    GroupRole,
    ItemAbsence,
    Meeting,
    MeetingDocument,
    MeetingState,
    ProtocolEntry,
)
from decisions.meetings.queries import active_items, with_agenda
from decisions.meetings.services import _officers_of_the_day, seats_on
from decisions.members.models import Member
from decisions.proposals.models import Position, PositionKind, Round
from decisions.signals import minutes_approved, minutes_ready

# Seats that are expected at a meeting; deputies and observers come when called in.
EXPECTED_ROLES = (GroupRole.CHAIR, GroupRole.DEPUTY_CHAIR, GroupRole.MEMBER,
                  GroupRole.SECRETARY)
OFFICER_FIELDS = ("meeting_leader", "minute_taker")
NOTED = {PositionKind.RESERVATION: EntryKind.RESERVATION,
         PositionKind.STAND_ASIDE: EntryKind.STAND_ASIDE}
ATTENDANCE_CONFLICT = _l("Someone else changed this line of attendance first. "
                         "Here is what is saved now.")
APPROVAL_FIELDS = ("minutes_approved_at", "minutes_approved_by_id",
                   "minutes_approved_by_chair", "minutes_approved_by")


def mark_held(actor: User, meeting: Meeting) -> None:
    """The meeting took place: attendance starts from the seats of the day (all
    present; the secretary records apologies and deputies), and items linked to a
    proposal get the round's reservations and stand-asides as protocol entries."""
    require(actor, "manage", meeting)
    meeting = lock_meeting(meeting)
    refuse(rules.why_not_held(meeting, now()))
    day = oslo(meeting.starts_at).date()
    for seat in seats_on(meeting.group, day):
        if seat.role in EXPECTED_ROLES:
            db.session.add(Attendance(meeting_id=meeting.id, person_name=seat.person_name,
                                      membership_id=seat.id,
                                      status=AttendanceStatus.PRESENT))
    for item in active_items(meeting):
        if item.proposal_id is not None and not item.entries:
            _prefill_entries(item)
    leader, taker = _officers_of_the_day(meeting.group, day)
    meeting.meeting_leader = meeting.meeting_leader or leader
    meeting.minute_taker = meeting.minute_taker or taker
    set_state(actor, meeting, MeetingState.HELD, "meeting.held")


def _prefill_entries(item: AgendaItem) -> None:
    round_id = db.session.scalar(
        select(func.max(Round.id)).where(Round.proposal_id == item.proposal_id))
    if round_id is None:
        return
    positions = db.session.scalars(
        select(Position).where(Position.round_id == round_id,
                               Position.kind.in_(list(NOTED)))
        .order_by(Position.member_id))
    for position in positions:
        db.session.add(ProtocolEntry(item_id=item.id, kind=NOTED[position.kind],
                                     member_id=position.member_id,
                                     text=position.comment or ""))


def _check_minutes_open(meeting: Meeting) -> None:
    refuse(rules.why_not_minutes_written(meeting))


def _minutes_drafted(actor: User, meeting: Meeting) -> None:
    if meeting.state == MeetingState.HELD:
        set_state(actor, meeting, MeetingState.MINUTES_DRAFTED, "minutes.drafted")


def set_minutes_officers(actor: User, meeting: Meeting, *, meeting_leader: str,
                         minute_taker: str) -> None:
    """Names the meeting leader (møteleder) and the minute-taker (protokollfører)."""
    require(actor, "write_minutes", meeting)
    meeting = lock_meeting(meeting)
    _check_minutes_open(meeting)
    if (meeting_leader, minute_taker) == (meeting.meeting_leader, meeting.minute_taker):
        return
    before = snapshot(meeting, *OFFICER_FIELDS)
    meeting.meeting_leader, meeting.minute_taker = meeting_leader, minute_taker
    db.session.flush()
    record(actor, "minutes.officers_set", meeting, before=before,
           after=snapshot(meeting, *OFFICER_FIELDS))
    _minutes_drafted(actor, meeting)


def save_item_minutes(actor: User, item: AgendaItem, *, lock_version: int, notes: str,
                      decision_text: str) -> None:
    """Saves an item's notes and decision. A save based on an older text than the one
    stored is refused with Conflict, so two secretaries never overwrite each other."""
    require(actor, "write_minutes", item.meeting)
    meeting = lock_meeting(item.meeting)
    _check_minutes_open(meeting)
    if lock_version != item.lock_version:
        raise Conflict(_l("Someone else saved this item while you were writing."))
    if (notes, decision_text) == (item.notes, item.decision_text):
        return
    before = snapshot(item, "notes", "decision_text")
    item.notes, item.decision_text = notes, decision_text
    flush_or_conflict()
    record(actor, "minutes.item_saved", item, before=before,
           after=snapshot(item, "notes", "decision_text"))
    _minutes_drafted(actor, meeting)


def set_attendance(actor: User, meeting: Meeting, *, person_name: str,
                   status: AttendanceStatus, stands_in_for: str = "", note: str = "",
                   attendance: Attendance | None = None,
                   lock_version: int | None = None) -> Attendance:
    """Adds a line of attendance, or changes the one saved as `lock_version`."""
    require(actor, "write_minutes", meeting)
    meeting = lock_meeting(meeting)
    _check_minutes_open(meeting)
    if attendance is not None and attendance.meeting_id != meeting.id:
        raise ValueError("that attendance line belongs to another meeting")
    if status == AttendanceStatus.DEPUTY and not stands_in_for:
        raise DomainError(_l("Say whom the deputy stands in for."), field="stands_in_for")
    if attendance is None:
        attendance = Attendance(meeting_id=meeting.id, person_name=person_name,
                                status=status)
        db.session.add(attendance)
        before = None
    else:
        if lock_version is not None and lock_version != attendance.lock_version:
            raise Conflict(ATTENDANCE_CONFLICT)
        before = snapshot(attendance, "person_name", "status", "stands_in_for", "note")
    attendance.person_name, attendance.status = person_name, status
    attendance.stands_in_for = stands_in_for if status == AttendanceStatus.DEPUTY else ""
    attendance.note = note
    flush_or_conflict(ATTENDANCE_CONFLICT)
    record(actor, "minutes.attendance_set", attendance, before=before,
           after=snapshot(attendance, "meeting_id", "person_name", "status",
                          "stands_in_for", "note"))
    _minutes_drafted(actor, meeting)
    return attendance


def remove_attendance(actor: User, attendance: Attendance) -> None:
    require(actor, "write_minutes", attendance.meeting)
    meeting = lock_meeting(attendance.meeting)
    _check_minutes_open(meeting)
    record(actor, "minutes.attendance_removed", attendance,
           before=snapshot(attendance, "meeting_id", "person_name", "status"))
    db.session.delete(attendance)
    db.session.flush()


def _add_line(actor: User, item: AgendaItem, line, act: str, *fields: str):
    """Adds a protocol entry, an absence or an action to an item's unapproved minutes."""
    require(actor, "write_minutes", item.meeting)
    meeting = lock_meeting(item.meeting)
    _check_minutes_open(meeting)
    db.session.add(line)
    db.session.flush()
    record(actor, act, line, after=snapshot(line, "item_id", *fields))
    _minutes_drafted(actor, meeting)
    return line


def add_entry(actor: User, item: AgendaItem, *, kind: EntryKind, text: str,
              member: Member | None = None) -> ProtocolEntry:
    entry = ProtocolEntry(item_id=item.id, kind=kind, text=text,
                          member_id=member.id if member else None)
    return _add_line(actor, item, entry, "minutes.entry_added", "kind", "member_id", "text")


def add_absence(actor: User, item: AgendaItem, *, person_name: str, kind: AbsenceKind,
                note: str = "") -> ItemAbsence:
    absence = ItemAbsence(item_id=item.id, person_name=person_name, kind=kind, note=note)
    return _add_line(actor, item, absence, "minutes.absence_added", "person_name", "kind",
                     "note")


def add_action(actor: User, item: AgendaItem, *, description: str, owner: str,
               due: date | None) -> ActionItem:
    action = ActionItem(item_id=item.id, description=description, owner=owner, due=due)
    return _add_line(actor, item, action, "minutes.action_added", "description", "owner",
                     "due")


def remove_minutes_line(actor: User, line: ProtocolEntry | ItemAbsence | ActionItem) -> None:
    """Removes a protocol entry, an absence or an action item from unapproved minutes."""
    require(actor, "write_minutes", line.item.meeting)
    meeting = lock_meeting(line.item.meeting)
    _check_minutes_open(meeting)
    if isinstance(line, ActionItem) and db.session.scalar(
            select(FollowupItem.id).where(FollowupItem.action_id == line.id).limit(1)):
        raise DomainError(_l("The action has follow-up items: it stays in the minutes."))
    record(actor, f"minutes.{line.__tablename__}_removed", line,
           before={"item_id": line.item_id})
    db.session.delete(line)
    db.session.flush()


# --- Approval: frozen, rendered outside the write transaction, recorded ---------------
# (documents.py tells why.)

def _check_approval(actor: User, meeting: Meeting, by_item: AgendaItem | None) -> None:
    if by_item is None:
        require(actor, "approve_as_chair", meeting)
        refused = rules.why_not_approved_by_chair(meeting, now())
    else:
        require(actor, "manage", meeting)
        refused = rules.why_not_approved_by_item(meeting, by_item, by_item.meeting, now())
    refuse(refused)


def prepare_minutes(actor: User, meeting: Meeting, by_item: AgendaItem | None,
                    approved_at: datetime) -> tuple[pdf.Frozen, pdf.Frozen]:
    """The minutes as they will be approved, frozen, from a reading transaction: the
    members' version and the public (redacted) one."""
    _check_approval(actor, meeting, by_item)
    meeting = with_agenda(meeting)
    approval = (approved_at, actor.id, by_item is None, actor)
    for field, value in zip(APPROVAL_FIELDS, approval, strict=True):
        set_committed_value(meeting, field, value)  # as loaded, never written from here
    try:
        return (pdf.minutes_source(meeting, by_item),
                pdf.minutes_source(meeting, by_item, public=True))
    finally:
        db.session.expire(meeting, list(APPROVAL_FIELDS))


def approve_minutes(actor: User, meeting: Meeting, *, by_item: AgendaItem | None = None,
                    claim: Callable[[], object] | None = None) -> MeetingDocument:
    """Approves the minutes, by the chair (no item) or by the approval item of a later
    meeting that has been held. The PDF is rendered now, once, outside the write
    transaction, and kept with its hash."""
    approved_at = now()
    source = prepare_minutes(actor, meeting, by_item, approved_at)
    members, public = source
    stored = render_and_store(lambda: {
        DocumentKind.MINUTES: pdf.render_minutes(members),
        DocumentKind.PUBLIC_MINUTES: pdf.render_public_minutes(public)})
    if claim is not None:
        claim()
    meeting = lock_meeting(meeting)
    if prepare_minutes(actor, meeting, by_item, approved_at) != source:
        raise Conflict(_l("The minutes changed while their PDF was being made, so they "
                          "were not approved. Read them again and approve them."))
    before = snapshot(meeting, "state")
    move(meeting, MeetingState.MINUTES_APPROVED)
    meeting.minutes_approved_at = approved_at
    meeting.minutes_approved_by_id = actor.id
    meeting.minutes_approved_by_chair = by_item is None
    db.session.flush()
    document = record_document(meeting, DocumentKind.MINUTES,
                               stored[DocumentKind.MINUTES])
    record_document(meeting, DocumentKind.PUBLIC_MINUTES, stored[DocumentKind.PUBLIC_MINUTES])
    record(actor, "minutes.approved", meeting, before=before,
           after=snapshot(meeting, "state", "minutes_approved_by_chair")
           | {"by_item": by_item.id if by_item else None, "sha256": document.sha256})
    minutes_approved.send(meeting=meeting)
    return document


def mark_minutes_ready(actor: User, meeting: Meeting) -> None:
    """The minutes are written: the chair of the meeting's day is told that they
    await approval (the minutes_ready event)."""
    require(actor, "write_minutes", meeting)
    if meeting.state != MeetingState.MINUTES_DRAFTED:
        raise DomainError(_l("Only drafted minutes can be marked ready for approval."))
    if meeting.minutes_ready_at is not None:
        raise DomainError(_l("The minutes are marked ready for approval already."))
    before = snapshot(meeting, "minutes_ready_at")
    meeting.minutes_ready_at = now()
    db.session.flush()
    record(actor, "minutes.ready", meeting, before=before,
           after=snapshot(meeting, "minutes_ready_at"))
    minutes_ready.send(meeting=meeting)
