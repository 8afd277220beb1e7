"""In a real browser: what the interface does beyond the story tests. Acts that cannot
be undone are asked about in a dialog first."""

import re

import pytest
from playwright.sync_api import expect

from decisions.accounts.models import Role
from decisions.extensions import db
from tests.e2e.conftest import CHROMIUM, has_focus, sign_in, tab_to

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)")


def _signed_in_at(page, live_server, email: str, password: str, path: str) -> None:
    page.goto(f"{live_server}/login?next={path}")
    sign_in(page, email, password)
    page.wait_for_url(f"{live_server}{path}")
    page.wait_for_function("() => window.htmx !== undefined")


def _posts(page) -> list[str]:
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    return posts


# --- Asking before an act that cannot be undone --------------------------------------

def test_cancelling_a_meeting_is_asked_in_a_dialog_by_keyboard_escape_or_no_changes_nothing(
        app, make, live_server, browser_page):
    secretariat = make.user(Role.SECRETARIAT)
    meeting = make.meeting(make.group("Styret"))
    path, email = f"/meetings/{meeting.id}", secretariat.email
    db.session.remove()
    page = browser_page
    _signed_in_at(page, live_server, email, make.PASSWORD, path)
    posts = _posts(page)

    cancel = page.locator("main").get_by_role("button", name="Avlys møtet")
    dialog = page.locator("dialog#confirm-dialog")
    tab_to(page, cancel)
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Et avlyst møte kan ikke åpnes igjen.")
    expect(dialog.get_by_role("heading")).to_have_text("Er du sikker?")
    # The focus is on the harmless choice; Tab stays inside the modal dialog.
    expect(dialog.get_by_role("button", name="Nei, gå tilbake")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Avlys møtet")).to_be_focused()

    page.keyboard.press("Escape")  # closes, and the focus is back on the button
    expect(dialog).to_be_hidden()
    assert has_focus(cancel)
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Enter")  # "No, go back"
    expect(dialog).to_be_hidden()
    assert has_focus(cancel)
    assert posts == [], "asking sent something"

    page.keyboard.press("Enter")
    page.keyboard.press("Shift+Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # yes
    expect(page.get_by_text("Møtet er avlyst.")).to_be_visible()
    assert len(posts) == 1


def test_removing_an_agenda_item_through_htmx_is_asked_first_and_no_keeps_it(
        app, make, live_server, browser_page):
    secretariat = make.user(Role.SECRETARIAT)
    meeting = make.meeting(make.group("Styret"))
    make.item(secretariat, meeting, title="Budsjett 2027")
    db.session.commit()
    path, email = f"/meetings/{meeting.id}", secretariat.email
    db.session.remove()
    page = browser_page
    _signed_in_at(page, live_server, email, make.PASSWORD, path)
    page.evaluate("window.__samraadNoReload = 'still here'")
    posts = _posts(page)

    item = page.locator("#agenda li.agenda-item").filter(has_text="Budsjett 2027")
    remove = item.get_by_role("button", name=re.compile("^Fjern"))
    dialog = page.locator("dialog#confirm-dialog")
    remove.click()
    expect(dialog).to_contain_text("Saken fjernes fra sakslisten. Dette kan ikke angres.")
    dialog.get_by_role("button", name="Nei, gå tilbake").click()
    expect(dialog).to_be_hidden()
    assert has_focus(remove)
    assert posts == []

    remove.click()
    with page.expect_response(lambda r: r.url.endswith("/remove")) as answer:
        dialog.get_by_role("button", name="Fjern saken").click()
    assert answer.value.status == 200
    assert "confirmed=1" in (answer.value.request.post_data or "")
    expect(page.locator("#agenda li.agenda-item").filter(has_text="Budsjett 2027")
           ).to_have_count(0)
    assert page.evaluate("window.__samraadNoReload") == "still here"
