"""User Markdown to safe HTML: markdown-it-py renders, nh3 removes anything active."""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


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


def render_markdown(text: str | None) -> Markup:
    html = _md.render(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - sanitized by nh3 just above
