"""One small alliance with an object of every kind, the URL of every route in it and
a valid form for every POST: shared by the permission matrix and the CSRF tests."""

import base64
import dataclasses
import io
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, inspect, select

from decisions.accounts.models import NO_PASSWORD, Invitation, Role, User
from decisions.accounts.services import hash_token, new_totp_secret
from decisions.audit.models import AuditEntry
from decisions.clock import now
from decisions.clock import oslo_today as today
from decisions.demo import data as demo
from decisions.extensions import db
from decisions.files import storage
from decisions.files.models import Attachment
from decisions.files.services import add_attachment
from decisions.followup import services as followup
from decisions.followup.models import FollowupItem, OwnerKind
from decisions.meetings import agenda, minutes, queries
from decisions.meetings.calendar import create_feed
from decisions.meetings.models import (
    ActionItem,
    AgendaItem,
    DocumentKind,
    EntryKind,
    Group,
    GroupMembership,
    GroupRole,
    ItemKind,
    Meeting,
    MeetingDocument,
    ProtocolEntry,
)
from decisions.meetings.seats import papers_token
from decisions.members.models import Member, MemberKind, Subregion
from decisions.members.views import digest as import_digest
from decisions.notifications.models import (
    Notification,
    NotificationKind,
    OutboundEmail,
    OutboxState,
)
from decisions.proposals import services
from decisions.proposals.models import Area, PositionKind, Proposal, Round
from decisions.ratification import services as ratification
from decisions.ratification.models import Body, InForce, LocalOutcome, Ratification
from decisions.register.models import Decision, DecisionDocument
from tests.conftest import (
    _empty_tables,
    filled_tables,
    restart_sequences,
    run_script,
    without_row_checks,
)
from tests.factories import PASSWORD, pdf_bytes

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
    email: OutboundEmail  # refused for good by the mail server: the outbox page's
    followup: FollowupItem  # on `decision`, owned by `member`
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
    entry: ProtocolEntry  # on `held_item`
    approved: Meeting  # minutes approved by the chair
    feed_token: str  # the chair's calendar feed
    action: ActionItem  # in the held meeting's draft minutes, with a follow-up item


# Routes whose objects are meetings, items and attachments: their world has meetings.
MEETING_BLUEPRINTS = ("meetings.", "files.", "calendar.", "public.", "search.", "papers.",
                      "ratification.report_back", "oparl.")


def needs_meetings(endpoint: str) -> bool:
    return endpoint.startswith(MEETING_BLUEPRINTS) or endpoint == "followup.new_for_action"


def _build_new(make, with_meetings: bool = False) -> World:
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
    # The other member objects to version 2 only: its representative replies in the
    # objection's conversation (the reply route's matrix row).
    make.position(users["other_representative"], round_, other, PositionKind.OBJECT)

    adopted = make.round_(secretariat, [member], make.proposal(secretariat, title="Budsjett"))
    make.position(users["representative"], adopted, member, PositionKind.SUPPORT)
    decision = db.session.query(Decision).filter_by(round_id=adopted.id).one()
    # It needs the member's own adoption, recorded with the local decision as PDF.
    ratification.set_requirement(secretariat, decision.proposal, body=Body.COUNCIL,
                                 deadline=today(now()) + timedelta(days=60),
                                 in_force=InForce.ALL)
    ratification.record_handling(users["representative"], decision, member,
                                 body=Body.COUNCIL, meeting_date=today(now()),
                                 case_number="2026/17", outcome=LocalOutcome.ADOPTED,
                                 pdf=(pdf_bytes(), "vedtak.pdf"))
    email = OutboundEmail(
        key=f"world-email:{member.id}", user_id=users["representative"].id,
        to_address=users["representative"].email, subject="Ny høring", text_body="Tekst.",
        html_body="<p>Tekst.</p>", state=OutboxState.FAILED, attempts=1,
        next_attempt_at=now(), last_error="550 5.1.1 mailbox unavailable",
        created_at=now())
    db.session.add(email)
    item = followup.create_item(secretariat, what="Rapportere bruken av budsjettet",
                                owner_kind=OwnerKind.MEMBER, member=member,
                                due=date(2026, 4, 1), decision=decision)
    db.session.commit()
    world = World(users=users, member=member, other=other, objector=objector,
                  area=make.area(), draft=draft, circulated=circulated, round=round_,
                  decision=decision, email=email, followup=item)
    if with_meetings:
        world.meetings = _build_meetings(make, world)
    return world


def _build_meetings(make, world: World) -> Meetings:
    sec, chair = world.users["secretariat"], world.users["board"]
    group = make.group(public_meetings=True)  # its notices are public too
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
        agenda.publish_notice(sec, done)
        minutes.mark_held(sec, done)
        first = queries.active_items(done)[0]
        minutes.save_item_minutes(sec, first, lock_version=first.lock_version,
                                  notes="Innkallingen ble godkjent.",
                                  decision_text="Innkalling og saksliste godkjennes.")
    entry = minutes.add_entry(sec, held_item, kind=EntryKind.DISSENT,
                              text="Dissens fra et medlem.", member=world.member)
    minutes.approve_minutes(chair, approved)
    action = minutes.add_action(sec, held_item, description="Sende årsmeldingen ut.",
                                owner="Styret", due=None)
    followup.create_item(sec, what="Årsmeldingen sendt til medlemmene",
                         owner_kind=OwnerKind.GROUP, group=group, due=date(2026, 4, 15),
                         action=action)
    agenda.publish_notice(sec, meeting)
    feed_token = create_feed(chair)
    db.session.commit()
    return Meetings(group=group, planned=planned, meeting=meeting, item=item,
                    attachment=attachment, proposal_attachment=proposal_attachment,
                    held=held, held_item=held_item, entry=entry, approved=approved,
                    feed_token=feed_token, action=action)


def url_args(endpoint: str, world: World, target: str | None = None) -> dict:
    """The URL values of `endpoint` in `world`: the route's natural object, or the
    object named by `target` (a field of World or of World.meetings)."""
    if world.meetings is not None and needs_meetings(endpoint):
        found = _meeting_url_args(endpoint, world.meetings, target)
        if found is not None:
            return found
    # Each entry is made only when its route is asked for: some make rows (a reset
    # link, an invitation), and every attribute read may load an expired row.
    w = world
    decision = lambda: {"id": w.decision.id}  # noqa: E731
    made = {
        "proposals.show": lambda: {"id": w.circulated.id},
        "proposals.edit": lambda: {"id": w.draft.id},
        "proposals.circulate": lambda: {"id": w.draft.id},
        "proposals.revise": lambda: {"id": w.circulated.id},
        "proposals.withdraw": lambda: {"id": w.circulated.id},
        "proposals.round": lambda: {"id": w.round.id},
        "proposals.board": lambda: {"id": w.round.id},
        "proposals.history": lambda: {"id": w.round.id},
        "proposals.position": lambda: {"id": w.round.id, "member_id": w.member.id},
        "proposals.confirm": lambda: {"id": w.round.id, "member_id": w.member.id},
        "proposals.answer": lambda: {"id": w.round.id, "member_id": w.objector.id},
        "proposals.reply": lambda: {"id": w.round.id, "member_id": w.other.id},
        "register.show": lambda: {"year": w.decision.year, "number": w.decision.number},
        **dict.fromkeys(("followup.show", "followup.update", "followup.edit"),
                        lambda: {"id": w.followup.id}),
        **dict.fromkeys(("followup.new_for_decision", "followup.review",
                         "ratification.show", "ratification.export"), decision),
        "public.decision": lambda: {"year": w.decision.year, "number": w.decision.number},
        "register.download": lambda: {"fmt": "csv"},
        "public.meetings_download": lambda: {"fmt": "json"},
        "files.upload_to_proposal": lambda: {"id": w.circulated.id},
        "notifications.follow": lambda: {
            "id": _newest_notification(w.users["representative"])},
        "notifications.retry": lambda: {"id": w.email.id},
        **dict.fromkeys(("areas.show", "areas.edit", "areas.deactivate",
                         "areas.reactivate"), lambda: {"id": w.area.id}),
        "accounts.reset": lambda: {"token": _reset_token(w.users["representative"])},
        "people.accept": lambda: {"token": _invitation_token(w)},
        "members.show": lambda: {"id": w.member.id},
        **dict.fromkeys(("ratification.record", "ratification.local_pdf"),
                        lambda: {"id": w.decision.id, "member_id": w.member.id}),
        "ratification.requirement": lambda: {"id": w.circulated.id},
        "ratification.member": lambda: {"id": w.member.id},
        "members.edit": lambda: {"id": w.member.id},
        "members.new_place": lambda: {"kind": "subregions"},
        "members.rename_place": lambda: {"kind": "subregions", "id": w.member.subregion_id},
    }.get(endpoint)
    if made is not None:
        return made()
    return _person_url_args(endpoint, world, target) or _spare_url_args(endpoint)


# The person each people route points at by default; a target names a user of the
# world (world.users) or one made for the route ("invitee", "former", "with_code").
PERSON_TARGETS = {"people.show": "representative", "people.edit": "representative",
                  "people.deactivate": "representative", "people.resend": "invitee",
                  "people.reactivate": "former", "people.reset_code": "with_code"}


def _person_url_args(endpoint: str, world: World, target: str | None) -> dict:
    if endpoint not in PERSON_TARGETS:
        return {}
    target = target or PERSON_TARGETS[endpoint]
    if target in world.users:
        return {"id": world.users[target].id}
    return {"id": _made_person(world, target).id}


def _made_person(world: World, kind: str) -> User:
    """A board member (or, invited, a representative) made directly, with no audit
    entry, so that asking for the URL changes nothing the matrix watches."""
    count = db.session.scalar(select(func.count()).select_from(User))
    user = User(email=f"{kind}{count}@kommune.test", name=f"{kind.title()} {count}",
                role=Role.BOARD, password_hash=NO_PASSWORD if kind == "invitee"
                else world.users["board"].password_hash, active=kind != "former",
                created_at=now(), totp_secret=new_totp_secret() if kind == "with_code"
                else None)
    if kind == "invitee":
        user.role, user.member_id = Role.REPRESENTATIVE, world.member.id
    db.session.add(user)
    db.session.flush()
    if kind == "invitee":
        _invitation_for(user)
    db.session.commit()
    return user


def _invitation_for(user: User) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(Invitation(user_id=user.id, token_hash=hash_token(token), created_at=now(),
                              expires_at=now() + timedelta(days=14)))
    db.session.commit()
    return token


def _invitation_token(world: World) -> str:
    """A fresh invitation of a new invitee (each URL asked for is a new one)."""
    user = _made_person(world, "invitee")
    return _invitation_for(user)


def _spare_url_args(endpoint: str) -> dict:
    """Routes that close a member or a subregion: one made for the purpose (only when
    asked for, so that other routes' worlds stay as built)."""
    if endpoint == "members.set_active":
        return {"id": _spare_member().id}
    if endpoint == "members.place_active":
        return {"kind": "subregions", "id": _spare_subregion().id}
    return {}


_SPARES = iter(range(1, 1_000_000))


def _spare_subregion() -> Subregion:
    """A subregion without members, made directly (no audit entry): one to close."""
    subregion = Subregion(name=f"Tom delregion {next(_SPARES)}", active=True)
    db.session.add(subregion)
    db.session.commit()
    return subregion


def _spare_member() -> Member:
    """A member in no round, made directly (no audit entry): one to close or merge."""
    member = Member(name=f"Reservekommune {next(_SPARES)}", kind=MemberKind.MUNICIPALITY,
                    subregion=_spare_subregion(), active=True)
    db.session.add(member)
    db.session.commit()
    return member


IMPORT_CSV = "name,kind,subregion,county\nNy importkommune,kommune,Follo,Akershus\n"


def _member_form(endpoint: str, world: World) -> dict:
    """The form of a members route (spare members made only for the merger's)."""
    content = IMPORT_CSV
    if endpoint == "members.merge":
        return {"olds": [_spare_member().id], "into": _spare_member().id,
                "on": "2026-03-01", "confirmed": "1"}
    return {
        "members.new": lambda: {"name": "Ny kommune", "kind": "municipality",
                                "subregion": world.member.subregion_id, "county": 0},
        "members.edit": lambda: {"name": "Nytt kommunenavn", "kind": "municipality",
                                 "subregion": world.member.subregion_id, "county": 0,
                                 "renamed_on": "2026-03-01",
                                 "lock_version": world.member.lock_version},
        "members.set_active": lambda: {"active": "0"},
        "members.new_place": lambda: {"name": "Ny delregion"},
        "members.rename_place": lambda: {"name": "Omdøpt delregion"},
        "members.place_active": lambda: {"active": "0"},
        "members.import_file": lambda: {"what": "members",
                                        "file": (io.BytesIO(content.encode()), "medlemmer.csv")},
        "members.import_save": lambda: {"what": "members",
                                        "content": base64.b64encode(content.encode()).decode(),
                                        "digest": import_digest("members", content)},
    }.get(endpoint, dict)()


def _reset_token(user) -> str:
    """A fresh reset link of the user (each URL asked for is a new one; made directly,
    as the service allows only a few an hour)."""
    import secrets

    from decisions.accounts.models import PasswordReset
    from decisions.accounts.services import RESET_VALID, _hash_token

    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(user_id=user.id, token_hash=_hash_token(token),
                                 created_at=now(), expires_at=now() + RESET_VALID))
    db.session.commit()
    return token


def _newest_notification(user) -> int:
    return db.session.scalar(select(func.max(Notification.id)).where(
        Notification.user_id == user.id))


def _meeting_url_args(endpoint: str, m: Meetings, target: str | None) -> dict | None:
    if target in ("planned", "meeting", "held", "approved") and endpoint in (
            "meetings.meeting", "meetings.minutes", "calendar.meeting"):
        return {"id": getattr(m, target).id}
    if endpoint in ("files.download", "files.remove"):
        return {"id": getattr(m, target or "attachment").id}
    if endpoint == "calendar.feed":
        return {"token": m.feed_token}
    if endpoint in ("meetings.edit_seat", "meetings.end_seat"):
        return {"id": _member_seat(m).id}
    if endpoint == "papers.document":
        return {"token": papers_token(_outside_seat(m), m.meeting), "kind": "notice"}
    if endpoint == "meetings.document":
        if target == "approved":
            return {"id": m.approved.id, "kind": "minutes"}
        return {"id": m.meeting.id, "kind": "notice"}
    by_object = {
        "group": ("meetings.group", "meetings.new_meeting", "meetings.edit_group",
                  "meetings.new_seat", "meetings.change_chair", "meetings.change_term"),
        "planned": ("meetings.edit_meeting", "meetings.cancel", "meetings.publish",
                    "ratification.report_back"),
        "meeting": ("meetings.meeting", "meetings.held", "meetings.add_item",
                    "meetings.reorder"),
        "item": ("meetings.edit_item", "meetings.remove_item", "meetings.move_item",
                 "files.upload_to_item"),
        "held": ("meetings.minutes", "meetings.attendance", "meetings.approve",
                 "meetings.officers", "meetings.minutes_ready"),
        "held_item": ("meetings.save_minutes", "meetings.add_entry", "meetings.add_absence",
                      "meetings.add_action"),
    }
    for name, endpoints in by_object.items():
        if endpoint in endpoints:
            return {"id": getattr(m, name).id}
    if endpoint == "meetings.remove_line":
        return {"kind": "entry", "id": m.entry.id}
    if endpoint == "public.minutes":
        return {"id": m.approved.id}
    if endpoint == "public.document":
        if target == "approved":
            return {"id": m.approved.id, "kind": "minutes"}
        return {"id": m.meeting.id, "kind": "notice"}
    if endpoint.startswith("oparl."):
        return _oparl_url_args(endpoint, m)
    if endpoint == "followup.new_for_action":
        return {"id": m.action.id}
    if endpoint in ("meetings.change_attendance", "meetings.remove_attendance"):
        return {"line": m.held.attendance[0].id}
    return None


def _oparl_url_args(endpoint: str, m: Meetings) -> dict:
    """The OParl objects of the world: its approved meeting and their PDFs, the group's
    chair (who agrees to be published, made once), an item of the approved meeting
    that treated the decided proposal (made directly, once)."""
    chair = db.session.scalar(select(GroupMembership).where(
        GroupMembership.group_id == m.group.id, GroupMembership.role == GroupRole.CHAIR))
    if endpoint in ("oparl.person", "oparl.membership") and not chair.user.publish_consent:
        chair.user.publish_consent = True
        db.session.commit()
    decision = db.session.scalar(select(Decision).order_by(Decision.id).limit(1))
    if endpoint == "oparl.item_consultation":
        return {"id": _item_treating(m.approved, decision.proposal_id).id}
    if endpoint.startswith("oparl.paper_file"):
        main_file = db.session.scalar(select(DecisionDocument.id).where(
            DecisionDocument.decision_id == decision.id))
        if main_file is None:  # made directly (no audit entry), once, like the item
            data = pdf_bytes(text="Vedtak")
            key, digest = storage.save(data)
            main_file = DecisionDocument(decision_id=decision.id, storage_key=key,
                                         sha256=digest, size=len(data), created_at=now())
            db.session.add(main_file)
            db.session.commit()
            main_file = main_file.id
        return {"id": main_file}
    minutes_pdf = db.session.scalar(select(MeetingDocument.id).where(
        MeetingDocument.meeting_id == m.approved.id,
        MeetingDocument.kind == DocumentKind.PUBLIC_MINUTES))
    return {
        "oparl.legislative_term": {"year": 2023},
        "oparl.group": {"id": m.group.id},
        "oparl.member": {"id": chair.member_id or _member_seat(m).member_id},
        "oparl.person": {"id": chair.user_id},
        "oparl.membership": {"id": chair.id},
        "oparl.meeting": {"id": m.approved.id},
        "oparl.location": {"id": m.approved.id},
        "oparl.agenda_item": {"id": m.approved.items[0].id},
        "oparl.file": {"id": minutes_pdf},
        "oparl.file_content": {"id": minutes_pdf},
        "oparl.file_download": {"id": minutes_pdf},
        "oparl.paper": {"id": decision.proposal_id},
        "oparl.round_consultation": {"id": decision.round_id},
        "oparl.ratification_consultation": {"id": db.session.scalar(
            select(Ratification.id).where(Ratification.decision_id == decision.id))},
    }.get(endpoint, {})


def _item_treating(meeting: Meeting, proposal_id: int) -> AgendaItem:
    found = db.session.scalar(select(AgendaItem).where(AgendaItem.proposal_id == proposal_id,
                                                       AgendaItem.meeting_id == meeting.id))
    if found is None:
        found = AgendaItem(meeting_id=meeting.id, group_id=meeting.group_id, position=90,
                           kind=ItemKind.DECISION, title="Budsjett",
                           year=meeting.starts_at.year, number=90, proposal_id=proposal_id)
        db.session.add(found)
        db.session.commit()
    return found


def _member_seat(m: Meetings) -> GroupMembership:
    """The world's group's seat of a member (the other seat is the chair's)."""
    return db.session.scalar(select(GroupMembership).where(
        GroupMembership.group_id == m.group.id, GroupMembership.role == GroupRole.MEMBER)
        .order_by(GroupMembership.id).limit(1))


def _outside_seat(m: Meetings) -> GroupMembership:
    """An observer's seat held by a person outside Samråd (an email, no login); made
    directly and once, so that asking for the URL changes nothing the matrix watches."""
    found = db.session.scalar(select(GroupMembership).where(
        GroupMembership.group_id == m.group.id, GroupMembership.email.is_not(None)))
    if found is None:
        found = GroupMembership(group_id=m.group.id, person_name="Erle Ekstern",
                                role=GroupRole.OBSERVER, term_start=date(2020, 1, 1),
                                email="erle@kommune.test")
        db.session.add(found)
        db.session.commit()
    return found


MEETING_FORM = "2026-04-01T10:00"


def _meeting_forms(m: Meetings) -> dict:
    """The meeting routes' forms, each made when asked for (as in `_form_data`)."""
    return {
        "meetings.new_meeting": lambda: {"starts_at": MEETING_FORM, "place": "Oslo rådhus"},
        "meetings.edit_meeting": lambda: {"starts_at": MEETING_FORM, "place": "Lillestrøm",
                                          "lock_version": m.planned.lock_version},
        "meetings.add_item": lambda: {"title": "Ny sak", "kind": "decision", "proposal": 0},
        "meetings.edit_item": lambda: {"title": "Endret sak", "kind": "decision", "proposal": 0,
                                       "lock_version": m.item.lock_version},
        "meetings.move_item": lambda: {"direction": "up"},
        "meetings.reorder": lambda: {"item": [i.id for i in reversed(queries.active_items(
            m.meeting))]},
        "meetings.save_minutes": lambda: {"notes": "Notater.", "decision_text": "Vedtatt.",
                                          "lock_version": m.held_item.lock_version},
        "meetings.add_entry": lambda: {"kind": "dissent", "member": 0, "text": "Dissens."},
        "meetings.add_absence": lambda: {"person_name": "Ola Nordmann", "kind": "left"},
        "meetings.add_action": lambda: {"description": "Følge opp saken.",
                                        "owner": "Sekretariatet"},
        "meetings.attendance": lambda: {"person_name": "Ola Nordmann", "status": "other"},
        "meetings.officers": lambda: {"meeting_leader": "Marit Sand",
                                      "minute_taker": "Ola Nordmann"},
        "meetings.change_attendance": lambda: {"person_name": m.held.attendance[0].person_name,
                                               "status": "apologies"},
        "files.upload_to_item": lambda: _pdf_upload(),
        "files.upload_to_proposal": lambda: _pdf_upload(),
        "meetings.new_group": lambda: {"name": "Ny arbeidsgruppe", "kind": "expert"},
        "meetings.edit_group": lambda: {"name": f"{m.group.name} (nytt navn)", "kind": "board",
                                        "active": "y"},
        "meetings.new_seat": lambda: {"person_name": "Erle Ekstern", "role": "member", "member": 0,
                                      "term_start": "2026-01-01", "user": 0,
                                      "email": "erle@kommune.test"},
        "meetings.edit_seat": lambda: {"person_name": "Nytt Navn", "role": "member", "member": 0,
                                       "term_start": "2020-01-01", "user": 0, "email": ""},
        "meetings.end_seat": lambda: {"term_end": "2026-12-31"},
        "meetings.change_chair": lambda: {"from_day": "2026-04-01", "seat": _member_seat(m).id,
                                          "old_stays_member": "y"},
        "meetings.change_term": lambda: {
            "old_term_end": "2026-10-31", "new_term_start": "2026-11-01", "step": "confirm",
            **{f"continues-{seat.id}": "1" for seat in m.group.memberships}},
    }


def _pdf_upload() -> dict:
    """An attachment form: a new file object each time, as the client closes what it sent."""
    return {"file": (io.BytesIO(pdf_bytes()), "vedlegg.pdf"), "title": "Vedlegg"}


# The acts that cannot be undone: their forms are sent confirmed (decisions/confirm.py).
CONFIRMED = {"proposals.withdraw", "meetings.cancel", "meetings.publish", "meetings.held",
             "meetings.approve", "meetings.remove_item", "meetings.remove_line",
             "meetings.remove_attendance", "files.remove", "people.deactivate",
             "people.reset_code"}


def form_data(endpoint: str, world: World) -> dict:
    """A form that succeeds when the user may post it (so a refusal is the permission's)."""
    if endpoint in CONFIRMED:
        return {**_form_data(endpoint, world), "confirmed": "1"}
    return _form_data(endpoint, world)


def _form_data(endpoint: str, world: World) -> dict:
    """Only the asked route's form is made: each attribute read may load an expired row
    (a round trip on PostgreSQL), and making all of them each time loaded dozens."""
    if endpoint.startswith("members."):
        return _member_form(endpoint, world)
    return {
        "accounts.login": lambda: {"email": "", "password": ""},
        "accounts.language": lambda: {"lang": "en"},
        "proposals.new": lambda: {"title": "Ny sak", "area": world.area.id,
                                  "resolution": "Osloregionen vedtar."},
        "proposals.edit": lambda: {"title": "Endret utkast", "area": world.area.id,
                                   "background": "Ny bakgrunn.", "resolution": "Endret vedtak.",
                                   "lock_version": world.draft.lock_version},
        "proposals.circulate": lambda: {"procedure": "consent", "deadline": FORM_DEADLINE,
                                        "scope": "all"},
        "proposals.revise": lambda: {"title": world.circulated.title, "background": "Bakgrunn.",
                                     "resolution": "Versjon tre av vedtaket.",
                                     "procedure": "consent", "deadline": FORM_DEADLINE,
                                     "scope": "all"},
        "proposals.position": lambda: {"kind": "support"},
        "ratification.requirement": lambda: {
            "body": "council", "in_force": "all", "remind_days": "14",
            "deadline": (today(now()) + timedelta(days=60)).isoformat()},
        "ratification.record": lambda: {"body": "council", "meeting_date": today(now()).isoformat(),
                                        "case_number": "2026/18", "outcome": "adopted"},
        "areas.new": lambda: {"name_nb": "Næringsutvikling", "name_en": "Business development",
                              "kind": "strategy"},
        "areas.edit": lambda: {"name_nb": "Klima, miljø og energi", "name_en": "Climate",
                               "kind": "operation", "lock_version": world.area.lock_version},
        "proposals.answer": lambda: {"text": "Sekretariatet har svart på innsigelsen."},
        "proposals.reply": lambda: {"text": "Kommunen står fast ved innsigelsen."},
        "notifications.settings": lambda: {kind.value: "immediate" for kind in NotificationKind},
        "followup.update": lambda: {"status": "in_progress", "progress": "40",
                                    "comment": "Godt i gang.",
                                    "lock_version": world.followup.lock_version},
        "followup.new_for_decision": lambda: {"what": "Ny oppfølging", "owner": "secretariat",
                                              "due": "2026-04-01", "weight": "2"},
        "followup.new_for_action": lambda: {"what": "Følge opp handlingen", "owner": "secretariat",
                                            "due": "2026-04-01", "weight": "1"},
        "followup.edit": lambda: {"what": "Rapportere bruken", "owner": f"member:{world.member.id}",
                                  "due": "2026-05-01", "weight": "3",
                                  "lock_version": world.followup.lock_version},
        "followup.review": lambda: {"review_date": "2026-06-01"},
        "accounts.password": lambda: {"current": PASSWORD, "password": "en helt ny passordfrase",
                                      "confirm": "en helt ny passordfrase"},
        "accounts.code": lambda: {"code": "000000"},
        "accounts.forgot": lambda: {"email": world.users["representative"].email},
        "accounts.reset": lambda: {"password": "en helt ny passordfrase",
                                   "confirm": "en helt ny passordfrase"},
        "people.invite": lambda: {"name": "Nina Ny", "email": "nina.ny@kommune.test",
                                  "role": "representative", "member": world.member.id,
                                  "kind": "deputy"},
        "people.edit": lambda: {"name": "Rita Representant", "email": world.users[
            "representative"].email, "role": "representative", "member": world.member.id,
            "kind": "main"},
        "people.accept": lambda: {"password": "en helt ny passordfrase",
                                  "confirm": "en helt ny passordfrase"},
        **(_meeting_forms(world.meetings) if world.meetings is not None else {}),
    }.get(endpoint, dict)()


def audit_entries() -> int:
    """The audit trail's length as stored: the test's read transaction ends first (a
    SQLite one would go on seeing its snapshot). The route matrices count it before
    and after a request to see whether the request changed anything."""
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


# --- One build per test run ------------------------------------------------------------
# Building a world goes through the services (argon2, PDFs for the meetings): the
# matrices would build it a few hundred times. It is built once per database, clock
# moment, kind and PDF renderer, its rows and files kept, and put back into an empty
# database.

_SNAPSHOTS: dict[tuple, "_Snapshot"] = {}


@dataclass
class _Snapshot:
    rows: dict[str, list[dict]]  # table name -> rows, in the metadata's dependency order
    files: Path  # a copy of the file store
    world: object  # the World with (model, id) in place of each database object
    script: list[str] | None = None  # PostgreSQL: the statements that put the rows back


def build(make, with_meetings: bool = False) -> World:
    """A world in the test's database: restored from the run's first build when the
    database is empty, else built anew beside what is there."""
    return once(("world", with_meetings), lambda: _build_new(make, with_meetings))


def demo_data() -> None:
    """The demo data (`flask demo load`) in the test's database: loaded once per test
    process, database, moment and renderer, then restored from that first load's rows
    and files (loading it takes seconds; a dozen tests read it)."""
    once(("demo",), lambda: demo.load() and None)


def once(kind: tuple, make_it):
    """What `make_it` makes in the database, made once per test process, database,
    clock moment and PDF renderer and then restored from its rows and files; made anew
    beside what is there when the database is not empty."""
    if not _database_is_empty():
        return make_it()
    key = (*kind, str(db.engine.url), now(), current_app.config["PDF_RENDERER"])
    snapshot = _SNAPSHOTS.get(key)
    if snapshot is None:
        made = make_it()
        db.session.commit()
        _SNAPSHOTS[key] = _take(made)
        return made
    return _restore(snapshot)


def fresh(make, with_meetings: bool = False) -> World:
    """Empty the database and the file store, then a world as `build` makes it."""
    db.session.remove()
    _empty_tables()
    shutil.rmtree(current_app.config["FILE_STORAGE"], ignore_errors=True)
    return build(make, with_meetings)


def _database_is_empty() -> bool:
    """No row in any table (the audit chain's head included): a snapshot fits."""
    db.session.commit()
    with db.engine.connect() as conn:
        return not filled_tables(conn, db.metadata.sorted_tables)


def _take(world: World) -> _Snapshot:
    rows, script = {}, None
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows[table.name] = [dict(r) for r in conn.execute(table.select()).mappings()]
        if conn.dialect.name == "postgresql":
            script = _postgres_script(conn, [t for t in db.metadata.sorted_tables
                                             if rows[t.name]])
    files = Path(tempfile.mkdtemp(prefix="samraad-world-"))
    store = Path(current_app.config["FILE_STORAGE"])
    if store.exists():
        shutil.copytree(store, files, dirs_exist_ok=True)
    return _Snapshot(rows=rows, files=files, world=_refs(world), script=script)


QUOTE = "$samraad_world$"
# Each id sequence continues after the largest id put back (restart_sequences' value).
AFTER_LARGEST_ID = "(SELECT max({c}) FROM {t})"


def _postgres_script(conn, filled: list) -> list[str] | None:
    """PostgreSQL: the rows of `filled` as statements that insert them again (each
    table's rows as JSON, read back by json_populate_recordset, so every value goes
    through its type's own text form) and set the id sequences: the whole world in one
    round trip to the server, instead of one or more per table. None if a table's
    JSON holds the quote (the rows are then inserted table by table)."""
    quote = conn.dialect.identifier_preparer.quote
    statements = []
    for table in filled:
        columns = ", ".join(quote(column.name) for column in table.columns)
        data = conn.exec_driver_sql(
            f"SELECT json_agg(x)::text FROM (SELECT {columns} FROM {quote(table.name)}) AS x"
        ).scalar()
        if QUOTE in data:
            return None
        statements.append(
            f"INSERT INTO {quote(table.name)} ({columns}) SELECT {columns} "
            f"FROM json_populate_recordset(NULL::{quote(table.name)}, {QUOTE}{data}{QUOTE})")
    return [*statements, restart_sequences(filled, AFTER_LARGEST_ID)]


def _restore(snapshot: _Snapshot) -> World:
    db.session.remove()
    with db.engine.begin() as conn:
        if snapshot.script is not None:
            run_script(conn, [*without_row_checks(conn), *snapshot.script])
        else:
            _insert_rows(conn, snapshot)
    shutil.copytree(snapshot.files, current_app.config["FILE_STORAGE"], dirs_exist_ok=True)
    return _objects(snapshot.world)


def _insert_rows(conn, snapshot: _Snapshot) -> None:
    """Table by table (SQLite, or PostgreSQL when a table's JSON holds the quote)."""
    filled = [table for table in db.metadata.sorted_tables if snapshot.rows[table.name]]
    postgres = conn.dialect.name == "postgresql"
    if postgres and (row_checks_off := without_row_checks(conn)):
        run_script(conn, row_checks_off)
    for table in filled:
        conn.execute(table.insert(), snapshot.rows[table.name])
    if postgres:
        run_script(conn, [restart_sequences(filled, AFTER_LARGEST_ID)])


@dataclass(frozen=True)
class _Ref:
    model: type
    id: int


def _refs(value):
    """The world with each database object replaced by a reference to its row."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value)(**{f.name: _refs(getattr(value, f.name))
                              for f in dataclasses.fields(value)})
    if isinstance(value, dict):
        return {k: _refs(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_refs(v) for v in value)
    if hasattr(value, "__mapper__"):
        return _Ref(type(value), inspect(value).identity[0])
    return value


def _objects(value):
    """The world again, each reference loaded in the current session: the rows of each
    model in one query (a `session.get` each was a round trip per object), then taken
    from the session's identity map."""
    loaded = [db.session.scalars(select(model).where(inspect(model).primary_key[0].in_(ids))).all()
              for model, ids in _ids_by_model(value).items()]
    world = _loaded(value)
    del loaded  # the world holds them now (the identity map alone holds them weakly)
    return world


def _ids_by_model(value, found: dict | None = None) -> dict[type, set[int]]:
    found = {} if found is None else found
    if isinstance(value, _Ref):
        found.setdefault(value.model, set()).add(value.id)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _ids_by_model(getattr(value, f.name), found)
    elif isinstance(value, dict | list | tuple):
        for v in (value.values() if isinstance(value, dict) else value):
            _ids_by_model(v, found)
    return found


def _loaded(value):
    if isinstance(value, _Ref):
        return db.session.get(value.model, value.id)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value)(**{f.name: _loaded(getattr(value, f.name))
                              for f in dataclasses.fields(value)})
    if isinstance(value, dict):
        return {k: _loaded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_loaded(v) for v in value)
    return value
