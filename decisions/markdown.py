"""User Markdown to safe HTML: markdown-it-py renders, nh3 removes anything active.

Markdown is rendered once, when the text is saved: every Markdown field `f` of a model
has a column `f_html` beside it that `keeps_html` fills whenever `f` is set, and pages
show that column. Rendering is bounded by the caps below, which refuse a text with a
message next to its field (a form validator and, for every other writer, the setter).
"""

from functools import lru_cache, partial

import nh3
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from sqlalchemy import event
from wtforms.validators import ValidationError

from decisions.errors import DomainError

# The longest text any Markdown field takes (the forms' longest Length). Within the caps
# below, benchmarks/markdown_bench.py times the worst inputs found against a budget.
MAX_CHARS = 50_000
# Lines and marks (the characters that open inline syntax) drive markdown-it's cost more
# than length does: ten thousand list items, or twenty thousand brackets, in 50,000
# characters take seconds. A 1,500-row table, or a long text with a thousand links, is
# well within both.
MAX_LINES = 3_000
MAX_MARKS = 10_000
_MARKS = "*_[]`<&~"
# Lists and quotes inside each other: real texts nest two or three deep. markdown-it
# drops what lies deeper than its own limit (maxNesting 20 token levels, reached by
# about ten lists), so a text must be refused before it would be silently cut.
MAX_DEPTH = 8

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_CONTAINERS = ("blockquote", "bullet_list", "ordered_list")
_OPENS = {f"{kind}_open" for kind in _CONTAINERS}
_CLOSES = {f"{kind}_close" for kind in _CONTAINERS}


def _image_as_link(renderer, tokens, idx, options, env) -> str:
    """An image becomes a link to it: a remote image would tell its host who read the
    proposal and when, and a PDF renderer would fetch it."""
    token = tokens[idx]
    src = escape(token.attrGet("src") or "")
    alt = escape(token.content or token.attrGet("src") or "")
    return f'<a href="{src}">{alt}</a>'


_md.add_render_rule("image", _image_as_link)

ALLOWED_TAGS = {
    "a", "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def sanitize(html: str, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES) -> str:
    return nh3.clean(html, tags=tags, attributes=attributes,
                     url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow")


class TooComplex(DomainError):
    """A Markdown text over one of the caps."""


def _depth(tokens) -> int:
    depth = deepest = 0
    for token in tokens:
        if token.type in _OPENS:
            depth += 1
            deepest = max(deepest, depth)
        elif token.type in _CLOSES:
            depth -= 1
    return deepest


@lru_cache(maxsize=4)
def parse(text: str) -> tuple[list, dict]:
    """markdown-it's tokens (not to be changed) and env of a text. Cached for the few
    texts of one request: the form validator, the setter and the version diff then
    parse a text once (few: the tokens of a long text take megabytes)."""
    env: dict = {}
    return _md.parse(text, env), env


def render_tokens(tokens, env) -> str:
    """Unsanitized HTML of tokens from `parse`."""
    return _md.renderer.render(tokens, _md.options, env)


def render_inline(token, env) -> str:
    """Unsanitized HTML of an inline token's content."""
    return _md.renderer.renderInline(token.children or [], _md.options, env)


@lru_cache(maxsize=16)
def _render(text: str) -> str:
    """The sanitized HTML of a text within the caps."""
    if len(text) > MAX_CHARS:
        raise TooComplex(_l("The text is longer than %(max)s characters.", max=MAX_CHARS))
    if text.count("\n") >= MAX_LINES:
        raise TooComplex(_l("The text has more than %(max)s lines.", max=MAX_LINES))
    if sum(text.count(mark) for mark in _MARKS) > MAX_MARKS:
        raise TooComplex(_l("The text has more than %(max)s Markdown marks (such as * _ [ ] "
                            "` < & ~). Use fewer.", max=MAX_MARKS))
    tokens, env = parse(text)
    if _depth(tokens) > MAX_DEPTH:
        raise TooComplex(_l("Lists and quotes are nested more than %(max)s levels deep. "
                            "Nest them less.", max=MAX_DEPTH))
    return sanitize(render_tokens(tokens, env))


def render_markdown(text: str | None, field: str | None = None) -> Markup:
    """The sanitized HTML of a Markdown text; TooComplex (with `field`) over a cap."""
    try:
        return Markup(_render(text or ""))  # noqa: S704 - sanitized by nh3 in _render
    except TooComplex as error:
        raise TooComplex(error.message, field=field) from None


def render_or_escape(text: str | None) -> Markup:
    """For texts saved before the caps: what is over them is shown as plain text."""
    try:
        return render_markdown(text)
    except TooComplex:
        return Markup("<p>%s</p>") % text


class MarkdownText:
    """Form validator: the text is within the caps, so the message stands at the field."""

    def __call__(self, form, field) -> None:
        if len(field.data or "") > MAX_CHARS:
            return  # the field's Length validator has said so, in its own words
        try:
            render_markdown(field.data)
        except TooComplex as error:
            raise ValidationError(str(error.message)) from None


def _fill_html(html_attr: str, field: str, strict: bool, target, value, oldvalue, initiator):
    html = render_markdown(value, field=field) if strict else render_or_escape(value)
    setattr(target, html_attr, str(html))
    return value


def keeps_html(*fields: str, strict: bool = True):
    """Class decorator: each Markdown field `f` gets its sanitized HTML in `f_html`
    whenever it is set, whoever sets it. Not `strict`: a field that only ever copies a
    text saved elsewhere, which may predate the caps, shows what is over them as plain
    text instead of refusing it."""
    def decorate(cls):
        cls.markdown_fields = fields  # for writers that bypass the ORM (decisions.demo.scale)
        for field in fields:
            event.listen(getattr(cls, field), "set",
                         partial(_fill_html, f"{field}_html", field, strict), retval=True)
        return cls
    return decorate
