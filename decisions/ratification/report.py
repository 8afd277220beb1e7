"""The case presentation of the orientation item "Oppfølging av vedtak": what the
alliance's decisions still await, as the notice is published. Written in the
alliance's language (bokmål): it is part of a document, like the agenda's titles."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from decisions.clock import oslo, oslo_today
from decisions.extensions import db
from decisions.followup import queries as followup_queries
from decisions.followup.models import OwnerKind
from decisions.meetings.models import Meeting, MeetingState
from decisions.ratification import queries
from decisions.ratification.models import Body

BODY_NB = {Body.COUNCIL: "kommunestyret", Body.EXECUTIVE: "formannskapet"}


@dataclass(frozen=True)
class Section:
    heading: str
    lines: list[str] = field(default_factory=list)
    empty: str = ""  # said when there are no lines


def ratification_section(moment: datetime) -> Section:
    """Every ratification still awaited: the decision, its deadline, how many have
    adopted it of how many needed, and the members that have not recorded theirs."""
    day = oslo_today(moment)
    awaited = queries.awaiting(day)
    states = queries.states_of([d for d, _r in awaited], day)
    waiting = queries.waiting_members(d.id for d, _r in awaited)
    lines = []
    for decision, requirement in awaited:
        state = states[decision.id]
        body = BODY_NB.get(requirement.body, requirement.body_other)
        names = ", ".join(m.name for m in waiting.get(decision.id, []))
        lines.append(
            f"Vedtak {decision.ref} {decision.title}: til behandling i {body} innen "
            f"{requirement.deadline.strftime('%d.%m.%Y')}; {state.adopted} av "
            f"{state.needed} nødvendige har sluttet seg til. Ikke behandlet ennå: "
            f"{names or '–'}.")
    return Section("Tilslutning i medlemmenes egne organer", lines,
                   "Ingen vedtak venter på tilslutning.")


# Without a later meeting planned, the items due within this many days are listed.
NO_NEXT_MEETING_DAYS = 90


def _next_meeting_day(meeting: Meeting):
    """The day of the group's next meeting after `meeting` (not cancelled), or None."""
    starts = db.session.scalar(
        select(Meeting.starts_at).where(Meeting.group_id == meeting.group_id,
                                        Meeting.starts_at > meeting.starts_at,
                                        Meeting.state != MeetingState.CANCELLED)
        .order_by(Meeting.starts_at).limit(1))
    return oslo(starts).date() if starts is not None else None


def _owner_nb(item) -> str:
    if item.owner_kind == OwnerKind.MEMBER and item.owner_member is not None:
        return item.owner_member.name
    if item.owner_kind == OwnerKind.GROUP and item.owner_group is not None:
        return item.owner_group.name
    return "sekretariatet"


def followup_section(meeting: Meeting, moment: datetime) -> Section:
    """Follow-up items overdue, or due before the group's next meeting (or within
    NO_NEXT_MEETING_DAYS when none is planned): what, whose, when, how far."""
    day = oslo_today(moment)
    until = _next_meeting_day(meeting) or oslo(meeting.starts_at).date() + timedelta(
        days=NO_NEXT_MEETING_DAYS)
    lines = []
    for item in followup_queries.due_for_report(until):
        where = (f"vedtak {item.decision.ref}" if item.decision is not None
                 else "tiltak i protokoll")
        late = "forfalt" if item.due < day else "forfaller"
        lines.append(f"{item.what} ({where}; ansvarlig: {_owner_nb(item)}): {late} "
                     f"{item.due.strftime('%d.%m.%Y')}, {item.progress} % gjennomført.")
    return Section("Oppfølgingspunkter som er forfalt eller forfaller før neste møte", lines,
                   "Ingen oppfølgingspunkter er forfalt eller forfaller før neste møte.")


def sections(meeting: Meeting, moment: datetime) -> list[Section]:
    """The sections of the report-back item of `meeting`, as of `moment`: the
    ratifications still awaited, and the follow-up items overdue or due before the
    group's next meeting."""
    return [ratification_section(moment), followup_section(meeting, moment)]


def presentation(found: list[Section]) -> str:
    """The sections as the item's Markdown text."""
    parts = []
    for section in found:
        parts.append(f"**{section.heading}**")
        parts.append("\n".join(f"- {line}" for line in section.lines) if section.lines
                     else section.empty)
    return "\n\n".join(parts)
