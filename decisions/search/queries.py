"""Read-only search queries: agenda items and minutes a user may read, and decisions.

The meeting rules of decisions.permissions (meeting_rule "view" and "view_minutes")
are repeated here as SQL, because a search filters in the database: the secretariat
reads every meeting, everyone else a meeting once its notice is published, and the
text of minutes once they are approved.
"""

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true
from sqlalchemy.orm import contains_eager

from decisions.accounts.models import User
from decisions.meetings.models import AgendaItem, Meeting, MeetingState
from decisions.permissions import READERS, SECRETARIAT
from decisions.register.models import Decision
from decisions.register.queries import matching

LIMIT = 50  # results shown per group


def _contains(column, text: str) -> ColumnElement[bool]:
    # autoescape: a % or _ the user typed is a character, not a wildcard.
    return column.icontains(text, autoescape=True)


def _meetings_visible(user: User) -> ColumnElement[bool]:
    if user.role == SECRETARIAT:
        return true()
    if user.role in READERS:
        return Meeting.notice_revision > 0
    return false()


def sees_minutes_of(user: User, meeting: Meeting) -> bool:
    """The rule `_minutes_visible` applies in SQL, for a meeting already loaded."""
    return user.role == SECRETARIAT or meeting.state == MeetingState.MINUTES_APPROVED


def _minutes_visible(user: User) -> ColumnElement[bool]:
    if user.role == SECRETARIAT:
        return true()
    return Meeting.state == MeetingState.MINUTES_APPROVED


def items(user: User, text: str) -> Select:
    """Agenda items of meetings `user` may view whose case presentation, or whose
    minutes where `user` may read them, contain `text`; the latest meetings first."""
    in_case = or_(_contains(AgendaItem.title, text), _contains(AgendaItem.background, text),
                  _contains(AgendaItem.proposed_resolution, text))
    in_minutes = and_(_minutes_visible(user),
                      or_(_contains(AgendaItem.notes, text),
                          _contains(AgendaItem.decision_text, text)))
    return (select(AgendaItem)
            .join(AgendaItem.meeting).join(Meeting.group)
            .where(AgendaItem.removed.is_(False), _meetings_visible(user),
                   or_(in_case, in_minutes))
            .options(contains_eager(AgendaItem.meeting).contains_eager(Meeting.group))
            .order_by(Meeting.starts_at.desc(), AgendaItem.position, AgendaItem.id))


def decisions(text: str) -> Select:
    return matching(select(Decision), text).order_by(Decision.adopted_at.desc(),
                                                     Decision.id.desc())


def excerpt(user: User, item: AgendaItem, text: str, width: int = 160) -> str:
    """A short passage of what `user` may read of `item` around the first `text` found,
    or "" when only the title matched."""
    fields = [item.background, item.proposed_resolution]
    if sees_minutes_of(user, item.meeting):
        fields += [item.decision_text, item.notes]
    needle = text.lower()
    for field in fields:
        at = field.lower().find(needle)
        if at < 0:
            continue
        start = max(at - width // 2, 0)
        end = min(start + width, len(field))
        passage = " ".join(field[start:end].split())
        return ("…" if start > 0 else "") + passage + ("…" if end < len(field) else "")
    return ""

