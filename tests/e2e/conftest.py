"""Browser tests: the real app served over HTTP on loopback, driven by Debian's chromium.

They run on SQLite only (the browser tests the front end; both databases are
covered by the rest of the suite), so `database_url` is overridden here.
"""

import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from decisions import create_app
from decisions.extensions import db

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A migrated, empty SQLite file for the browser tests (not parametrized)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'browser.sqlite'}"
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
        context = browser.new_context(locale="nb-NO", timezone_id="Europe/Oslo")
        context.set_default_timeout(10_000)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


def sign_in(page, email: str, password: str) -> None:
    """Fill in and send the login form the page shows."""
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
