"""The translation catalogs: nb complete and consistent, up to date with the sources,
and the app speaking bokmål by default and English when the browser asks for it."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import refresh

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "decisions" / "translations"
LANGUAGES = ("nb", "en")

# Same options as `make extract-messages` (the Makefile); keep the two in step.
EXTRACT_ARGS = ["-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
                "--ignore-dirs", ".* __pycache__ node_modules"]

PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def _po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _key(message) -> tuple[str | None, str]:
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    return (message.context, msgid)


def _label(message) -> str:
    where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
    context = f"[{message.context}] " if message.context else ""
    return f"{context}{message.id!r} ({where})"


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


@pytest.fixture(scope="module")
def nb_catalog():
    return _read(_po_path("nb"))


def test_catalog_headers_are_valid():
    for lang in LANGUAGES:
        catalog = _read(_po_path(lang))
        assert str(catalog.locale) == lang
        assert catalog.charset.lower() == "utf-8"
        assert catalog.num_plurals == 2
        assert catalog.plural_expr.replace(" ", "") == "(n!=1)"


def test_nb_catalog_is_complete_and_not_fuzzy(nb_catalog):
    untranslated = [_label(m) for m in nb_catalog
                    if m.id and not all(s.strip() for s in _strings(m))]
    fuzzy = [_label(m) for m in nb_catalog if m.id and m.fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated nb entries: {untranslated}"
    assert not fuzzy, f"fuzzy nb entries: {fuzzy}"
    assert not nb_catalog.fuzzy, "the nb catalog header is marked fuzzy"


def test_nb_catalog_keeps_placeholders(nb_catalog):
    wrong = []
    for m in nb_catalog:
        if not m.id:
            continue
        expected = {name for msgid in _ids(m) for name in PLACEHOLDER.findall(msgid)}
        for string in _strings(m):
            found = set(PLACEHOLDER.findall(string))
            if found != expected:
                wrong.append(f"{_label(m)}: {sorted(expected)} != {sorted(found)} in {string!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_nb_strings_survive_formatting(nb_catalog):
    """Templates always %-format (Jinja's newstyle gettext), so a lone % in a template
    string breaks the page; Python strings with placeholders are formatted too."""
    broken = []
    for m in nb_catalog:
        if not m.id:
            continue
        from_template = any(f.endswith(".html") for f, _ in m.locations)
        names = {name for msgid in _ids(m) for name in PLACEHOLDER.findall(msgid)}
        if not (from_template or names or m.python_format):
            continue
        for string in _strings(m):
            try:
                string % dict.fromkeys(names, 1)
            except (ValueError, TypeError, KeyError) as error:
                broken.append(f"{_label(m)}: {string!r} ({error})")
    assert not broken, "msgstr cannot be formatted:\n" + "\n".join(broken)


def test_catalogs_are_up_to_date_with_the_sources(tmp_path):
    """Extracting from the sources now finds no msgid the catalogs lack
    (run `make extract-messages` and translate the new strings when this fails)."""
    pot = tmp_path / "messages.pot"
    result = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", *EXTRACT_ARGS,
         "-o", str(pot), "."],
        cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    extracted = {_key(m): m for m in _read(pot) if m.id}
    assert extracted, "the extraction found no messages at all"
    # Strings in templates/_macros are found too (babel skips "_" folders by default).
    assert any(f.startswith("templates/_macros/")
               for m in extracted.values() for f, _ in m.locations)
    for lang in LANGUAGES:
        known = {_key(m) for m in _read(_po_path(lang)) if m.id}
        missing = sorted(_label(extracted[k]) for k in extracted.keys() - known)
        assert not missing, (f"{len(missing)} msgids missing from the {lang} catalog "
                             f"(run `make extract-messages`): {missing}")


def _send(client, url, method="GET", **kwargs):
    """One request. The `app` fixture keeps an app context open across requests, and
    Flask-Babel caches the chosen locale on `g`: forget it, as a new request would."""
    refresh()
    return client.open(url, method=method, **kwargs)


@pytest.fixture(scope="module")
def compiled_catalogs():
    """The .mo files the app reads, compiled like `make translations` when missing or stale."""
    for lang in LANGUAGES:
        po, mo = _po_path(lang), _po_path(lang).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalog = _read(po)
        tmp = mo.with_name(f".{mo.name}.{os.getpid()}")
        with tmp.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=True)
        os.replace(tmp, mo)


@pytest.mark.parametrize("accept", [None, "nb-NO,nb;q=0.9,en;q=0.5", "no", "nn", "sv-SE"])
def test_login_page_is_in_norwegian_by_default(client, compiled_catalogs, accept):
    headers = {"Accept-Language": accept} if accept else {}
    html = _send(client, "/login", headers=headers).get_data(as_text=True)
    assert '<html lang="nb">' in html
    assert "Logg inn" in html
    assert "E-post" in html and "Passord" in html
    assert "Log in" not in html


@pytest.mark.parametrize("accept", ["en", "en-GB,en;q=0.9", "en-US,en;q=0.9,nb;q=0.8"])
def test_login_page_is_in_english_when_asked(client, compiled_catalogs, accept):
    html = _send(client, "/login", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Log in to Samråd" in html
    assert "Email" in html and "Password" in html
    assert "Logg inn" not in html


def test_messages_from_python_are_translated_too(client, compiled_catalogs):
    """A flashed or returned message made in a view speaks the request's language."""
    form = {"email": "nobody@example.org", "password": "not the password"}
    nb = _send(client, "/login", "POST", data=form)
    assert nb.status_code == 401
    assert "Feil e-postadresse eller passord." in nb.get_data(as_text=True)
    en = _send(client, "/login", "POST", data=form, headers={"Accept-Language": "en"})
    assert "Wrong email or password." in en.get_data(as_text=True)


def test_chosen_language_overrides_the_browser(client, compiled_catalogs):
    _send(client, "/language", "POST", data={"lang": "en", "next": "/login"})
    html = _send(client, "/login", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "Log in to Samråd" in html
