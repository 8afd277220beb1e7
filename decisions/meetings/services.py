"""Every act on groups, meetings, agendas and minutes: the only code that writes them."""

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from decisions.accounts.models import User
from decisions.accounts.services import EMAIL_SHAPE
from decisions.audit.services import record, snapshot
from decisions.clock import now, oslo
from decisions.database import begin_writes
from decisions.errors import Conflict, DomainError, NotAllowed
from decisions.extensions import db
from decisions.files import storage
from decisions.meetings import rules
from decisions.meetings.models import (
    AbsenceKind,
    ActionItem,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    DocumentKind,
    EntryKind,
    Group,
    GroupKind,
    GroupMembership,
    GroupRole,
    ItemAbsence,
    ItemKind,
    Meeting,
    MeetingDocument,
    MeetingState,
    ProtocolEntry,
)
from decisions.meetings.queries import active_items, meeting_with_agenda
from decisions.members.models import Member
from decisions.numbering import current_value, next_number
from decisions.permissions import can
from decisions.proposals.models import Position, PositionKind, Proposal, Round
from decisions.signals import (
    meeting_cancelled,
    minutes_approved,
    notice_published,
)

if TYPE_CHECKING:
    from decisions.meetings.pdf import Frozen, NoticeSnapshot

log = logging.getLogger(__name__)

AGENDA_OPEN = (MeetingState.PLANNED, MeetingState.NOTICE_PUBLISHED)
MINUTES_OPEN = (MeetingState.HELD, MeetingState.MINUTES_DRAFTED)
ITEM_FIELDS = ("title", "kind", "case_officer", "proposed_resolution", "background",
               "exempt_basis", "proposal_id")
MEETING_FIELDS = ("starts_at", "ends_at", "place", "video_url")
# Seats that are expected at a meeting; deputies and observers come when called in.
EXPECTED_ROLES = (GroupRole.CHAIR, GroupRole.DEPUTY_CHAIR, GroupRole.MEMBER,
                  GroupRole.SECRETARY)


def _require(actor: User, action: str, obj: object) -> None:
    if not can(actor, action, obj):
        raise NotAllowed(_l("You may not do this."))


def _lock_meeting(meeting: Meeting) -> Meeting:
    """Every act on a meeting or its items takes the meeting's row first, so
    concurrent acts queue (PostgreSQL row lock; SQLite writes are serialized)."""
    return db.session.scalars(
        select(Meeting).where(Meeting.id == meeting.id).with_for_update()
        .execution_options(populate_existing=True)).one()


def _counter(group_id: int) -> str:
    return f"agenda-item:{group_id}"


# --- Groups ---------------------------------------------------------------------------

def create_group(actor: User | None, *, name: str, kind: GroupKind) -> Group:
    if actor is not None:
        _require(actor, "manage_seats", Group(name=name, kind=kind))
    if db.session.scalar(select(Group.id).where(Group.name == name)) is not None:
        raise DomainError(_l("A group with this name exists already."), field="name")
    group = Group(name=name, kind=kind, active=True)
    db.session.add(group)
    db.session.flush()
    record(actor, "group.created", group, after=snapshot(group, "name", "kind"))
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


# --- Meetings -------------------------------------------------------------------------

def _previous_meeting(group: Group, before: datetime) -> Meeting | None:
    return db.session.scalar(
        select(Meeting).where(Meeting.group_id == group.id, Meeting.starts_at < before,
                              Meeting.state != MeetingState.CANCELLED)
        .order_by(Meeting.starts_at.desc()).limit(1))


def _default_title(kind: ItemKind, previous: Meeting | None) -> str:
    # Stored in the alliance's language (bokmål): an agenda is a document, not UI.
    if kind == ItemKind.APPROVE_NOTICE:
        return "Godkjenning av innkalling og saksliste"
    if kind == ItemKind.APPROVE_MINUTES:
        day = oslo(previous.starts_at).strftime("%d.%m.%Y") if previous else ""
        return f"Godkjenning av protokoll fra møte {day}".strip()
    return "Eventuelt"


def plan_meeting(actor: User | None, group: Group, *, starts_at: datetime,
                 ends_at: datetime | None = None, place: str = "",
                 video_url: str = "") -> Meeting:
    """A planned meeting, with the two opening items and "any other business"."""
    if actor is not None:
        _require(actor, "manage", group)
    if ends_at is not None and ends_at <= starts_at:
        raise DomainError(_l("The meeting must end after it starts."), field="ends_at")
    meeting = Meeting(group=group, starts_at=starts_at, ends_at=ends_at, place=place,
                      video_url=video_url, state=MeetingState.PLANNED, notice_revision=0,
                      created_at=now())
    db.session.add(meeting)
    db.session.flush()
    previous = _previous_meeting(group, starts_at)
    defaults = [ItemKind.APPROVE_NOTICE]
    if previous is not None:
        defaults.append(ItemKind.APPROVE_MINUTES)
    defaults.append(ItemKind.OTHER_BUSINESS)
    for position, kind in enumerate(defaults, start=1):
        db.session.add(AgendaItem(
            meeting_id=meeting.id, group_id=group.id, position=position, kind=kind,
            title=_default_title(kind, previous),
            approves_meeting_id=previous.id if kind == ItemKind.APPROVE_MINUTES else None))
    db.session.flush()
    record(actor, "meeting.planned", meeting,
           after=snapshot(meeting, "group_id", *MEETING_FIELDS))
    return meeting


def edit_meeting(actor: User, meeting: Meeting, *, lock_version: int, starts_at: datetime,
                 ends_at: datetime | None, place: str, video_url: str) -> None:
    _require(actor, "manage", meeting)
    meeting = _lock_meeting(meeting)
    if meeting.state not in AGENDA_OPEN:
        raise DomainError(_l("Time and place can only be changed before the meeting."))
    if lock_version != meeting.lock_version:
        raise Conflict(_l("Someone else changed this meeting while you were editing it."))
    if ends_at is not None and ends_at <= starts_at:
        raise DomainError(_l("The meeting must end after it starts."), field="ends_at")
    before = snapshot(meeting, *MEETING_FIELDS)
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.place, meeting.video_url = place, video_url
    db.session.flush()
    record(actor, "meeting.edited", meeting, before=before,
           after=snapshot(meeting, *MEETING_FIELDS))


def cancel_meeting(actor: User, meeting: Meeting) -> None:
    _require(actor, "manage", meeting)
    meeting = _lock_meeting(meeting)
    if meeting.state not in AGENDA_OPEN:
        raise DomainError(_l("Only a meeting that has not been held can be cancelled."))
    _set_state(actor, meeting, MeetingState.CANCELLED, "meeting.cancelled")
    meeting_cancelled.send(meeting=meeting)


def _set_state(actor: User | None, meeting: Meeting, state: MeetingState, act: str) -> None:
    before = snapshot(meeting, "state")
    meeting.state = state
    db.session.flush()
    record(actor, act, meeting, before=before, after=snapshot(meeting, "state"))


# --- The agenda -----------------------------------------------------------------------

def _number(item: AgendaItem, meeting: Meeting) -> None:
    year = oslo(meeting.starts_at).year
    item.year, item.number = year, next_number(_counter(meeting.group_id), year)


def _check_agenda_open(meeting: Meeting) -> None:
    if meeting.state not in AGENDA_OPEN:
        raise DomainError(_l("The agenda of a meeting that has been held or cancelled "
                             "cannot be changed."))


def _check_proposal(proposal: Proposal | None) -> None:
    if proposal is not None and proposal.case_number is None:
        raise DomainError(_l("Only a proposal that has been circulated can be put on an "
                             "agenda."), field="proposal")


def add_item(actor: User, meeting: Meeting, *, kind: ItemKind, title: str,
             proposal: Proposal | None = None, case_officer: str = "",
             proposed_resolution: str = "", background: str = "",
             exempt_basis: str = "") -> AgendaItem:
    """A new item, placed before "any other business". After the notice is out it
    gets its number at once; the next notice will be a revised one."""
    _require(actor, "manage", meeting)
    meeting = _lock_meeting(meeting)
    _check_agenda_open(meeting)
    _check_proposal(proposal)
    items = active_items(meeting)
    tail = [i for i in items if i.kind == ItemKind.OTHER_BUSINESS]
    position = tail[0].position if tail else (max((i.position for i in items), default=0) + 1)
    for later in items:
        if later.position >= position:
            later.position += 1
    item = AgendaItem(
        meeting_id=meeting.id, group_id=meeting.group_id, position=position, kind=kind,
        title=title, proposal_id=proposal.id if proposal else None,
        case_officer=case_officer, proposed_resolution=proposed_resolution,
        background=background, exempt_basis=exempt_basis)
    if proposal is not None and not proposed_resolution:
        item.proposed_resolution = proposal.resolution
    if meeting.state == MeetingState.NOTICE_PUBLISHED:
        _number(item, meeting)
    db.session.add(item)
    db.session.flush()
    record(actor, "agenda.item_added", item,
           after=snapshot(item, "meeting_id", "position", "year", "number", *ITEM_FIELDS))
    return item


def edit_item(actor: User, item: AgendaItem, *, lock_version: int, title: str,
              kind: ItemKind, case_officer: str, proposed_resolution: str, background: str,
              exempt_basis: str, proposal: Proposal | None) -> None:
    _require(actor, "manage", item.meeting)
    meeting = _lock_meeting(item.meeting)
    _check_agenda_open(meeting)
    _check_proposal(proposal)
    if lock_version != item.lock_version:
        raise Conflict(_l("Someone else saved this item while you were editing it."))
    before = snapshot(item, *ITEM_FIELDS)
    item.title, item.kind, item.case_officer = title, kind, case_officer
    item.proposed_resolution, item.background = proposed_resolution, background
    item.exempt_basis = exempt_basis
    item.proposal_id = proposal.id if proposal else None
    _flush_or_conflict()
    record(actor, "agenda.item_edited", item, before=before,
           after=snapshot(item, *ITEM_FIELDS))


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except StaleDataError:  # saved by someone else between our read and our write
        raise Conflict(_l("Someone else saved this item while you were editing it.")) \
            from None


def remove_item(actor: User, item: AgendaItem) -> None:
    """Removes an item from the agenda. A number it was given stays used."""
    _require(actor, "manage", item.meeting)
    meeting = _lock_meeting(item.meeting)
    _check_agenda_open(meeting)
    item.removed = True
    db.session.flush()
    record(actor, "agenda.item_removed", item,
           before=snapshot(item, "title", "year", "number"))


def reorder_items(actor: User, meeting: Meeting, order: list[int]) -> None:
    """Puts the items in the given order of ids (every active item exactly once)."""
    _require(actor, "manage", meeting)
    meeting = _lock_meeting(meeting)
    _check_agenda_open(meeting)
    items = {item.id: item for item in active_items(meeting)}
    if sorted(order) != sorted(items):
        raise Conflict(_l("The agenda changed while you were reordering it. "
                          "Here it is as it is now."))
    before = [i.id for i in sorted(items.values(), key=lambda i: i.position)]
    if before == order:
        return
    for position, item_id in enumerate(order, start=1):
        items[item_id].position = position
    db.session.flush()
    record(actor, "agenda.reordered", meeting, before={"order": before},
           after={"order": order})


def move_item(actor: User, item: AgendaItem, step: int) -> None:
    """Moves an item one place up (-1) or down (+1); at either end nothing happens."""
    order = [i.id for i in active_items(item.meeting)]
    index = order.index(item.id)
    target = index + step
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
        reorder_items(actor, item.meeting, order)


# --- Publishing: render outside the write transaction, then record ------------------
#
# A PDF takes seconds to render; holding the write lock that long stops every other
# writer (on SQLite, all of them). So publishing is three steps: freeze what the
# documents show into plain data (a reading transaction), render and store the files
# (no transaction), then record them in a short writing transaction that first checks
# nothing changed since the freeze. The files of a recording that does not commit are
# removed (storage.discard_unless_committed).

class NothingChanged(DomainError):
    """Publishing again would issue the same notice."""


class RenderFailed(DomainError):
    """The PDF renderer failed; nothing was published."""


class Stored(NamedTuple):
    key: str
    sha256: str
    size: int


RENDER_FAILED = _l("The PDF could not be made, so nothing was published and the meeting "
                   "is as it was. Try again; if it happens again, tell the system "
                   "administrator.")


def _render_and_store(render: Callable[[], dict[DocumentKind, bytes]]
                      ) -> dict[DocumentKind, Stored]:
    """Ends the reading transaction, renders and stores the documents, and hands their
    files to the next transaction, which keeps them only if it commits."""
    db.session.commit()  # only read so far: nothing is held while rendering
    try:
        documents = render()
    except Exception as error:  # noqa: BLE001 - any failure of WeasyPrint or pypdf
        log.exception("rendering a meeting document failed")
        raise RenderFailed(RENDER_FAILED) from error
    stored: dict[DocumentKind, Stored] = {}
    try:
        for kind, data in documents.items():
            key, digest = storage.save(data)
            stored[kind] = Stored(key, digest, len(data))
    except BaseException:
        storage.remove(s.key for s in stored.values())
        raise
    begin_writes()
    storage.discard_unless_committed(db.session, [s.key for s in stored.values()])
    return stored


def _frozen_numbers(meeting: Meeting) -> list[tuple[AgendaItem, int, int]]:
    """The numbers the unnumbered items will get when the notice is recorded, in
    agenda order, without taking them."""
    year = oslo(meeting.starts_at).year
    taken = current_value(_counter(meeting.group_id), year)
    unnumbered = [item for item in active_items(meeting) if item.number is None]
    return [(item, year, taken + n) for n, item in enumerate(unnumbered, start=1)]


def prepare_notice(actor: User, meeting: Meeting) -> "NoticeSnapshot":
    """The notice of the next revision frozen, or NothingChanged
    when it would say what the published one says."""
    from decisions.meetings import pdf  # WeasyPrint loads slowly; only when publishing

    _require(actor, "manage", meeting)
    _check_agenda_open(meeting)
    meeting = _with_agenda(meeting)
    if not active_items(meeting):
        raise DomainError(_l("An agenda needs at least one item."))
    numbers = _frozen_numbers(meeting)
    for item, year, number in numbers:  # as loaded, never written from here
        set_committed_value(item, "year", year)
        set_committed_value(item, "number", number)
    try:
        frozen = pdf.notice_snapshot(meeting, meeting.notice_revision + 1)
    finally:
        for item, _year, _number in numbers:
            db.session.expire(item, ["year", "number"])
    if meeting.state == MeetingState.NOTICE_PUBLISHED:
        last = latest_document(meeting, DocumentKind.NOTICE)
        if last is not None and last.content_sha256 == frozen.content_sha256:
            raise NothingChanged(_l(
                "Nothing has changed since the notice was published, so no revised "
                "notice was issued and nobody was notified."))
    return frozen


def publish_notice(actor: User, meeting: Meeting, *,
                   claim: Callable[[], object] | None = None) -> MeetingDocument:
    """Publishes the notice, or a revised notice when the agenda changed since the last
    one: numbers the unnumbered items in agenda order and stores the notice PDF and
    the meeting pack, rendered once, outside the write transaction. `claim` is called
    first in the recording transaction (the form's nonce)."""
    from decisions.meetings import pdf

    frozen = prepare_notice(actor, meeting)
    stored = _render_and_store(lambda: dict(zip(
        (DocumentKind.NOTICE, DocumentKind.PACK), pdf.render_notice(frozen),
        strict=True)))
    if claim is not None:
        claim()
    return record_notice(actor, meeting, frozen, stored)


def record_notice(actor: User, meeting: Meeting, frozen: "NoticeSnapshot",
                  stored: dict[DocumentKind, Stored]) -> MeetingDocument:
    """Records a rendered notice and pack, if the agenda is still what they show."""
    meeting = _lock_meeting(meeting)
    now_showing = prepare_notice(actor, meeting)
    if (now_showing.content_sha256, now_showing.revision) != (frozen.content_sha256,
                                                              frozen.revision):
        raise Conflict(_l("The agenda changed while the notice was being made, so nothing "
                          "was published. Look over the agenda and publish again."))
    for item, _year, number in _frozen_numbers(meeting):
        _number(item, meeting)
        if item.number != number:  # another meeting of the group took it meanwhile
            raise Conflict(_l("Another notice of this group took item numbers while "
                              "this one was being made, so nothing was published. "
                              "Publish again."))
    before = snapshot(meeting, "state", "notice_revision")
    meeting.state = MeetingState.NOTICE_PUBLISHED
    meeting.notice_revision = frozen.revision
    meeting.notice_published_at = now()
    db.session.flush()
    document = _record_document(meeting, DocumentKind.NOTICE, stored[DocumentKind.NOTICE],
                                content_sha256=frozen.content_sha256)
    _record_document(meeting, DocumentKind.PACK, stored[DocumentKind.PACK])
    record(actor, "meeting.notice_published", meeting, before=before,
           after=snapshot(meeting, "state", "notice_revision"))
    notice_published.send(meeting=meeting)
    return document


def _with_agenda(meeting: Meeting) -> Meeting:
    """The meeting with everything a PDF shows, loaded afresh in a fixed number of
    queries: collections loaded earlier in the session would miss rows added since."""
    db.session.flush()
    db.session.expire_all()
    return meeting_with_agenda(meeting.id)


def _record_document(meeting: Meeting, kind: DocumentKind, stored: Stored, *,
                     content_sha256: str | None = None) -> MeetingDocument:
    revision = meeting.notice_revision if kind != DocumentKind.MINUTES else 1
    document = MeetingDocument(meeting_id=meeting.id, kind=kind, revision=revision,
                               storage_key=stored.key, sha256=stored.sha256,
                               size=stored.size, content_sha256=content_sha256,
                               created_at=now())
    db.session.add(document)
    db.session.flush()
    return document


def latest_document(meeting: Meeting, kind: DocumentKind) -> MeetingDocument | None:
    return db.session.scalar(
        select(MeetingDocument).where(MeetingDocument.meeting_id == meeting.id,
                                      MeetingDocument.kind == kind)
        .order_by(MeetingDocument.revision.desc()).limit(1))


# --- Minutes --------------------------------------------------------------------------

def mark_held(actor: User, meeting: Meeting) -> None:
    """The meeting took place: attendance starts from the seats of the day (all
    present; the secretary records apologies and deputies), and items linked to a
    proposal get the round's reservations and stand-asides as protocol entries."""
    _require(actor, "manage", meeting)
    meeting = _lock_meeting(meeting)
    refused = rules.why_not_held(meeting, now())
    if refused is not None:
        raise DomainError(refused)
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
    _set_state(actor, meeting, MeetingState.HELD, "meeting.held")


def _officers_of_the_day(group: Group, day: date) -> tuple[str, str]:
    """Who leads the meeting and who takes the minutes unless the minutes say
    otherwise: the holders of the chair's and the secretary's seats."""
    seats = seats_on(group, day)

    def holder(role: GroupRole) -> str:
        return next((seat.person_name for seat in seats if seat.role == role), "")
    return holder(GroupRole.CHAIR), holder(GroupRole.SECRETARY)


OFFICER_FIELDS = ("meeting_leader", "minute_taker")


def set_minutes_officers(actor: User, meeting: Meeting, *, meeting_leader: str,
                         minute_taker: str) -> None:
    """Names the meeting leader (møteleder) and the minute-taker (protokollfører)."""
    _require(actor, "write_minutes", meeting)
    meeting = _lock_meeting(meeting)
    _check_minutes_open(meeting)
    if (meeting_leader, minute_taker) == (meeting.meeting_leader, meeting.minute_taker):
        return
    before = snapshot(meeting, *OFFICER_FIELDS)
    meeting.meeting_leader, meeting.minute_taker = meeting_leader, minute_taker
    db.session.flush()
    record(actor, "minutes.officers_set", meeting, before=before,
           after=snapshot(meeting, *OFFICER_FIELDS))
    _minutes_drafted(actor, meeting)


NOTED = {PositionKind.RESERVATION: EntryKind.RESERVATION,
         PositionKind.STAND_ASIDE: EntryKind.STAND_ASIDE}


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
    if meeting.state == MeetingState.MINUTES_APPROVED:
        raise DomainError(_l("Approved minutes are final and cannot be changed."))
    if meeting.state not in MINUTES_OPEN:
        raise DomainError(_l("Minutes are written once the meeting has been held."))


def _minutes_drafted(actor: User, meeting: Meeting) -> None:
    if meeting.state == MeetingState.HELD:
        _set_state(actor, meeting, MeetingState.MINUTES_DRAFTED, "minutes.drafted")


def save_item_minutes(actor: User, item: AgendaItem, *, lock_version: int, notes: str,
                      decision_text: str) -> None:
    """Saves an item's notes and decision. A save based on an older text than the one
    stored is refused with Conflict, so two secretaries never overwrite each other."""
    _require(actor, "write_minutes", item.meeting)
    meeting = _lock_meeting(item.meeting)
    _check_minutes_open(meeting)
    if lock_version != item.lock_version:
        raise Conflict(_l("Someone else saved this item while you were writing."))
    if (notes, decision_text) == (item.notes, item.decision_text):
        return
    before = snapshot(item, "notes", "decision_text")
    item.notes, item.decision_text = notes, decision_text
    _flush_or_conflict()
    record(actor, "minutes.item_saved", item, before=before,
           after=snapshot(item, "notes", "decision_text"))
    _minutes_drafted(actor, meeting)


ATTENDANCE_CONFLICT = _l("Someone else changed this line of attendance first. "
                         "Here is what is saved now.")


def set_attendance(actor: User, meeting: Meeting, *, person_name: str,
                   status: AttendanceStatus, stands_in_for: str = "", note: str = "",
                   attendance: Attendance | None = None,
                   lock_version: int | None = None) -> Attendance:
    """Adds a line of attendance, or changes the one saved as `lock_version`."""
    _require(actor, "write_minutes", meeting)
    meeting = _lock_meeting(meeting)
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
    try:
        db.session.flush()
    except StaleDataError:  # changed by someone else between our read and our write
        raise Conflict(ATTENDANCE_CONFLICT) from None
    record(actor, "minutes.attendance_set", attendance, before=before,
           after=snapshot(attendance, "meeting_id", "person_name", "status",
                          "stands_in_for", "note"))
    _minutes_drafted(actor, meeting)
    return attendance


def remove_attendance(actor: User, attendance: Attendance) -> None:
    _require(actor, "write_minutes", attendance.meeting)
    meeting = _lock_meeting(attendance.meeting)
    _check_minutes_open(meeting)
    record(actor, "minutes.attendance_removed", attendance,
           before=snapshot(attendance, "meeting_id", "person_name", "status"))
    db.session.delete(attendance)
    db.session.flush()


def _add_line(actor: User, item: AgendaItem, line, act: str, *fields: str):
    """Adds a protocol entry, an absence or an action to an item's unapproved minutes."""
    _require(actor, "write_minutes", item.meeting)
    meeting = _lock_meeting(item.meeting)
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
    _require(actor, "write_minutes", line.item.meeting)
    meeting = _lock_meeting(line.item.meeting)
    _check_minutes_open(meeting)
    record(actor, f"minutes.{line.__tablename__}_removed", line,
           before={"item_id": line.item_id})
    db.session.delete(line)
    db.session.flush()


def _check_approval(actor: User, meeting: Meeting, by_item: AgendaItem | None) -> None:
    if by_item is None:
        _require(actor, "approve_as_chair", meeting)
        refused = rules.why_not_approved_by_chair(meeting, now())
    else:
        _require(actor, "manage", meeting)
        refused = rules.why_not_approved_by_item(meeting, by_item, by_item.meeting, now())
    if refused is not None:
        raise DomainError(refused)


APPROVAL_FIELDS = ("minutes_approved_at", "minutes_approved_by_id",
                   "minutes_approved_by_chair", "minutes_approved_by")


def prepare_minutes(actor: User, meeting: Meeting, by_item: AgendaItem | None,
                    approved_at: datetime) -> "Frozen":
    """The minutes as they will be approved, frozen, from a reading transaction."""
    from decisions.meetings import pdf

    _check_approval(actor, meeting, by_item)
    meeting = _with_agenda(meeting)
    approval = (approved_at, actor.id, by_item is None, actor)
    for field, value in zip(APPROVAL_FIELDS, approval, strict=True):
        set_committed_value(meeting, field, value)  # as loaded, never written from here
    try:
        return pdf.minutes_source(meeting, by_item)
    finally:
        db.session.expire(meeting, list(APPROVAL_FIELDS))


def approve_minutes(actor: User, meeting: Meeting, *, by_item: AgendaItem | None = None,
                    claim: Callable[[], object] | None = None) -> MeetingDocument:
    """Approves the minutes, by the chair (no item) or by the approval item of a later
    meeting that has been held. The PDF is rendered now, once, outside the write
    transaction, and kept with its hash."""
    from decisions.meetings import pdf

    approved_at = now()
    source = prepare_minutes(actor, meeting, by_item, approved_at)
    stored = _render_and_store(lambda: {DocumentKind.MINUTES: pdf.render_minutes(source)})
    if claim is not None:
        claim()
    meeting = _lock_meeting(meeting)
    if prepare_minutes(actor, meeting, by_item, approved_at) != source:
        raise Conflict(_l("The minutes changed while their PDF was being made, so they "
                          "were not approved. Read them again and approve them."))
    before = snapshot(meeting, "state")
    meeting.state = MeetingState.MINUTES_APPROVED
    meeting.minutes_approved_at = approved_at
    meeting.minutes_approved_by_id = actor.id
    meeting.minutes_approved_by_chair = by_item is None
    db.session.flush()
    document = _record_document(meeting, DocumentKind.MINUTES,
                                stored[DocumentKind.MINUTES])
    record(actor, "minutes.approved", meeting, before=before,
           after=snapshot(meeting, "state", "minutes_approved_by_chair")
           | {"by_item": by_item.id if by_item else None, "sha256": document.sha256})
    minutes_approved.send(meeting=meeting)
    return document


def chair_of(group: Group, day: date) -> GroupMembership | None:
    return next((seat for seat in seats_on(group, day) if seat.role == GroupRole.CHAIR),
                None)
