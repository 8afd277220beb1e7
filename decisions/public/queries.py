"""Read-only queries of the public register: what anyone may read without logging in."""

from datetime import timedelta
from functools import cache

from sqlalchemy import Select, distinct, exists, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from decisions.clock import now
from decisions.extensions import db
from decisions.meetings.models import (
    AgendaItem,
    DocumentKind,
    Group,
    Meeting,
    MeetingDocument,
    MeetingState,
    ProtocolEntry,
)
from decisions.meetings.queries import active_items
from decisions.register.models import Decision, DecisionNote
from decisions.register.queries import matching


@cache  # built once: a statement is immutable, each use adds to a copy
def public_decisions() -> Select:
    """Adopted decisions the public may read: every one but those whose proposal was
    handled under an agenda item exempt from public access (offentleglova). The list
    and the single decision both start here, so the rule cannot differ between them;
    `public_decision_count` counts by the same `AgendaItem.exempt`."""
    exempt = select(AgendaItem.id).where(AgendaItem.proposal_id == Decision.proposal_id,
                                         AgendaItem.exempt)
    return select(Decision).where(~exists(exempt))


def public_decision_count() -> int:
    """How many decisions `public_decisions` holds, counted as all decisions minus those
    with an exempt item: the few exempt items are read from their own partial index,
    where counting the public ones asked each decision's items (0.65 ms of the public
    register's 3.4 at alliance scale)."""
    return db.session.scalar(_public_count())


@cache
def _public_count() -> Select:
    every = select(func.count()).select_from(Decision).scalar_subquery()
    withheld = (select(func.count(distinct(Decision.id)))
                .join(AgendaItem, AgendaItem.proposal_id == Decision.proposal_id)
                .where(AgendaItem.exempt).scalar_subquery())
    return select(every - withheld)


def decisions(*, search: str | None = None) -> Select:
    """The public decisions, newest first, matching `search` in title or resolution."""
    stmt = public_decisions().order_by(Decision.adopted_at.desc(), Decision.id.desc())
    return matching(stmt, search) if search else stmt


def decision(year: int, number: int) -> Decision | None:
    return db.session.scalar(
        public_decisions().where(Decision.year == year, Decision.number == number)
        .options(selectinload(Decision.notes).selectinload(DecisionNote.member)))


def approved_meetings(*, group_id: int | None = None) -> Select:
    """Meetings whose minutes are approved, by group, the latest first."""
    stmt = (select(Meeting).join(Meeting.group)
            .where(Meeting.state == MeetingState.MINUTES_APPROVED)
            .options(contains_eager(Meeting.group))
            .order_by(Group.name, Meeting.starts_at.desc(), Meeting.id.desc()))
    if group_id is not None:
        stmt = stmt.where(Meeting.group_id == group_id)
    return stmt


def groups_with_approved_minutes() -> list[Group]:
    return list(db.session.scalars(
        select(Group).where(select(Meeting.id).where(
            Meeting.group_id == Group.id,
            Meeting.state == MeetingState.MINUTES_APPROVED).exists())
        .order_by(Group.name)))


def approved_minutes(meeting_id: int) -> Meeting | None:
    """An approved meeting with its items and protocol entries (and the entries'
    members), or None: minutes not yet approved do not exist for the public."""
    return db.session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id, Meeting.state == MeetingState.MINUTES_APPROVED)
        .options(joinedload(Meeting.group),
                 selectinload(Meeting.items).selectinload(AgendaItem.entries)
                 .selectinload(ProtocolEntry.member)))


# The public calendar shows the meetings of the past months and every meeting ahead.
CALENDAR_HISTORY = timedelta(days=90)


def calendar_meetings() -> list[Meeting]:
    """The meetings of the groups whose meetings are public, from `CALENDAR_HISTORY`
    ago on, by start, with their groups and items (two queries): the page and the
    subscription feed both start here."""
    return list(db.session.scalars(
        select(Meeting).join(Meeting.group)
        .where(Group.public_meetings.is_(True), Group.active.is_(True),
               Meeting.starts_at >= now() - CALENDAR_HISTORY)
        .options(contains_eager(Meeting.group), selectinload(Meeting.items))
        .order_by(Meeting.starts_at, Meeting.id)))


def public_agenda(meeting: Meeting) -> list[AgendaItem]:
    """The agenda the public may read: none before the notice is published, then the
    items in order (an exempt item is shown by its number and legal basis alone)."""
    if meeting.notice_revision == 0:
        return []
    return active_items(meeting)


PUBLIC_KINDS = {"notice": DocumentKind.PUBLIC_NOTICE, "minutes": DocumentKind.PUBLIC_MINUTES}


def public_document(meeting_id: int, kind: str) -> MeetingDocument | None:
    """The latest public version of a meeting's notice or minutes: minutes once
    approved, a notice of a group whose meetings are public."""
    stmt = (select(MeetingDocument).join(Meeting, Meeting.id == MeetingDocument.meeting_id)
            .where(MeetingDocument.meeting_id == meeting_id,
                   MeetingDocument.kind == PUBLIC_KINDS[kind])
            .options(contains_eager(MeetingDocument.meeting))  # its day names the file
            .order_by(MeetingDocument.revision.desc()).limit(1))
    if kind == "minutes":
        stmt = stmt.where(Meeting.state == MeetingState.MINUTES_APPROVED)
    else:
        stmt = stmt.join(Group, Group.id == Meeting.group_id).where(
            Group.public_meetings.is_(True))
    return db.session.scalar(stmt)


def public_documents(meeting_ids: list[int]) -> set[tuple[int, str]]:
    """Which of the meetings have a public notice or minutes: (meeting id, kind)."""
    names = {v: k for k, v in PUBLIC_KINDS.items()}
    return {(meeting_id, names[kind]) for meeting_id, kind in db.session.execute(
        select(MeetingDocument.meeting_id, MeetingDocument.kind).distinct()
        .where(MeetingDocument.meeting_id.in_(meeting_ids),
               MeetingDocument.kind.in_(PUBLIC_KINDS.values())))}
