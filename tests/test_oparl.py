"""The OParl 1.1 interface: a crawl of the whole demo from the System object, every
object (embedded ones too) valid against its type's schema, the specification's rules,
and what is never published."""

import hashlib
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import url_for
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from decisions.accounts.models import Role, User
from decisions.audit.models import AuditEntry
from decisions.clock import from_oslo, now
from decisions.extensions import db
from decisions.files import storage
from decisions.meetings import agenda, services
from decisions.meetings.models import (
    AgendaItem,
    DocumentKind,
    Group,
    GroupKind,
    GroupMembership,
    GroupRole,
    ItemKind,
    Meeting,
    MeetingDocument,
    MeetingState,
)
from decisions.members.models import Member, MemberKind, Subregion
from decisions.oparl import objects
from decisions.proposals.models import Proposal, ProposalStatus, RoundMember
from decisions.register.models import Decision, DecisionDocument
from tests.counting import counting_queries
from tests.world import demo_data

pytestmark = pytest.mark.heavy  # long in all: run first (tests/conftest.py)

SCHEMAS = Path(__file__).parent / "oparl-schemas"
PREFIX = "http://localhost/oparl/1.1/"
TYPE = re.compile(r"^https://schema\.oparl\.org/1\.1/(\w+)$")
MOMENT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")
DAY = re.compile(r"^\d{4}-\d\d-\d\d$")
JSON_TYPES = {"string": str, "boolean": bool, "integer": int, "object": dict, "array": list}


def schema(kind: str) -> dict:
    return json.loads((SCHEMAS / f"{kind}.json").read_text())


def validate(found, kind: str, where: str = "") -> list[dict]:
    """Checks `found` against the schema of `kind` (required fields, types, formats,
    patterns, no null; the embedded objects against theirs; jsonschema is not installed)
    and returns every object met, the embedded ones included."""
    rules = schema(kind)
    assert isinstance(found, dict), where
    for name in rules["required"]:
        assert name in found, f"{where} {kind} lacks {name}"
    met = [found]
    for name, value in found.items():
        assert name in rules["properties"], f"{where} {kind}.{name} is not in the schema"
        met += _check(value, rules["properties"][name], f"{where} {kind}.{name}")
    assert TYPE.match(found["type"]).group(1) == kind
    return met


def _check(value, rule: dict, where: str) -> list[dict]:
    assert value is not None, f"{where} is null"
    if rule.get("type") == "string" and rule.get("references") == "externalList":
        assert isinstance(value, str) and value.startswith(PREFIX), where
        return []
    assert isinstance(value, JSON_TYPES[rule["type"]]), where
    assert not (rule["type"] == "integer" and isinstance(value, bool)), where
    if rule.get("format") == "date-time":
        assert MOMENT.match(value), f"{where}: {value} has no offset"
    if rule.get("format") == "date":
        assert DAY.match(value), where
    if rule.get("format") == "url":
        assert urlsplit(value).scheme in ("http", "https"), where
    if "pattern" in rule:
        assert re.match(rule["pattern"], value), where
    if rule["type"] == "object" and "schema" in rule:
        return validate(value, rule["schema"].removesuffix(".json"), where)
    met = []
    if rule["type"] == "array":
        for element in value:
            met += _check(element, rule["items"], where)
    return met


def objects_type(kind: str) -> str:
    return f"https://schema.oparl.org/1.1/{kind}"


def get(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["Access-Control-Allow-Origin"] == "*", url
    return response


def crawl(client) -> dict[str, dict]:
    """Every object reachable from the System object, by id, each validated; the
    list pages followed by links.next to the last."""
    objects: dict[str, dict] = {}
    pending = [PREFIX]
    seen: set[str] = set()
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        seen.add(url)
        body = get(client, url).get_json()
        if "data" in body and "pagination" in body:
            found = [(o, TYPE.match(o["type"]).group(1)) for o in body["data"]]
            ids = [o["id"] for o, _ in found]
            assert body["pagination"]["currentPage"] < body["pagination"]["totalPages"] \
                or "next" not in body["links"]
            if "next" in body["links"]:
                pending.append(body["links"]["next"])
            assert not body.get("data") or ids == sorted(ids, key=_id_order), url
        else:
            found = [(body, TYPE.match(body["type"]).group(1))]
            assert body["id"] == url, "an object's id is its own address"
        for thing, kind in found:
            for met in validate(thing, kind, url):
                for key in ("created", "modified", "type", "id"):
                    assert key in met, f"{met['id']} lacks {key}"
                if met["id"] in objects:
                    assert objects[met["id"]] == met, f"{met['id']} differs between places"
                objects[met["id"]] = met
                pending += [u for u in _urls(met) if u not in seen]
    return objects


def _id_order(url: str):
    *_, tail = urlsplit(url).path.rstrip("/").split("/")
    return (urlsplit(url).path.rsplit("/", 1)[0], int(tail) if tail.isdigit() else tail)


def _urls(found: dict) -> list[str]:
    """The interface's URLs the object points at (not its embedded objects' own)."""
    urls = []
    for key, value in found.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, str) and v.startswith(PREFIX) and not key.endswith("Url"):
                urls.append(v)
    return urls


def test_the_whole_demo_crawled_from_the_system_object_validates_and_every_id_answers(
        app, client):
    demo_data()
    objects = crawl(client)
    for url, found in objects.items():
        assert get(client, url).get_json() == found, f"{url} answers with another object"
    for found in objects.values():  # the schemas' own keyword "references"
        kind = TYPE.match(found["type"]).group(1)
        for name, rule in schema(kind)["properties"].items():
            if rule.get("references") in (None, "externalList") or name not in found:
                continue
            for target in found[name] if isinstance(found[name], list) else [found[name]]:
                assert objects[target]["type"] == objects_type(rule["references"]), \
                    f"{found['id']}.{name} -> {target}"
    counts: dict[str, int] = {}
    for found in objects.values():
        kind = TYPE.match(found["type"]).group(1)
        counts[kind] = counts.get(kind, 0) + 1
    print("OParl objects served for the demo:", dict(sorted(counts.items())))
    for kind in ("System", "Body", "Organization", "Meeting", "AgendaItem", "File",
                 "Location", "LegislativeTerm", "Paper", "Consultation"):
        assert counts.get(kind), f"no {kind} served"
    roles = {c.get("role", "") for c in objects.values() if c["id"].startswith(
        f"{PREFIX}consultation/ratification/")}
    assert roles and all(r.startswith("Tilslutning") for r in roles), \
        "the members' own handlings are consultations"
    assert "Person" not in counts and "Membership" not in counts, \
        "nobody agreed to be published"
    files = [f for f in objects.values() if f["type"].endswith("/File")]
    content = get(client, files[0]["accessUrl"])
    assert "Content-Disposition" not in content.headers
    assert content.mimetype == "application/pdf"
    assert hashlib.sha512(content.data).hexdigest() == files[0]["sha512Checksum"]
    papers = [p for p in objects.values() if p["type"].endswith("/Paper")]
    assert papers and all(p["mainFile"]["paper"] == [p["id"]] for p in papers), \
        "every published paper has its decision's PDF"
    main = papers[0]["mainFile"]
    assert main["id"] in {f["id"] for f in _every(client, f"{PREFIX}body/1/file")}
    content = get(client, main["accessUrl"])
    assert "Content-Disposition" not in content.headers
    assert content.mimetype == "application/pdf" and len(content.data) == main["size"]
    assert hashlib.sha512(content.data).hexdigest() == main["sha512Checksum"]
    download = get(client, main["downloadUrl"])
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.data == content.data


def test_a_rounds_consultation_names_exactly_its_members_in_the_order_of_their_ids(
        app, client):
    demo_data()
    rounds = {}
    for paper in _every(client, f"{PREFIX}body/1/paper"):
        for consultation in paper["consultation"]:
            if "/consultation/round/" in consultation["id"]:
                rounds[int(consultation["id"].rsplit("/", 1)[1])] = consultation
    members = {}
    for round_id, member_id in db.session.execute(
            select(RoundMember.round_id, RoundMember.member_id)
            .where(RoundMember.round_id.in_(rounds))):
        members.setdefault(round_id, []).append(member_id)

    assert rounds and len({len(m) for m in members.values()}) > 1, "rounds of several sizes"
    for round_id, consultation in rounds.items():
        assert consultation["organization"] == [
            f"{PREFIX}member/{m}" for m in sorted(members[round_id])], round_id
        assert get(client, consultation["id"]).get_json() == consultation


def test_an_address_made_once_for_many_ids_follows_each_requests_root_address(app):
    # One app context can hold several requests (their `g` is shared): an address made
    # for one root is never given to a request under another.
    with app.app_context():
        for base in ("http://a.example/one", "http://a.example/two", "https://b.example",
                     "http://a.example/one"):
            with app.test_request_context("/", base_url=base):
                assert [objects.url("member", id=n) for n in (5, 12)] == [
                    url_for("oparl.member", id=n, _external=True) for n in (5, 12)]
                assert objects.url("file_download", id=3) == url_for(
                    "oparl.file_download", id=3, _external=True)


def _secretariat() -> User:
    return db.session.scalar(select(User).where(User.email == "sekretariat@samraad.test"))


def _board_meeting(state: MeetingState) -> Meeting:
    return db.session.scalar(select(Meeting).join(Meeting.group)
                             .where(Group.kind == GroupKind.BOARD, Meeting.state == state)
                             .order_by(Meeting.starts_at.desc()).limit(1))


def test_an_exempt_item_shows_only_its_number_and_legal_basis_and_hides_its_case(
        app, client):
    demo_data()
    meeting = _board_meeting(MeetingState.NOTICE_PUBLISHED)
    decided = db.session.scalar(select(Proposal).where(
        Proposal.title == "Felles satsing på talentattraksjon 2027"))
    paper_url = f"{PREFIX}paper/{decided.id}"
    assert get(client, paper_url).get_json()["reference"] == decided.case_ref
    agenda.add_item(_secretariat(), meeting, kind=ItemKind.DECISION,
                    title="Hemmelig personalsak", background="Hemmelig bakgrunn",
                    proposal=decided, exempt_basis="offl. § 13")
    agenda.publish_notice(_secretariat(), meeting)
    db.session.commit()

    served = get(client, f"{PREFIX}meeting/{meeting.id}")
    assert "Hemmelig" not in served.get_data(as_text=True)
    found = served.get_json()
    # The demo's meeting has an exempt item of its own; this one is the last.
    exempt = [i for i in found["agendaItem"] if not i["public"]][-1]
    assert exempt["name"] == "exempt, offl. § 13"
    assert exempt["number"].startswith("Sak ")
    assert set(exempt) == {"id", "type", "meeting", "number", "order", "name", "public",
                           "created", "modified"}
    assert get(client, exempt["id"]).get_json() == exempt
    # The members' notice and pack print the exempt item in full: the only PDF of the
    # meeting served is the public notice, in which the item is redacted.
    assert "auxiliaryFile" not in found
    files = crawl(client)
    served_files = [f for f in files.values() if f["type"].endswith("/File")
                    and found["id"] in f.get("meeting", [])]
    assert [f["id"] for f in served_files] == [found["invitation"]["id"]]
    document = db.session.get(MeetingDocument, int(found["invitation"]["id"].split("/")[-1]))
    assert document.kind == DocumentKind.PUBLIC_NOTICE
    # The case handled under it is not published as a paper any more: its address
    # answers its tombstone, with nothing of the case.
    assert paper_url not in files
    gone = get(client, paper_url).get_json()
    assert set(gone) == {"id", "type", "created", "modified", "deleted"} and gone["deleted"]
    assert decided.title not in get(client, paper_url).get_data(as_text=True)
    main_file = db.session.scalar(select(DecisionDocument).join(DecisionDocument.decision)
                                  .where(Decision.proposal_id == decided.id))
    gone_file = get(client, f"{PREFIX}paper-file/{main_file.id}").get_json()
    _assert_tombstone(gone_file, "File")
    assert client.get(gone_file["accessUrl"]).status_code == 404


def test_only_published_things_are_served(app, client):
    demo_data()
    planned = _board_meeting(MeetingState.PLANNED)
    assert client.get(f"{PREFIX}meeting/{planned.id}").status_code == 404
    draft = db.session.scalar(select(Proposal).where(Proposal.status == ProposalStatus.DRAFT)
                              .limit(1))
    assert client.get(f"{PREFIX}paper/{draft.id}").status_code == 404
    drafted = _board_meeting(MeetingState.MINUTES_DRAFTED)
    found = get(client, f"{PREFIX}meeting/{drafted.id}").get_json()
    assert "resultsProtocol" not in found
    assert not [i for i in found["agendaItem"] if "resolutionText" in i]
    unapproved = db.session.scalar(select(MeetingDocument.id).where(
        MeetingDocument.meeting_id == drafted.id, MeetingDocument.kind == DocumentKind.MINUTES))
    if unapproved is not None:
        assert client.get(f"{PREFIX}file/{unapproved}").status_code == 404
    approved = _board_meeting(MeetingState.MINUTES_APPROVED)
    found = get(client, f"{PREFIX}meeting/{approved.id}").get_json()
    assert found["resultsProtocol"]["accessUrl"]
    assert [i for i in found["agendaItem"] if "resolutionText" in i]
    assert client.get(f"{PREFIX}meeting/999999").headers["Access-Control-Allow-Origin"] == "*"


def test_a_person_and_their_seats_are_served_only_with_their_consent(app, client):
    demo_data()
    chair = db.session.scalar(select(GroupMembership).where(
        GroupMembership.role == GroupRole.CHAIR, GroupMembership.user_id.is_not(None))
        .order_by(GroupMembership.id).limit(1))
    person_url = f"{PREFIX}person/{chair.user_id}"
    assert client.get(person_url).status_code == 404
    assert get(client, f"{PREFIX}body/1/person").get_json()["data"] == []
    chair.user.publish_consent = True
    db.session.commit()
    objects = crawl(client)
    assert objects[person_url]["name"] == chair.user.name
    assert "email" not in objects[person_url]
    seat = objects[f"{PREFIX}membership/{chair.id}"]
    assert seat["person"] == person_url
    assert seat["organization"] == f"{PREFIX}group/{chair.group_id}"
    assert seat["id"] in objects[f"{PREFIX}group/{chair.group_id}"]["membership"]
    assert {TYPE.match(o["type"]).group(1) for o in objects.values()
            if o["id"].startswith(f"{PREFIX}person/")} == {"Person"}


def test_list_pages_link_to_the_next_until_the_last_and_keep_the_filters(app, client):
    demo_data()
    app.config["OPARL_PAGE_SIZE"] = 5
    since = "2000-01-01T00:00:00+01:00"
    url = f"{PREFIX}body/1/meeting?modified_since={since}&omit_internal=true"
    ids, pages = [], 0
    while url:
        body = get(client, url).get_json()
        pages += 1
        assert len(body["data"]) <= 5
        ids += [m["id"] for m in body["data"]]
        url = body["links"].get("next")
        if url:
            assert "modified_since=2000-01-01T00" in url and "omit_internal=true" in url
    assert pages == body["pagination"]["totalPages"] > 1
    assert len(ids) == len(set(ids)) == body["pagination"]["totalElements"]
    assert ids == sorted(ids, key=_id_order)
    later = (now() + timedelta(days=400)).isoformat()
    for name in ("meeting", "paper", "organization", "file", "person"):
        empty = get(client, f"{PREFIX}body/1/{name}",).get_json()
        assert empty["data"] or name == "person"
        assert get(client, f"{PREFIX}body/1/{name}?created_since={later}"
                   .replace("+", "%2B")).get_json()["data"] == []
    assert client.get(f"{PREFIX}body/1/meeting?created_since=yesterday").status_code == 400


def _queries(client, url: str) -> int:
    with counting_queries() as statements:
        get(client, url)
    return len(statements)


def test_a_list_page_asks_the_same_number_of_queries_at_two_data_sizes(app, client):
    """The demo, then 20 more published meetings and members up to 372."""
    demo_data()
    db.session.commit()  # the demo's own writes are not the page's
    lists = ("meeting", "paper", "organization", "file")
    before = {name: _queries(client, f"{PREFIX}body/1/{name}") for name in lists}
    group = db.session.scalar(select(Group).where(Group.kind == GroupKind.BOARD))
    for days in range(100, 120):
        starts = from_oslo(datetime.combine(date.today() + timedelta(days=days),
                                            datetime.min.time()).replace(hour=10))
        meeting = agenda.plan_meeting(_secretariat(), group, starts_at=starts,
                                      place=f"Rom {days}")
        agenda.add_item(_secretariat(), meeting, kind=ItemKind.DISCUSSION, title="Sak")
        agenda.publish_notice(_secretariat(), meeting)
    subregion = db.session.scalar(select(Subregion).limit(1))
    shown = db.session.scalar(select(func.count()).select_from(Member))
    db.session.add_all(Member(name=f"Kommune {n}", kind=MemberKind.MUNICIPALITY,
                              subregion=subregion) for n in range(372 - shown))
    db.session.commit()
    after = {name: _queries(client, f"{PREFIX}body/1/{name}") for name in lists}
    print("queries per list page:", before, after)
    assert after == before


def test_the_consent_to_be_published_is_given_and_withdrawn_on_the_command_line_audited(
        app, client, runner, make):
    user = make.user(Role.BOARD, name="Berit Styreleder")
    result = runner.invoke(args=["users", "publish-consent", user.email, "--yes"])
    assert result.exit_code == 0, result.output
    assert get(client, f"{PREFIX}person/{user.id}").get_json()["name"] == "Berit Styreleder"
    runner.invoke(args=["users", "publish-consent", user.email, "--no"])
    gone = get(client, f"{PREFIX}person/{user.id}").get_json()
    assert gone["deleted"] is True and "name" not in gone
    acts = db.session.scalars(select(AuditEntry.act).where(
        AuditEntry.object_id == user.id, AuditEntry.act == "user.publish_consent"))
    assert len(list(acts)) == 2


def _every(client, url: str) -> list[dict]:
    """Every object of a list, its pages followed to the last."""
    found = []
    while url:
        body = get(client, url).get_json()
        found += body["data"]
        assert len({o["id"] for o in found}) == len(found), "an object on two pages"
        url = body["links"].get("next")
    assert len(found) == body["pagination"]["totalElements"]
    return found


def _assert_tombstone(found: dict, kind: str) -> None:
    validate(found, kind)
    assert found["deleted"] is True
    assert found["modified"] >= found["created"]
    assert set(found) - {"id", "type", "created", "modified", "deleted"} <= {
        "order", "accessUrl"}, "only what the schema requires of every object"


def test_a_removed_item_and_a_superseded_notice_answer_their_tombstones_and_are_listed_only_since(
        app, client, clock):
    demo_data()
    app.config["OPARL_PAGE_SIZE"] = 7
    meeting = _board_meeting(MeetingState.NOTICE_PUBLISHED)
    served = get(client, f"{PREFIX}meeting/{meeting.id}").get_json()
    item_url = [i["id"] for i in served["agendaItem"] if i["public"]][0]
    notice_url = served["invitation"]["id"]
    item = db.session.get(AgendaItem, int(item_url.rsplit("/", 1)[1]))
    clock.advance(days=1)
    since = clock().isoformat().replace("+", "%2B")
    agenda.remove_item(_secretariat(), item)
    agenda.publish_notice(_secretariat(), meeting)  # a revised notice without the item
    db.session.commit()

    gone_item = get(client, item_url).get_json()
    _assert_tombstone(gone_item, "AgendaItem")
    assert gone_item["id"] == item_url and gone_item["created"] == served["created"]
    assert item.title not in get(client, item_url).get_data(as_text=True)
    now_served = get(client, f"{PREFIX}meeting/{meeting.id}").get_json()
    assert item_url not in [i["id"] for i in now_served["agendaItem"]]
    assert now_served["invitation"]["id"] != notice_url
    _assert_tombstone(get(client, notice_url).get_json(), "File")

    files = _every(client, f"{PREFIX}body/1/file")
    assert notice_url not in [f["id"] for f in files]
    assert not [f for f in files if f.get("deleted")]
    recent = _every(client, f"{PREFIX}body/1/file?modified_since={since}")
    assert [f["id"] for f in recent if f.get("deleted")] == [notice_url]
    assert now_served["invitation"]["id"] in [f["id"] for f in recent]
    everything = _every(client, f"{PREFIX}body/1/file?modified_since=2000-01-01T00:00:00Z")
    assert {f["id"] for f in everything} == {f["id"] for f in files} | {notice_url}
    for found in everything:
        validate(found, "File")
    # The tombstone has its place among the list's ids; the crawl stays green.
    assert [f["id"] for f in everything] == sorted((f["id"] for f in everything),
                                                   key=_id_order)
    assert not [o for o in crawl(client).values() if o.get("deleted")]


def test_a_withdrawn_consent_leaves_tombstones_of_the_person_and_the_seats(
        app, client, runner, make, clock):
    user = make.user(Role.BOARD, name="Berit Styreleder")
    group = make.group("Styret")
    seat = make.seat(group, "Berit Styreleder", user_=user)
    user.publish_consent = True
    db.session.commit()
    served = get(client, f"{PREFIX}person/{user.id}").get_json()
    clock.advance(hours=1)
    since = clock().isoformat().replace("+", "%2B")
    runner.invoke(args=["users", "publish-consent", user.email, "--no"])

    person = get(client, f"{PREFIX}person/{user.id}").get_json()
    _assert_tombstone(person, "Person")
    assert person["created"] == served["created"]
    _assert_tombstone(get(client, f"{PREFIX}membership/{seat.id}").get_json(), "Membership")
    assert "membership" not in get(client, f"{PREFIX}group/{group.id}").get_json()
    assert _every(client, f"{PREFIX}body/1/person") == []
    assert _every(client, f"{PREFIX}body/1/person?modified_since={since}") == [person]
    later = (clock() + timedelta(hours=1)).isoformat().replace("+", "%2B")
    assert _every(client, f"{PREFIX}body/1/person?modified_since={later}") == []
    assert _every(client, f"{PREFIX}body/1/person?modified_since={since}"
                  f"&created_since={later}") == []
    # Given again, the person is served again and the tombstone is gone.
    runner.invoke(args=["users", "publish-consent", user.email, "--yes"])
    assert get(client, f"{PREFIX}person/{user.id}").get_json()["name"] == "Berit Styreleder"
    back = _every(client, f"{PREFIX}body/1/person?modified_since=2000-01-01T00:00:00Z")
    assert [(p["id"], p.get("deleted")) for p in back] == [(served["id"], None)]


def test_groups_members_and_seats_have_their_own_moments_and_modified_since_finds_them(
        app, client, make, clock):
    user = make.user(Role.BOARD, name="Berit Styreleder")
    user.publish_consent = True
    group = make.group("Styret")
    quiet = make.group("Fagnettverket")
    member = make.member("Ås")
    db.session.commit()
    made = clock().isoformat().replace("+", "%2B")
    clock.advance(days=2)
    since = clock().isoformat().replace("+", "%2B")
    seat = make.seat(group, "Berit Styreleder", user_=user)
    db.session.commit()

    def ids(query: str = "") -> set[str]:
        return {o["id"] for o in _every(client, f"{PREFIX}body/1/organization{query}")}

    assert ids() == {f"{PREFIX}group/{group.id}", f"{PREFIX}group/{quiet.id}",
                     f"{PREFIX}member/{member.id}"}
    # The seat changed the group (its membership), not the other group or the member.
    assert ids(f"?modified_since={since}") == {f"{PREFIX}group/{group.id}"}
    assert ids(f"?modified_until={made}") == {f"{PREFIX}group/{quiet.id}",
                                              f"{PREFIX}member/{member.id}"}
    served = get(client, f"{PREFIX}group/{group.id}").get_json()
    assert served["created"] < served["modified"]
    assert served["modified"] == get(client, f"{PREFIX}membership/{seat.id}").get_json()[
        "created"]
    assert get(client, f"{PREFIX}member/{member.id}").get_json()["created"].startswith(
        "2026-03-02T10:00:00+01:00")
    clock.advance(days=1)
    member.name = "Ås kommune"
    db.session.commit()
    assert ids(f"?modified_since={since}") == {f"{PREFIX}group/{group.id}",
                                               f"{PREFIX}member/{member.id}"}


def test_the_migration_gives_existing_groups_seats_and_members_their_audited_moments(
        app, make, clock):
    group = services.create_group(None, name="Styret", kind=GroupKind.BOARD)
    member = make.member("Ås")  # made without an audit entry
    db.session.commit()
    created = clock()
    clock.advance(days=3)
    services.add_membership(None, group, person_name="Berit", role=GroupRole.CHAIR,
                            term_start=date(2026, 1, 1))
    db.session.commit()
    ids = group.id, member.id
    db.session.remove()
    try:
        downgrade(revision="oparl0001")
    finally:
        upgrade()
    group, member = db.session.get(Group, ids[0]), db.session.get(Member, ids[1])
    assert group.created_at == group.updated_at == created
    assert group.memberships[0].created_at == created + timedelta(days=3)
    assert member.created_at == member.updated_at == datetime(2026, 1, 1, tzinfo=UTC)


def test_the_command_renders_the_missing_decision_pdfs_once_and_only_of_published_papers(
        app, client, runner):
    demo_data()
    made = db.session.scalars(select(DecisionDocument)).all()
    published = get(client, f"{PREFIX}body/1/paper").get_json()["pagination"]["totalElements"]
    assert len(made) == published > 0
    db.session.delete(made[0])
    db.session.commit()
    result = runner.invoke(args=["oparl", "render-papers"])
    assert result.exit_code == 0, result.output
    again = db.session.scalars(select(DecisionDocument)).all()
    assert len(again) == published
    renewed = [d for d in again if d.decision_id == made[0].decision_id][0]
    assert hashlib.sha256(storage.read(renewed.storage_key)).hexdigest() == renewed.sha256
    keys = {d.storage_key for d in again}
    runner.invoke(args=["oparl", "render-papers"])
    assert {d.storage_key for d in db.session.scalars(select(DecisionDocument))} == keys
    unpublished = db.session.scalars(select(Decision).where(
        Decision.id.not_in(select(DecisionDocument.decision_id)))).all()
    for decision in unpublished:  # a paper an exempt item handled gets no PDF
        answer = client.get(f"{PREFIX}paper/{decision.proposal_id}")
        assert answer.status_code == 404 or answer.get_json()["deleted"]
