"""Static files carry their version in their address, so that browsers keep them until
they change instead of asking again on every page (a board member on a phone loads the
stylesheets once, not on each of the day's pages)."""

import hashlib
import re
from pathlib import Path

from flask import url_for as flask_url_for

from decisions.http import KEPT_VALUE_LENGTH, STATIC_MAX_AGE, _keepable, static_version

STATIC = Path(__file__).resolve().parent.parent / "static"


def _version(relative: str) -> str:
    return hashlib.sha256((STATIC / relative).read_bytes()).hexdigest()[:12]


def test_every_stylesheet_and_script_of_a_page_is_asked_for_with_its_contents_version(client):
    page = client.get("/login").text
    addresses = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert len(addresses) >= 5, addresses
    for address in addresses:
        path, _, query = address.partition("?")
        assert query == f"v={_version(path.removeprefix('/static/'))}", address


def test_a_versioned_file_is_kept_a_year_and_an_unversioned_one_is_asked_for_again(client):
    versioned = client.get(f"/static/css/app.css?v={_version('css/app.css')}")
    plain = client.get("/static/css/app.css")

    assert versioned.status_code == plain.status_code == 200
    assert versioned.data == plain.data == (STATIC / "css/app.css").read_bytes()
    assert f"max-age={STATIC_MAX_AGE}" in versioned.headers["Cache-Control"]
    assert STATIC_MAX_AGE == 365 * 24 * 3600
    assert "max-age" not in plain.headers.get("Cache-Control", "")


def test_no_version_for_a_missing_file_or_a_name_outside_the_folder(app):
    assert static_version(app, "css/app.css") == _version("css/app.css")
    assert static_version(app, "css/no-such-file.css") is None
    assert static_version(app, "../config.py") is None


def test_the_templates_kept_addresses_are_the_ones_flask_builds(app):
    kept_url_for = app.jinja_env.globals["url_for"]
    asked = [("register.index", {"page": 1}), ("register.index", {"page": True}),
             ("register.index", {"page": "2"}), ("proposals.round", {"id": 7}),
             ("proposals.round", {"id": 8}), ("register.index", {"q": "a b", "page": 2}),
             ("register.index", {"page": 2, "q": "a b"}), ("public.index", {}),
             ("register.index", {"page": 2, "_anchor": "x"})]
    for script_root in ("", "/samraad"):
        with app.test_request_context("/", base_url=f"http://localhost{script_root}"):
            for _ in range(2):  # built, then kept
                for endpoint, values in asked:
                    assert kept_url_for(endpoint, **values) == flask_url_for(endpoint,
                                                                             **values)
            assert kept_url_for("register.index", page=True).endswith("page=True")
            assert kept_url_for("public.index").startswith(f"{script_root}/")


def test_every_endpoint_has_one_address_rule_so_no_method_changes_a_kept_address(app):
    rules: dict[str, int] = {}
    for rule in app.url_map.iter_rules():
        rules[rule.endpoint] = rules.get(rule.endpoint, 0) + 1
    assert {endpoint: n for endpoint, n in rules.items() if n > 1} == {}


def test_only_integers_short_strings_and_no_options_are_kept():
    assert _keepable("id", 7) and _keepable("q", "x" * KEPT_VALUE_LENGTH)
    assert not _keepable("q", "x" * (KEPT_VALUE_LENGTH + 1))  # a long typed query
    assert not _keepable("page", True)
    assert not _keepable("_anchor", "top")
    assert not _keepable("ids", [1, 2])
