"""In a real browser: the consensus board polls with the ETag of what it shows, is
answered 304 (and keeps showing the board) while nothing changed, and shows another
member's position at the next poll after it is registered."""

import pytest
from playwright.sync_api import expect

from decisions.accounts.models import Role
from decisions.extensions import db
from tests.e2e.conftest import CHROMIUM
from tests.e2e.test_story import POLL, count, log_in, no_reload, register, tally, was_not_reloaded

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)")

RESERVATION = "Asker forutsetter at ladepunktene også kommer i distriktene."


def test_the_polled_board_answers_304_until_another_member_answers_then_shows_it(
        app, make, live_server, new_page):
    secretariat = make.user(Role.SECRETARIAT)
    asker = make.member("Asker", "Vestregionen")
    lillestrom = make.member("Lillestrøm", "Nedre Romerike")
    rep_asker = make.representative(asker, name="Aslak Asker")
    rep_lillestrom = make.representative(lillestrom, name="Line Lillestrøm")
    round_ = make.round_(secretariat, [asker, lillestrom])
    path = f"/rounds/{round_.id}"
    emails = (rep_asker.email, rep_lillestrom.email)
    db.session.remove()  # plain values only from here (see test_browser.py)

    watcher = new_page()
    watcher.clock.install()  # the board's 15-second poll, run when the test says
    log_in(watcher, live_server, emails[1], make.PASSWORD, path)
    watcher.wait_for_function("() => window.htmx !== undefined")
    no_reload(watcher)
    board = watcher.get_by_role("region", name="Oversikt over standpunkter")
    expect(tally(board, "Ikke svart")).to_have_text(count(2))

    def next_poll():
        with watcher.expect_response(lambda r: "/board" in r.url) as answer:
            watcher.clock.fast_forward(POLL)
        return answer.value

    # Nothing changed: every poll sends the ETag the page came with and is answered 304,
    # and the board stays as it was.
    shown = board.get_attribute("data-etag")
    quiet = [next_poll() for _ in range(3)]
    assert [r.status for r in quiet] == [304, 304, 304]
    assert all(r.request.headers.get("if-none-match") == shown for r in quiet)
    expect(tally(board, "Ikke svart")).to_have_text(count(2))

    # Another member answers in their own browser; the watcher's next poll shows it.
    other = new_page()
    log_in(other, live_server, emails[0], make.PASSWORD, path)
    register(other, "Asker", "Tilslutning med merknad", RESERVATION)
    changed = next_poll()
    assert changed.status == 200 and changed.request.headers.get("if-none-match")
    expect(tally(board, "Tilslutning med merknad")).to_have_text(count(1))
    expect(tally(board, "Ikke svart")).to_have_text(count(1))
    expect(board).to_contain_text(RESERVATION)
    assert was_not_reloaded(watcher), "the page was reloaded"

    # And quiet again: the new ETag is sent and answered 304, the board kept.
    again = next_poll()
    assert again.status == 304
    assert again.request.headers.get("if-none-match") == changed.headers["etag"]
    expect(board).to_contain_text(RESERVATION)
