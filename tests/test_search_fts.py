"""Full-text search (issue 18, part 4): Norwegian stemming, ranking, highlighted and
escaped snippets, the filters, visibility per role, and the index kept in step with the
objects in their transaction, on SQLite (FTS5 over Snowball stems) and PostgreSQL
(tsvector, 'norwegian')."""

import re
from datetime import timedelta

from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from decisions.accounts.models import Role
from decisions.extensions import db
from decisions.meetings import agenda
from decisions.proposals import services
from decisions.proposals.models import Area
from decisions.search import queries
from decisions.search.models import SearchEntry
from tests.test_board_queries import queries_for
from tests.test_search import EN, board, decide, section, titles


def entries(kind: str, object_id: int) -> list[SearchEntry]:
    return db.session.scalars(select(SearchEntry).where(
        SearchEntry.kind == kind, SearchEntry.object_id == object_id)).all()


def test_an_inflected_word_finds_its_other_forms(app, client, make):
    sec = make.user(Role.SECRETARIAT)
    decision = decide(make, sec, "Samarbeid mellom kommunene")
    other = decide(make, sec, "Felles innkjøp for hver kommune")
    make.login(client, sec)

    # "kommunene" (the municipalities) and "kommune" share the stem "kommun".
    assert set(titles(client, "kommune")) == {f"Decision {decision.ref} Samarbeid mellom "
                                              "kommunene",
                                              f"Decision {other.ref} Felles innkjøp for "
                                              "hver kommune"}
    assert set(titles(client, "kommunenes")) == set(titles(client, "kommune"))


def test_every_word_must_be_found_in_some_form(app, client, make):
    sec = make.user(Role.SECRETARIAT)
    both = decide(make, sec, "Regionale sykkelveier i kommunene")
    decide(make, sec, "Regionale veier")
    make.login(client, sec)

    assert titles(client, "kommune sykkelvei") == [f"Decision {both.ref} Regionale "
                                                  "sykkelveier i kommunene"]


def test_a_word_in_the_title_ranks_above_the_same_word_in_the_text(app, client, make):
    sec = make.user(Role.SECRETARIAT)
    in_text = decide(make, sec, "Rapport om samarbeid")
    in_text.resolution = "Havnestrategien skal følges opp i rapporten."
    db.session.commit()
    decide(make, sec, "Budsjett for neste år")
    in_title = decide(make, sec, "Havnestrategi")
    make.login(client, sec)

    # Both found by the stem; the title weighs more, whatever the order of adoption.
    assert titles(client, "havnestrategi") == [
        f"Decision {in_title.ref} Havnestrategi",
        f"Decision {in_text.ref} Rapport om samarbeid"]


def test_a_snippet_marks_the_words_found_and_escapes_the_text(app, client, make):
    sec = make.user(Role.SECRETARIAT)
    make.proposal(sec, title="Varsling",
                  background='Skriv <script>alert("x")</script> & <b>fet</b> i kommunene.')
    make.login(client, sec)

    html = section(client, "kommune", "proposals-h")

    assert ('Skriv &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;fet&lt;/b&gt;'
            ' i <mark>kommunene</mark>.') in html
    assert "<script>" not in html and "<b>" not in html


def test_a_snippet_marks_every_word_whose_stem_begins_with_the_querys_in_any_case():
    # Only words that begin with a stem asked are stemmed (a stem begins its word):
    # the marks are those of stemming every word. "ukommune" holds the stem inside it,
    # "kom" is shorter than it, "x_kommune" is two words.
    text = ("Kommunene og KOMMUNENS råd; kommunal drift, ukommune, kom og x_kommune. "
            "Hver Kommune deltar.")
    marked = str(queries.snippet([text], queries.Query(text="kommunene"), width=400))

    assert re.findall(r"<mark>(.*?)</mark>", marked) == [
        "Kommunene", "KOMMUNENS", "kommunal", "kommune", "Kommune"]
    # U+0345 is no letter, yet "ι" matches it when case is ignored: the word after it is
    # still the one marked.
    greek = str(queries.snippet(["\u0345αβγ"], queries.Query(text="ι αβγ")))
    assert re.findall(r"<mark>(.*?)</mark>", greek) == ["αβγ"]


def test_hostile_query_text_is_escaped_in_the_form_and_the_snippet(app, client, make):
    sec = make.user(Role.SECRETARIAT)
    make.proposal(sec, title="Merking", background="Teksten <i>x</i> står her.")
    make.login(client, sec)

    page = client.get("/search", query_string={"q": "<i>x</i>"}, headers=EN).text

    assert "<mark>&lt;i&gt;x&lt;/i&gt;</mark>" in page
    assert "<i>x</i>" not in page


def test_the_kind_filter_shows_one_kind_and_keeps_its_value(app, client, make):
    world = board(make)
    decision = decide(make, world.secretariat, "Regnskapsrutiner")
    make.login(client, world.secretariat)

    only = client.get("/search?q=regnskap&kind=decision", headers=EN).text
    minutes_only = client.get("/search?q=regnskap&kind=minutes", headers=EN).text
    items_only = client.get("/search?q=regnskap&kind=item", headers=EN).text

    assert f"Decision {decision.ref}" in only and 'id="items-h"' not in only
    assert 'id="proposals-h"' not in only
    assert '<option value="decision" selected>' in only
    # "regnskapsåret" is in the approved minutes' notes, "Regnskapet" in the case papers.
    assert "Årsregnskap" in minutes_only and 'id="decisions-h"' not in minutes_only
    assert "Årsregnskap" in items_only
    assert "<mark>Regnskapet</mark>" in items_only
    assert "regnskapsåret" not in items_only


def test_the_year_filter(app, client, make):
    sec = make.user(Role.SECRETARIAT)
    this_year = decide(make, sec, "Strategi for innfartsparkering")
    last_year = decide(make, sec, "Gammel innfartsparkering")
    last_year.year = this_year.year - 1
    db.session.commit()
    make.login(client, sec)

    found = titles(client, "innfartsparkering")
    page = client.get(f"/search?q=innfartsparkering&year={this_year.year - 1}",
                      headers=EN).text

    assert len(found) == 2
    assert f"Decision {last_year.ref}" in page and f"Decision {this_year.ref}" not in page
    assert f'<option value="{this_year.year - 1}" selected>' in page


def test_the_group_filter_finds_only_that_groups_items(app, client, make):
    sec = make.user(Role.SECRETARIAT)
    styret, radet = make.group("Styret"), make.group("Rådet")
    in_styret = make.item(sec, make.meeting(styret), "Bompenger i styret")
    in_radet = make.item(sec, make.meeting(radet), "Bompenger i rådet")
    decide(make, sec, "Bompenger")
    make.login(client, sec)

    page = client.get(f"/search?q=bompenger&group={radet.id}", headers=EN).text

    assert "Bompenger i rådet" in page and "Bompenger i styret" not in page
    assert "No decisions match" in page  # a decision belongs to no group
    assert f'<option value="{radet.id}" selected>' in page
    assert in_styret.id != in_radet.id


def test_the_area_filter(app, client, make):
    sec = make.user(Role.SECRETARIAT)
    climate = make.area()
    transport = Area(name_nb="Samferdsel", name_en="Transport")
    db.session.add(transport)
    db.session.commit()
    in_climate = make.proposal(sec, title="Tiltak mot flom")
    in_transport = services.create_proposal(sec, title="Tiltak på vei", area=transport,
                                            background="", resolution="Tiltak.")
    db.session.commit()
    make.login(client, sec)

    page = section(client, "tiltak", "proposals-h")
    filtered = client.get(f"/search?q=tiltak&area={transport.id}", headers=EN).text

    assert f"/proposals/{in_climate.id}\"" in page and f"/proposals/{in_transport.id}\"" in page
    assert f"/proposals/{in_transport.id}\"" in filtered
    assert f"/proposals/{in_climate.id}\"" not in filtered
    assert climate.id != transport.id


def test_a_filter_value_that_is_no_choice_is_no_filter(app, client, make):
    sec = make.user(Role.SECRETARIAT)
    decision = decide(make, sec, "Felles ladestrategi")
    make.login(client, sec)

    page = client.get("/search?q=ladestrategi&kind=nonsense&year=abc&group=&area=x",
                      headers=EN)

    assert page.status_code == 200
    assert f"Decision {decision.ref}" in page.text


def test_a_representative_finds_no_draft_proposal_no_draft_minutes_and_no_unpublished_item(
        app, client, make):
    world = board(make)
    draft = make.proposal(world.secretariat, title="Hemmelig utkast om sjøfly")
    make.login(client, world.representative)

    assert "Hemmelig utkast" not in client.get("/search?q=sjøfly", headers=EN).text
    assert titles(client, "kostnadsdeling") == []  # a stem of the draft notes' word
    assert titles(client, "nedbemanningen") == []  # a form of the planned meeting's word
    browser = app.test_client()
    make.login(browser, world.secretariat)
    assert f"/proposals/{draft.id}\"" in section(browser, "sjøfly", "proposals-h")
    assert titles(browser, "nedbemanningen") == ["Omorganisering av sekretariatet"]


def test_an_exempt_item_is_found_only_by_those_who_may_view_its_meeting(app, client, make):
    world = board(make)
    exempt = make.item(world.secretariat, world.planned, "Personalsak",
                       background="Lønnsforhandlinger med direktøren.",
                       exempt_basis="Offl. § 25")
    make.login(client, world.representative)
    assert titles(client, "lønnsforhandling") == []
    agenda.publish_notice(world.secretariat, world.planned)
    db.session.commit()
    assert titles(client, "lønnsforhandling") == [f"Item {exempt.ref} Personalsak"]


def test_the_index_follows_an_edit_in_the_same_transaction(app, client, make):
    sec = make.user(Role.SECRETARIAT)
    proposal = make.proposal(sec, title="Ladestasjoner", resolution="Bygg ladestasjoner.")
    services.edit_draft(sec, proposal, title="Hydrogenstasjoner", area=proposal.area,
                        background="", resolution="Bygg hydrogenstasjoner.",
                        lock_version=proposal.lock_version)
    db.session.commit()
    make.login(client, sec)

    assert f"/proposals/{proposal.id}\"" in section(client, "hydrogen", "proposals-h")
    assert f"/proposals/{proposal.id}\"" not in section(client, "ladestasjon",
                                                        "proposals-h")
    [entry] = entries("proposal", proposal.id)
    assert entry.title == "Hydrogenstasjoner"


def test_a_rollback_leaves_the_index_as_it_was(app, make):
    sec = make.user(Role.SECRETARIAT)
    proposal = make.proposal(sec, title="Ladestasjoner")
    proposal.title = "Hydrogenstasjoner"
    added = make.area()
    db.session.flush()
    assert entries("proposal", proposal.id)[0].title == "Hydrogenstasjoner"  # in step

    db.session.rollback()

    assert entries("proposal", proposal.id)[0].title == "Ladestasjoner"
    assert db.session.get(Area, added.id) is not None


def test_minutes_enter_the_index_when_written_and_a_moved_meeting_moves_its_items_year(
        app, make):
    world = board(make)
    assert [e.body for e in entries("minutes", world.approved_item.id)] == [
        "Vedtak: Årsregnskap.\nRevisor godkjente regnskapsåret."]
    assert entries("minutes", world.published_item.id) == []
    item = world.planned.items[0]
    year = entries("item", item.id)[0].year

    world.planned.starts_at += timedelta(days=400)
    db.session.commit()

    assert entries("item", item.id)[0].year == year + 1


def test_a_deleted_item_leaves_the_index(app, make):
    world = board(make)
    item = make.item(world.secretariat, world.planned, "Midlertidig sak")
    assert entries("item", item.id)
    db.session.delete(item)
    db.session.commit()
    assert entries("item", item.id) == []


def test_reindex_writes_the_whole_index_again(app, make, runner):
    world = board(make)
    decide(make, world.secretariat, "Felles ladestrategi")
    before = db.session.execute(select(SearchEntry.kind, SearchEntry.object_id,
                                       SearchEntry.body)).all()
    db.session.execute(SearchEntry.__table__.delete())
    db.session.commit()

    result = runner.invoke(args=["search", "reindex"])

    assert result.exit_code == 0, result.output
    after = db.session.execute(select(SearchEntry.kind, SearchEntry.object_id,
                                      SearchEntry.body)).all()
    assert sorted(after) == sorted(before) and len(after) >= 6


def test_the_migration_backfills_the_index_from_the_rows_already_there(
        app, client, make):
    world = board(make)
    ref = decide(make, world.secretariat, "Samarbeid mellom kommunene").ref
    make.login(client, world.representative)
    before = db.session.execute(select(SearchEntry.kind, SearchEntry.object_id,
                                       SearchEntry.body)).all()
    db.session.commit()
    db.session.remove()

    downgrade(revision="oparl0001")
    upgrade()

    after = db.session.execute(select(SearchEntry.kind, SearchEntry.object_id,
                                      SearchEntry.body)).all()
    assert sorted(after) == sorted(before) and len(after) >= 7
    assert f"Decision {ref} Samarbeid mellom kommunene" in titles(client, "kommune")


def test_the_filtered_search_costs_the_same_queries_for_few_and_many_results(
        app, client, make):
    world = board(make)
    make.login(client, world.secretariat)
    decide(make, world.secretariat, "Plan for kollektivtrafikk 0")
    url = "/search?q=kollektiv&kind=&year=&group=&area="
    few = queries_for(app, client, url)
    filtered_few = queries_for(app, client, "/search?q=kollektiv&kind=proposal")
    member = make.member()
    for n in range(1, 12):
        make.round_(world.secretariat, [member],
                    make.proposal(world.secretariat, title=f"Kollektivplan {n}"))
        make.item(world.secretariat, world.published, f"Kollektivfelt {n}")
    many = queries_for(app, client, url)
    filtered_many = queries_for(app, client, "/search?q=kollektiv&kind=proposal")
    assert few == many
    assert filtered_few == filtered_many


def test_the_page_shows_the_filters_with_labels(app, client, make):
    sec = make.user(Role.SECRETARIAT)
    make.login(client, sec)
    page = client.get("/search", headers=EN).text
    for field, label in (("kind", "Show"), ("year", "Year"), ("group", "Group"),
                         ("area", "Area of operation")):
        assert f'<label class="ds-label" for="{field}">{label}</label>' in page
        assert f'<select class="ds-input" id="{field}" name="{field}">' in page
