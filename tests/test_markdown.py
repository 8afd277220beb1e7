"""User Markdown renders to HTML with nothing active in it: no script, no event
attributes, no javascript: or data: URLs, no raw HTML."""

import re
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from decisions import markdown
from decisions.accounts.models import Role
from decisions.markdown import render_markdown

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
