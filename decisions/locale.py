"""Language: which one the interface speaks to this user, how a moment is written in it,
and the marking of content in another language.

User and document content (titles, texts, decisions, names) is written in bokmål: in
an interface in another language it is marked lang="nb", so that a screen reader reads it
as Norwegian (WCAG 3.1.2, language of parts)."""

from collections.abc import Callable

from babel import dates
from flask import current_app, has_request_context, request, session
from flask_babel import format_datetime, get_locale, get_timezone
from flask_login import current_user
from markupsafe import Markup

CONTENT_LANGUAGE = "nb"
MOMENT_PATTERNS = {"nb": "d. MMM y 'kl.' HH:mm", "en": "d MMM y, HH:mm"}


def select_locale() -> str:
    """The user's chosen language, else the one chosen this session, else the browser's."""
    if not has_request_context():  # the CLI speaks the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    for tag, _quality in request.accept_languages:  # in the browser's order of preference
        base = tag.lower().split("-")[0]
        if base in ("nb", "no", "nn"):
            return "nb"
        if base == "en":
            return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def format_moment(value, fmt: str | None = None) -> str:
    """A moment in Oslo time, unambiguous in either language: "5. des. 2026 kl. 12:00"."""
    if not value:
        return ""
    return format_datetime(value, fmt or MOMENT_PATTERNS.get(str(get_locale()), "medium"))


def moments() -> Callable[[object], str]:
    """`format_moment` for the many moments of one page (the audit list's fifty): the
    language, its pattern and the time zone looked up once, not once a moment."""
    locale = get_locale()
    pattern = MOMENT_PATTERNS.get(str(locale))
    if pattern is None:
        return format_moment
    zone = get_timezone()
    return lambda value: dates.format_datetime(value, pattern, locale=locale,
                                               tzinfo=zone) if value else ""


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
