"""User and document content (titles, texts, decisions, names) is written in bokmål: in
an interface in another language it is marked lang="nb", so that a screen reader reads it
as Norwegian (WCAG 3.1.2, language of parts)."""

from flask_babel import get_locale
from markupsafe import Markup

CONTENT_LANGUAGE = "nb"


def _interface_is_not_in_the_content_language() -> bool:
    locale = get_locale()
    return locale is not None and locale.language != CONTENT_LANGUAGE


def nb(value):
    """`{{ x.title|nb }}`: a piece of content inside an element of the interface."""
    if value in (None, "") or not _interface_is_not_in_the_content_language():
        return value
    return Markup('<span lang="{}">{}</span>').format(CONTENT_LANGUAGE, value)


def nb_block(html: Markup) -> Markup:
    """A block of rendered content (Markdown)."""
    if not html or not _interface_is_not_in_the_content_language():
        return html
    return Markup('<div lang="{}">{}</div>').format(CONTENT_LANGUAGE, html)


def nb_html(html: str | None) -> Markup:
    """`{{ x.text_html|nb_html }}`: Markdown rendered and sanitized when it was saved."""
    # Sanitized with nh3 by decisions.markdown when the text was saved.
    return nb_block(Markup(html or ""))  # noqa: S704
