"""Acts that cannot be undone are asked about first. Without JavaScript the unconfirmed
POST changes nothing and answers a page that asks, and that page posts the same fields
again, confirmed, with a CSRF token; whoever may not act is refused before being asked."""

import pytest
from bs4 import BeautifulSoup
from flask import current_app, url_for

from tests import world as worlds
from tests.factories import PASSWORD

EN = {"Accept-Language": "en"}
# (endpoint, the World.meetings object its URL points at, who may do it)
ACTS = [
    ("proposals.withdraw", None, "secretariat"),
    ("meetings.cancel", "planned", "secretariat"),
    ("meetings.publish", "planned", "secretariat"),
    ("meetings.held", "meeting", "secretariat"),
    ("meetings.approve", "held", "board"),
    ("meetings.remove_item", "item", "secretariat"),
    ("meetings.remove_line", "entry", "secretariat"),
    ("meetings.remove_attendance", "attendance", "secretariat"),
    ("files.remove", "attachment", "secretariat"),
    ("people.deactivate", None, "secretariat"),
    ("people.reset_code", None, "admin"),
]


def _token(html: str) -> str:
    return BeautifulSoup(html, "html.parser").select_one("meta[name=csrf-token]")["content"]


def _sign_in(client, user) -> None:
    token = _token(client.get("/login").text)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 303


def _url(endpoint: str, target: str | None, world) -> str:
    with current_app.test_request_context():
        return url_for(endpoint, **worlds.url_args(endpoint, world, target))


def test_every_confirmed_act_is_in_this_list_and_in_the_worlds_forms(app):
    confirmed = {endpoint for endpoint, view in app.view_functions.items()
                 if getattr(view, "confirms", None)}
    assert confirmed == {endpoint for endpoint, _, _ in ACTS} == worlds.CONFIRMED


@pytest.mark.parametrize(("endpoint", "target", "role"), ACTS, ids=[a[0] for a in ACTS])
def test_an_unconfirmed_post_changes_nothing_and_asks_on_a_page_that_posts_again(
        app, csrf_client, make, clock, endpoint, target, role):
    world = worlds.build(make, worlds.needs_meetings(endpoint))
    if endpoint == "meetings.held":
        clock.set(world.meetings.meeting.starts_at)  # held only once it has started
    _sign_in(csrf_client, world.users[role])
    url = _url(endpoint, target, world)
    token = _token(csrf_client.get("/", headers=EN).text)
    data = {key: value for key, value in worlds.form_data(endpoint, world).items()
            if key != "confirmed"}
    entries = worlds.audit_entries()

    asked = csrf_client.post(url, data={**data, "csrf_token": token}, headers=EN)

    assert asked.status_code == 200
    assert worlds.audit_entries() == entries, "the unconfirmed post changed something"
    html = BeautifulSoup(asked.text, "html.parser")
    assert html.h1.get_text(strip=True) == "Are you sure?"
    form = html.select_one("main form[method=post]")
    assert form["action"] == url
    assert "cannot" in form.get_text() or "never" in form.get_text()
    fields = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
    assert fields["confirmed"] == "1" and fields["csrf_token"]
    assert {k: str(v) for k, v in data.items()} == {
        k: v for k, v in fields.items() if k not in ("confirmed", "csrf_token")}

    done = csrf_client.post(url, data=fields, headers=EN)

    assert done.status_code in (200, 303), done.text[:500]
    assert worlds.audit_entries() > entries, "the confirmed post did nothing"


@pytest.mark.parametrize(("endpoint", "target", "role"), ACTS, ids=[a[0] for a in ACTS])
def test_who_may_not_act_is_refused_before_being_asked(app, client, make, endpoint, target,
                                                        role):
    world = worlds.build(make, worlds.needs_meetings(endpoint))
    make.login(client, world.users["other_representative"])
    response = client.post(_url(endpoint, target, world), headers=EN)
    assert response.status_code in (403, 404)
    assert 'name="confirmed"' not in response.text


def test_the_button_of_an_act_carries_its_question_for_the_dialog(app, client, make):
    world = worlds.build(make, with_meetings=True)
    make.login(client, world.users["secretariat"])
    page = BeautifulSoup(client.get(
        f"/meetings/{world.meetings.planned.id}", headers=EN).text, "html.parser")
    cancel = page.select_one(f"form[action='/meetings/{world.meetings.planned.id}/cancel']")
    assert "cannot be opened again" in cancel["data-confirm"]
    assert cancel["data-confirm-button"] == "Cancel meeting"
    dialog = page.select_one("dialog#confirm-dialog")
    assert dialog["aria-labelledby"] == "confirm-dialog-h"
