"""The acts on a meeting before it is held: plan, edit and cancel it, build and number
its agenda, and publish its notice (and revised notices) as PDFs."""

from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from decisions.accounts.models import User
from decisions.audit.services import record, snapshot
from decisions.clock import now, oslo
from decisions.errors import Conflict, DomainError
from decisions.extensions import db
from decisions.meetings import pdf, rules
from decisions.meetings.acts import (
    flush_or_conflict,
    lock_meeting,
    move,
    refuse,
    require,
    set_state,
)
from decisions.meetings.documents import Stored, record_document, render_and_store
from decisions.meetings.models import (
    AgendaItem,
    DocumentKind,
    Group,
    ItemKind,
    Meeting,
    MeetingDocument,
    MeetingState,
)
from decisions.meetings.queries import (
    active_items,
    latest_document,
    previous_meeting,
    with_agenda,
)
from decisions.numbering import current_value, next_number
from decisions.proposals.models import Proposal
from decisions.signals import meeting_cancelled, notice_preparing, notice_published

ITEM_FIELDS = ("title", "kind", "case_officer", "proposed_resolution", "background",
               "exempt_basis", "proposal_id")
MEETING_FIELDS = ("starts_at", "ends_at", "place", "video_url")


def _counter(group_id: int) -> str:
    return f"agenda-item:{group_id}"


# --- Meetings -------------------------------------------------------------------------

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
        require(actor, "manage", group)
    if ends_at is not None and ends_at <= starts_at:
        raise DomainError(_l("The meeting must end after it starts."), field="ends_at")
    meeting = Meeting(group=group, starts_at=starts_at, ends_at=ends_at, place=place,
                      video_url=video_url, state=MeetingState.PLANNED, notice_revision=0,
                      created_at=now())
    db.session.add(meeting)
    db.session.flush()
    previous = previous_meeting(group, starts_at)
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
    require(actor, "manage", meeting)
    meeting = lock_meeting(meeting)
    refuse(rules.why_not_edited(meeting))
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
    require(actor, "manage", meeting)
    meeting = lock_meeting(meeting)
    refuse(rules.why_not_cancelled(meeting))
    set_state(actor, meeting, MeetingState.CANCELLED, "meeting.cancelled")
    meeting_cancelled.send(meeting=meeting)


# --- The agenda -----------------------------------------------------------------------

def _number(item: AgendaItem, meeting: Meeting) -> None:
    year = oslo(meeting.starts_at).year
    item.year, item.number = year, next_number(_counter(meeting.group_id), year)


def _check_agenda_open(meeting: Meeting) -> None:
    refuse(rules.why_not_agenda_changed(meeting))


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
    require(actor, "manage", meeting)
    meeting = lock_meeting(meeting)
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
    require(actor, "manage", item.meeting)
    meeting = lock_meeting(item.meeting)
    _check_agenda_open(meeting)
    _check_proposal(proposal)
    if lock_version != item.lock_version:
        raise Conflict(_l("Someone else saved this item while you were editing it."))
    before = snapshot(item, *ITEM_FIELDS)
    item.title, item.kind, item.case_officer = title, kind, case_officer
    item.proposed_resolution, item.background = proposed_resolution, background
    item.exempt_basis = exempt_basis
    item.proposal_id = proposal.id if proposal else None
    flush_or_conflict()
    record(actor, "agenda.item_edited", item, before=before,
           after=snapshot(item, *ITEM_FIELDS))


def remove_item(actor: User, item: AgendaItem) -> None:
    """Removes an item from the agenda. A number it was given stays used."""
    require(actor, "manage", item.meeting)
    meeting = lock_meeting(item.meeting)
    _check_agenda_open(meeting)
    item.removed = True
    db.session.flush()
    record(actor, "agenda.item_removed", item,
           before=snapshot(item, "title", "year", "number"))


def reorder_items(actor: User, meeting: Meeting, order: list[int]) -> None:
    """Puts the items in the given order of ids (every active item exactly once)."""
    require(actor, "manage", meeting)
    meeting = lock_meeting(meeting)
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


# --- The notice: frozen, rendered outside the write transaction, recorded -------------
# (documents.py tells why.)

class NothingChanged(DomainError):
    """Publishing again would issue the same notice."""


def _frozen_numbers(meeting: Meeting) -> list[tuple[AgendaItem, int, int]]:
    """The numbers the unnumbered items will get when the notice is recorded, in
    agenda order, without taking them."""
    year = oslo(meeting.starts_at).year
    taken = current_value(_counter(meeting.group_id), year)
    unnumbered = [item for item in active_items(meeting) if item.number is None]
    return [(item, year, taken + n) for n, item in enumerate(unnumbered, start=1)]


def prepare_notice(actor: User, meeting: Meeting) -> pdf.NoticeSnapshot:
    """The notice of the next revision frozen, or NothingChanged
    when it would say what the published one says."""
    require(actor, "manage", meeting)
    _check_agenda_open(meeting)
    meeting = with_agenda(meeting)
    if not active_items(meeting):
        raise DomainError(_l("An agenda needs at least one item."))
    notice_preparing.send(meeting=meeting)  # items written at publishing (report back)
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
    frozen = prepare_notice(actor, meeting)
    stored = render_and_store(lambda: dict(zip(
        (DocumentKind.NOTICE, DocumentKind.PACK), pdf.render_notice(frozen),
        strict=True)) | {DocumentKind.PUBLIC_NOTICE: pdf.render_public_notice(frozen)})
    if claim is not None:
        claim()
    return record_notice(actor, meeting, frozen, stored)


def record_notice(actor: User, meeting: Meeting, frozen: pdf.NoticeSnapshot,
                  stored: dict[DocumentKind, Stored]) -> MeetingDocument:
    """Records a rendered notice and pack, if the agenda is still what they show."""
    meeting = lock_meeting(meeting)
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
    move(meeting, MeetingState.NOTICE_PUBLISHED)
    meeting.notice_revision = frozen.revision
    meeting.notice_published_at = now()
    db.session.flush()
    document = record_document(meeting, DocumentKind.NOTICE, stored[DocumentKind.NOTICE],
                               content_sha256=frozen.content_sha256)
    record_document(meeting, DocumentKind.PACK, stored[DocumentKind.PACK])
    record_document(meeting, DocumentKind.PUBLIC_NOTICE, stored[DocumentKind.PUBLIC_NOTICE])
    record(actor, "meeting.notice_published", meeting, before=before,
           after=snapshot(meeting, "state", "notice_revision"))
    notice_published.send(meeting=meeting)
    return document
