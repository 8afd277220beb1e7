"""What the OParl interface serves: every public object's query starts here, so a
list and its objects' own addresses cannot disagree on what is public."""

from collections.abc import Iterable

from sqlalchemy import Select, String, case, cast, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from decisions.accounts.models import User
from decisions.extensions import db
from decisions.meetings.models import (
    AgendaItem,
    DocumentKind,
    Group,
    GroupMembership,
    Meeting,
    MeetingDocument,
    MeetingState,
)
from decisions.members.models import Member
from decisions.proposals.models import Proposal, ProposalStatus, Round, RoundMember
from decisions.ratification.models import Ratification
from decisions.register.models import Decision


def meeting_modified():
    """A meeting changes when it is created, its notice published, its minutes approved
    (in that order, so the first of them that is set is the latest)."""
    return func.coalesce(Meeting.minutes_approved_at, Meeting.notice_published_at,
                         Meeting.created_at)


def public_meetings() -> Select:
    """Meetings whose notice is out (cancelled ones too): a planned meeting is not."""
    return (select(Meeting).where(Meeting.notice_published_at.is_not(None))
            .options(joinedload(Meeting.group),
                     selectinload(Meeting.items).joinedload(AgendaItem.proposal)))


def public_items() -> Select:
    """Numbered items, not removed, of public meetings."""
    return (select(AgendaItem).join(AgendaItem.meeting)
            .where(Meeting.notice_published_at.is_not(None), AgendaItem.removed.is_(False),
                   AgendaItem.number.is_not(None))
            .options(joinedload(AgendaItem.meeting), joinedload(AgendaItem.proposal)))


def shown_items(meeting: Meeting) -> list[AgendaItem]:
    return [item for item in meeting.items if not item.removed and item.number is not None]


def _exempt_handling(proposal_id):
    return exists(select(AgendaItem.id).where(AgendaItem.proposal_id == proposal_id,
                                              AgendaItem.exempt))


def public_papers() -> Select:
    """Decided proposals that no item exempt from public access handled."""
    return (select(Proposal)
            .where(Proposal.status == ProposalStatus.DECIDED,
                   Proposal.case_number.is_not(None), ~_exempt_handling(Proposal.id))
            .options(selectinload(Proposal.rounds)))


def public_paper_ids(proposal_ids: Iterable[int]) -> set[int]:
    ids = {i for i in proposal_ids if i is not None}
    if not ids:
        return set()
    return set(db.session.scalars(public_papers().with_only_columns(Proposal.id)
                                  .where(Proposal.id.in_(ids))))


def decisions_of(proposal_ids: Iterable[int]) -> dict[int, Decision]:
    ids = set(proposal_ids)
    if not ids:
        return {}
    return {d.proposal_id: d for d in db.session.scalars(
        select(Decision).where(Decision.proposal_id.in_(ids)))}


def items_treating(proposal_ids: Iterable[int]) -> dict[int, list[AgendaItem]]:
    ids = set(proposal_ids)
    found: dict[int, list[AgendaItem]] = {i: [] for i in ids}
    if ids:
        for item in db.session.scalars(public_items().where(AgendaItem.proposal_id.in_(ids))
                                       .order_by(AgendaItem.id)):
            found[item.proposal_id].append(item)
    return found


def public_ratifications() -> Select:
    """The members' own handlings (ratifications) of the public papers' decisions."""
    return (select(Ratification).join(Decision, Decision.id == Ratification.decision_id)
            .where(Decision.proposal_id.in_(public_papers().with_only_columns(Proposal.id)))
            .add_columns(Decision.proposal_id))


def ratifications_of(proposal_ids: Iterable[int]) -> dict[int, list[Ratification]]:
    ids = set(proposal_ids)
    found: dict[int, list[Ratification]] = {i: [] for i in ids}
    if ids:
        for ratification, proposal_id in db.session.execute(
                public_ratifications().where(Decision.proposal_id.in_(ids))
                .order_by(Ratification.id)):
            found[proposal_id].append(ratification)
    return found


def public_rounds() -> Select:
    return select(Round).where(Round.proposal_id.in_(public_papers()
                                                     .with_only_columns(Proposal.id)))


def member_ids_of(round_ids: Iterable[int]) -> dict[int, list[int]]:
    """The ids of each round's members, in order: a row a round with its members' ids
    joined by the database, not a row (nor a Member object) for each of a page's rounds'
    members (a national page of papers has 55,000)."""
    ids = set(round_ids)
    found: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        for round_id, joined in db.session.execute(
                select(RoundMember.round_id,
                       func.aggregate_strings(cast(RoundMember.member_id, String), ","))
                .where(RoundMember.round_id.in_(ids)).group_by(RoundMember.round_id)):
            found[round_id] = sorted(map(int, joined.split(",")))
    return found


def public_documents() -> Select:
    """The PDFs anyone may read, the latest revision of each kind: the public (redacted)
    notice of a group whose meetings are public, the public minutes once approved, and
    the meeting pack only of such a group's meeting with no exempt item (the pack holds
    the members' notice, which prints exempt items in full)."""
    later = aliased(MeetingDocument)
    exempt = (select(AgendaItem.id)
              .where(AgendaItem.meeting_id == MeetingDocument.meeting_id,
                     AgendaItem.removed.is_(False), AgendaItem.number.is_not(None),
                     AgendaItem.exempt))
    return (select(MeetingDocument).join(MeetingDocument.meeting).join(Meeting.group)
            .where(Meeting.notice_published_at.is_not(None),
                   MeetingDocument.kind.in_(PUBLIC_KINDS),
                   or_(MeetingDocument.kind != DocumentKind.PACK, ~exists(exempt)),
                   or_(MeetingDocument.kind == DocumentKind.PUBLIC_MINUTES,
                       Group.public_meetings.is_(True)),
                   ~exists(select(later.id).where(later.meeting_id == MeetingDocument.meeting_id,
                                                  later.kind == MeetingDocument.kind,
                                                  later.revision > MeetingDocument.revision)),
                   or_(MeetingDocument.kind != DocumentKind.PUBLIC_MINUTES,
                       Meeting.state == MeetingState.MINUTES_APPROVED)))


PUBLIC_KINDS = (DocumentKind.PUBLIC_NOTICE, DocumentKind.PUBLIC_MINUTES, DocumentKind.PACK)


def documents_of(meeting_ids: Iterable[int]) -> dict[int, dict[DocumentKind, MeetingDocument]]:
    ids = set(meeting_ids)
    found: dict[int, dict[DocumentKind, MeetingDocument]] = {i: {} for i in ids}
    if ids:
        for doc in db.session.scalars(public_documents()
                                      .where(MeetingDocument.meeting_id.in_(ids))):
            found[doc.meeting_id][doc.kind] = doc
    return found


def _later(first, second):
    """The later of two moments, the first when the second is NULL (both databases)."""
    return case((second > first, second), else_=first)


def _latest_seat(*where):
    """When a published seat (of a person who agreed) last changed."""
    seated = aliased(User)
    return (select(func.max(GroupMembership.updated_at))
            .join(seated, seated.id == GroupMembership.user_id)
            .where(*where, seated.publish_consent.is_(True), seated.active.is_(True))
            .scalar_subquery())


def group_modified():
    """A group changes with itself and with its published seats (its `membership`)."""
    return _later(Group.updated_at, _latest_seat(GroupMembership.group_id == Group.id))


def person_modified():
    """A person changes with their published seats."""
    return _later(User.created_at, _latest_seat(GroupMembership.user_id == User.id))


def groups() -> Select:
    return select(Group)


def members() -> Select:
    return select(Member)


def persons() -> Select:
    return select(User).where(User.publish_consent.is_(True), User.active.is_(True))


def memberships() -> Select:
    return (select(GroupMembership).join(GroupMembership.user)
            .where(User.publish_consent.is_(True), User.active.is_(True))
            .options(joinedload(GroupMembership.group)))


def memberships_of(*, users: Iterable[int] = (), groups: Iterable[int] = ()
                   ) -> list[GroupMembership]:
    users, groups = set(users), set(groups)
    if not users and not groups:
        return []
    return list(db.session.scalars(memberships().where(or_(
        GroupMembership.user_id.in_(users), GroupMembership.group_id.in_(groups)))
        .order_by(GroupMembership.id)))


def count(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(
        stmt.options().order_by(None).subquery()))

