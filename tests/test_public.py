"""The public register: anyone reads adopted decisions and approved minutes without
logging in; exempt items show only their number and legal basis, their decisions are
not published, unapproved minutes do not exist, and no page names a person."""

import re
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser

from flask import url_for
from sqlalchemy import func, select

from decisions.accounts.models import Role, User
from decisions.clock import now
from decisions.extensions import db
from decisions.meetings import agenda, minutes
from decisions.meetings.models import (
    AbsenceKind,
    AgendaItem,
    AttendanceStatus,
    EntryKind,
    Group,
    GroupRole,
    Meeting,
)
from decisions.members.models import Member
from decisions.proposals.models import PositionKind, Proposal
from decisions.public import queries as public_queries
from decisions.register.models import Decision
from tests.test_board_queries import queries_for

EN = {"Accept-Language": "en"}
EXEMPT_BASIS = "offl. § 13 jf. fvl. § 13"

# Every person in the data, by a name and an email no page should ever show.
PEOPLE = {
    "secretary": ("Sekretær Hemmelighetsen", "sekretaer.hemmelig@example.test"),
    "chair": ("Torbjørn Lederstrøm", "torbjorn.leder@example.test"),
    "representative": ("Rita Representantsen", "rita.rep@example.test"),
}
SEAT_HOLDER = "Ingrid Setehaversen"
DEPUTY = "Vara Stedfortredersen"
CASE_OFFICER = "Kari Saksbehandlersen"
DISQUALIFIED = "Ola Inhabilsen"
ACTION_OWNER = "Per Oppfølgersen"
NAMES = [name for name, _email in PEOPLE.values()] + [
    SEAT_HOLDER, DEPUTY, CASE_OFFICER, DISQUALIFIED, ACTION_OWNER]
EMAILS = [email for _name, email in PEOPLE.values()]


class Text(HTMLParser):
    """The text a reader sees on a page (scripts and styles left out)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)

    def __str__(self) -> str:
        return " ".join(" ".join(self.parts).split())


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return str(Text(response.text))


@dataclass
class Alliance:
    secretary: User
    chair: User
    member: Member
    group: Group


def alliance(make) -> Alliance:
    secretary = make.user(Role.SECRETARIAT, name=PEOPLE["secretary"][0],
                          email=PEOPLE["secretary"][1])
    chair = make.user(Role.BOARD, name=PEOPLE["chair"][0], email=PEOPLE["chair"][1])
    member = make.member("Frostheim kommune")
    group = make.group("Styret i Osloregionen")
    make.seat(group, person_name=chair.name, role=GroupRole.CHAIR, user_=chair)
    make.seat(group, person_name=SEAT_HOLDER, role=GroupRole.MEMBER, member_=member)
    return Alliance(secretary, chair, member, group)


def decided(make, world: Alliance, title: str, comment: str = "") -> Decision:
    """A proposal adopted in a round where the member's representative took a position
    (a reservation when `comment` is given)."""
    rep = db.session.scalar(select(User).where(User.email == PEOPLE["representative"][1]))
    if rep is None:
        rep = make.representative(world.member, name=PEOPLE["representative"][0],
                                  email=PEOPLE["representative"][1])
    proposal = make.proposal(world.secretary, title=title,
                             resolution=f"Osloregionen vedtar: {title}.")
    round_ = make.round_(world.secretary, [world.member], proposal)
    make.position(rep, round_, world.member,
                  PositionKind.RESERVATION if comment else PositionKind.SUPPORT, comment)
    return db.session.scalars(select(Decision).where(Decision.round_id == round_.id)).one()


def held_meeting(make, world: Alliance, *, days_ago: int, items: list[dict],
                 approve: bool = True, group: Group | None = None) -> Meeting:
    """A meeting of the group with `items` (add_item fields plus `notes`, `decision`,
    `entry`), published, held with attendance, a deputy, an absence and an action on
    every item, minutes written, and approved by the chair when `approve`."""
    sec = world.secretary
    meeting = make.meeting(group or world.group, starts_at=now() - timedelta(days=days_ago),
                           place="Oslo rådhus, møterom 3")
    added = [(make.item(sec, meeting, **{k: v for k, v in spec.items()
                                        if k not in ("notes", "decision", "entry")}), spec)
             for spec in items]
    agenda.publish_notice(sec, meeting)
    minutes.mark_held(sec, meeting)
    minutes.set_attendance(sec, meeting, person_name=DEPUTY, status=AttendanceStatus.DEPUTY,
                           stands_in_for=SEAT_HOLDER)
    for item, spec in added:
        minutes.save_item_minutes(sec, item, lock_version=item.lock_version,
                                  notes=spec.get("notes", ""),
                                  decision_text=spec.get("decision", ""))
        if spec.get("entry"):
            minutes.add_entry(sec, item, kind=EntryKind.DISSENT, text=spec["entry"],
                              member=world.member)
        minutes.add_absence(sec, item, person_name=DISQUALIFIED,
                            kind=AbsenceKind.DISQUALIFIED)
        minutes.add_action(sec, item, description="Følges opp.", owner=ACTION_OWNER,
                           due=None)
    if approve:
        minutes.approve_minutes(world.chair, meeting)
    db.session.commit()
    return meeting


def open_item(**fields) -> dict:
    return {"title": "Regional transportplan", "case_officer": CASE_OFFICER,
            "background": "Bakgrunn for transportplanen.",
            "notes": "Saken ble drøftet grundig.",
            "decision": "Styret slutter seg til transportplanen.",
            "entry": "Frostheim mener planen er for svak på kollektiv."} | fields


def exempt_item(proposal: Proposal | None = None) -> dict:
    return {"title": "Forhandlinger om tomtekjøp på Hvalstad", "case_officer": CASE_OFFICER,
            "background": "Prisantydning 40 millioner.", "exempt_basis": EXEMPT_BASIS,
            "proposal": proposal, "notes": "Hemmelig drøfting av tomteprisen.",
            "decision": "Sekretariatet gis fullmakt til å by på tomten.",
            "entry": "Frostheim vil ikke by over takst."}


def item_titled(meeting: Meeting, title: str) -> AgendaItem:
    return db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id,
                                                       AgendaItem.title == title)).one()


# --- Reading without login ------------------------------------------------------------


def test_anyone_reads_adopted_decisions_without_logging_in(app, client, make):
    world = alliance(make)
    decision = decided(make, world, "Felles ladestrategi", comment="Kostnaden må fordeles.")

    index = text_of(client.get("/public/", headers=EN))
    page = text_of(client.get(f"/public/decisions/{decision.year}/{decision.number}",
                              headers=EN))

    assert "Felles ladestrategi" in index and decision.ref in index
    assert "Osloregionen vedtar: Felles ladestrategi." in page
    assert "Frostheim kommune" in page and "Kostnaden må fordeles." in page


def test_the_newest_decision_comes_first(app, client, make, clock):
    world = alliance(make)
    decided(make, world, "Eldre vedtak")
    clock.advance(days=3)
    decided(make, world, "Nyere vedtak")

    page = text_of(client.get("/public/"))

    assert page.index("Nyere vedtak") < page.index("Eldre vedtak")


def test_anyone_reads_approved_minutes_decisions_and_entries_but_not_the_notes(
        app, client, make):
    world = alliance(make)
    meeting = held_meeting(make, world, days_ago=30, items=[open_item()])
    item = item_titled(meeting, "Regional transportplan")

    listing = text_of(client.get("/public/minutes/", headers=EN))
    page = text_of(client.get(f"/public/minutes/{meeting.id}", headers=EN))

    assert "Styret i Osloregionen" in listing
    assert f'href="/public/minutes/{meeting.id}"' in client.get("/public/minutes/").text
    for shown in ("Styret i Osloregionen", "Oslo rådhus, møterom 3", f"Item {item.ref}",
                  "Regional transportplan", "Styret slutter seg til transportplanen.",
                  "Frostheim kommune", "Frostheim mener planen er for svak på kollektiv."):
        assert shown in page, shown
    # The discussion notes are the signed-in members' record: they tend to name people.
    assert "Saken ble drøftet grundig." not in page


def test_the_register_is_linked_from_the_login_page_and_every_footer(app, client, make):
    assert 'href="/public/"' in client.get("/login").text
    assert 'href="/public/"' in client.get("/public/minutes/").text


# --- Exempt from public access --------------------------------------------------------


def test_an_exempt_item_shows_only_its_number_and_legal_basis(app, client, make):
    world = alliance(make)
    secret = exempt_item()
    meeting = held_meeting(make, world, days_ago=30, items=[open_item(), secret])
    item = item_titled(meeting, secret["title"])

    response = client.get(f"/public/minutes/{meeting.id}", headers=EN)
    page = text_of(response)

    assert f"Item {item.ref}" in page
    assert f"Exempt from public access, {EXEMPT_BASIS}" in page
    for hidden in ("title", "background", "notes", "decision", "entry"):
        assert secret[hidden] not in response.text, hidden
    assert "Regional transportplan" in page  # the open item beside it is shown


def test_a_decision_made_under_an_exempt_item_is_not_published(app, client, make):
    world = alliance(make)
    public = decided(make, world, "Årsbudsjett for sekretariatet")
    secret = decided(make, world, "Kjøp av tomt på Hvalstad")
    held_meeting(make, world, days_ago=30, items=[exempt_item(secret.proposal)])

    index = client.get("/public/").text
    searched = client.get("/public/?q=Hvalstad").text

    assert public.title in index
    assert secret.title not in index and secret.title not in searched
    assert client.get(f"/public/decisions/{secret.year}/{secret.number}").status_code == 404
    assert client.get(f"/public/decisions/{public.year}/{public.number}").status_code == 200


def test_a_decision_is_hidden_as_soon_as_its_proposal_goes_on_an_agenda_as_exempt(
        app, client, make):
    """The rule reads the agenda, not a flag copied onto the decision: a meeting still
    being planned hides it too."""
    world = alliance(make)
    secret = decided(make, world, "Kjøp av tomt på Hvalstad")
    url = f"/public/decisions/{secret.year}/{secret.number}"
    assert client.get(url).status_code == 200

    planned = make.meeting(world.group, starts_at=now() + timedelta(days=20))
    make.item(world.secretary, planned, "Tomtekjøp", proposal=secret.proposal,
              exempt_basis=EXEMPT_BASIS)

    assert client.get(url).status_code == 404
    assert secret.title not in client.get("/public/").text


# --- What is not public ---------------------------------------------------------------


def test_draft_minutes_and_meetings_not_yet_held_are_not_found(app, client, make):
    world = alliance(make)
    approved = held_meeting(make, world, days_ago=60, items=[open_item()])
    drafted = held_meeting(make, world, days_ago=30,
                           items=[open_item(title="Utkast til referat")], approve=False)
    published = make.meeting(world.group, starts_at=now() + timedelta(days=7))
    make.item(world.secretary, published, "Neste møtes sak")
    agenda.publish_notice(world.secretary, published)
    db.session.commit()
    planned = make.meeting(world.group, starts_at=now() + timedelta(days=40))

    assert client.get(f"/public/minutes/{approved.id}").status_code == 200
    for meeting in (drafted, published, planned):
        assert client.get(f"/public/minutes/{meeting.id}").status_code == 404, meeting.state
    listing = client.get("/public/minutes/").text
    assert f"/public/minutes/{approved.id}\"" in listing
    for meeting in (drafted, published, planned):
        assert f"/public/minutes/{meeting.id}\"" not in listing
    assert client.get("/public/minutes/999999").status_code == 404
    assert client.get("/public/decisions/2026/999").status_code == 404


def test_no_public_page_names_a_person_or_shows_an_email(app, client, make):
    world = alliance(make)
    decision = decided(make, world, "Felles ladestrategi", comment="Kostnaden må fordeles.")
    meeting = held_meeting(make, world, days_ago=30, items=[open_item(), exempt_item()])

    pages = {url: client.get(url) for url in (
        "/public/", "/public/?q=ladestrategi", "/public/minutes/",
        f"/public/minutes/{meeting.id}",
        f"/public/decisions/{decision.year}/{decision.number}")}

    assert "Regional transportplan" in text_of(pages[f"/public/minutes/{meeting.id}"])
    leaks = [(url, name) for url, response in pages.items()
             for name in NAMES + EMAILS
             if name in text_of(response) or name in response.text]
    assert not leaks
    for url, response in pages.items():
        assert "mailto:" not in response.text, url


# --- Search ---------------------------------------------------------------------------


def test_the_public_search_finds_decisions_by_title_and_treats_wildcards_as_text(
        app, client, make):
    world = alliance(make)
    decided(make, world, "Regional sykkelstrategi")
    decided(make, world, "Kutt 50% av utslippene")
    decided(make, world, "Kutt 50 prosent av klimagassene")

    found = text_of(client.get("/public/?q=SYKKELstrategi"))
    wildcard = text_of(client.get("/public/?q=50%25"))

    assert "Regional sykkelstrategi" in found and "Kutt 50" not in found
    assert "Kutt 50% av utslippene" in wildcard
    assert "klimagassene" not in wildcard


# --- A fixed number of queries --------------------------------------------------------


def test_decision_list_costs_the_same_queries_for_3_and_30_decisions(app, client, make):
    world = alliance(make)
    for i in range(3):
        decided(make, world, f"Vedtak nummer {i}", comment="Med merknad.")
    few = queries_for(app, client, "/public/")
    for i in range(3, 30):
        decided(make, world, f"Vedtak nummer {i}", comment="Med merknad.")
    many = queries_for(app, client, "/public/")

    assert db.session.scalar(select(func.count()).select_from(Decision)) == 30
    assert few == many


def test_minutes_list_and_page_cost_the_same_queries_for_small_and_larger_data(
        app, client, make):
    world = alliance(make)
    small = held_meeting(make, world, days_ago=200, items=[open_item(title="Sak 0")])
    few = {"list": queries_for(app, client, "/public/minutes/"),
           "page": queries_for(app, client, f"/public/minutes/{small.id}")}

    other = alliance_group(make, world)
    for n, group in enumerate((world.group, other, world.group, other)):
        held_meeting(make, world, days_ago=150 - n * 20, group=group,
                     items=[open_item(title=f"Sak {n}"), exempt_item()])
    large = held_meeting(make, world, days_ago=10,
                         items=[open_item(title=f"Sak {n}") for n in range(8)])
    many = {"list": queries_for(app, client, "/public/minutes/"),
            "page": queries_for(app, client, f"/public/minutes/{large.id}")}

    listing = client.get("/public/minutes/").text
    assert len(re.findall(r'href="/public/minutes/\d+"', listing)) == 6
    assert "Faggruppe for næringssamarbeid" in listing
    assert few == many


def alliance_group(make, world: Alliance) -> Group:
    group = make.group("Faggruppe for næringssamarbeid")
    make.seat(group, person_name=world.chair.name, role=GroupRole.CHAIR, user_=world.chair)
    make.seat(group, person_name=SEAT_HOLDER, role=GroupRole.MEMBER, member_=world.member)
    return group


def test_every_link_on_a_public_page_opens_for_the_public(app, client, make):
    """Only the site's brand leads to the signed-in start page (and so to login)."""
    world = alliance(make)
    decision = decided(make, world, "Felles ladestrategi")
    meeting = held_meeting(make, world, days_ago=30, items=[open_item()])
    with app.test_request_context():
        public_urls = [url_for("public.index"), url_for("public.meetings"),
                       url_for("public.minutes", id=meeting.id),
                       url_for("public.decision", year=decision.year,
                               number=decision.number)]

    broken = []
    for url in public_urls:
        for link in Links(client.get(url).text).hrefs:
            if link.startswith("#") or link == "/":
                continue
            status = client.get(link).status_code
            if status != 200:
                broken.append((url, link, status))
    assert not broken


class Links(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value]


def test_the_register_counts_exactly_the_decisions_it_lists_whatever_the_exempt_items(
        app, client, make):
    """The count is all decisions minus those an exempt item handled: a decision handled
    by two exempt items is taken away once, an exempt item of an undecided proposal or
    of no proposal takes nothing away. Twenty-five public decisions fill one page, so a
    count of the secret decision too would draw a second page."""
    world = alliance(make)
    shown = [decided(make, world, f"Vedtak nummer {n}") for n in range(25)]
    secret = decided(make, world, "Kjøp av tomt på Hvalstad")
    undecided = make.proposal(world.secretary, title="Salg av tomt på Hvalstad")
    make.round_(world.secretary, [world.member], undecided)  # circulated, not decided
    for days in (20, 40):
        planned = make.meeting(world.group, starts_at=now() + timedelta(days=days))
        make.item(world.secretary, planned, "Tomtekjøp", proposal=secret.proposal,
                  exempt_basis=EXEMPT_BASIS)
    make.item(world.secretary, planned, "Tomtesalg", proposal=undecided,
              exempt_basis=EXEMPT_BASIS)
    make.item(world.secretary, planned, "Forhandlinger", exempt_basis=EXEMPT_BASIS)
    db.session.commit()

    listed = db.session.scalars(public_queries.public_decisions()).all()
    assert sorted(d.id for d in listed) == sorted(d.id for d in shown)
    assert public_queries.public_decision_count() == len(shown)
    index = client.get("/public/", headers=EN).text
    assert "Page 2 of" not in index and secret.title not in index
    assert all(d.title in index for d in shown)
