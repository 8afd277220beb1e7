"""Security headers on every response, the session cookie's flags, and templates that a
strict Content-Security-Policy does not break (no inline script, style or handler)."""

import re
from pathlib import Path

import pytest

from decisions import create_app

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _directives(header: str) -> dict[str, str]:
    return {part.split()[0]: part.partition(" ")[2] for part in
            (p.strip() for p in header.split(";")) if part}


@pytest.mark.parametrize("path", ["/login", "/public/", "/no-such-page", "/static/css/app.css"])
def test_every_response_carries_the_security_headers(app, client, path):
    response = client.get(path)

    csp = _directives(response.headers["Content-Security-Policy"])
    assert csp["default-src"] == "'self'" and csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'" and csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # not over plain http


def test_in_production_hsts_is_sent_and_the_session_cookie_is_host_bound(database_url):
    app = create_app("production", SECRET_KEY="x" * 32, SQLALCHEMY_DATABASE_URI=database_url)
    client = app.test_client()

    response = client.get("/login", base_url="https://samraad.example")

    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    flags = {flag.strip().lower() for flag in cookie.split(";")[1:]}
    assert {"secure", "httponly", "path=/", "samesite=lax"} <= flags
    assert not any(flag.startswith("domain=") for flag in flags)


def test_outside_production_the_cookie_has_httponly_and_samesite(app, client):
    cookie = client.get("/login").headers["Set-Cookie"]
    flags = {flag.strip().lower() for flag in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax"} <= flags


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    (re.compile(r"\shx-on", re.I), "an hx-on handler (evaluated code)"),
]


def test_no_template_served_to_a_browser_needs_unsafe_inline():
    # Emails and PDFs are not pages: they never meet the policy.
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.parts[-2] in ("email", "pdf"):
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(TEMPLATES)}: {what}" for pattern, what in INLINE
                  if pattern.search(text)]
    assert found == []

