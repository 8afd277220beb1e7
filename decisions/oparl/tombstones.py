"""Tombstones: what the interface served once and serves no more keeps its address.

One place writes them, in the same transaction as the change that takes the object out
of the interface: a flush that touches what decides whether an object is public (an
item removed or made exempt, a superseded PDF, a withdrawn consent, a deleted row, ...)
asks, before and after it writes, which objects the interface serves, by the very
queries the interface serves them with; what was served before and is not after gets a
tombstone, and an object served again loses it."""

from sqlalchemy import Select, bindparam, delete, event, insert, inspect, literal, or_
from sqlalchemy.orm import Session

from decisions.accounts.models import User
from decisions.clock import now
from decisions.meetings.models import (
    AgendaItem,
    Group,
    GroupMembership,
    Meeting,
    MeetingDocument,
)
from decisions.members.models import Member
from decisions.oparl import papers, queries
from decisions.oparl.models import Tombstone
from decisions.proposals.models import Proposal, Round
from decisions.ratification.models import Ratification
from decisions.register.models import Decision, DecisionDocument

# The OParl type of each kind of object (a kind is the endpoint of its address).
TYPES = {"meeting": "Meeting", "location": "Location", "agenda_item": "AgendaItem",
         "item_consultation": "Consultation", "file": "File", "paper": "Paper",
         "round_consultation": "Consultation", "ratification_consultation": "Consultation",
         "person": "Person", "membership": "Membership", "group": "Organization",
         "member": "Organization", "paper_file": "File"}

PENDING = "oparl_tombstones_before"


class Touched:
    """The ids a flush touches that can take objects out of the interface."""

    def __init__(self) -> None:
        self.meetings: set[int] = set()
        self.items: set[int] = set()
        self.proposals: set[int] = set()
        self.users: set[int] = set()
        self.seats: set[int] = set()
        self.groups: set[int] = set()
        self.members: set[int] = set()
        self.ratifications: set[int] = set()

    def __bool__(self) -> bool:
        return any(vars(self).values())


def _ids(name: str):
    return bindparam(name, expanding=True)


def _statements() -> dict[str, Select]:
    """(id, created, order) of the objects of each kind the interface serves among the
    ids a flush touched (bound as parameters: each statement is built once, so that a
    flush does not build and key some thirty statements again)."""
    items = or_(AgendaItem.id.in_(_ids("items")), AgendaItem.meeting_id.in_(_ids("meetings")),
                AgendaItem.proposal_id.in_(_ids("proposals")))
    return {
        "meeting": (queries.public_meetings()
                    .with_only_columns(Meeting.id, Meeting.created_at, literal(None))
                    .where(Meeting.id.in_(_ids("meetings")))),
        "location": (queries.public_meetings()
                     .with_only_columns(Meeting.id, Meeting.created_at, literal(None))
                     .where(Meeting.id.in_(_ids("meetings")), Meeting.place != "")),
        "agenda_item": (queries.public_items()
                        .with_only_columns(AgendaItem.id, Meeting.created_at,
                                           AgendaItem.position)
                        .where(items)),
        "item_consultation": (
            queries.public_items()
            .with_only_columns(AgendaItem.id, Meeting.created_at, literal(None))
            .where(items, AgendaItem.proposal_id.in_(
                queries.public_papers().with_only_columns(Proposal.id)))),
        "file": (queries.public_documents()
                 .with_only_columns(MeetingDocument.id, MeetingDocument.created_at,
                                    literal(None))
                 .where(MeetingDocument.meeting_id.in_(_ids("meetings")))),
        "paper_file": (papers.public_documents()
                       .with_only_columns(DecisionDocument.id,
                                          DecisionDocument.created_at, literal(None))
                       .where(Decision.proposal_id.in_(_ids("proposals")))),
        "paper": (queries.public_papers()
                  .with_only_columns(Proposal.id, Proposal.created_at, literal(None))
                  .where(Proposal.id.in_(_ids("proposals")))),
        "round_consultation": (queries.public_rounds()
                               .with_only_columns(Round.id, Round.opened_at, literal(None))
                               .where(Round.proposal_id.in_(_ids("proposals")))),
        "ratification_consultation": (
            queries.public_ratifications()
            .with_only_columns(Ratification.id, Ratification.registered_at, literal(None))
            .where(or_(Decision.proposal_id.in_(_ids("proposals")),
                       Ratification.id.in_(_ids("ratifications"))))),
        "person": (queries.persons()
                   .with_only_columns(User.id, User.created_at, literal(None))
                   .where(User.id.in_(_ids("users")))),
        "membership": (queries.memberships()
                       .with_only_columns(GroupMembership.id, GroupMembership.created_at,
                                          literal(None))
                       .where(or_(GroupMembership.id.in_(_ids("seats")),
                                  GroupMembership.user_id.in_(_ids("users"))))),
        "group": (queries.groups()
                  .with_only_columns(Group.id, Group.created_at, literal(None))
                  .where(Group.id.in_(_ids("groups")))),
        "member": (queries.members()
                   .with_only_columns(Member.id, Member.created_at, literal(None))
                   .where(Member.id.in_(_ids("members")))),
    }


# Which touched ids each kind is asked about (a kind none of them touched is not asked).
NEEDS: dict[str, tuple[str, ...]] = {
    "meeting": ("meetings",), "location": ("meetings",),
    "agenda_item": ("items", "meetings", "proposals"),
    "item_consultation": ("items", "meetings", "proposals"), "file": ("meetings",),
    "paper": ("proposals",), "paper_file": ("proposals",),
    "round_consultation": ("proposals",),
    "ratification_consultation": ("proposals", "ratifications"),
    "person": ("users",), "membership": ("seats", "users"), "group": ("groups",),
    "member": ("members",)}

_BUILT: dict[str, Select] = {}


# The attributes whose change can take an object out of the interface, per model.
WATCHED = {AgendaItem: ("removed", "number", "exempt_basis", "proposal_id", "proposal",
                        "meeting_id"),
           Meeting: ("notice_published_at", "place", "state"),
           Proposal: ("status", "case_number"),
           User: ("publish_consent", "active"),
           GroupMembership: ("user_id", "user")}


def _values(state, name: str) -> set:
    """The attribute's value now and before the flush, as ids."""
    history = state.attrs[name].history
    found = set()
    for value in (*history.added, *history.unchanged, *history.deleted):
        found.add(getattr(value, "id", value))
    return {v for v in found if isinstance(v, int) and not isinstance(v, bool)}


def _changed(state, names: tuple[str, ...]) -> bool:
    return any(state.attrs[name].history.has_changes() for name in names)


def touched_by(session: Session) -> Touched:
    touched = Touched()
    changed = ([(obj, False) for obj in session.dirty] + [(obj, True) for obj in session.new]
               + [(obj, True) for obj in session.deleted])
    for obj, whole in changed:
        state = inspect(obj)
        watched = WATCHED.get(type(obj))
        if not whole and not (watched and _changed(state, watched)):
            continue
        if isinstance(obj, AgendaItem):
            touched.items |= _values(state, "id")
            touched.meetings |= _values(state, "meeting_id")
            touched.proposals |= _values(state, "proposal_id") | _values(state, "proposal")
        elif isinstance(obj, Meeting):
            touched.meetings |= _values(state, "id")
        elif isinstance(obj, MeetingDocument):  # a new revision supersedes the last
            touched.meetings |= _values(state, "meeting_id") | _values(state, "meeting")
        elif isinstance(obj, Proposal):
            touched.proposals |= _values(state, "id")
        elif isinstance(obj, User):
            touched.users |= _values(state, "id")
        elif isinstance(obj, GroupMembership):
            touched.seats |= _values(state, "id")
            touched.users |= _values(state, "user_id") | _values(state, "user")
        elif obj in session.deleted:
            for model, ids in ((Group, touched.groups), (Member, touched.members),
                               (Ratification, touched.ratifications)):
                if isinstance(obj, model):
                    ids |= _values(state, "id")
    return touched


def _ask(session: Session, touched: Touched) -> dict[str, dict[int, tuple]]:
    if not _BUILT:
        _BUILT.update(_statements())
    ids = {name: sorted(values) for name, values in vars(touched).items()}
    found = {}
    for kind in TYPES:
        if any(ids[name] for name in NEEDS[kind]):
            found[kind] = {row[0]: (row[1], row[2])
                           for row in session.execute(_BUILT[kind], ids)}
    return found


@event.listens_for(Session, "before_flush")
def _before(session: Session, _context, _instances) -> None:
    touched = touched_by(session)
    if touched:
        session.info[PENDING] = (touched, _ask(session, touched))


@event.listens_for(Session, "after_flush")
def _after(session: Session, _context) -> None:
    pending = session.info.pop(PENDING, None)
    if pending is None:
        return
    touched, before = pending
    after = _ask(session, touched)
    moment = now()
    for kind, served in before.items():
        still = after.get(kind, {})
        gone = [{"kind": kind, "object_id": id, "created_at": created,
                 "deleted_at": max(moment, created), "item_order": order}
                for id, (created, order) in served.items() if id not in still]
        if gone:  # a tombstone a change unseen here left behind is renewed
            session.execute(delete(Tombstone).where(
                Tombstone.kind == kind, Tombstone.object_id.in_([g["object_id"] for g in gone])))
            session.execute(insert(Tombstone), gone)
    for kind, served in after.items():
        back = set(served) - set(before.get(kind, {}))
        if back:
            session.execute(delete(Tombstone).where(Tombstone.kind == kind,
                                                    Tombstone.object_id.in_(back)))
