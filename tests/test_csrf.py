"""Every state-changing route refuses a request without a valid CSRF token, htmx
requests included, and accepts the token htmx sends in its X-CSRFToken header."""

import json
import re

import pytest
from flask import current_app, url_for

from tests import world as worlds
from tests.factories import PASSWORD

pytestmark = pytest.mark.heavy  # long in all: run first (tests/conftest.py)

HTMX = {"HX-Request": "true"}


def _post_endpoints() -> list[str]:
    from decisions import create_app

    app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://")
    return sorted({rule.endpoint for rule in app.url_map.iter_rules()
                   if "POST" in rule.methods})


POST_ENDPOINTS = _post_endpoints()


def test_the_state_changing_routes_are_the_post_routes(app):
    # Only POST changes state (test_permissions.py checks that no GET writes), so no
    # PUT, PATCH or DELETE route may slip past the tests below.
    for rule in app.url_map.iter_rules():
        assert rule.methods <= {"GET", "HEAD", "OPTIONS", "POST"}, rule


def _body_token(html: str) -> str:
    """The token the base template gives htmx: <body hx-headers='{"X-CSRFToken": ...}'>."""
    match = re.search(r"<body[^>]*\shx-headers='([^']*)'", html)
    assert match, "the page has no hx-headers on <body>"
    return json.loads(match.group(1))["X-CSRFToken"]


def _form_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "the page has no csrf_token field"
    return match.group(1)


# Who may post a route that the secretariat may not: the chair approves minutes.
POSTER = {"meetings.approve": "board", "notifications.follow": "representative",
          "proposals.reply": "other_representative", "people.reset_code": "admin"}
# A post whose form cannot succeed from here (the code only the user's phone knows):
# the token passed when the answer is the field's error (422), not the refusal (400).
WRONG_BY_DESIGN = {"accounts.code"}


def _token_taken(endpoint: str, response) -> bool:
    if endpoint in WRONG_BY_DESIGN:
        return response.status_code == 422
    return response.status_code < 400


def _sign_in(client, user) -> None:
    token = _form_token(client.get("/login").text)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 303, response.text[:300]


def _signed_in(app, user):
    """A browser of its own, signed in as `user` (CSRF on)."""
    client = app.test_client()
    _sign_in(client, user)
    return client


def _url(endpoint: str, world) -> str:
    with current_app.test_request_context():
        return url_for(endpoint, **worlds.url_args(endpoint, world))


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_post_route_refuses_a_missing_or_wrong_token_and_accepts_the_htmx_header_and_form_token(
        app, make, endpoint):
    """One endpoint, three checks: every post without a valid token is refused (htmx or
    not) and changes nothing; the token htmx sends in its X-CSRFToken header is taken;
    so is the hidden csrf_token field of the no-JavaScript path (on a world of its own:
    the header's post has changed the first)."""
    app.config["WTF_CSRF_ENABLED"] = True
    world = worlds.build(make, worlds.needs_meetings(endpoint))
    _refuses_posts_without_a_valid_token(app, endpoint, world)

    poster = _signed_in(app, world.users[POSTER.get(endpoint, "secretariat")])
    token = _body_token(poster.get("/").text)
    response = poster.post(_url(endpoint, world), data=worlds.form_data(endpoint, world),
                           headers={**HTMX, "X-CSRFToken": token})
    # The poster may post the route with this form, so anything but success means the
    # header was not taken for the token.
    assert _token_taken(endpoint, response), (
        f"the token in htmx's X-CSRFToken header was not taken: {response.status_code}",
        response.text[:300])

    world = worlds.fresh(make, worlds.needs_meetings(endpoint))
    poster = _signed_in(app, world.users[POSTER.get(endpoint, "secretariat")])
    token = _form_token(poster.get("/").text)
    response = poster.post(_url(endpoint, world),
                           data={**worlds.form_data(endpoint, world), "csrf_token": token})
    assert _token_taken(endpoint, response), (
        f"the token of the page's csrf_token field was not taken: {response.status_code}",
        response.text[:300])


def _refuses_posts_without_a_valid_token(app, endpoint: str, world) -> None:
    client = _signed_in(app, world.users["secretariat"])  # allowed to post everything
    elsewhere = app.test_client()  # another browser: its token belongs to its session
    foreign = _form_token(elsewhere.get("/login").text)
    url = _url(endpoint, world)
    attempts = {
        "no token": ({}, {}),
        "no token, htmx": ({}, HTMX),
        "a made-up token, htmx": ({}, {**HTMX, "X-CSRFToken": "made-up"}),
        "a made-up token in the form": ({"csrf_token": "made-up"}, {}),
        "another session's token, htmx": ({}, {**HTMX, "X-CSRFToken": foreign}),
        "another session's token in the form": ({"csrf_token": foreign}, {}),
    }
    entries, wrong = worlds.audit_entries(), []
    for name, (extra, headers) in attempts.items():
        # A fresh form each time: the client closes the files of a form it sent.
        data = {**worlds.form_data(endpoint, world), **extra}
        response = client.post(url, data=data, headers=headers)
        if response.status_code != 400:
            wrong.append(f"{name}: {response.status_code}")
    assert not wrong, f"{endpoint} accepted a post without a valid token: {wrong}"
    assert worlds.audit_entries() == entries, "a refused post changed something"


def test_the_htmx_refusal_is_a_fragment_that_says_what_to_do(app, csrf_client, make):
    world = worlds.build(make)
    _sign_in(csrf_client, world.users["representative"])
    response = csrf_client.post(_url("proposals.position", world), data={"kind": "support"},
                                headers=HTMX)
    assert response.status_code == 400
    assert "<html" not in response.text and 'role="alert"' in response.text


def test_a_logout_without_a_token_leaves_the_session_alive(app, csrf_client, make):
    world = worlds.build(make)
    _sign_in(csrf_client, world.users["board"])
    assert csrf_client.post("/logout").status_code == 400
    assert csrf_client.get("/").status_code == 200
