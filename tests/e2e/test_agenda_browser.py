"""In a real browser: the secretariat builds an agenda, reorders it by keyboard (the
Up and Down buttons, through htmx, focus kept on the button), publishes the notice and
downloads its PDF."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from decisions.accounts.models import Role
from decisions.extensions import db
from tests.e2e.conftest import CHROMIUM, confirm_in_dialog, sign_in

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)")


def _titles(page) -> list[str]:
    return [t.strip() for t in page.locator("#agenda li.agenda-item h3").all_inner_texts()]


@pytest.mark.real_pdf
def test_secretariat_builds_reorders_by_keyboard_publishes_and_downloads_the_notice(
        app, make, live_server, browser_page):
    secretariat = make.user(Role.SECRETARIAT)
    group = make.group("Styret")
    meeting = make.meeting(group)
    meeting_url = f"{live_server}/meetings/{meeting.id}"
    email = secretariat.email
    db.session.remove()  # plain values only from here (see test_browser.py)

    page = browser_page
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.goto(f"{live_server}/login?next=/meetings/{meeting.id}")
    sign_in(page, email, make.PASSWORD)
    page.wait_for_url(meeting_url)
    page.wait_for_function("() => window.htmx !== undefined && window.Sortable !== undefined")
    page.evaluate("window.__samraadNoReload = 'still here'")

    # Two items added through the htmx form, typed and sent with the keyboard.
    for title in ("Budsjett 2027", "Regional transportplan"):
        page.locator("#agenda form.new-item input[name=title]").fill(title)
        with page.expect_response(lambda r: r.request.method == "POST"
                                  and r.url.endswith("/items")):
            page.locator("#agenda form.new-item input[name=title]").press("Enter")
        expect(page.locator("#agenda li.agenda-item h3").filter(has_text=title)).to_have_count(1)
    assert [re.sub(r"^.*\)\s*", "", t) for t in _titles(page)] == [
        "Godkjenning av innkalling og saksliste", "Budsjett 2027",
        "Regional transportplan", "Eventuelt"]

    # Keyboard only: focus the "Up" button of the transport item and press Enter.
    transport = page.locator("#agenda li.agenda-item").filter(has_text="Regional transportplan")
    up = transport.locator("button[value=up]")
    up_id = up.get_attribute("id")
    up.focus()
    with page.expect_response(lambda r: r.url.endswith("/move")) as moved:
        page.keyboard.press("Enter")
    assert moved.value.status == 200
    expect(page.locator("#agenda li.agenda-item").nth(1)).to_contain_text(
        "Regional transportplan")
    # The focus came back to the same control in the new agenda.
    page.wait_for_function(f"() => document.activeElement && document.activeElement.id === "
                           f"'{up_id}'")
    expect(page.locator("#agenda .sr-status")).to_contain_text("Regional transportplan")

    # Publish the notice (a normal form post) and see the numbers.
    page.locator("form[action$='/publish'] button").click()
    confirm_in_dialog(page)
    page.wait_for_url(meeting_url)
    expect(page.locator("#agenda li.agenda-item").nth(1).locator(".item-ref")).to_have_text(
        re.compile(r"Sak 2/\d\d"))

    # Download the notice and read it.
    with page.expect_download() as download_info:
        page.locator("a[href$='/documents/notice.pdf']").click()
    pdf = PdfReader(io.BytesIO(open(download_info.value.path(), "rb").read()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert text.index("Regional transportplan") < text.index("Budsjett 2027")
    assert re.search(r"Sak 2/\d\d", text)
    assert page_errors == []
