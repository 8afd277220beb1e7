"""Read-only search queries: agenda items and minutes a user may read, and decisions.

What a user may read is decisions.permissions' rule, applied in SQL by `visible`: the
same rule as `can` for an object in hand.
"""

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import contains_eager

from decisions.accounts.models import User
from decisions.meetings.models import AgendaItem, Meeting
from decisions.permissions import visible
from decisions.register.models import Decision
from decisions.register.queries import matching

LIMIT = 50  # results shown per group


def _contains(column, text: str) -> ColumnElement[bool]:
    # autoescape: a % or _ the user typed is a character, not a wildcard.
    return column.icontains(text, autoescape=True)


def items(user: User, text: str) -> Select:
    """Agenda items `user` may view whose case presentation, or whose minutes where
    `user` may read them, contain `text`; the latest meetings first. Each row is the
    item and `minutes`: whether `user` may read its minutes."""
    minutes = visible(user, "minutes")
    in_case = or_(_contains(AgendaItem.title, text), _contains(AgendaItem.background, text),
                  _contains(AgendaItem.proposed_resolution, text))
    in_minutes = and_(minutes, or_(_contains(AgendaItem.notes, text),
                                   _contains(AgendaItem.decision_text, text)))
    return (select(AgendaItem, minutes.label("minutes"))
            .join(AgendaItem.meeting).join(Meeting.group)
            .where(visible(user, "item"), or_(in_case, in_minutes))
            .options(contains_eager(AgendaItem.meeting).contains_eager(Meeting.group))
            .order_by(Meeting.starts_at.desc(), AgendaItem.position, AgendaItem.id))


def decisions(user: User, text: str) -> Select:
    return (matching(select(Decision).where(visible(user, "decision")), text)
            .order_by(Decision.adopted_at.desc(), Decision.id.desc()))


def excerpt(item: AgendaItem, text: str, *, minutes: bool, width: int = 160) -> str:
    """A short passage of `item` around the first `text` found, its minutes included
    when `minutes` (the user may read them; see `items`), or "" when only the title
    matched."""
    fields = [item.background, item.proposed_resolution]
    if minutes:
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

