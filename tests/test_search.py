"""Search for signed-in users: agenda items and minutes of the meetings the user may
read, and decisions; the user's text is matched literally, and the page costs the same
queries whatever it finds."""

from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import url_for
from sqlalchemy import select

from decisions.accounts.models import Role, User
from decisions.audit import queries as audit_queries
from decisions.audit.models import AuditEntry
from decisions.clock import now, oslo
from decisions.extensions import db
from decisions.meetings import agenda, minutes
from decisions.meetings import services as meetings
from decisions.meetings.models import AgendaItem, GroupMembership, GroupRole, Meeting
from decisions.members.models import Member
from decisions.permissions import can
from decisions.proposals.models import PositionKind, Proposal, Round
from decisions.register.models import Decision
from decisions.search import queries
from decisions.search.models import KINDS, SearchEntry
from tests import world as world_module
from tests.test_board_queries import queries_for

EN = {"Accept-Language": "en"}


class Links(HTMLParser):
    """The links of a page, and the text of each."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def results(client, text: str, kind: str | None = None) -> list[tuple[str, str]]:
    """(href, link text) of every search result (of one kind, if given)."""
    asked = {"q": text, **({"kind": kind} if kind else {})}
    response = client.get("/search", query_string=asked, headers=EN)
    assert response.status_code == 200
    page = response.text
    start = page.find('id="items-h"') if kind in (None, "item", "minutes") else page.find(
        'id="decisions-h"')
    assert start > 0, "no results shown"
    return Links(page[start:page.find("</main>")]).links


def titles(client, text: str, kind: str | None = None) -> list[str]:
    return [label for _href, label in results(client, text, kind)]


@dataclass
class Board:
    secretariat: User
    representative: User
    member: Member
    planned: Meeting  # notice not out
    published: Meeting  # notice out
    published_item: AgendaItem
    drafted: Meeting  # held, minutes written but not approved
    drafted_item: AgendaItem
    approved: Meeting
    approved_item: AgendaItem
    chair: User  # chairs the board: reads and approves its draft minutes


def board(make) -> Board:
    """A board with a meeting in each state, every item with its own words: made once
    per test process and database, then restored from its rows (see tests/world.py)."""
    return world_module.once(("search board",), lambda: _new_board(make))


def _new_board(make) -> Board:
    sec = make.user(Role.SECRETARIAT)
    chair = make.user(Role.BOARD)
    member = make.member()
    group = make.group("Styret")
    make.seat(group, person_name=chair.name, role=GroupRole.CHAIR, user_=chair)
    make.seat(group, role=GroupRole.MEMBER, member_=member)
    start = now()

    approved = make.meeting(group, starts_at=start - timedelta(days=60))
    approved_item = make.item(sec, approved, "Årsregnskap",
                              background="Regnskapet viser overskudd.")
    drafted = make.meeting(group, starts_at=start - timedelta(days=30))
    drafted_item = make.item(sec, drafted, "Høringssvar om jernbane",
                             background="Om dobbeltspor til Hønefoss.")
    for meeting, item, notes in (
            (approved, approved_item, "Revisor godkjente regnskapsåret."),
            (drafted, drafted_item, "Utkast: uenighet om kostnadsdelingen.")):
        agenda.publish_notice(sec, meeting)
        minutes.mark_held(sec, meeting)
        minutes.save_item_minutes(sec, item, lock_version=item.lock_version, notes=notes,
                                  decision_text=f"Vedtak: {item.title}.")
    minutes.approve_minutes(chair, approved)

    published = make.meeting(group, starts_at=start + timedelta(days=14))
    published_item = make.item(sec, published, "Regional sykkelplan",
                               background="Sykkelekspressveier mellom kommunene.",
                               proposed_resolution="Styret vedtar planen.")
    agenda.publish_notice(sec, published)
    planned = make.meeting(group, starts_at=start + timedelta(days=45))
    make.item(sec, planned, "Omorganisering av sekretariatet",
              background="Fortrolig forslag om nedbemanning.")
    db.session.commit()
    return Board(sec, make.representative(member), member, planned, published,
                 published_item, drafted, drafted_item, approved, approved_item, chair)


def decide(make, secretariat: User, title: str) -> Decision:
    member = make.member()
    proposal = make.proposal(secretariat, title=title, resolution=f"Vedtatt: {title}.")
    round_ = make.round_(secretariat, [member], proposal)
    make.position(secretariat, round_, member, PositionKind.SUPPORT)
    return db.session.query(Decision).filter_by(round_id=round_.id).one()


@pytest.fixture
def world(app, make):
    return board(make)


def test_finds_an_agenda_item_by_a_word_in_its_background_and_links_to_it(
        app, client, make, world):
    make.login(client, world.representative)

    found = results(client, "ekspressvei")

    item = world.published_item
    with app.test_request_context():
        href = url_for("meetings.meeting", id=item.meeting_id) + f"#item-{item.id}"
    assert found == [(href, f"Item {item.ref} Regional sykkelplan")]


def test_the_search_ignores_case(app, client, make, world):
    make.login(client, world.representative)
    assert titles(client, "REGIONAL SYKKELPLAN") == [
        f"Item {world.published_item.ref} Regional sykkelplan"]


def test_a_representative_finds_nothing_of_a_meeting_whose_notice_is_not_out(
        app, client, make, world):
    make.login(client, world.representative)
    assert titles(client, "nedbemanning") == []
    assert titles(client, "Omorganisering") == []


def test_a_representative_reads_minutes_in_search_only_once_they_are_approved(
        app, client, make, world):
    make.login(client, world.representative)

    assert titles(client, "kostnadsdelingen") == []  # draft notes
    assert titles(client, "Vedtak: Høringssvar") == []  # draft decision
    # The drafted meeting's notice is out: its case papers are found, not its minutes.
    assert titles(client, "dobbeltspor") == [f"Item {world.drafted_item.ref} "
                                             "Høringssvar om jernbane"]
    assert "kostnadsdelingen" not in client.get("/search?q=dobbeltspor").text
    assert titles(client, "regnskapsåret") == [f"Item {world.approved_item.ref} Årsregnskap"]
    assert titles(client, "Vedtak: Årsregnskap") == [
        f"Item {world.approved_item.ref} Årsregnskap"]


def test_the_secretariat_finds_planned_meetings_and_draft_minutes(app, client, make, world):
    make.login(client, world.secretariat)

    assert titles(client, "nedbemanning") == ["Omorganisering av sekretariatet"]
    assert titles(client, "kostnadsdelingen") == [
        f"Item {world.drafted_item.ref} Høringssvar om jernbane"]
    assert "Utkast: uenighet om <mark>kostnadsdelingen</mark>." in client.get(
        "/search?q=kostnadsdelingen").text


def test_the_chair_finds_the_draft_minutes_the_permissions_let_him_read(
        app, client, make, world):
    """Search once hid draft minutes from the chair who approves them; it follows the
    permission rule now."""
    assert can(world.chair, "view_minutes", world.drafted)
    make.login(client, world.chair)

    assert titles(client, "kostnadsdelingen") == [  # draft notes
        f"Item {world.drafted_item.ref} Høringssvar om jernbane"]
    assert titles(client, "Vedtak: Høringssvar") == [  # draft decision
        f"Item {world.drafted_item.ref} Høringssvar om jernbane"]
    assert "Utkast: uenighet om <mark>kostnadsdelingen</mark>." in client.get(
        "/search?q=kostnadsdelingen").text
    # Still not the planned meeting: its notice is not out.
    assert titles(client, "nedbemanning") == []


def test_a_kept_search_statement_is_never_another_users_nor_the_chairs_after_the_seat_ends(
        app, make, world):
    """The search keeps its statement for each shape of query and each visibility
    (queries.best). The chair of another group, asking the same right after the
    board's chair, does not find the board's draft minutes; nor does the board's chair
    once the seat has ended before that meeting."""
    other_chair = make.user(Role.BOARD)
    make.seat(make.group("Arbeidsutvalget"), person_name=other_chair.name,
              role=GroupRole.CHAIR, user_=other_chair)
    asked = queries.Query(text="kostnadsdelingen", kind="minutes")

    def found(user: User) -> list[int]:
        return [row.id for row in db.session.execute(
            *queries.best(user, asked, now(), ("items",), 11))]

    assert found(world.chair) == [world.drafted_item.id]
    assert found(other_chair) == []
    seat = db.session.scalars(select(GroupMembership).where(
        GroupMembership.user_id == world.chair.id)).one()
    meetings.end_membership(None, seat, oslo(world.drafted.starts_at).date()
                            - timedelta(days=1))
    db.session.commit()
    assert not can(world.chair, "view_minutes", world.drafted)
    assert found(world.chair) == []


def test_every_item_found_is_in_a_meeting_the_user_may_view(app, client, make, world):
    """The search's SQL and the permission rule agree, for every role."""
    everything = db.session.scalars(db.select(AgendaItem)).all()
    for user in (world.secretariat, world.representative, make.user(Role.BOARD),
                 make.user(Role.ADMIN)):
        browser = app.test_client()
        make.login(browser, user)
        found = {href for href, _label in results(browser, "e", "item")}
        for item in everything:
            listed = any(href.endswith(f"#item-{item.id}") for href in found)
            if listed:
                assert can(user, "view", item.meeting), (user.role, item.title)
            elif not item.removed and can(user, "view", item.meeting) and "e" in (
                    item.title + item.background + item.proposed_resolution).lower():
                raise AssertionError(f"{user.role} did not find {item.title}")


def test_finds_decisions_by_title_and_resolution_and_links_to_the_register(
        app, client, make, world):
    decision = decide(make, world.secretariat, "Felles ladestrategi")
    decide(make, world.secretariat, "Budsjett")
    make.login(client, world.representative)

    by_title = results(client, "ladestrategi")
    by_resolution = results(client, "Vedtatt: Felles")

    with app.test_request_context():
        href = url_for("register.show", year=decision.year, number=decision.number)
    assert by_title == by_resolution == [(href, f"Decision {decision.ref} Felles ladestrategi")]


def test_percent_and_underscore_are_matched_literally(app, client, make, world):
    percent = decide(make, world.secretariat, "Kutt 50% av utslippene")
    decide(make, world.secretariat, "Kutt 50 prosent av klimagassene")
    underscore = decide(make, world.secretariat, "Mal for sak_nr i arkivet")
    decide(make, world.secretariat, "Nytt saksnr i arkivet")
    make.login(client, world.representative)

    assert titles(client, "50%") == [f"Decision {percent.ref} Kutt 50% av utslippene"]
    assert titles(client, "k_n") == [f"Decision {underscore.ref} Mal for sak_nr i arkivet"]
    # A lone wildcard character finds only what contains it.
    assert titles(client, "%") == [f"Decision {percent.ref} Kutt 50% av utslippene"]


def test_an_empty_query_shows_the_form_without_results(app, client, make, world):
    make.login(client, world.representative)
    for query in ("", "?q=", "?q=%20%20%20"):
        response = client.get(f"/search{query}", headers=EN)
        assert response.status_code == 200
        assert 'name="q"' in response.text
        assert 'id="items-h"' not in response.text
        assert "No decisions match" not in response.text


def test_a_long_query_is_cut_to_200_characters(app, client, make, world):
    make.login(client, world.representative)
    response = client.get("/search", query_string={"q": "sykkel" + "x" * 500})
    assert response.status_code == 200
    assert 'value="sykkel' + "x" * 194 + '"' in response.text


def test_search_requires_login(app, client):
    response = client.get("/search?q=plan")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"


def test_all_kinds_show_their_best_ten_with_a_link_to_the_kind_which_shows_fifty(
        app, client, make, world):
    for n in range(51):
        make.item(world.secretariat, world.published, f"Rapport om veiprosjekt {n}")
    make.login(client, world.representative)

    overview = client.get("/search?q=veiprosjekt", headers=EN)
    one_kind = client.get("/search?q=veiprosjekt&kind=item", headers=EN)

    assert overview.text.count("Rapport om veiprosjekt") == 10
    assert 'href="/search?q=veiprosjekt&amp;kind=item">More agenda items</a>' in overview.text
    assert one_kind.text.count("Rapport om veiprosjekt") == 50
    assert "Showing the first 50" in one_kind.text
    assert "More agenda items" not in one_kind.text


def test_search_costs_the_same_queries_for_few_and_many_results(app, client, make, world):
    make.login(client, world.representative)
    db.session.commit()
    decide(make, world.secretariat, "Plan for kollektivtrafikk 0")
    few = queries_for(app, client, "/search?q=kollektiv")

    group = make.group("Faggruppe for samferdsel")
    extra = make.meeting(group, starts_at=now() + timedelta(days=3))
    make.item(world.secretariat, extra, "Kollektivknutepunkt på Lysaker")
    agenda.publish_notice(world.secretariat, extra)
    db.session.commit()
    for n in range(20):
        make.item(world.secretariat, world.published, f"Kollektivfelt {n}")
        make.item(world.secretariat, extra, f"Kollektivtilbud {n}")
    for n in range(1, 15):
        decide(make, world.secretariat, f"Plan for kollektivtrafikk {n}")
    many = queries_for(app, client, "/search?q=kollektiv")

    assert len(titles(client, "kollektiv", "item")) == 41
    assert len(titles(client, "kollektiv", "decision")) == 15
    assert few == many


# Proposals and open rounds, for whom the visibility rule shows them; members and
# people for the secretariat alone.

def section(client, text: str, heading_id: str) -> str | None:
    """The HTML of one section of the results (None when the page has no such section)."""
    page = client.get("/search", query_string={"q": text}, headers=EN).text
    start = page.find(f'id="{heading_id}"')
    if start < 0:
        return None
    return page[start:page.find("</section>", start)]


def test_a_representative_finds_a_circulated_proposal_and_its_open_round_but_not_a_draft(
        app, client, make, world):
    sec = world.secretariat
    draft = make.proposal(sec, title="Utkast om bysykkelordning",
                          resolution="Bysykler i alle kommuner.")
    circulated = make.proposal(sec, title="Felles bysykkelstrategi",
                               resolution="Osloregionen satser på bysykler.")
    round_ = make.round_(sec, [world.member], circulated)
    make.login(client, world.representative)

    proposals = section(client, "bysykkel", "proposals-h")
    rounds = section(client, "bysykkel", "rounds-h")

    assert f'/proposals/{circulated.id}"' in proposals
    assert f'/proposals/{draft.id}"' not in proposals
    assert "Utkast om bysykkelordning" not in client.get("/search?q=bysykkel").text
    assert f'/rounds/{round_.id}"' in rounds


def test_the_secretariat_finds_a_draft_by_a_word_of_its_resolution(app, client, make, world):
    draft = make.proposal(world.secretariat, title="Utkast om bysykler",
                          resolution="Innføre felles takstsone for bysykler.")
    make.login(client, world.secretariat)

    assert f'/proposals/{draft.id}"' in section(client, "TAKSTSONE", "proposals-h")


def test_a_closed_round_is_not_found_among_open_rounds(app, client, make, world):
    decided = decide(make, world.secretariat, "Plan for innfartsparkering")
    make.login(client, world.representative)

    assert f'/proposals/{decided.proposal_id}"' in section(client, "innfart", "proposals-h")
    assert "/rounds/" not in section(client, "innfart", "rounds-h")


def test_people_and_members_are_found_by_the_secretariat_only(app, client, make, world):
    make.member("Lunner kommune")
    person = make.user(Role.BOARD, name="Lunde Styremedlem", email="lunde@samraad.test")
    readers = [make.user(Role.BOARD), make.user(Role.ADMIN), world.representative]
    for user in readers:
        browser = app.test_client()
        make.login(browser, user)
        assert section(browser, "lun", "people-h") is None, user.role
        assert section(browser, "lun", "members-h") is None, user.role
    make.login(client, world.secretariat)

    assert person.name in section(client, "lun", "people-h")
    assert "lunde@samraad.test" in section(client, "samraad.test", "people-h")
    assert "Lunner kommune" in section(client, "lun", "members-h")


def test_only_the_secretariat_may_find_people_and_members(app, make, world):
    assert can(world.secretariat, "find", kind="person")
    assert can(world.secretariat, "find", kind="member")
    for user in (world.representative, world.chair, make.user(Role.ADMIN)):
        assert not can(user, "find", kind="person"), user.role
        assert not can(user, "find", kind="member"), user.role


def test_the_secretariats_search_costs_the_same_queries_for_few_and_many_proposals_and_people(
        app, client, make, world):
    make.login(client, world.secretariat)
    make.proposal(world.secretariat, title="Innfartsparkering 0")
    few = queries_for(app, client, "/search?q=innfart")
    member = make.member("Innfartskommune")
    for n in range(1, 12):
        make.round_(world.secretariat, [member],
                    make.proposal(world.secretariat, title=f"Innfartsparkering {n}"))
        make.user(Role.REPRESENTATIVE, member=member, name=f"Innfart Person {n}")
    many = queries_for(app, client, "/search?q=innfart")
    assert few == many


# --- One statement for every section: the same results as the rules say -----------------

def _expected(user: User, q: queries.Query, moment, more: int) -> dict[str, list[int]]:
    """What each section should list, worked out in Python from the search index and
    `can`: the entries the engine matches (else, for a group of kinds it finds none of,
    those containing the text as typed), filtered, then what the user may view, in
    each section's order, the best `more`."""
    engine = queries._engine_matches(q) if len(q.text) >= queries.MIN_WORDS else None
    scores = {(kind, id_): score for kind, id_, score in db.session.execute(
        engine, queries.values(q))} if engine is not None else {}
    entries = [e for e in db.session.scalars(select(SearchEntry))
               if q.wants(e.kind) and all(value is None or getattr(e, field) == value for
                                          field, value in (("year", q.year),
                                                           ("group_id", q.group_id),
                                                           ("area_id", q.area_id)))]
    matched = {(e.kind, e.object_id): scores[e.kind, e.object_id] for e in entries
               if (e.kind, e.object_id) in scores}
    for group in queries.GROUPS:
        if engine is None or not any(kind in group for kind, _id in matched):
            matched.update({(e.kind, e.object_id): 0.0 for e in entries if e.kind in group
                            and q.text.lower() in e.folded})

    def score(kind, id_):
        return matched.get((kind, id_))

    proposals = sorted((p for p in db.session.scalars(select(Proposal))
                        if score("proposal", p.id) is not None and can(user, "view", p)),
                       key=lambda p: (-score("proposal", p.id), -p.updated_at.timestamp(),
                                      -p.id))
    rounds = sorted((r for r in db.session.scalars(select(Round))
                     if score("proposal", r.proposal_id) is not None and r.closed_at is None
                     and r.deadline > moment and can(user, "view", r)),
                    key=lambda r: (r.deadline, r.id))
    items = []
    for item in db.session.scalars(select(AgendaItem)):
        found = [s for s in (score("item", item.id),
                             score("minutes", item.id) if can(user, "view_minutes",
                                                              item.meeting) else None)
                 if s is not None]
        if found and can(user, "view", item):
            items.append((-max(found), -item.meeting.starts_at.timestamp(), item.position,
                          item.id))
    decisions = sorted((d for d in db.session.scalars(select(Decision))
                        if score("decision", d.id) is not None and can(user, "view", d)),
                       key=lambda d: (-score("decision", d.id), -d.adopted_at.timestamp(),
                                      -d.id))
    return {"proposals": [p.id for p in proposals][:more],
            "rounds": [r.id for r in rounds][:more],
            "items": [key[-1] for key in sorted(items)][:more],
            "decisions": [d.id for d in decisions][:more]}


@dataclass
class Rich(Board):
    group_id: int = 0  # the group with many items
    year: int = 0  # the year of its earlier meeting


@pytest.fixture
def rich(app, make) -> Rich:
    """The board of `board`, with proposals (a draft, circulated with an open round,
    decided) and many agenda items sharing words, in two groups and two years: made
    once per test process and database, then restored."""
    return world_module.once(("search rich",), lambda: _new_rich(make))


def _new_rich(make) -> Rich:
    world = board(make)
    sec = world.secretariat
    make.proposal(sec, title="Plan for innfartsparkering", resolution="Utkast til plan.")
    for n in range(4):
        make.round_(sec, [world.member], make.proposal(
            sec, title=f"Regional plan for sykkelveier {n}", background="Planen beskrives."))
        decide(make, sec, f"Plan for kollektivtrafikk {n}")
    group = make.group("Faggruppe for samferdsel")
    earlier = make.meeting(group, starts_at=now() - timedelta(days=400))
    later = make.meeting(group, starts_at=now() + timedelta(days=5))
    for n in range(14):
        make.item(sec, earlier if n % 2 else later, f"Sykkelplan for region {n}",
                  background="Planlegging av ekspressveier.")
    for meeting in (earlier, later):
        agenda.publish_notice(sec, meeting)
    minutes.mark_held(sec, earlier)
    for item in earlier.items:
        minutes.save_item_minutes(sec, item, lock_version=item.lock_version,
                                  notes="Planen ble drøftet.",
                                  decision_text="Tatt til orientering.")
    db.session.commit()  # draft minutes: the secretariat's (the group has no chair)
    return Rich(**vars(world), group_id=group.id, year=earlier.starts_at.year)


@pytest.mark.parametrize("text", ["plan", "sykkelplan", "ekspressvei", "drøftet", "regnskap",
                                  "Plan for", "pl", "50%", "veier"])
def test_one_statement_finds_for_every_section_what_the_rules_say(app, make, rich, text):
    moment = now()
    area_id = db.session.scalar(select(Proposal.area_id).limit(1))
    asked = [queries.Query(text=text)] + [queries.Query(text=text, kind=kind)
                                          for kind in KINDS] + [
        queries.Query(text=text, year=rich.year), queries.Query(text=text, year=1999),
        queries.Query(text=text, group_id=rich.group_id),
        queries.Query(text=text, area_id=area_id)]
    sections = tuple(queries.SECTIONS)
    for user in (rich.secretariat, rich.representative, rich.chair):
        for q in asked:
            wanted = tuple(s for s in sections if any(q.wants(k) for k in queries.SECTIONS[s]))
            for more in (3, 51):
                found = {s: [] for s in wanted}
                readable = set()
                for row in db.session.execute(*queries.best(user, q, moment, wanted, more)):
                    found[row.section].append(row.id)
                    if row.minutes:
                        readable.add(row.id)
                expected = _expected(user, q, moment, more)

                assert found == {s: expected[s] for s in wanted}, (user.role, q, more)
                assert readable == {i for i in found.get("items", ()) if can(
                    user, "view_minutes", db.session.get(AgendaItem, i).meeting)}


def test_the_filters_choices_are_every_value_there_is(app, make, rich):
    years = db.session.scalars(queries.years()).all()
    acts = db.session.scalars(audit_queries.acts()).all()
    types = db.session.scalars(audit_queries.object_types()).all()

    assert years == sorted({y for y in db.session.scalars(select(SearchEntry.year))
                            if y is not None}, reverse=True)
    assert len(years) >= 2
    assert acts == sorted(set(db.session.scalars(select(AuditEntry.act))))
    assert types == sorted(set(db.session.scalars(select(AuditEntry.object_type))))
