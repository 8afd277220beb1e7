"""In a real browser: what the interface does beyond the story tests. Acts that cannot
be undone are asked about in a dialog first; a form that htmx sends back with errors
takes the focus to its first invalid field and has the error read out."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from decisions.accounts.models import Role
from decisions.clock import now
from decisions.extensions import db
from decisions.meetings import agenda, minutes
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


# --- Errors shown in place by htmx: focus on the first invalid field, read out -------

def _world_of_forms(make, clock) -> dict:
    """A secretariat user, a round, a planned meeting with an item and a held one: every
    htmx form of the app is on one of their pages."""
    secretariat = make.user(Role.SECRETARIAT)
    member = make.member("Asker")
    round_ = make.round_(secretariat, [member])
    group = make.group("Styret")
    held = make.meeting(group, starts_at=now() + timedelta(hours=2))
    held_item = make.item(secretariat, held, title="Budsjett 2027")
    agenda.publish_notice(secretariat, held)
    clock.advance(hours=5)
    minutes.mark_held(secretariat, held)
    planned = make.meeting(group)
    item = make.item(secretariat, planned, title="Regional transportplan")
    db.session.commit()
    return {"email": secretariat.email,
            "position": f"/rounds/{round_.id}/members/{member.id}/position",
            "meeting": f"/meetings/{planned.id}", "attachments": f"/items/{item.id}/attachments",
            "minutes": f"/meetings/{held.id}/minutes", "held_item": held_item.id}


# (name, page, the form, what to do before sending it, the field that must get the focus)
HTMX_FORMS = [
    ("position: an objection without a reason", "position",
     "#position-panel form[hx-post$='/position']", "input[type=radio][value=object]",
     "textarea[name=comment]"),
    ("agenda: an item without a title", "meeting", "#agenda form.new-item", None,
     "input[name=title]"),
    ("attachments: no file", "attachments", "form.upload", None, "input[name=file]"),
    ("attendance: no name", "minutes", "form[hx-post$='/attendance']", None,
     "input[name=person_name]"),
    ("protocol entry: no text", "minutes", "#lines-{held_item} form[hx-post$='/entries']",
     "summary", "textarea[name=text]"),
    ("absence: no name", "minutes", "#lines-{held_item} form[hx-post$='/absences']",
     "summary", "input[name=person_name]"),
    ("action: no description", "minutes", "#lines-{held_item} form[hx-post$='/actions']", "summary",
     "textarea[name=description]"),
]


@pytest.mark.parametrize(("name", "where", "form", "before", "invalid"), HTMX_FORMS,
                         ids=[f[0] for f in HTMX_FORMS])
def test_an_htmx_form_sent_back_with_errors_focuses_the_first_invalid_field_and_says_why(
        app, make, clock, live_server, browser_page, name, where, form, before, invalid):
    world = _world_of_forms(make, clock)
    db.session.remove()
    page = browser_page
    _signed_in_at(page, live_server, world["email"], make.PASSWORD, world[where])
    page.evaluate("window.__samraadNoReload = 'still here'")
    form = form.format(held_item=world["held_item"])
    the_form = page.locator(form)
    if before == "summary":
        the_form.locator("xpath=ancestor::details/summary").click()
        expect(the_form.locator("button").last).to_be_visible()  # the section is open
    elif before:
        the_form.locator(before).check()

    with page.expect_response(lambda r: r.request.method == "POST"):
        the_form.locator("button").last.click()

    field = page.locator(f"{form} {invalid}")
    expect(field).to_have_attribute("aria-invalid", "true")
    page.wait_for_function("() => document.activeElement && "
                           "document.activeElement.getAttribute('aria-invalid') === 'true'")
    assert field.evaluate("el => el === document.activeElement"), \
        f"the focus is on {page.evaluate('document.activeElement.outerHTML')[:160]}"
    message = page.locator(f"{form} .ds-validation-message").first.inner_text().strip()
    assert message
    announcer = page.locator("#sr-announcer")
    expect(announcer).to_contain_text(message)
    assert page.evaluate("window.__samraadNoReload") == "still here"


# --- The consensus board updates itself: what is open stays open; it can be paused -----

def test_the_board_keeps_the_open_list_across_an_update_swaps_nothing_unchanged_and_pauses(
        app, make, live_server, browser_page):
    secretariat = make.user(Role.SECRETARIAT)
    asker, lier = make.member("Asker"), make.member("Lier")
    round_ = make.round_(secretariat, [asker, lier])
    path, email, round_id = f"/rounds/{round_.id}", secretariat.email, round_.id
    ids = (secretariat.id, asker.id)
    db.session.remove()
    page = browser_page
    page.clock.install()  # the poll runs when the test moves the clock
    _signed_in_at(page, live_server, email, make.PASSWORD, path)
    polls: list[int] = []
    page.on("response", lambda r: polls.append(r.status) if "/board" in r.url else None)

    board = page.locator("#board")
    not_responded = board.locator("details#not-responded")
    not_responded.locator("summary").click()
    expect(not_responded).to_have_attribute("open", "")
    expect(not_responded).to_contain_text("Asker")

    # Nothing changed: the poll sends the ETag the page came with, the server answers
    # 304 from that alone and nothing is swapped.
    page.evaluate("document.querySelector('#board').dataset.mark = 'before'")
    page.clock.fast_forward(16_000)
    page.wait_for_timeout(500)
    assert polls == [304], polls
    assert board.evaluate("b => b.dataset.mark") == "before"

    # Asker answers: the next poll swaps the board, and the list is still open.
    from decisions.accounts.models import User
    from decisions.members.models import Member
    from decisions.proposals import services as proposals
    from decisions.proposals.models import PositionKind, Round
    proposals.register_position(db.session.get(User, ids[0]), db.session.get(Round, round_id),
                                db.session.get(Member, ids[1]), kind=PositionKind.SUPPORT)
    db.session.commit()
    db.session.remove()
    page.clock.fast_forward(15_000)
    expect(board.locator(".member-row[data-position=support]")).to_have_count(1)
    assert polls == [304, 200], polls
    expect(not_responded).to_have_attribute("open", "")
    expect(not_responded).not_to_contain_text("Asker")

    # Paused, the board asks for nothing; resumed, it asks at once.
    pause = board.get_by_role("button", name="Sett automatisk oppdatering på pause")
    expect(pause).to_have_attribute("aria-pressed", "false")
    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "true")
    page.clock.fast_forward(60_000)
    page.wait_for_timeout(300)
    assert polls == [304, 200], "a paused board polled"
    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "false")
    page.wait_for_timeout(300)
    # By now the board holds the ETag of what it shows: the server answers from that
    # alone (304) without building the board, and nothing is swapped either.
    assert polls == [304, 200, 304], polls
    expect(not_responded).to_have_attribute("open", "")


# --- A form's errors come back where the form is, focused, at an address that works --

def test_an_empty_answer_to_an_objection_focuses_the_field_and_the_address_reloads(
        app, make, live_server, browser_page):
    from decisions.proposals.models import PositionKind

    secretariat = make.user(Role.SECRETARIAT)
    lier = make.member("Lier")
    round_ = make.round_(secretariat, [lier])
    make.position(make.representative(lier), round_, lier, PositionKind.OBJECT,
                  comment="Kostnadene er ikke avklart.")
    path, email, field_id = f"/rounds/{round_.id}", secretariat.email, f"answer-{lier.id}"
    db.session.remove()
    page = browser_page
    page.expected_failures.append("/answer")  # the page of errors answers 422
    _signed_in_at(page, live_server, email, make.PASSWORD, path)

    with page.expect_navigation():
        page.locator(f"form:has(#{field_id}) button").click()

    field = page.locator(f"#{field_id}")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    assert field.evaluate("el => { const r = el.getBoundingClientRect();"
                          " return r.top >= 0 && r.bottom <= innerHeight; }"), "not in view"
    reloaded = page.goto(page.url)  # what a reload of the address does, without the POST
    assert reloaded.status == 200
    assert page.url == f"{live_server}{path}#{field_id}"
