"""Read-only search queries: agenda items and minutes a user may read, decisions,
proposals and open rounds, and (for the secretariat) members and people.

What a user may read is decisions.permissions' rule, applied in SQL by `visible`: the
same rule as `can` for an object in hand.
"""

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from decisions.accounts.models import User
from decisions.meetings.models import AgendaItem, Meeting
from decisions.members.models import Member
from decisions.permissions import visible
from decisions.proposals.models import Proposal, ProposalVersion, Round
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


def proposals(user: User, text: str) -> Select:
    """Proposals `user` may view whose current text (title, background, proposed
    resolution: the draft's, or the latest version's once circulated, which a revision
    writes back) contains `text`; the latest changed first."""
    return (select(Proposal)
            .where(visible(user, "proposal"),
                   or_(_contains(Proposal.title, text), _contains(Proposal.background, text),
                       _contains(Proposal.resolution, text)))
            .options(selectinload(Proposal.area))
            .order_by(Proposal.updated_at.desc(), Proposal.id.desc()))


def open_rounds(user: User, text: str, now: datetime) -> Select:
    """Open rounds `user` may view whose circulated version contains `text`; the
    nearest deadline first."""
    return (select(Round).join(Round.version)
            .where(visible(user, "round"), Round.closed_at.is_(None), Round.deadline > now,
                   or_(_contains(ProposalVersion.title, text),
                       _contains(ProposalVersion.background, text),
                       _contains(ProposalVersion.resolution, text)))
            .options(contains_eager(Round.version), joinedload(Round.proposal))
            .order_by(Round.deadline, Round.id))


def members(text: str) -> Select:
    """Members whose name contains `text` (for whom `can(user, "find", kind="member")`)."""
    return (select(Member).where(_contains(Member.name, text))
            .options(joinedload(Member.subregion)).order_by(Member.name))


def people(text: str) -> Select:
    """Users whose name or email address contains `text` (for whom
    `can(user, "find", kind="person")`)."""
    return (select(User).where(or_(_contains(User.name, text), _contains(User.email, text)))
            .options(joinedload(User.member)).order_by(User.name, User.id))


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

