"""Language: which one the interface speaks to this user, how a moment is written in it,
and the marking of content in another language.

User and document content (titles, texts, decisions, names) is written in bokmål: in
an interface in another language it is marked lang="nb", so that a screen reader reads it
as Norwegian (WCAG 3.1.2, language of parts).

A template asks for its language many times (every `_()`, every `|nb` and `|when`):
Flask-Babel looks the request's locale and translations up again on each call. So the
language is resolved once per render (`speech()`, put in the template's context by the
factory's context processor as `_speech`) and the template helpers here take the Jinja
context and use it. Macros of an imported template have no render context: they resolve
the language when called, as Flask-Babel would. Either way the language is the one in
force at the time (`force_locale` included)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from functools import lru_cache

from babel import Locale
from babel import dates as babel_dates
from babel.support import NullTranslations
from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale, get_timezone, get_translations
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from decisions.extensions import babel

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


@dataclass(frozen=True, slots=True)
class Speech:
    """The language of a render: its translations, its locale and whether content is
    marked as bokmål in it."""

    translations: NullTranslations
    locale: Locale | None
    language: str  # str(locale): "nb", "en"; "None" outside a request
    foreign: bool  # the interface is not in the content language
    timezone: tzinfo | None


def speech() -> Speech:
    """The language in force now: the locale through Flask-Babel, the rest kept on `g`
    for as long as that locale is the one in force (a `force_locale` or a `refresh`
    puts another Locale object in its place)."""
    locale = get_locale()
    if locale is None:  # no application context
        return Speech(NullTranslations(), None, "None", False, None)
    known = g.get("_speech")
    if known is None or known.locale is not locale:
        known = g._speech = Speech(get_translations(), locale, str(locale),
                                   locale.language != CONTENT_LANGUAGE, get_timezone())
    return known


def _speech_of(context: Context) -> Speech:
    # `_speech` is in every context render_template makes; a macro imported without
    # context, or a template rendered by hand, resolves it now.
    found = context.get("_speech")
    return found if found is not None else speech()


@lru_cache(maxsize=8192)
def _formatted(value, pattern: str, language: str, zone: tzinfo | None) -> str:
    return babel_dates.format_datetime(value, pattern, locale=language, tzinfo=zone)


def _moment(value, fmt: str | None, spoken: Speech) -> str:
    if not value:
        return ""
    pattern = fmt or MOMENT_PATTERNS.get(spoken.language, "medium")
    # A page shows the same moments again and again (deadlines, registrations): each
    # is formatted once per language, pattern and zone, in a bounded cache.
    if pattern in ("short", "medium", "long", "full"):  # as Flask-Babel's configuration names it
        pattern = babel.date_formats.get("datetime." + pattern) or pattern
    return _formatted(value, pattern, spoken.language, spoken.timezone)


def format_moment(value, fmt: str | None = None) -> str:
    """A moment in Oslo time, unambiguous in either language: "5. des. 2026 kl. 12:00"."""
    return _moment(value, fmt, speech())


def moments() -> Callable[[object], str]:
    """`format_moment` for the many moments of one page (the audit list's fifty): the
    language, its pattern and the time zone looked up once, not once a moment."""
    spoken = speech()
    return lambda value: _moment(value, None, spoken)


@pass_context
def when(context: Context, value, fmt: str | None = None) -> str:
    """`{{ moment|when }}`: format_moment with the render's language."""
    return _moment(value, fmt, _speech_of(context))


def _content(value, foreign: bool):
    if value in (None, "") or not foreign:
        return value
    return Markup('<span lang="{}">{}</span>').format(CONTENT_LANGUAGE, value)


def _content_block(html: Markup, foreign: bool) -> Markup:
    if not html or not foreign:
        return html
    return Markup('<div lang="{}">{}</div>').format(CONTENT_LANGUAGE, html)


@pass_context
def nb(context: Context, value):
    """`{{ x.title|nb }}`: a piece of content inside an element of the interface."""
    return _content(value, _speech_of(context).foreign)


def nb_block(html: Markup) -> Markup:
    """A block of rendered content (Markdown)."""
    return _content_block(html, speech().foreign)


@pass_context
def nb_html(context: Context, html: str | None) -> Markup:
    """`{{ x.text_html|nb_html }}`: Markdown rendered and sanitized when it was saved."""
    # Sanitized with nh3 by decisions.markdown when the text was saved.
    return _content_block(Markup(html or ""), _speech_of(context).foreign)  # noqa: S704


# The template's gettext functions, as Jinja's i18n extension makes them ("newstyle":
# the result is Markup under autoescape and always %-formatted with the keywords), with
# the render's translations.

def _formatted_message(context: Context, message: str, variables: dict) -> str:
    if context.eval_ctx.autoescape:
        # The catalog's own text (as Jinja's i18n extension trusts it); the variables
        # are escaped by the % of Markup.
        message = Markup(message)  # noqa: S704
    return message % variables


@pass_context
def gettext(context: Context, string: str, **variables) -> str:
    return _formatted_message(
        context, _speech_of(context).translations.ugettext(string), variables)


@pass_context
def ngettext(context: Context, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return _formatted_message(
        context, _speech_of(context).translations.ungettext(singular, plural, num), variables)


@pass_context
def pgettext(context: Context, string_context: str, string: str, **variables) -> str:
    variables.setdefault("context", string_context)
    return _formatted_message(
        context, _speech_of(context).translations.upgettext(string_context, string), variables)


@pass_context
def npgettext(context: Context, string_context: str, singular: str, plural: str, num: int,
              **variables) -> str:
    variables.setdefault("context", string_context)
    variables.setdefault("num", num)
    return _formatted_message(context, _speech_of(context).translations.unpgettext(
        string_context, singular, plural, num), variables)


TEMPLATE_GETTEXT = {"_": gettext, "gettext": gettext, "ngettext": ngettext,
                    "pgettext": pgettext, "npgettext": npgettext}


class Labels(dict):
    """The label of each value, made by `label` the first time it is asked for: a page
    of fifty entries of a few acts translates each act once, a history of a hundred
    changes renders each position's tag once (`Labels(position_tag)` in a template)."""

    def __init__(self, label: Callable[[str], str]):
        super().__init__()
        self.label = label

    def __missing__(self, value: str) -> str:
        self[value] = text = self.label(value)
        return text

    def __call__(self, value: str) -> str:
        return self[value]
