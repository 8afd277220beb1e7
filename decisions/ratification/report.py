"""The case presentation of the orientation item "Oppfølging av vedtak": what the
alliance's decisions still await, as the notice is published. Written in the
alliance's language (bokmål): it is part of a document, like the agenda's titles."""

from dataclasses import dataclass, field
from datetime import datetime

from decisions.meetings.models import Meeting
from decisions.ratification import queries
from decisions.ratification.models import Body
from decisions.ratification.rules import today

BODY_NB = {Body.COUNCIL: "kommunestyret", Body.EXECUTIVE: "formannskapet"}


@dataclass(frozen=True)
class Section:
    heading: str
    lines: list[str] = field(default_factory=list)
    empty: str = ""  # said when there are no lines


def ratification_section(moment: datetime) -> Section:
    """Every ratification still awaited: the decision, its deadline, how many have
    adopted it of how many needed, and the members that have not recorded theirs."""
    day = today(moment)
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


def sections(meeting: Meeting, moment: datetime) -> list[Section]:
    """The sections of the report-back item of `meeting`, as of `moment`. This package
    gives the ratifications still awaited; the follow-up items that are overdue or due
    before the group's next meeting are added by the followup package, as a further
    section built from the same meeting and moment."""
    return [ratification_section(moment)]


def presentation(found: list[Section]) -> str:
    """The sections as the item's Markdown text."""
    parts = []
    for section in found:
        parts.append(f"**{section.heading}**")
        parts.append("\n".join(f"- {line}" for line in section.lines) if section.lines
                     else section.empty)
    return "\n\n".join(parts)
