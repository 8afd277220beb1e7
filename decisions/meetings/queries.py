"""Read-only queries for group, meeting and minutes pages and for the acts that read
before they write (agenda.py, minutes.py), each in a fixed number of SQL queries
whatever the size of the agenda."""

import functools
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from decisions.accounts.models import User
from decisions.extensions import db
from decisions.files.models import Attachment
from decisions.meetings import rules
from decisions.meetings.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    DocumentKind,
    Group,
    GroupMembership,
    GroupRole,
    ItemAbsence,
    ItemKind,
    Meeting,
    MeetingDocument,
    MeetingState,
    ProtocolEntry,
)
from decisions.permissions import chaired, visible
from decisions.proposals import queries as proposal_queries
from decisions.proposals.models import Proposal, ProposalStatus, ProposalVersion, Round
from decisions.proposals.rules import RoundState
from decisions.register.models import Decision, DecisionNote


def active_items(meeting: Meeting) -> list[AgendaItem]:
    """The agenda in order. Sorted here, not only by the relationship's ORDER BY, so
    that a second move in the same transaction sees the first."""
    return sorted((item for item in meeting.items if not item.removed),
                  key=lambda item: item.position)


def previous_meeting(group: Group, before: datetime) -> Meeting | None:
    """The group's last meeting before `before` that was not cancelled."""
    return db.session.scalar(
        select(Meeting).where(Meeting.group_id == group.id, Meeting.starts_at < before,
                              Meeting.state != MeetingState.CANCELLED)
        .order_by(Meeting.starts_at.desc()).limit(1))


def groups() -> list[Group]:
    return list(db.session.scalars(
        select(Group).where(Group.active).order_by(Group.kind, Group.name)))


def meetings_of(user: User, group_id: int) -> Select:
    """The meetings of a group that `user` may view, newest first."""
    return (select(Meeting).where(Meeting.group_id == group_id, visible(user, "meeting"))
            .order_by(Meeting.starts_at.desc()))


def upcoming(user: User, now: datetime, *, limit: int = 10) -> list[Meeting]:
    """Meetings from `now` on that `user` may view, not cancelled, soonest first."""
    query = (select(Meeting).options(selectinload(Meeting.group))
             .where(Meeting.starts_at >= now, Meeting.state != MeetingState.CANCELLED,
                    visible(user, "meeting")))
    return list(db.session.scalars(query.order_by(Meeting.starts_at).limit(limit)))


def seats(group_id: int) -> list[GroupMembership]:
    return list(db.session.scalars(
        select(GroupMembership).options(selectinload(GroupMembership.member))
        .where(GroupMembership.group_id == group_id)
        .order_by(GroupMembership.term_end.is_not(None), GroupMembership.role,
                  GroupMembership.person_name)))


def seats_on(group_id: int, day: date) -> list[GroupMembership]:
    """The seats of a group whose term covers `day`, chair first, with member and user."""
    seats = db.session.scalars(
        select(GroupMembership)
        .options(selectinload(GroupMembership.member), selectinload(GroupMembership.user))
        .where(GroupMembership.group_id == group_id, GroupMembership.term_start <= day,
               or_(GroupMembership.term_end.is_(None), GroupMembership.term_end >= day))
        .order_by(GroupMembership.id))
    order = list(GroupRole)
    return sorted(seats, key=lambda seat: order.index(seat.role))


def documents(meeting_ids: list[int]) -> dict[int, dict[DocumentKind, MeetingDocument]]:
    """The latest document of each kind per meeting."""
    found: dict[int, dict[DocumentKind, MeetingDocument]] = {}
    if not meeting_ids:
        return found
    rows = db.session.scalars(_documents(), {"meeting_ids": meeting_ids})
    for document in rows:
        found.setdefault(document.meeting_id, {})[document.kind] = document
    return found


# The meeting page's statements are built once (bound parameters): SQLAlchemy walks a
# statement whole for its cache key, and this one's loader options make that the most
# of the page's SQL work when it is built anew each request.

@functools.cache
def _documents() -> Select:
    return (select(MeetingDocument)
            .where(MeetingDocument.meeting_id.in_(bindparam("meeting_ids", expanding=True)))
            .order_by(MeetingDocument.revision))


def meeting_with_agenda(meeting_id: int) -> Meeting | None:
    """The meeting with all its agenda shows, read afresh: an answer is rendered before
    the request commits, so collections loaded before an act would miss what it added.

    Seven statements whatever the agenda's length: the meeting, its attendance, its
    items, and each of the items' four collections, each statement built once and its
    rows put into the collections here (`set_committed_value`). Loaded by
    `selectinload`, SQLAlchemy built each collection's statement anew on every request
    and walked it whole for its cache key: a third of the meeting page's time."""
    meeting = db.session.scalar(_meeting(), {"meeting_id": meeting_id})
    if meeting is None:
        return None
    set_committed_value(meeting, "attendance", db.session.scalars(
        _attendance(), {"meeting_id": meeting_id}).all())
    items = db.session.scalars(_items(), {"meeting_id": meeting_id}).unique().all()
    set_committed_value(meeting, "items", items)
    ids = [item.id for item in items]
    for name, statement in _item_collections().items():
        of_item: dict[int, list] = {id_: [] for id_ in ids}
        if ids:
            for row in db.session.scalars(statement, {"item_ids": ids}):
                of_item[row.item_id].append(row)
        for item in items:
            set_committed_value(item, name, of_item[item.id])
    return meeting


# Read afresh (populate_existing): objects of the session loaded before an act are
# refreshed, not kept as they were.
_AFRESH = {"populate_existing": True}


@functools.cache
def _meeting() -> Select:
    return (select(Meeting).where(Meeting.id == bindparam("meeting_id"))
            .execution_options(**_AFRESH).options(joinedload(Meeting.group)))


@functools.cache
def _attendance() -> Select:
    return (select(Attendance).where(Attendance.meeting_id == bindparam("meeting_id"))
            .order_by(Attendance.id).execution_options(**_AFRESH))


@functools.cache
def _items() -> Select:
    # The many-to-ones an item names (its proposal, the meeting whose minutes it
    # approves) are joined to its row.
    return (select(AgendaItem).where(AgendaItem.meeting_id == bindparam("meeting_id"))
            .order_by(AgendaItem.position).execution_options(**_AFRESH)
            .options(joinedload(AgendaItem.proposal), joinedload(AgendaItem.approves_meeting)))


@functools.cache
def _item_collections() -> dict[str, Select]:
    """Each collection of an agenda item, for the items `item_ids`, in its
    relationship's order (models.AgendaItem)."""
    ids = bindparam("item_ids", expanding=True)
    return {
        "attachments": select(Attachment).where(Attachment.item_id.in_(ids),
                                                Attachment.removed.is_(False))
        .order_by(Attachment.id).execution_options(**_AFRESH),
        "entries": select(ProtocolEntry).where(ProtocolEntry.item_id.in_(ids))
        .order_by(ProtocolEntry.id).execution_options(**_AFRESH)
        .options(joinedload(ProtocolEntry.member)),
        "absences": select(ItemAbsence).where(ItemAbsence.item_id.in_(ids))
        .order_by(ItemAbsence.id).execution_options(**_AFRESH),
        "actions": select(ActionItem).where(ActionItem.item_id.in_(ids))
        .order_by(ActionItem.id).execution_options(**_AFRESH),
    }


def with_agenda(meeting: Meeting) -> Meeting:
    """The meeting with everything a PDF shows, loaded afresh in a fixed number of
    queries: collections loaded earlier in the session would miss rows added since."""
    db.session.flush()
    db.session.expire_all()
    return meeting_with_agenda(meeting.id)


def latest_document(meeting: Meeting, kind: DocumentKind) -> MeetingDocument | None:
    return db.session.scalar(
        select(MeetingDocument).where(MeetingDocument.meeting_id == meeting.id,
                                      MeetingDocument.kind == kind)
        .order_by(MeetingDocument.revision.desc()).limit(1))


def latest_document_of(meeting_id: int, kind: DocumentKind) -> MeetingDocument | None:
    """The latest revision of a meeting's document with its meeting, in one query:
    what a download needs to ask who may read it and to name the file."""
    return db.session.scalar(_latest_document(), {"meeting_id": meeting_id, "kind": kind})


@functools.cache
def _latest_document() -> Select:
    # Built once: every download asks it, and building it anew each time was a quarter
    # of a download's work (SQLAlchemy walks a new statement whole for its cache key).
    return (select(MeetingDocument).join(Meeting, Meeting.id == MeetingDocument.meeting_id)
            .where(MeetingDocument.meeting_id == bindparam("meeting_id"),
                   MeetingDocument.kind == bindparam("kind", type_=MeetingDocument.kind.type))
            .options(contains_eager(MeetingDocument.meeting))
            .order_by(MeetingDocument.revision.desc()).limit(1))


@dataclass
class LinkedProposal:
    """Where a proposal on the agenda stands: its latest round, objections, decision."""

    proposal: Proposal
    round: Round | None = None
    state: RoundState | None = None
    objections: dict[int, tuple[str, int]] = field(default_factory=dict)
    decision: Decision | None = None


def linked_proposals(items: list[AgendaItem], now: datetime) -> dict[int, LinkedProposal]:
    """Per linked proposal id: its consensus state, the objections that stand and the
    decision with its reservations and stand-asides, in a fixed number of queries. The
    web agenda and the notice PDF show the same from this."""
    proposals = {item.proposal_id: item.proposal for item in items
                 if item.proposal_id is not None and not item.removed}
    if not proposals:
        return {}
    rounds = proposal_queries.latest_rounds(proposals)
    states = proposal_queries.states_of(list(rounds.values()), now)
    decisions = {d.proposal_id: d for d in db.session.scalars(
        select(Decision).where(Decision.proposal_id.in_(list(proposals)))
        .options(selectinload(Decision.notes).selectinload(DecisionNote.member)))}
    standing = proposal_queries.standing_objections_of(
        [p.id for p in proposals.values() if p.status == ProposalStatus.CIRCULATED])
    linked = {}
    for proposal_id, proposal in proposals.items():
        round_ = rounds.get(proposal_id)
        objections = standing.get(proposal_id, {})
        linked[proposal_id] = LinkedProposal(
            proposal=proposal, round=round_, state=states.get(round_.id) if round_ else None,
            objections=objections, decision=decisions.get(proposal_id))
    return linked


def proposed_decisions(items: list[AgendaItem]) -> dict[int, str]:
    """Per item id: the text its minutes' decision starts from. For an item linked to a
    proposal, the decision's text once there is one, else the resolution of the
    proposal's latest version; for any other item, its proposed resolution. Two
    queries whatever the agenda's size."""
    linked = {item.proposal_id for item in items if item.proposal_id is not None}
    texts: dict[int, str] = {}
    if linked:
        for version in db.session.scalars(
                select(ProposalVersion).where(ProposalVersion.proposal_id.in_(linked))
                .order_by(ProposalVersion.number)):
            texts[version.proposal_id] = version.resolution
        for decision in db.session.scalars(
                select(Decision).where(Decision.proposal_id.in_(linked))
                .order_by(Decision.id)):
            texts[decision.proposal_id] = decision.resolution
    return {item.id: texts.get(item.proposal_id) or item.proposed_resolution
            for item in items}


def proposals_for_agenda() -> list[Proposal]:
    """Proposals that can be put on an agenda: circulated or decided, newest first."""
    return list(db.session.scalars(
        select(Proposal).where(Proposal.case_number.is_not(None),
                               Proposal.status != ProposalStatus.WITHDRAWN)
        .order_by(Proposal.case_year.desc(), Proposal.case_number.desc()).limit(200)))


def approving_items(meeting_id: int) -> list[AgendaItem]:
    """Approval-of-minutes items of later meetings that name this meeting."""
    return list(db.session.scalars(
        select(AgendaItem).options(selectinload(AgendaItem.meeting))
        .where(AgendaItem.approves_meeting_id == meeting_id,
               AgendaItem.kind == ItemKind.APPROVE_MINUTES, AgendaItem.removed.is_(False))))


# --- What waits for whom (the start page) ----------------------------------------------

def minutes_to_approve(user: User, now: datetime, *, limit: int = 20) -> list[Meeting]:
    """Draft minutes `user` may approve as the chair of the meeting's day, by the same
    rules as the act (permissions' chair rule in SQL, meetings.rules in Python): the
    oldest meeting first."""
    found = db.session.scalars(
        select(Meeting).options(selectinload(Meeting.group))
        .where(Meeting.state == MeetingState.MINUTES_DRAFTED, Meeting.starts_at <= now,
               chaired(user))
        .order_by(Meeting.starts_at).limit(limit))
    return [m for m in found if rules.why_not_approved_by_chair(m, now) is None]


def without_approved_minutes(user: User, now: datetime, *, limit: int = 20) -> list[Meeting]:
    """Meetings `user` may view that have taken place and have no approved minutes:
    held, with minutes being drafted, or past and never marked held. The oldest first."""
    return list(db.session.scalars(
        select(Meeting).options(selectinload(Meeting.group))
        .where(visible(user, "meeting"), Meeting.starts_at <= now,
               Meeting.state.in_((MeetingState.PLANNED, MeetingState.NOTICE_PUBLISHED,
                                  MeetingState.HELD, MeetingState.MINUTES_DRAFTED)))
        .order_by(Meeting.starts_at).limit(limit)))


def items_in_area(user: User, area_id: int) -> Select:
    """Agenda items `user` may view that treat a proposal (that `user` may view) filed
    under the area, the latest meeting first."""
    return (select(AgendaItem).join(AgendaItem.meeting).join(Meeting.group)
            .join(Proposal, Proposal.id == AgendaItem.proposal_id)
            .where(Proposal.area_id == area_id, visible(user, "item"),
                   visible(user, "proposal"))
            .options(contains_eager(AgendaItem.meeting).contains_eager(Meeting.group),
                     selectinload(AgendaItem.proposal))
            .order_by(Meeting.starts_at.desc(), AgendaItem.position, AgendaItem.id))
