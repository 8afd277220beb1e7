"""In a real browser: a representative registers an objection through the htmx form
and sees the position panel, the consensus board and the history change without a
page reload."""

import re

import pytest
from playwright.sync_api import expect

from decisions.accounts.models import Role
from decisions.extensions import db
from tests.e2e.conftest import CHROMIUM, sign_in

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)")

REASON = "Kostnadsfordelingen mellom kommunene er ikke avklart."


def test_representative_objects_in_place_and_the_board_changes(app, make, live_server,
                                                               browser_page):
    secretariat = make.user(Role.SECRETARIAT)
    asker = make.member("Asker", "Vestregionen")
    lillestrom = make.member("Lillestrøm", "Nedre Romerike")
    rep = make.representative(asker, name="Rita Representant")
    round_ = make.round_(secretariat, [asker, lillestrom])
    round_url = f"{live_server}/rounds/{round_.id}"
    email, member_name = rep.email, asker.name
    # Plain values only from here: touching an expired ORM object would open a
    # transaction (BEGIN IMMEDIATE on SQLite) in this thread and block the server.
    db.session.remove()

    page = browser_page
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    # Log in through the form; `next` brings the representative back to the round.
    page.goto(round_url)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    sign_in(page, email, make.PASSWORD)
    page.wait_for_url(round_url)

    panel, board = page.locator("#position-panel"), page.locator("#board")
    objections = board.locator(".tally li").filter(has=page.locator(".tag.pos-object"))
    unanswered = board.locator(".tally li").filter(has=page.locator(".tag.pos-none"))
    # CSRF is enforced by the server: the same POST without a token is refused.
    action = panel.locator("form[hx-post$='/position']").get_attribute("action")
    refused = page.request.post(f"{live_server}{action}", headers={"HX-Request": "true"},
                                form={"kind": "object", "comment": REASON})
    assert refused.status == 400, f"a POST without a CSRF token was answered {refused.status}"
    page.reload()  # nothing was registered by the refused POST
    expect(objections.locator("strong")).to_have_text("0")
    expect(unanswered.locator("strong")).to_have_text("2")
    expect(board.locator(".objections")).to_have_count(0)
    history = page.locator("#history")
    expect(history).to_contain_text("Ingen standpunkter ennå.")
    page.wait_for_function("() => window.htmx !== undefined")
    csrf_token = page.get_attribute("meta[name=csrf-token]", "content")
    assert csrf_token

    # A marker on window survives only if the page is not reloaded.
    page.evaluate("window.__samraadNoReload = 'still here'")
    panel.locator("input[type=radio][value=object]").check()
    panel.locator("textarea[name=comment]").fill(REASON)
    with page.expect_response(
            lambda r: r.request.method == "POST" and r.url.endswith("/position")) as answer:
        panel.locator("form[hx-post$='/position'] button").click()
    response = answer.value
    headers = response.request.all_headers()
    assert headers.get("hx-request") == "true", "the form was posted without htmx"
    assert headers.get("x-csrftoken") == csrf_token, "no CSRF header (hx-headers on <body>)"
    assert response.status == 200, f"the htmx POST was answered {response.status}"

    # The panel was swapped in place and shows the objection with its reason.
    expect(panel.locator(".alert-success")).to_be_visible()
    expect(panel.locator(".tag.pos-object").first).to_have_text(re.compile("Innsigelse|Object"))
    expect(panel.locator("blockquote")).to_have_text(REASON)
    # The board was swapped out of band: the objection, its reason, the counts.
    objection = board.locator(".objections li.objection")
    expect(objection).to_have_count(1)
    expect(objection).to_contain_text(member_name)
    expect(objection.locator("blockquote")).to_have_text(REASON)
    expect(objections.locator("strong")).to_have_text("1")
    expect(unanswered.locator("strong")).to_have_text("1")
    row = board.locator(".member-row").filter(has_text=member_name)
    expect(row.locator(".tag.pos-object")).to_be_visible()
    expect(page.locator("#board")).to_have_count(1)
    expect(page.locator("#position-panel")).to_have_count(1)
    # The history was swapped out of band too: the new line, no "no positions yet".
    expect(history.locator("tbody tr")).to_have_count(1)
    expect(history.locator("tbody tr")).to_contain_text(member_name)
    expect(history.locator("tbody tr .tag.pos-object")).to_be_visible()
    expect(history).not_to_contain_text("Ingen standpunkter ennå.")
    expect(page.locator("#history")).to_have_count(1)

    assert page.evaluate("window.__samraadNoReload") == "still here", "the page was reloaded"
    assert page.url == round_url
    assert page_errors == []


def test_a_refused_htmx_post_shows_its_message_and_keeps_what_was_typed(app, make, live_server,
                                                                        browser_page):
    secretariat = make.user(Role.SECRETARIAT)
    asker = make.member("Asker", "Vestregionen")
    rep = make.representative(asker)
    round_ = make.round_(secretariat, [asker])
    round_url = f"{live_server}/rounds/{round_.id}"
    email, position_path = rep.email, f"/rounds/{round_.id}/members/{asker.id}/position"
    db.session.remove()

    page = browser_page
    page.goto(f"{live_server}/login?next=/rounds/{round_.id}")
    sign_in(page, email, make.PASSWORD)
    page.wait_for_url(round_url)
    page.wait_for_function("() => window.htmx !== undefined")

    # The token goes stale (as after a server restart with a new key, or a copied page).
    page.evaluate("""() => {
        document.body.setAttribute('hx-headers', '{"X-CSRFToken": "stale"}');
        document.querySelectorAll('input[name=csrf_token]').forEach(i => i.value = 'stale');
    }""")
    page.expected_failures.append(position_path)
    panel = page.locator("#position-panel")
    panel.locator("input[type=radio][value=object]").check()
    panel.locator("textarea[name=comment]").fill(REASON)
    panel.locator("form[hx-post$='/position'] button").click()

    expect(page.locator("#htmx-messages .error-page")).to_be_visible()
    expect(panel.locator("textarea[name=comment]")).to_have_value(REASON)
