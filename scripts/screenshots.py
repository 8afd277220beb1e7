"""Screenshots of the main pages at 320 px and 1280 px wide, for review (`make screenshots`).

Loads the demo data into a temporary SQLite database, serves the app on a free
127.0.0.1 port, signs in as each role in Debian's chromium (Playwright, never a
downloaded browser) and writes docs/screenshots/<width>/<role>-<page>.png.
"""

import logging
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from decisions import create_app  # noqa: E402
from decisions.demo.data import DEMO_PASSWORD, load  # noqa: E402
from decisions.extensions import db  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
WIDTHS = (320, 1280)


def _pages() -> dict[str, list[tuple[str, str]]]:
    """(name, path) per role, with ids from the demo data."""
    from decisions.meetings.models import Meeting, MeetingState
    from decisions.members.models import Member
    from decisions.proposals.models import Round
    from decisions.register.models import Decision

    open_round = db.session.scalar(select(Round).where(Round.outcome.is_(None))
                                   .order_by(Round.id.desc()).limit(1))
    oslo = db.session.scalar(select(Member).where(Member.name == "Oslo"))
    notice = db.session.scalar(select(Meeting).where(
        Meeting.state == MeetingState.NOTICE_PUBLISHED).limit(1))
    approved = db.session.scalar(select(Meeting).where(
        Meeting.state == MeetingState.MINUTES_APPROVED).limit(1))
    held = db.session.scalar(select(Meeting).where(
        Meeting.state == MeetingState.MINUTES_DRAFTED).limit(1))
    decision = db.session.scalar(select(Decision).limit(1))
    common = [("start", "/"), ("proposals", "/proposals/"),
              ("round", f"/rounds/{open_round.id}"), ("meetings", "/groups/"),
              ("meeting", f"/meetings/{notice.id}"),
              ("minutes", f"/meetings/{approved.id}/minutes"),
              ("decisions", "/decisions/"),
              ("decision", f"/decisions/{decision.year}/{decision.number}"),
              ("notifications", "/notifications/")]
    return {
        "anonymous": [("login", "/login"), ("public", "/public/"),
                      ("public-minutes", "/public/minutes")],
        "secretariat": [*common, ("draft-minutes", f"/meetings/{held.id}/minutes"),
                        ("audit", "/audit/")],
        "representative": [*common, ("position",
                                     f"/rounds/{open_round.id}/members/{oslo.id}/position")],
        "board": common,
    }


LOGINS = {"secretariat": "sekretariat@samraad.test", "representative": "oslo@samraad.test",
          "board": "styre@samraad.test"}


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="samraad-shots-"))
    app = create_app("development", SQLALCHEMY_DATABASE_URI=f"sqlite:///{work / 'demo.sqlite'}",
                     FILE_STORAGE=str(work / "files"))
    with app.app_context():
        upgrade()
        load()
        db.session.commit()
        pages = _pages()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    written = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=["--no-sandbox", "--disable-gpu"])
        for width in WIDTHS:
            (OUT / str(width)).mkdir(parents=True, exist_ok=True)
            for role, role_pages in pages.items():
                context = browser.new_context(viewport={"width": width, "height": 900},
                                              locale="nb-NO", timezone_id="Europe/Oslo")
                page = context.new_page()
                if role in LOGINS:
                    page.goto(f"{base}/login")
                    page.fill("input[name=email]", LOGINS[role])
                    page.fill("input[name=password]", DEMO_PASSWORD)
                    page.click("main form button[type=submit]")
                    page.wait_for_load_state()
                for name, path in role_pages:
                    page.goto(base + path)
                    page.screenshot(path=str(OUT / str(width) / f"{role}-{name}.png"),
                                    full_page=True)
                    written += 1
                context.close()
        browser.close()
    server.shutdown()
    print(f"{written} screenshots in {OUT.relative_to(ROOT)}/ (320/ and 1280/)")


if __name__ == "__main__":
    main()
