"""In a real browser: while the notice is being published the button says so (and is
busy for assistive technology), and a second click sends nothing more."""

import threading

import pytest
from playwright.sync_api import expect

from decisions.accounts.models import Role
from decisions.extensions import db
from decisions.meetings import pdf
from tests.e2e.conftest import CHROMIUM, sign_in

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)")


def test_the_publish_button_shows_progress_and_a_second_click_sends_nothing(
        app, make, live_server, browser_page, monkeypatch):
    secretariat = make.user(Role.SECRETARIAT)
    meeting = make.meeting(make.group("Styret"))
    make.item(secretariat, meeting, "Budsjett 2027")
    meeting_url = f"{live_server}/meetings/{meeting.id}"
    email = secretariat.email
    db.session.remove()
    release = threading.Event()

    def slow_render(snapshot):  # WeasyPrint, held until the test has looked
        release.wait(timeout=20)
        return make.pdf_bytes(1), make.pdf_bytes(2)

    monkeypatch.setattr(pdf, "render_notice", slow_render)
    page = browser_page
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST"
            and r.url.endswith("/publish") else None)
    page.goto(f"{live_server}/login?next=/meetings/{meeting.id}")
    sign_in(page, email, make.PASSWORD)
    page.wait_for_url(meeting_url)

    # While the publish is under way, Playwright's locators and evaluate wait for the
    # navigation; so a listener (after the app's own) notes what the page shows then,
    # and clicks again 100 ms later, as an impatient user would.
    page.evaluate("""() => document.addEventListener("submit", (evt) => {
        const form = evt.target, button = form.querySelector("button");
        if (!form.matches("form[action$='/publish']")) return;  // the confirm dialog's own
        sessionStorage.setItem("busy", JSON.stringify([form.getAttribute("aria-busy"),
            button.textContent, button.getAttribute("aria-disabled"),
            document.getElementById("sr-announcer").textContent]));
        setTimeout(() => { button.click(); sessionStorage.setItem("again", "1"); }, 100);
    })""")
    page.locator("form[action$='/publish'] button").click()
    page.locator("#confirm-dialog-yes").click(no_wait_after=True)  # publish: asked first
    page.wait_for_timeout(1500)
    release.set()
    page.wait_for_url(meeting_url)  # the 303 back, then the page again
    expect(page.locator("form[action$='/publish'] button")).to_have_text(
        "Publiser revidert møteinnkalling")

    busy = "Publiserer … dette kan ta et halvt minutt"
    assert page.evaluate("() => JSON.parse(sessionStorage.getItem('busy'))") == [
        "true", busy, "true", busy]
    assert page.evaluate("() => sessionStorage.getItem('again')") == "1"
    assert len(posts) == 1
