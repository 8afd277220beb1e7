"""One small alliance with an object of every kind, the URL of every route in it and
a valid form for every POST: shared by the permission matrix and the CSRF tests."""

from dataclasses import dataclass
from datetime import timedelta

from decisions.accounts.models import Role, User
from decisions.clock import now
from decisions.extensions import db
from decisions.files.models import Attachment
from decisions.files.services import add_attachment
from decisions.meetings import services as meetings
from decisions.meetings.models import AgendaItem, Group, GroupRole, Meeting
from decisions.members.models import Member
from decisions.proposals import services
from decisions.proposals.models import Area, PositionKind, Proposal, Round
from decisions.register.models import Decision

# Deadlines typed into forms, in Oslo time; the tests' clock starts on 2 March 2026.
FORM_DEADLINE = "2026-03-20T12:00"

# Every role the matrix checks; "representative" speaks for the member in question
# (world.member), "other_representative" for another member of the same round.
ROLES = ("anonymous", "secretariat", "representative", "other_representative", "board",
         "admin")


@dataclass
class World:
    users: dict[str, User]
    member: Member  # the member in question: in the open round, answered version 1
    other: Member  # another member of the same round, with its own representative
    objector: Member  # a third member, objecting in the open round
    area: Area
    draft: Proposal
    circulated: Proposal  # revised once: version 2 is out in `round`
    round: Round
    decision: Decision
    meetings: "Meetings | None" = None


@dataclass
class Meetings:
    """The board (chaired by the board user) and a meeting in every state that matters."""

    group: Group
    planned: Meeting  # notice not yet out: the secretariat's
    meeting: Meeting  # notice published; `item` is linked to the circulated proposal
    item: AgendaItem
    attachment: Attachment  # on `item`
    proposal_attachment: Attachment  # on the circulated proposal
    held: Meeting  # held, minutes drafted
    held_item: AgendaItem
    approved: Meeting  # minutes approved by the chair


def build(make, with_meetings: bool = False) -> World:
    """A world of its own: several can live in one database side by side."""
    secretariat = make.user(Role.SECRETARIAT)
    # Unnamed members, so that a test can build a second world beside the first.
    member = make.member()
    other = make.member(subregion_name="Vestregionen")
    objector = make.member()
    users = {
        "secretariat": secretariat,
        "representative": make.representative(member),
        "other_representative": make.representative(other),
        "board": make.user(Role.BOARD),
        "admin": make.user(Role.ADMIN),
    }
    objector_rep = make.representative(objector)
    draft = make.proposal(secretariat, title="Utkast til høringsuttalelse")

    # Version 1: the member supports, the objector objects; then version 2 is circulated.
    first = make.round_(secretariat, [member, other, objector],
                        make.proposal(secretariat, title="Felles ladestrategi"))
    make.position(users["representative"], first, member, PositionKind.SUPPORT)
    make.position(objector_rep, first, objector, PositionKind.OBJECT)
    circulated = first.proposal
    round_ = services.revise_proposal(
        secretariat, circulated, title=circulated.title, background=circulated.background,
        resolution="Osloregionen slutter seg til den reviderte strategien.",
        members=[member, other, objector], deadline=first.deadline,
        procedure=first.procedure)
    db.session.commit()
    make.position(objector_rep, round_, objector, PositionKind.OBJECT)

    adopted = make.round_(secretariat, [member], make.proposal(secretariat, title="Budsjett"))
    make.position(users["representative"], adopted, member, PositionKind.SUPPORT)
    decision = db.session.query(Decision).filter_by(round_id=adopted.id).one()
    world = World(users=users, member=member, other=other, objector=objector,
                  area=make.area(), draft=draft, circulated=circulated, round=round_,
                  decision=decision)
    if with_meetings:
        world.meetings = _build_meetings(make, world)
    return world


def _build_meetings(make, world: World) -> Meetings:
    sec, chair = world.users["secretariat"], world.users["board"]
    group = make.group()
    make.seat(group, person_name=chair.name, role=GroupRole.CHAIR, user_=chair)
    make.seat(group, role=GroupRole.MEMBER, member_=world.member)
    start = now()
    approved = make.meeting(group, starts_at=start - timedelta(days=60))
    held = make.meeting(group, starts_at=start - timedelta(days=30))
    meeting = make.meeting(group, starts_at=start + timedelta(days=14))
    planned = make.meeting(group, starts_at=start + timedelta(days=45))
    item = make.item(sec, meeting, "Felles ladestrategi", proposal=world.circulated,
                     case_officer="Kari Saksbehandler")
    attachment = add_attachment(sec, data=make.pdf_bytes(), filename="strategi.pdf",
                                item=item)
    proposal_attachment = add_attachment(sec, data=make.pdf_bytes(), filename="notat.pdf",
                                         proposal=world.circulated)
    held_item = make.item(sec, held, "Årsmelding")
    for done in (approved, held):
        meetings.publish_notice(sec, done)
        meetings.mark_held(sec, done)
        first = meetings.active_items(done)[0]
        meetings.save_item_minutes(sec, first, lock_version=first.lock_version,
                                   notes="Innkallingen ble godkjent.",
                                   decision_text="Innkalling og saksliste godkjennes.")
    meetings.approve_minutes(chair, approved)
    meetings.publish_notice(sec, meeting)
    db.session.commit()
    return Meetings(group=group, planned=planned, meeting=meeting, item=item,
                    attachment=attachment, proposal_attachment=proposal_attachment,
                    held=held, held_item=held_item, approved=approved)


def url_args(endpoint: str, world: World) -> dict:
    """The URL values of `endpoint` in `world` (the route's natural object)."""
    round_id = world.round.id
    return {
        "proposals.show": {"id": world.circulated.id},
        "proposals.edit": {"id": world.draft.id},
        "proposals.circulate": {"id": world.draft.id},
        "proposals.revise": {"id": world.circulated.id},
        "proposals.withdraw": {"id": world.circulated.id},
        "proposals.round": {"id": round_id},
        "proposals.board": {"id": round_id},
        "proposals.position": {"id": round_id, "member_id": world.member.id},
        "proposals.confirm": {"id": round_id, "member_id": world.member.id},
        "proposals.answer": {"id": round_id, "member_id": world.objector.id},
        "register.show": {"year": world.decision.year, "number": world.decision.number},
    }.get(endpoint, {})


def form_data(endpoint: str, world: World) -> dict:
    """A form that succeeds when the user may post it (so a refusal is the permission's)."""
    return {
        "accounts.login": {"email": "", "password": ""},
        "accounts.language": {"lang": "en"},
        "proposals.new": {"title": "Ny sak", "area": world.area.id,
                          "resolution": "Osloregionen vedtar."},
        "proposals.edit": {"title": "Endret utkast", "area": world.area.id,
                           "background": "Ny bakgrunn.", "resolution": "Endret vedtak.",
                           "lock_version": world.draft.lock_version},
        "proposals.circulate": {"procedure": "consent", "deadline": FORM_DEADLINE,
                                "scope": "all"},
        "proposals.revise": {"title": world.circulated.title, "background": "Bakgrunn.",
                             "resolution": "Versjon tre av vedtaket.", "procedure": "consent",
                             "deadline": FORM_DEADLINE, "scope": "all"},
        "proposals.position": {"kind": "support"},
        "proposals.answer": {"text": "Sekretariatet har svart på innsigelsen."},
    }.get(endpoint, {})
