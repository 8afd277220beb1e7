"""The OParl 1.1 objects, as dicts ready for JSON: no value is ever None (a missing
value is left out), every moment has its offset, and every `id` is the object's URL."""

import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime

from flask import current_app, g, has_request_context, request, url_for

from decisions.accounts.models import User
from decisions.clock import now, oslo
from decisions.files import storage
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
from decisions.oparl import queries
from decisions.oparl.models import Tombstone
from decisions.oparl.tombstones import TYPES as TOMBSTONE_TYPES
from decisions.proposals.models import Procedure, Proposal, Round
from decisions.ratification.models import Body, Ratification
from decisions.register.models import Decision, DecisionDocument

SCHEMA = "https://schema.oparl.org/1.1/"
# The interface's own beginning: the moment of objects that keep no time of their own
# (the system, the body, legislative terms).
SINCE = datetime(2026, 1, 1, tzinfo=UTC)
LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"
DOCUMENT_NAMES = {DocumentKind.PUBLIC_NOTICE: "Innkalling", DocumentKind.PACK: "Sakspapirer",
                  DocumentKind.PUBLIC_MINUTES: "Protokoll"}


def url(endpoint: str, **args) -> str:
    if len(args) == 1 and type(args.get("id")) is int:
        return urls(endpoint)(args["id"])
    return url_for(f"oparl.{endpoint}", _external=True, **args)


def urls(endpoint: str) -> Callable[[int], str]:
    """`url(endpoint, id=...)` for many ids (a page of meetings names 1,500 agenda
    items, a consultation hundreds of members): the address made by the routes once a
    request and root address, each id put in its place where the id ends it."""
    made = g.setdefault("_oparl_urls", {})
    # The scheme, host and script root: an app context may outlive a request.
    key = (endpoint, request.root_url if has_request_context() else None)
    found = made.get(key)
    if found is None:
        sample = url_for(f"oparl.{endpoint}", _external=True, id=0)
        if sample.endswith("/0"):
            prefix = sample[:-1]
            found = made[key] = lambda id: f"{prefix}{id}"
        else:
            found = made[key] = lambda id: url_for(f"oparl.{endpoint}", _external=True, id=id)
    return found


def moment(value: datetime) -> str:
    return oslo(value).isoformat(timespec="seconds")


def day(value: date) -> str:
    return value.isoformat()


def _object(kind: str, id: str, created: datetime, modified: datetime, **fields) -> dict:
    found = {"id": id, "type": SCHEMA + kind, **fields,
             "created": moment(created), "modified": moment(max(created, modified))}
    return {key: value for key, value in found.items() if value is not None}


def system() -> dict:
    return _object("System", url("system"), SINCE, SINCE, oparlVersion=SCHEMA,
                   license=LICENSE, body=url("bodies"),
                   name=f"{current_app.config['ALLIANCE_NAME']} (Samråd)",
                   web=url_for("public.index", _external=True))


def body() -> dict:
    return _object(
        "Body", url("body"), SINCE, SINCE, system=url("system"),
        name=current_app.config["ALLIANCE_NAME"], license=LICENSE,
        organization=url("organizations"), person=url("persons"), meeting=url("meetings"),
        paper=url("papers"), legislativeTerm=[legislative_term(y) for y in term_years()],
        legislativeTermList=url("legislative_terms"), file=url("files"),
        classification="Interkommunalt politisk råd",
        web=url_for("public.index", _external=True))


# -- Legislative terms: the municipal councils' four-year terms (from 1 October after
# the local elections of 2023, 2027, ...).

FIRST_TERM = 2023


def term_years() -> list[int]:
    today = oslo(now()).date()
    last = today.year - (today.year - FIRST_TERM) % 4
    if today < date(last, 10, 1):
        last -= 4
    return list(range(FIRST_TERM, max(last, FIRST_TERM) + 1, 4))


def legislative_term(year: int) -> dict:
    return _object("LegislativeTerm", url("legislative_term", year=year), SINCE, SINCE,
                   body=url("body"), name=f"{year}–{year + 4}",
                   startDate=day(date(year, 10, 1)), endDate=day(date(year + 4, 9, 30)))


# -- Organizations: the groups that meet, and the member municipalities.

def group(found: Group, memberships: list[GroupMembership]) -> dict:
    modified = max([found.updated_at, *(m.updated_at for m in memberships)])
    return _object("Organization", url("group", id=found.id), found.created_at, modified,
                   body=url("body"), name=found.name, organizationType="Gremium",
                   classification=found.kind.value,
                   membership=[url("membership", id=m.id) for m in memberships] or None)


def member(found: Member) -> dict:
    return _object("Organization", url("member", id=found.id), found.created_at,
                   found.updated_at,
                   body=url("body"), name=found.name, organizationType="Mitglied",
                   classification=found.kind.value,
                   endDate=day(found.closed_on) if found.closed_on else None)


# -- People who agreed to be published, and their seats.

def person(user: User, memberships: list[GroupMembership]) -> dict:
    modified = max([user.created_at, *(m.updated_at for m in memberships)])
    return _object("Person", url("person", id=user.id), user.created_at, modified,
                   body=url("body"), name=user.name,
                   membership=[membership(m) for m in memberships] or None)


def membership(seat: GroupMembership) -> dict:
    return _object("Membership", url("membership", id=seat.id), seat.created_at,
                   seat.updated_at,
                   person=url("person", id=seat.user_id),
                   organization=url("group", id=seat.group_id), role=seat.role.value,
                   startDate=day(seat.term_start),
                   endDate=day(seat.term_end) if seat.term_end else None,
                   onBehalfOf=url("member", id=seat.member_id) if seat.member_id else None)


# -- Meetings, their items, places and PDFs.

def _meeting_times(meeting: Meeting) -> tuple[datetime, datetime]:
    latest = (meeting.minutes_approved_at or meeting.notice_published_at
              or meeting.created_at)
    return meeting.created_at, latest


def meeting(found: Meeting, documents: dict[DocumentKind, MeetingDocument],
            papers: set[int]) -> dict:
    created, modified = _meeting_times(found)
    notice, pack, minutes = (documents.get(kind) for kind in
                             (DocumentKind.PUBLIC_NOTICE, DocumentKind.PACK,
                              DocumentKind.PUBLIC_MINUTES))
    return _object(
        "Meeting", url("meeting", id=found.id), created, modified,
        name=f"{found.group.name} {oslo(found.starts_at).date().isoformat()}",
        meetingState=found.state.value, cancelled=found.state == MeetingState.CANCELLED,
        start=moment(found.starts_at),
        end=moment(found.ends_at) if found.ends_at else None,
        location=location(found) if found.place else None,
        organization=[url("group", id=found.group_id)],
        invitation=file(notice) if notice else None,
        resultsProtocol=file(minutes) if minutes else None,
        auxiliaryFile=[file(pack)] if pack else None,
        agendaItem=[agenda_item(item, papers) for item in queries.shown_items(found)] or None,
        web=(url_for("public.minutes", id=found.id, _external=True)
             if found.state == MeetingState.MINUTES_APPROVED else None))


def location(found: Meeting) -> dict:
    created, modified = _meeting_times(found)
    return _object("Location", url("location", id=found.id), created, modified,
                   description=found.place, meetings=[url("meeting", id=found.id)])


def agenda_item(item: AgendaItem, papers: set[int]) -> dict:
    created, modified = _meeting_times(item.meeting)
    common = dict(meeting=url("meeting", id=item.meeting_id), number=f"Sak {item.ref}",
                  order=item.position)
    if item.exempt:
        return _object("AgendaItem", url("agenda_item", id=item.id), created, modified,
                       **common, name=f"exempt, {item.exempt_basis}", public=False)
    approved = item.meeting.state == MeetingState.MINUTES_APPROVED
    return _object(
        "AgendaItem", url("agenda_item", id=item.id), created, modified, **common,
        name=item.title, public=True,
        consultation=(url("item_consultation", id=item.id)
                      if item.proposal_id in papers else None),
        resolutionText=item.decision_text if approved and item.decision_text else None)


def file(doc: MeetingDocument) -> dict:
    data = storage.read(doc.storage_key)
    return _object(
        "File", url("file", id=doc.id), doc.created_at, doc.created_at,
        name=f"{DOCUMENT_NAMES[doc.kind]} rev. {doc.revision}",
        fileName=f"{doc.kind.value}-{doc.meeting_id}-{doc.revision}.pdf",
        mimeType="application/pdf", date=day(oslo(doc.created_at).date()), size=len(data),
        sha512Checksum=hashlib.sha512(data).hexdigest(),
        accessUrl=url("file_content", id=doc.id), downloadUrl=url("file_download", id=doc.id),
        meeting=[url("meeting", id=doc.meeting_id)])


def paper_file(doc: DecisionDocument) -> dict:
    """A decided paper's main file: its decision's public PDF."""
    data = storage.read(doc.storage_key)
    number = f"{doc.decision.year}/{doc.decision.number:03d}"
    return _object(
        "File", url("paper_file", id=doc.id), doc.created_at, doc.created_at,
        name=f"Vedtak {number}", fileName=f"vedtak-{number.replace('/', '-')}.pdf",
        mimeType="application/pdf", date=day(oslo(doc.decision.adopted_at).date()),
        size=len(data), sha512Checksum=hashlib.sha512(data).hexdigest(),
        accessUrl=url("paper_file_content", id=doc.id),
        downloadUrl=url("paper_file_download", id=doc.id),
        paper=[url("paper", id=doc.decision.proposal_id)])


# -- Papers (decided proposals) and their handlings.

def paper(found: Proposal, decision: Decision | None, items: list[AgendaItem],
          ratifications: list[Ratification], members: dict[int, list[int]],
          main: DecisionDocument | None = None) -> dict:
    """`members`: the ids of the members of each of its rounds (queries.member_ids_of)."""
    return _object(
        "Paper", url("paper", id=found.id), found.created_at, found.updated_at,
        body=url("body"), name=found.title, reference=found.case_ref,
        date=day(oslo(decision.adopted_at).date()) if decision else None,
        paperType="Sak", mainFile=paper_file(main) if main else None,
        consultation=[round_consultation(r, members[r.id]) for r in found.rounds]
        + [item_consultation(item) for item in items]
        + [ratification_consultation(r, found.id) for r in ratifications],
        web=(url_for("public.decision", year=decision.year, number=decision.number,
                     _external=True) if decision else None))


def round_consultation(found: Round, member_ids: list[int]) -> dict:
    """`member_ids`: the round's members' ids, in order."""
    member = urls("member")
    return _object(
        "Consultation", url("round_consultation", id=found.id), found.opened_at,
        found.closed_at or found.opened_at, paper=url("paper", id=found.proposal_id),
        organization=[member(id) for id in member_ids] or None,
        authoritative=bool(found.outcome and found.outcome.adopts),
        role=("Konsensusrunde" if found.procedure == Procedure.CONSENT
              else "Stilltiende samtykke"))


def item_consultation(item: AgendaItem) -> dict:
    created, modified = _meeting_times(item.meeting)
    return _object(
        "Consultation", url("item_consultation", id=item.id), created, modified,
        paper=url("paper", id=item.proposal_id), agendaItem=url("agenda_item", id=item.id),
        meeting=url("meeting", id=item.meeting_id),
        organization=[url("group", id=item.group_id)], authoritative=False,
        role="Behandling i møte")


LOCAL_BODIES = {Body.COUNCIL: "Kommunestyre/fylkesting", Body.EXECUTIVE: "Formannskap/fylkesutvalg",
                Body.OTHER: "Annet organ"}


def ratification_consultation(found: Ratification, proposal_id: int) -> dict:
    """A member's own handling of the decision (its ratification) in its own body."""
    return _object(
        "Consultation", url("ratification_consultation", id=found.id), found.registered_at,
        found.registered_at, paper=url("paper", id=proposal_id),
        organization=[url("member", id=found.member_id)],
        authoritative=found.outcome.adopts,
        role=f"Tilslutning: {LOCAL_BODIES[found.body]}, {found.outcome.value}")


# -- What was served once and is gone: {id, type, created, modified, deleted}.

def tombstone(found: Tombstone) -> dict:
    kind = TOMBSTONE_TYPES[found.kind]
    fields: dict = {"deleted": True}
    if kind == "AgendaItem":  # the schema requires these, deleted or not
        fields["order"] = found.item_order or 0
    if kind == "File":
        fields["accessUrl"] = url(f"{found.kind}_content", id=found.object_id)
    return _object(kind, url(found.kind, id=found.object_id), found.created_at,
                   found.deleted_at, **fields)
