"""Browser tests: the real app served over HTTP on loopback, driven by Debian's chromium.

They run on SQLite only (the browser tests the front end; both databases are
covered by the rest of the suite), so `database_url` is overridden here.
"""

import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from playwright.sync_api import expect
from werkzeug.serving import make_server

from decisions import create_app
from decisions.extensions import db
from tests.conftest import sqlite_folder

CHROMIUM = Path("/usr/bin/chromium")
# The pages in these tests ask for reduced motion. A test clicks the moment a control is
# visible; Designsystemet opens a <details> with a 0.4 s height transition, and a click
# sent while the section was still growing under it was lost (no request, a 10 s
# timeout: 3 clicks of 40 on a loaded machine, 0 of 40 with reduced motion). Users who
# click what they see do not meet this; the axe walks keep the default motion.
REDUCED_MOTION = "reduce"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A migrated, empty SQLite file for the browser tests (not parametrized)."""
    url = f"sqlite:///{sqlite_folder(tmp_path_factory, 'e2e') / 'browser.sqlite'}"
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def live_server(app):
    """The `app` fixture's app (same database, same FakeClock) served on a free
    127.0.0.1 port by werkzeug in a background thread, with CSRF enabled as in
    production. Yields the base URL."""
    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def browser_page():
    """A fresh headless chromium page (Debian's binary; Playwright never downloads one).
    The browser asks for bokmål, the app's default language."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update",
                  "--no-first-run"])
        context = browser.new_context(locale="nb-NO", timezone_id="Europe/Oslo",
                                      reduced_motion=REDUCED_MOTION)
        context.set_default_timeout(10_000)
        page = context.new_page()
        refused = watch_console(page)
        try:
            yield page
        finally:
            context.close()
            browser.close()
        assert refused == [], f"the browser console reported errors: {refused}"


def watch_console(page) -> list[str]:
    """Collects every error the browser reports on the page's console (a script error,
    a resource that failed to load, what the Content-Security-Policy refused, which
    Chromium reports as an error or, report-only, as a warning): the console stays
    empty on every page and swap. A test that provokes an error answer on purpose
    (an htmx POST refused with a 4xx) lists the path in `page.expected_failures`."""
    found: list[str] = []
    page.expected_failures = []

    def seen(message) -> None:
        policy = any(name in message.text
                     for name in ("Content Security Policy", "Content-Security-Policy"))
        if message.type == "error" or (message.type == "warning" and policy):
            url = (message.location or {}).get("url", "")
            # Chromium's "Failed to load resource" names the path in its location,
            # htmx's "Response Status Error Code 422 from /path" in its text; the
            # board's poll carries a query (?v=), which does not change the path.
            path_of = url.split("?", 1)[0]
            if any(path_of.endswith(path) or f" from {path}" in message.text
                   for path in page.expected_failures):
                return
            found.append(f"{message.type}: {message.text} ({url})")

    page.on("console", seen)
    page.on("pageerror", lambda error: found.append(f"pageerror: {error}"))
    return found


def sign_in(page, email: str, password: str) -> None:
    """Fill in and send the login form the page shows."""
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")


# --- Several users at once, and the keyboard ----------------------------------------

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update",
               "--no-first-run"]


@pytest.fixture
def chromium_browser():
    """One headless chromium (Debian's binary) for tests that need several browser
    contexts at once, one per user; open them with `new_page`."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium_browser):
    """Opens a page in a new browser context (its own cookies: its own login), in
    bokmål and Oslo time, and collects the page's JavaScript errors in
    `page.errors`. Every context is closed after the test."""
    contexts, pages = [], []

    def open_page():
        context = chromium_browser.new_context(locale="nb-NO", timezone_id="Europe/Oslo",
                                               accept_downloads=True,
                                               reduced_motion=REDUCED_MOTION)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.refused = watch_console(page)
        pages.append(page)
        return page

    yield open_page
    for context in contexts:
        context.close()
    found = [text for page in pages for text in page.refused]
    assert found == [], f"the browser console reported errors: {found}"


def confirm_in_dialog(page) -> None:
    """Says yes in the dialog that asks before an act that cannot be undone."""
    dialog = page.locator("dialog#confirm-dialog[open]")
    dialog.wait_for()
    dialog.locator("button[value=confirm]").click()


def yes_in_dialog_by_keyboard(page) -> None:
    """In the dialog that asks before an act that cannot be undone, which opens with the
    focus on "No, go back": Shift+Tab to the yes button before it, and Enter."""
    expect(page.locator("dialog#confirm-dialog button[value=cancel]")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.locator("dialog#confirm-dialog button[value=confirm]")).to_be_focused()
    page.keyboard.press("Enter")


def focused(page) -> str:
    """A short description of the element that has the keyboard focus."""
    return page.evaluate("""() => {
        const el = document.activeElement;
        if (!el || el === document.body) return '<body> (focus lost)';
        const html = el.outerHTML;
        return html.length > 160 ? html.slice(0, 160) + '…' : html;
    }""")


def has_focus(locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def tab_to(page, locator, *, backwards: bool = False, limit: int = 60) -> None:
    """Presses Tab (Shift+Tab with `backwards`) until `locator` (one element, found by
    role and name) has the focus; fails after `limit` presses, saying where focus is."""
    key = "Shift+Tab" if backwards else "Tab"
    locator.wait_for(state="attached")
    for _ in range(limit):
        page.keyboard.press(key)
        if has_focus(locator):
            return
    raise AssertionError(f"{limit} presses of {key} did not reach {locator}; "
                         f"the focus is on {focused(page)}")


def sign_in_by_keyboard(page, email: str, password: str) -> None:
    """On the login page, with the keyboard only: the skip link is the first stop,
    it leads into the main content, whose first field is the email."""
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Gå til hovedinnholdet")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("E-post")).to_be_focused()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Passord")).to_be_focused()
    page.keyboard.type(password)
    page.keyboard.press("Enter")
