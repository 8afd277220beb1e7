"""Keyboard only, in a real browser: the main story of Samråd without a mouse.

After `page.goto` every step is a key press (Tab, Shift+Tab, Enter, Space, arrow
keys, typed text): no click(), no fill(). At each step the test asserts where the
keyboard focus is, so it proves that the pages are operable and that the focus moves
sensibly: the skip link is the first stop of every page, and after an htmx swap the
focus stays on the control that was used. Controls are found by role and accessible
name, as a screen reader user finds them.

1. A representative logs in and registers an objection with its reason.
2. The secretariat builds an agenda (adds two items, one linked to a proposal chosen
   in a select with an arrow key; moves one with its Up and Down buttons, by Enter
   and by Space) and publishes the notice.
3. The chair of the board approves the minutes and downloads their PDF.
"""

import io
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from decisions.accounts.models import Role
from decisions.clock import now
from decisions.extensions import db
from decisions.meetings import agenda, minutes
from decisions.meetings.models import GroupRole
from tests.e2e.conftest import (
    CHROMIUM,
    focused,
    has_focus,
    sign_in_by_keyboard,
    tab_to,
    yes_in_dialog_by_keyboard,
)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)")

REASON = "Kostnadsfordelingen mellom kommunene er ikke avklart."
SKIP_LINK = "Gå til hovedinnholdet"


def skip_to_main(page) -> None:
    """From the top of a freshly loaded page: Tab reaches the skip link first, and
    Enter on it moves the focus into <main>."""
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name=SKIP_LINK)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()


def arrow_to(page, target, *, key: str = "ArrowDown", limit: int = 8) -> None:
    """Moves through a radio group with an arrow key until `target` has the focus (an
    arrow key also checks the radio it moves to)."""
    for _ in range(limit):
        if has_focus(target):
            return
        page.keyboard.press(key)
    if not has_focus(target):
        raise AssertionError(f"{limit} presses of {key} did not reach {target}; "
                             f"the focus is on {focused(page)}")


def press_for_htmx(page, key: str, path_end: str) -> None:
    """Presses `key` on the focused control, which must send an htmx POST to a URL
    ending in `path_end`, and waits until htmx has settled the swapped content. (htmx
    moves the focus to an element with the old one's id as soon as it swaps, but only
    wires up the new content when it settles: a key pressed in between would send a
    plain form.)"""
    page.evaluate("""() => { window.__samraadSettled = new Promise(resolve =>
        document.addEventListener('htmx:afterSettle', () => resolve(true), {once: true})); }""")
    with page.expect_response(lambda r: r.request.method == "POST"
                              and r.url.endswith(path_end)) as answer:
        page.keyboard.press(key)
    assert answer.value.request.headers.get("hx-request") == "true", (
        f"{key} sent a plain form to {path_end}, not an htmx request")
    assert answer.value.status == 200, f"the POST to {path_end} was answered {answer.value.status}"
    page.evaluate("() => window.__samraadSettled")


def for_item(action: str, title: str) -> re.Pattern:
    """The name of an item's button: "Opp: Budsjett 2027" (the title is visually
    hidden, and the hidden span's box puts a space before the colon)."""
    return re.compile(rf"^{re.escape(action)}\s*:\s*{re.escape(title)}$")


def in_main(page) -> bool:
    return page.get_by_role("main").evaluate("m => m.contains(document.activeElement)")


# --- 1. A representative objects ------------------------------------------------------

def test_a_representative_logs_in_and_objects_with_a_reason_by_keyboard(
        app, make, live_server, new_page):
    secretariat = make.user(Role.SECRETARIAT)
    asker = make.member("Asker", "Vestregionen")
    lillestrom = make.member("Lillestrøm", "Nedre Romerike")
    rep = make.representative(asker, name="Rita Representant")
    round_ = make.round_(secretariat, [asker, lillestrom])
    round_url = f"{live_server}/rounds/{round_.id}"
    email = rep.email
    db.session.remove()  # plain values only from here (see test_browser.py)

    page = new_page()
    page.goto(round_url)  # the login page, with `next` back to the round
    sign_in_by_keyboard(page, email, make.PASSWORD)
    page.wait_for_url(round_url)
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("window.__samraadNoReload = 'still here'")

    skip_to_main(page)
    panel = page.get_by_role("region", name="Standpunktet til Asker")
    # The radio group is one tab stop; the arrow keys choose within it.
    tab_to(page, panel.get_by_role("radio", name="Tilslutning", exact=True))
    objection = panel.get_by_role("radio", name="Innsigelse", exact=True)
    arrow_to(page, objection)
    expect(objection).to_be_checked()
    page.keyboard.press("Tab")
    expect(panel.get_by_label("Begrunnelse eller merknad")).to_be_focused()
    page.keyboard.type(REASON)
    page.keyboard.press("Tab")
    expect(panel.get_by_role("button", name="Registrer standpunkt")).to_be_focused()
    press_for_htmx(page, "Enter", "/position")
    expect(panel.get_by_role("status")).to_have_text("Standpunktet til Asker er registrert.")

    # The panel was swapped in place and shows the objection; the board shows it too.
    expect(panel.get_by_role("blockquote")).to_have_text(REASON)
    expect(panel.get_by_role("button", name="Endre standpunkt")).to_be_visible()
    board = page.get_by_role("region", name="Oversikt over standpunkter")
    expect(board.get_by_role("blockquote")).to_have_text(REASON)
    assert page.evaluate("window.__samraadNoReload") == "still here", "the page was reloaded"
    # The button that had the focus was swapped away with the panel: the focus lands in
    # the new panel (not on <body>), and the keyboard goes on from there.
    assert panel.evaluate("p => p.contains(document.activeElement)"), (
        f"after the swap the focus is on {focused(page)}")
    page.keyboard.press("Tab")
    assert in_main(page), f"Tab after the swap went to {focused(page)}"
    assert page.errors == []


# --- 2. The secretariat builds an agenda ----------------------------------------------

def test_the_secretariat_builds_reorders_and_publishes_an_agenda_by_keyboard(
        app, make, live_server, new_page):
    secretariat = make.user(Role.SECRETARIAT)
    asker = make.member("Asker", "Vestregionen")
    round_ = make.round_(secretariat, [asker])  # "Felles ladestrategi", circulated
    case_ref = round_.proposal.case_ref
    meeting = make.meeting(make.group("Styret"))
    meeting_url = f"{live_server}/meetings/{meeting.id}"
    email = secretariat.email
    db.session.remove()

    page = new_page()
    page.goto(meeting_url)
    sign_in_by_keyboard(page, email, make.PASSWORD)
    page.wait_for_url(meeting_url)
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("window.__samraadNoReload = 'still here'")
    agenda = page.get_by_role("region", name="Saksliste")
    # The items' headings ("Sak 2/26 Budsjett 2027"), not "Legg til en sak".
    headings = agenda.get_by_role("heading", level=3).filter(has_text=re.compile(r"^Sak "))

    # Add an item: type its title and press Enter; the focus stays in the title field.
    skip_to_main(page)
    title = agenda.get_by_label("Tittel")
    tab_to(page, title)
    page.keyboard.type("Budsjett 2027")
    press_for_htmx(page, "Enter", "/items")
    expect(agenda.get_by_role("status")).to_have_text("«Budsjett 2027» er satt på sakslisten.")
    expect(title).to_be_focused()
    expect(title).to_have_value("")

    # A second item, linked to the circulated proposal chosen with an arrow key.
    page.keyboard.type("Felles ladestrategi")
    page.keyboard.press("Tab")
    expect(agenda.get_by_label("Type")).to_be_focused()
    expect(agenda.get_by_label("Type")).to_have_value("decision")
    page.keyboard.press("Tab")
    linked = agenda.get_by_label("Tilknyttet sak")
    expect(linked).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(linked.locator("option:checked")).to_have_text(f"{case_ref} Felles ladestrategi")
    page.keyboard.press("Tab")
    add = agenda.get_by_role("button", name="Sett på sakslisten")
    expect(add).to_be_focused()
    press_for_htmx(page, "Enter", "/items")
    expect(agenda.get_by_role("status")).to_have_text(
        "«Felles ladestrategi» er satt på sakslisten.")
    expect(add).to_be_focused()
    expect(agenda.get_by_role("link", name=f"Sak {case_ref}")).to_be_visible()
    expect(headings).to_have_text([re.compile(t) for t in (
        "Godkjenning av innkalling og saksliste", "Budsjett 2027", "Felles ladestrategi",
        "Eventuelt")])

    # Back up the page to the item's Up button; Enter moves it, the focus stays on it.
    up = agenda.get_by_role("button", name=for_item("Opp", "Felles ladestrategi"))
    tab_to(page, up, backwards=True)
    press_for_htmx(page, "Enter", "/move")
    expect(agenda.get_by_role("status")).to_have_text("«Felles ladestrategi» er flyttet opp.")
    expect(headings.nth(1)).to_contain_text("Felles ladestrategi")
    expect(up).to_be_focused()
    # Space on its Down button puts it back, Shift+Tab and Enter moves it up again.
    page.keyboard.press("Tab")
    down = agenda.get_by_role("button", name=for_item("Ned", "Felles ladestrategi"))
    expect(down).to_be_focused()
    press_for_htmx(page, "Space", "/move")
    expect(agenda.get_by_role("status")).to_have_text("«Felles ladestrategi» er flyttet ned.")
    expect(headings.nth(2)).to_contain_text("Felles ladestrategi")
    expect(down).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(up).to_be_focused()
    press_for_htmx(page, "Enter", "/move")
    expect(headings.nth(1)).to_contain_text("Felles ladestrategi")
    expect(up).to_be_focused()
    assert page.evaluate("window.__samraadNoReload") == "still here", "the page was reloaded"

    # Publish the notice (a normal form post): the items get their numbers in this order.
    tab_to(page, page.get_by_role("button", name="Publiser møteinnkalling"), backwards=True)
    page.keyboard.press("Enter")
    yes_in_dialog_by_keyboard(page)
    expect(page.get_by_text("Møteinnkallingen er publisert.")).to_be_visible()
    year = f"{now().year % 100:02d}"
    expect(headings).to_have_text([
        re.compile(rf"Sak 1/{year}\s+Godkjenning av innkalling og saksliste"),
        re.compile(rf"Sak 2/{year}\s+Felles ladestrategi"),
        re.compile(rf"Sak 3/{year}\s+Budsjett 2027"),
        re.compile(rf"Sak 4/{year}\s+Eventuelt")])
    skip_to_main(page)  # a new page: the skip link first again
    assert page.errors == []


# --- 3. The chair approves the minutes and downloads them ------------------------------

@pytest.mark.real_pdf
def test_the_chair_approves_the_minutes_and_downloads_their_pdf_by_keyboard(
        app, make, live_server, clock, new_page):
    secretariat = make.user(Role.SECRETARIAT)
    chair = make.user(Role.BOARD, name="Marit Sand")
    group = make.group("Styret")
    make.seat(group, "Marit Sand", role=GroupRole.CHAIR, user_=chair)
    make.seat(group, "Per Olsen")
    meeting = make.meeting(group, starts_at=now() + timedelta(days=2))
    item = make.item(secretariat, meeting, title="Budsjett 2027")
    agenda.publish_notice(secretariat, meeting)
    clock.advance(days=2, hours=3)  # the meeting has taken place
    minutes.mark_held(secretariat, meeting)
    minutes.save_item_minutes(secretariat, item, lock_version=item.lock_version,
                              notes="Daglig leder orienterte.",
                              decision_text="Budsjettet for 2027 vedtas som foreslått.")
    db.session.commit()
    minutes_url = f"{live_server}/meetings/{meeting.id}/minutes"
    email = chair.email
    db.session.remove()

    page = new_page()
    page.goto(minutes_url)
    sign_in_by_keyboard(page, email, make.PASSWORD)
    page.wait_for_url(minutes_url)
    skip_to_main(page)
    tab_to(page, page.get_by_role("button", name="Godkjenn protokollen som leder"))
    page.keyboard.press("Enter")
    yes_in_dialog_by_keyboard(page)
    expect(page.get_by_text("Protokollen er godkjent og publisert som PDF.")).to_be_visible()

    skip_to_main(page)
    download_link = page.get_by_role("link", name="Last ned den godkjente protokollen (PDF)")
    tab_to(page, download_link)
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    download = download_info.value
    assert download.suggested_filename.startswith("protokoll-")
    pdf = PdfReader(io.BytesIO(open(download.path(), "rb").read()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Protokoll" in text
    assert "Styret" in text
    assert "Budsjett 2027" in text
    assert "Budsjettet for 2027 vedtas som foreslått." in text
    assert "Marit Sand" in text
    assert page.errors == []
