"""The diff between two versions of a proposal: computed once, when the later version is
made, bounded whatever the texts, stored, and shown as rendered Markdown with every
change marked in words a screen reader reads out."""

import re
from datetime import timedelta

import pytest
from markdown_it import MarkdownIt
from sqlalchemy import func, select

from decisions.accounts.models import Role
from decisions.clock import now
from decisions.extensions import db
from decisions.proposals import diff, services
from decisions.proposals.models import PositionKind, Procedure, VersionDiff

ROWS = 1_500


def table(unit: str = "kr") -> str:
    return "| Nr | Kommune | Beløp |\n|---|---|---|\n" + "".join(
        f"| {i} | K-{i} | {i * 7} {unit} |\n" for i in range(ROWS))


TABLE = table()
ONE_CELL_CHANGED = TABLE.replace("| 750 | K-750 |", "| 750 | K-7500 |")


def marks(html: str) -> list[str]:
    return re.findall(r"<(ins|del)>(.*?)</\1>", html)


@pytest.fixture
def sec(app, make):
    return make.user(Role.SECRETARIAT)


def revise(sec, proposal, members, **text):
    latest = proposal.versions[-1]
    fields = {"title": latest.title, "background": latest.background,
              "resolution": latest.resolution, **text}
    round_ = services.revise_proposal(sec, proposal, members=members,
                                      deadline=now() + timedelta(days=7),
                                      procedure=Procedure.CONSENT, **fields)
    db.session.commit()
    return round_


def test_one_changed_cell_of_a_1500_row_table_is_marked_in_its_rendered_row():
    html = diff.diff_markdown(TABLE, ONE_CELL_CHANGED)

    assert marks(html) == [("del", "K-750"), ("ins", "K-7500")]
    assert "<td><del>K-750</del><ins>K-7500</ins></td>" in html
    assert html.count("<tr>") == ROWS + 1  # a table, rendered, not its source
    assert "|" not in html


def test_the_comparison_of_the_1500_row_case_stays_far_within_the_work_budget(monkeypatch):
    spent = []
    real = diff._myers

    def counting(a, b, budget, limit):
        before = budget.steps
        result = real(a, b, budget, limit)
        spent.append(before - budget.steps)
        return result
    monkeypatch.setattr(diff, "_myers", counting)

    diff.diff_markdown(TABLE, ONE_CELL_CHANGED)

    # The common start and end are stripped in one pass: Myers sees one row, then words.
    assert sum(spent) < 100


def test_a_change_past_the_budget_is_shown_as_blocks_removed_and_added(monkeypatch):
    monkeypatch.setattr(diff, "WORK_BUDGET", 50)
    every_row_changed = table(unit="NOK")

    html = diff.diff_markdown(TABLE, every_row_changed)

    assert html.count("<tr>") == 2 * ROWS + 1
    assert html.count("<del>") == html.count("<ins>") == 3 * ROWS  # every cell, old and new
    assert "<td><del>0 kr</del></td>" in html and "<td><ins>0 NOK</ins></td>" in html


def test_paragraphs_lists_and_headings_are_rendered_with_the_changed_words_marked():
    old = "Innledning med *vekt*.\n\n- en\n- to\n- tre\n\n# Overskrift\n\nSiste."
    new = "Innledning med *vekt* nå.\n\n- en\n- to, endret\n- fire\n\n## Overskrift\n\nSiste."

    html = diff.diff_markdown(old, new)

    assert "<p>Innledning med <em>vekt</em><del>.</del><ins> nå.</ins></p>" in html
    assert "<li>en</li>" in html
    assert "<li><del>to</del><ins>to, endret</ins></li>" in html
    assert "<li><del>tre</del><ins>fire</ins></li>" in html
    assert "<del><h1>Overskrift</h1>\n</del><ins><h2>Overskrift</h2>\n</ins>" in html
    assert html.endswith("<p>Siste.</p>\n")


def test_the_diff_is_sanitized_like_any_rendered_markdown(monkeypatch):
    # Defence in depth, as for rendering: even a renderer letting raw HTML through
    # leaves nothing active in the diff.
    from decisions import markdown
    monkeypatch.setattr(markdown, "_md", MarkdownIt("commonmark", {"html": True}))
    markdown.parse.cache_clear()

    html = diff.diff_markdown("Før.", 'Før. <img src=x onerror="alert(1)"><script>x</script>')

    assert "<img" not in html and "<script" not in html and "onerror" not in html
    markdown.parse.cache_clear()


def test_the_diff_is_stored_when_the_version_is_made_and_pages_only_read_it(
        sec, make, client, monkeypatch):
    a = make.member()
    ra = make.representative(a)
    first = make.round_(sec, [a], make.proposal(sec, background=TABLE))
    make.position(ra, first, a, PositionKind.OBJECT, "Tallene stemmer ikke.")

    second = revise(sec, first.proposal, [a], background=ONE_CELL_CHANGED)

    stored = db.session.get(VersionDiff, (first.version_id, second.version_id))
    assert marks(stored.background_html) == [("del", "K-750"), ("ins", "K-7500")]

    def refuse(*args, **kwargs):
        raise AssertionError("compared on a page view")
    monkeypatch.setattr(diff, "_sequence", refuse)
    make.login(client, ra)
    page = client.get(f"/rounds/{second.id}")
    assert page.status_code == 200
    assert "<td><del>" in page.text


def test_a_member_is_shown_the_changes_since_the_version_it_answered(sec, make, client):
    a, b = make.member(), make.member()
    ra = make.representative(a)
    first = make.round_(sec, [a, b], make.proposal(sec, resolution="Vi gjør A."))
    make.position(ra, first, a, PositionKind.RESERVATION, "A er dyrt.")
    second = revise(sec, first.proposal, [b], resolution="Vi gjør B.")  # a not asked
    third = revise(sec, first.proposal, [a, b], resolution="Vi gjør C.")

    assert db.session.scalar(select(func.count()).select_from(VersionDiff)) == 3
    make.login(client, ra)
    page = client.get(f"/rounds/{third.id}")

    assert second.version.number == 2
    shown = re.sub(r'<span class="ds-sr-only">[^<]*</span>', "", page.text)
    assert "<del>A.</del><ins>C.</ins>" in shown


def test_every_mark_is_announced_in_the_readers_language(sec, make, client):
    a = make.member()
    ra = make.representative(a)
    first = make.round_(sec, [a], make.proposal(sec, resolution="Vi gjør A."))
    make.position(ra, first, a, PositionKind.OBJECT, "A er feil.")
    second = revise(sec, first.proposal, [a], resolution="Vi gjør C.")
    make.login(client, ra)

    page = client.get(f"/rounds/{second.id}").text

    assert ('<del><span class="ds-sr-only">Fjernet tekst: </span>A.'
            '<span class="ds-sr-only"> Slutt på fjernet tekst.</span></del>') in page
    assert ('<ins><span class="ds-sr-only">Ny tekst: </span>C.'
            '<span class="ds-sr-only"> Slutt på ny tekst.</span></ins>') in page


def test_the_migration_renders_what_exists_and_compares_every_pair_of_versions(
        app, sec, make):
    import importlib.util
    from pathlib import Path

    from sqlalchemy import text
    path = next((Path(__file__).parent.parent / "migrations" / "versions").glob("text0001_*"))
    spec = importlib.util.spec_from_file_location("text0001", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    a = make.member()
    first = make.round_(sec, [a], make.proposal(sec, resolution="Vi gjør **A**."))
    revise(sec, first.proposal, [a], resolution="Vi gjør **B**.")
    revise(sec, first.proposal, [a], resolution="Vi gjør **C**.")
    versions = [v.id for v in first.proposal.versions]
    # As the rows were before the migration: no HTML beside the texts, no diffs.
    db.session.execute(text("DELETE FROM version_diffs"))
    for table, fields in migration.MARKDOWN_FIELDS.items():
        db.session.execute(text(f"UPDATE {table} SET "  # noqa: S608 - names from the code
                                + ", ".join(f"{f}_html = ''" for f in fields)))

    migration.fill(db.session.connection())
    db.session.commit()

    html = db.session.scalars(text(
        "SELECT resolution_html FROM proposal_versions ORDER BY number")).all()
    assert html == [f"<p>Vi gjør <strong>{x}</strong>.</p>\n" for x in "ABC"]
    stored = db.session.get(VersionDiff, (versions[0], versions[2]))
    assert marks(stored.resolution_html) == [("del", "A"), ("ins", "C")]
    assert db.session.scalar(select(func.count()).select_from(VersionDiff)) == 3
