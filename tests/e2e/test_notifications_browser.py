"""In a real browser: the unread count in the menu, and "Mark all as read" through htmx
updating the list and the count without a reload (with the CSRF token htmx sends)."""

import pytest
from playwright.sync_api import expect

from decisions.accounts.models import Role
from decisions.extensions import db
from tests.e2e.conftest import CHROMIUM, sign_in

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)")


def test_mark_all_read_updates_the_list_and_the_unread_count_without_a_reload(
        app, make, live_server, browser_page):
    secretariat = make.user(Role.SECRETARIAT)
    member = make.member("Asker")
    rep = make.representative(member)
    make.round_(secretariat, [member], make.proposal(secretariat, title="Første sak"))
    make.round_(secretariat, [member], make.proposal(secretariat, title="Andre sak"))
    email = rep.email
    db.session.remove()  # plain values only from here (see test_browser.py)

    page = browser_page
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.goto(f"{live_server}/login?next=/notifications/")
    sign_in(page, email, make.PASSWORD)

    count = page.locator("#unread-count")
    expect(count).to_contain_text("2 uleste")
    expect(page.locator("li.notification.unread")).to_have_count(2)
    page.evaluate("window.marker = 'same page'")  # gone if the page reloads

    page.get_by_role("button", name="Merk alle som lest").click()

    expect(page.locator("li.notification.unread")).to_have_count(0)
    expect(page.locator("li.notification")).to_have_count(2)
    expect(page.locator("#unread-count")).not_to_contain_text("ulest")
    expect(page.get_by_role("status").filter(has_text="Alle varsler er lest.")).to_have_count(1)
    assert page.evaluate("window.marker") == "same page"
    assert page_errors == []
