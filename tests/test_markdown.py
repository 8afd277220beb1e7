"""User Markdown renders to HTML with nothing active in it: no script, no event
attributes, no javascript: or data: URLs, no raw HTML."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt
from sqlalchemy import func, select

from decisions import markdown
from decisions.accounts.models import Role
from decisions.clock import now
from decisions.extensions import db
from decisions.markdown import render_markdown
from decisions.meetings.models import AgendaItem
from decisions.proposals import services as proposals
from decisions.proposals.models import PositionKind, Procedure, Proposal, ProposalVersion
from decisions.register.models import Decision

ACTIVE_SCHEMES = ("javascript:", "vbscript:", "data:")


class Page(HTMLParser):
    """Every element with its attributes, and the text inside each <script>."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.script_texts: list[str] = []
        self._in_script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.script_texts.append(data)

    def tags(self) -> list[str]:
        return [tag for tag, _ in self.elements]

    def with_tag(self, tag: str) -> list[dict[str, str]]:
        return [attrs for t, attrs in self.elements if t == tag]

    def event_attributes(self) -> list[tuple[str, str]]:
        return [(tag, name) for tag, attrs in self.elements for name in attrs
                if name.startswith("on")]

    def active_urls(self) -> list[tuple[str, str]]:
        found = []
        for tag, attrs in self.elements:
            for name in ("href", "src", "action", "formaction", "srcset", "xlink:href"):
                value = re.sub(r"[\x00-\x20]", "", attrs.get(name, "")).lower()
                if value.startswith(ACTIVE_SCHEMES):
                    found.append((tag, attrs[name]))
        return found


def assert_inert(page: Page) -> None:
    assert page.event_attributes() == []
    assert page.active_urls() == []
    assert page.script_texts == []
    for attrs in page.with_tag("script"):
        assert attrs.get("src", "").startswith("/static/"), attrs


HOSTILE = {
    "script": "Før <script>alert(1)</script> etter",
    "img onerror": '<img src="x" onerror="alert(1)">',
    "a onclick": "<a href=\"https://example.org\" onclick=\"alert(1)\">klikk</a>",
    "raw block html": "<div onmouseover=\"alert(1)\"><iframe src=\"https://evil.example\">"
                      "</iframe></div>",
    "javascript link": "[klikk](javascript:alert(1))",
    "javascript link, mixed case": "[klikk](JaVaScRiPt:alert(1))",
    "javascript link, entity": "[klikk](&#106;avascript:alert(1))",
    "javascript autolink": "<javascript:alert(1)>",
    "javascript reference link": "[klikk][1]\n\n[1]: javascript:alert(1)",
    "javascript image": "![bilde](javascript:alert(1))",
    "data link": "[klikk](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data image": "![bilde](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB)",
    "vbscript link": "[klikk](vbscript:msgbox(1))",
    "style tag": "<style>body{display:none}</style>",
}


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_markdown_renders_inert(source):
    page = Page(str(render_markdown(source)))

    assert_inert(page)
    assert not {"script", "iframe", "div", "style"} & set(page.tags())


def test_raw_html_is_shown_as_text_not_as_markup():
    html = str(render_markdown("Skriv <b>fet</b> slik."))

    assert Page(html).tags() == ["p"]
    assert "&lt;b&gt;fet&lt;/b&gt;" in html


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_sanitizer_alone_removes_active_html_even_if_markdown_let_it_through(
        monkeypatch, source):
    # Defence in depth: the nh3 pass must hold even if the Markdown renderer is ever
    # configured to pass raw HTML through.
    monkeypatch.setattr(markdown, "_md", MarkdownIt("commonmark", {"html": True}))
    markdown.parse.cache_clear()
    markdown._render.cache_clear()

    page = Page(str(render_markdown(source)))

    assert_inert(page)
    assert not {"script", "iframe", "div", "style"} & set(page.tags())


def test_ordinary_markdown_renders():
    source = ("Dette er **viktig** og *presist*.\n\n"
              "- første punkt\n- andre punkt\n\n"
              "1. ett\n2. to\n\n"
              "Se [Osloregionen](https://www.osloregionen.no) og ![kart](https://example.org/k.png)")

    page = Page(str(render_markdown(source)))

    assert {"strong", "em", "ul", "ol", "li", "a"} <= set(page.tags())
    assert len(page.with_tag("li")) == 4
    link, image = page.with_tag("a")
    assert link["href"] == "https://www.osloregionen.no"
    assert "noopener" in link["rel"]
    assert image["href"] == "https://example.org/k.png"


def test_an_image_becomes_a_link_so_nothing_is_fetched_when_the_page_is_read():
    html = str(render_markdown('![kart <b>over</b> "regionen"](https://example.org/k.png)'))

    page = Page(html)

    assert "img" not in page.tags()
    [link] = page.with_tag("a")
    assert link["href"] == "https://example.org/k.png"
    assert "kart" in html and "<b>" not in html


def test_mailto_links_are_kept():
    [link] = Page(str(render_markdown("[Skriv til oss](mailto:post@example.org)"))).with_tag("a")

    assert link["href"] == "mailto:post@example.org"


def test_empty_background_renders_nothing():
    assert str(render_markdown(None)) == "" and str(render_markdown("")) == ""


def test_hostile_background_and_resolution_render_inert_on_the_proposal_page(
        app, client, make):
    secretariat = make.user(Role.SECRETARIAT)
    hostile = "\n\n".join(HOSTILE.values())
    proposal = make.proposal(
        secretariat, title="<script>alert('tittel')</script>",
        background="Bakgrunnen er **viktig**.\n\n" + hostile,
        resolution="[Vedtaket](https://www.osloregionen.no)\n\n" + hostile)
    make.login(client, secretariat)

    response = client.get(f"/proposals/{proposal.id}")

    assert response.status_code == 200
    page = Page(response.text)
    assert_inert(page)
    assert not {"iframe", "style"} & set(page.tags())
    assert {"href": "https://www.osloregionen.no",
            "rel": "noopener noreferrer nofollow"} in page.with_tag("a")
    assert "strong" in page.tags()


# Caps: what would cost too much is refused with a message at its field.

def nested_lists(depth: int) -> str:
    return "".join("  " * level + "- punkt\n" for level in range(depth))


WORST = {  # the costliest input of each class the benchmark measures, over the caps
    "lists nested 1000 deep": nested_lists(1000),
    "quotes nested 50000 deep": ">" * 50_000,
    "quotes and lists nested": "> - " * 2_000,
    "ordered lists nested": "".join("   " * level + "1. punkt\n" for level in range(40)),
    "longer than the cap": "a" * (markdown.MAX_CHARS + 1),
    "more lines than the cap": "- a\n" * markdown.MAX_LINES,
    "more marks than the cap": "![" * (markdown.MAX_MARKS + 1),
}


@pytest.mark.parametrize("source", WORST.values(), ids=WORST.keys())
def test_the_caps_refuse_the_worst_inputs(source):
    with pytest.raises(markdown.TooComplex) as refused:
        render_markdown(source, field="background")

    assert refused.value.field == "background"


def test_a_1500_row_table_is_within_the_caps():
    table = "| Nr | Kommune | Beløp |\n|---|---|---|\n" + "".join(
        f"| {i} | Kommune {i} | {i * 7} kr |\n" for i in range(1_500))

    assert str(render_markdown(table)).count("<tr>") == 1_501


def test_nesting_up_to_the_cap_renders_and_one_level_more_is_refused():
    page = Page(str(render_markdown(nested_lists(markdown.MAX_DEPTH))))

    assert page.tags().count("ul") == markdown.MAX_DEPTH
    with pytest.raises(markdown.TooComplex):
        render_markdown(nested_lists(markdown.MAX_DEPTH + 1))


def test_a_deep_text_is_refused_next_to_its_field_with_what_was_typed_kept(
        app, client, make):
    from tests.test_bad_input import Form
    secretariat = make.user(Role.SECRETARIAT)
    make.login(client, secretariat)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    typed = nested_lists(20)

    response = client.post("/proposals/new", data={
        "title": "Ladestrategi", "area": make.area().id, "resolution": "Vi gjør det.",
        "background": typed})

    assert response.status_code == 422
    form = Form(response.text)
    assert form.errors["background"] == [
        "Lists and quotes are nested more than 8 levels deep. Nest them less."]
    assert form.values["background"].strip() == typed.strip()
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_every_writer_is_held_to_the_caps_not_only_the_forms(app, make):
    secretariat = make.user(Role.SECRETARIAT)

    with pytest.raises(markdown.TooComplex) as refused:
        proposals.create_proposal(secretariat, title="Dyp", area=make.area(),
                                  background="", resolution=nested_lists(20))
    assert refused.value.field == "resolution"
    db.session.rollback()
    item = AgendaItem()
    with pytest.raises(markdown.TooComplex) as refused:
        item.notes = ">" * 100
    assert refused.value.field == "notes"


# Rendered once, when saved

def test_every_markdown_field_keeps_its_html_when_set(app):
    for model, fields in ((Proposal, ("background", "resolution")),
                          (ProposalVersion, ("background", "resolution")),
                          (Decision, ("resolution",)),
                          (AgendaItem, ("proposed_resolution", "background", "notes",
                                        "decision_text"))):
        row = model()
        for name in fields:
            setattr(row, name, f"**{name}**")
            assert getattr(row, f"{name}_html") == f"<p><strong>{name}</strong></p>\n"


@pytest.fixture
def parses(monkeypatch):
    """How many times Markdown is parsed (rendering and diffing both parse)."""
    calls = []
    real = MarkdownIt.parse

    def counting(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)
    monkeypatch.setattr(MarkdownIt, "parse", counting)
    markdown.parse.cache_clear()
    markdown._render.cache_clear()
    return calls


def test_pages_show_the_stored_html_and_render_no_markdown(
        app, client, make, clock, parses):
    secretariat = make.user(Role.SECRETARIAT)
    a, b = make.member(), make.member()
    ra = make.representative(a)
    draft = make.proposal(secretariat, background="Et **utkast**.")
    first = make.round_(secretariat, [a, b],
                        make.proposal(secretariat, background="- en\n- to"))
    make.position(ra, first, a, PositionKind.RESERVATION, "Dyrt.")
    second = proposals.revise_proposal(
        secretariat, first.proposal, title=first.version.title, background="- en\n- tre",
        resolution=first.version.resolution, members=[a, b], deadline=now() + timedelta(days=7),
        procedure=Procedure.CONSENT)
    silent = make.round_(secretariat, [a], make.proposal(secretariat, resolution="*Vedtatt*."),
                         procedure=Procedure.SILENCE, deadline=timedelta(days=1))
    meeting = make.meeting(make.group())
    make.item(secretariat, meeting, proposed_resolution="Styret *vedtar*.",
              background="| a | b |\n|---|---|\n| 1 | 2 |")
    db.session.commit()
    clock.set(silent.deadline + timedelta(minutes=1))
    proposals.settle_due_rounds()
    db.session.commit()
    decision = db.session.scalars(select(Decision)).one()
    saved = len(parses)
    assert saved > 0
    markdown.parse.cache_clear()  # a page must not find the texts parsed at save
    markdown._render.cache_clear()

    make.login(client, secretariat)
    pages = [f"/proposals/{draft.id}", f"/proposals/{first.proposal_id}",
             f"/rounds/{second.id}", f"/meetings/{meeting.id}",
             f"/decisions/{decision.year}/{decision.number}",
             f"/public/decisions/{decision.year}/{decision.number}"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    client.get("/logout")
    make.login(client, ra)
    response = client.get(f"/rounds/{second.id}")  # with the diff since version 1
    assert response.status_code == 200
    assert "<del>" in response.text

    assert len(parses) == saved


def test_a_decision_copies_an_adopted_text_that_predates_the_caps_as_plain_text(app):
    decision = Decision()

    decision.resolution = ">" * 100 + " Vedtatt."

    assert decision.resolution_html == "<p>" + "&gt;" * 100 + " Vedtatt.</p>"
