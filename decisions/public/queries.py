"""Read-only queries of the public register: what anyone may read without logging in."""

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from decisions.extensions import db
from decisions.meetings.models import AgendaItem, Group, Meeting, MeetingState, ProtocolEntry
from decisions.register.models import Decision, DecisionNote
from decisions.register.queries import matching


def public_decisions() -> Select:
    """Adopted decisions the public may read: every one but those whose proposal was
    handled under an agenda item exempt from public access (offentleglova). The list
    and the single decision both start here, so the rule cannot differ between them."""
    exempt = (select(AgendaItem.id)
              .where(AgendaItem.proposal_id == Decision.proposal_id,
                     AgendaItem.exempt_basis != ""))
    return select(Decision).where(~exists(exempt))


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
