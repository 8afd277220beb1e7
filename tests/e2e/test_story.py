"""The whole story in real browsers, several users at once, each in their own browser
context (own cookies, own login) on one chromium:

the secretariat drafts and circulates a proposal; Asker supports it with a
reservation and Lillestrøm objects; the secretariat's consensus board (polled by
htmx) shows both without a reload; the secretariat revises the proposal; Lillestrøm
withdraws its objection and Asker confirms its reservation in one step, which closes
the round in consensus with a numbered decision; the secretariat puts the decision on
the board's next meeting, publishes the notice, marks the meeting held and writes the
decision into the minutes; the chair approves them; another board member downloads the
minutes PDF, whose text is checked.

Only the people, the members, the board with its seats and the meeting are made
through the factories; everything else goes through the pages. The FakeClock is
shared with the live server and moved when the meeting has taken place. The browser's
own clock is Playwright's, so that the board's 15-second poll is run at once.
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
from decisions.meetings.models import GroupRole
from tests.e2e.conftest import CHROMIUM, confirm_in_dialog, sign_in

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)")

TITLE = "Felles ladestrategi for kommunene"
RESOLUTION_1 = "Osloregionen slutter seg til den felles ladestrategien."
RESOLUTION_2 = ("Osloregionen slutter seg til den felles ladestrategien. Kostnadene "
                "fordeles etter innbyggertall.")
RESERVATION = "Asker forutsetter at ladepunktene også kommer i distriktene."
OBJECTION = "Kostnadsfordelingen mellom kommunene er ikke avklart."
DECISION = "Styret tar vedtaket om felles ladestrategi til etterretning."
POLL = "00:16"  # a little more than the board's poll interval ("every 15s")


def log_in(page, base_url: str, email: str, password: str, path: str = "/") -> None:
    """Open `path`; the app asks for a login first and then brings us there."""
    page.goto(f"{base_url}{path}")
    expect(page).to_have_url(re.compile(r"/login"))
    sign_in(page, email, password)
    page.wait_for_url(re.compile(rf"^{re.escape(base_url)}{re.escape(path)}(\?.*)?$"))


def tally(board, label: str):
    """The count of one position in the board's tally ("Innsigelse 1")."""
    return board.get_by_role("list", name="Antall per standpunkt").get_by_role(
        "listitem").filter(has_text=re.compile(rf"^\W*{label}\s+\d+\s*$"))


def tag(region, label: str):
    """A status tag ("✓ Konsensus") in `region`, by its whole text."""
    return region.get_by_text(re.compile(rf"^\W*{re.escape(label)}\s*$"))


def count(n: int) -> re.Pattern:
    return re.compile(rf"\s{n}\s*$")


def register(page, member: str, position: str, comment: str = "") -> None:
    """Registers a position through the htmx form of the member's panel."""
    panel = page.get_by_role("region", name=f"Standpunktet til {member}")
    panel.get_by_role("radio", name=position, exact=True).check()
    if comment:
        panel.get_by_label("Begrunnelse eller merknad").fill(comment)
    with page.expect_response(lambda r: r.request.method == "POST"
                              and r.url.endswith("/position")) as answer:
        panel.get_by_role("button", name=re.compile("^(Registrer|Endre) standpunkt$")).click()
    assert answer.value.status == 200
    assert answer.value.request.all_headers().get("hx-request") == "true"
    expect(panel.get_by_role("status")).to_have_text(f"Standpunktet til {member} er registrert.")


def no_reload(page) -> None:
    page.evaluate("window.__samraadNoReload = 'still here'")


def was_not_reloaded(page) -> bool:
    return page.evaluate("window.__samraadNoReload") == "still here"


@pytest.mark.real_pdf
def test_from_a_circulated_proposal_to_approved_minutes(app, make, clock, live_server,
                                                        new_page):
    # --- Setup: people, members, the board and its next meeting -------------------------
    secretariat = make.user(Role.SECRETARIAT, name="Siri Sekretariat")
    asker = make.member("Asker", "Vestregionen")
    lillestrom = make.member("Lillestrøm", "Nedre Romerike")
    rep_asker = make.representative(asker, name="Aslak Asker")
    rep_lillestrom = make.representative(lillestrom, name="Line Lillestrøm")
    chair = make.user(Role.BOARD, name="Marit Sand")
    reader = make.user(Role.BOARD, name="Per Olsen")
    board_group = make.group("Styret")
    make.seat(board_group, "Marit Sand", role=GroupRole.CHAIR, user_=chair)
    make.seat(board_group, "Per Olsen", user_=reader, member_=asker)
    make.area()
    meeting = make.meeting(board_group, starts_at=now() + timedelta(days=10))
    meeting_path, meeting_starts = f"/meetings/{meeting.id}", meeting.starts_at
    emails = {"sec": secretariat.email, "asker": rep_asker.email,
              "lillestrom": rep_lillestrom.email, "chair": chair.email,
              "reader": reader.email}
    password = make.PASSWORD
    db.session.remove()  # plain values only from here (see test_browser.py)

    sec = new_page()
    sec.clock.install()  # the secretariat's board polls; this lets the test run the poll

    # --- The secretariat drafts the proposal and circulates it --------------------------
    log_in(sec, live_server, emails["sec"], password)
    sec.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Saker").click()
    sec.get_by_role("link", name="Ny sak").click()
    sec.get_by_label("Tittel").fill(TITLE)
    sec.get_by_label("Arbeidsområde").select_option(label="Klima og miljø")
    sec.get_by_label("Forslag til vedtak").fill(RESOLUTION_1)
    sec.get_by_label("Saksopplysninger").fill("Kommunene trenger en felles plan for lading.")
    sec.get_by_role("button", name="Lagre utkast").click()
    expect(sec.get_by_text("Utkastet er lagret.")).to_be_visible()
    sec.get_by_role("link", name="Send på høring til medlemmene").click()
    expect(sec.get_by_label("Alle medlemmer")).to_be_checked()
    sec.get_by_role("button", name="Send på høring", exact=True).click()
    expect(sec.get_by_text(re.compile(r"Forslaget er sendt på høring som sak \d+/\d{4}\."))
           ).to_be_visible()
    case_ref = re.search(r"sak (\d+/\d{4})", sec.get_by_role("main").inner_text()).group(1)
    round_1_url = sec.url
    assert re.search(r"/rounds/\d+$", round_1_url)
    sec.wait_for_function("() => window.htmx !== undefined")
    no_reload(sec)
    sec_board = sec.get_by_role("region", name="Oversikt over standpunkter")
    expect(tally(sec_board, "Ikke svart")).to_have_text(count(2))

    # --- Two representatives answer at the same time, each in their own context ---------
    asker_page, lillestrom_page = new_page(), new_page()
    round_1_path = round_1_url.removeprefix(live_server)
    log_in(asker_page, live_server, emails["asker"], password, round_1_path)
    log_in(lillestrom_page, live_server, emails["lillestrom"], password, round_1_path)
    register(asker_page, "Asker", "Tilslutning med merknad", RESERVATION)
    register(lillestrom_page, "Lillestrøm", "Innsigelse", OBJECTION)
    lillestrom_board = lillestrom_page.get_by_role("region", name="Oversikt over standpunkter")
    expect(lillestrom_board.get_by_role("blockquote")).to_have_text(OBJECTION)

    # The secretariat's board shows both at its next poll, without a reload.
    sec.clock.fast_forward(POLL)
    expect(tally(sec_board, "Innsigelse")).to_have_text(count(1))
    expect(tally(sec_board, "Tilslutning med merknad")).to_have_text(count(1))
    expect(tally(sec_board, "Ikke svart")).to_have_text(count(0))
    expect(sec_board.get_by_role("blockquote")).to_have_text(OBJECTION)
    expect(sec_board).to_contain_text(RESERVATION)
    assert was_not_reloaded(sec), "the secretariat's page was reloaded"

    # --- The secretariat revises the proposal: a new version in a new round -------------
    sec.get_by_role("link", name=f"Sak {case_ref}", exact=True).click()
    sec.get_by_role("link", name="Revider og send på ny høring").click()
    expect(sec.get_by_label("Forslag til vedtak")).to_have_value(RESOLUTION_1)
    sec.get_by_label("Forslag til vedtak").fill(RESOLUTION_2)
    sec.get_by_role("button", name="Send revidert versjon på høring").click()
    expect(sec.get_by_text("Versjon 2 er sendt ut i en ny høringsrunde.")).to_be_visible()
    round_2_url = sec.url
    assert round_2_url != round_1_url
    sec.wait_for_function("() => window.htmx !== undefined")
    no_reload(sec)
    # Lillestrøm's objection stands on the new version until it confirms or withdraws it.
    expect(sec_board).to_contain_text("Innsigelse til versjon 1")
    expect(tally(sec_board, "Ikke svart")).to_have_text(count(2))

    # --- Both answer the new version; the round closes in consensus ---------------------
    lillestrom_page.goto(round_2_url)
    lillestrom_panel = lillestrom_page.get_by_role("region", name="Standpunktet til Lillestrøm")
    expect(lillestrom_panel).to_contain_text("Innsigelse til versjon 1: bekreft eller trekk den.")
    expect(lillestrom_panel).to_contain_text("Endringer siden versjon 1")
    register(lillestrom_page, "Lillestrøm", "Tilslutning")  # the objection is withdrawn

    asker_page.goto(round_2_url)
    asker_page.wait_for_function("() => window.htmx !== undefined")
    no_reload(asker_page)
    asker_panel = asker_page.get_by_role("region", name="Standpunktet til Asker")
    expect(asker_panel).to_contain_text("Endringer siden versjon 1")
    with asker_page.expect_response(lambda r: r.request.method == "POST"
                                    and r.url.endswith("/confirm")) as confirmed:
        asker_panel.get_by_role("button", name="Bekreft samme standpunkt").click()
    assert confirmed.value.status == 200
    expect(asker_panel.get_by_role("status")).to_have_text("Standpunktet til Asker er registrert.")
    expect(asker_panel.get_by_role("blockquote")).to_have_text(RESERVATION)
    expect(asker_panel).to_contain_text(
        "Høringsrunden er avsluttet. Standpunktet kan ikke lenger endres.")
    asker_board = asker_page.get_by_role("region", name="Oversikt over standpunkter")
    expect(tag(asker_board, "Konsensus")).to_be_visible()
    assert was_not_reloaded(asker_page), "Asker's page was reloaded"

    # The secretariat's board turns to consensus at its next poll.
    sec.clock.fast_forward(POLL)
    expect(tag(sec_board, "Konsensus")).to_be_visible()
    expect(tally(sec_board, "Tilslutning")).to_have_text(count(1))
    expect(tally(sec_board, "Tilslutning med merknad")).to_have_text(count(1))
    assert was_not_reloaded(sec), "the secretariat's page was reloaded"
    assert sec.url == round_2_url

    # The proposal page names the decision.
    sec.get_by_role("link", name=f"Sak {case_ref}", exact=True).click()
    expect(sec.get_by_text("Vedtatt med vedtaksnummer")).to_be_visible()
    decision_ref = sec.get_by_role("link", name=re.compile(r"^\d{4}\/\d{3}$")).inner_text()

    # --- The decision goes on the agenda of the board's next meeting --------------------
    sec.goto(f"{live_server}{meeting_path}")
    agenda = sec.get_by_role("region", name="Saksliste")
    agenda.get_by_label("Tittel").fill(TITLE)
    expect(agenda.get_by_label("Type")).to_have_value("decision")
    agenda.get_by_label("Tilknyttet sak").select_option(label=f"{case_ref} {TITLE}")
    with sec.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/items")):
        agenda.get_by_role("button", name="Sett på sakslisten").click()
    item = agenda.get_by_role("listitem").filter(
        has=sec.get_by_role("heading", name=re.compile(re.escape(TITLE))))
    expect(item.get_by_role("link", name=f"Sak {case_ref}")).to_be_visible()
    expect(tag(item, "Konsensus")).to_be_visible()
    expect(item.get_by_role("link", name=decision_ref)).to_be_visible()

    sec.get_by_role("button", name="Publiser møteinnkalling").click()
    confirm_in_dialog(sec)
    expect(sec.get_by_text("Møteinnkallingen er publisert.")).to_be_visible()
    year = f"{meeting_starts.year % 100:02d}"
    expect(item.get_by_role("heading")).to_have_text(
        re.compile(rf"Sak 2/{year}\s+{re.escape(TITLE)}"))

    # --- The meeting is held; the secretary writes the decision -------------------------
    clock.set(meeting_starts + timedelta(hours=3))
    # Ten days on, every login has long expired. A page left open on a round polls its
    # board and is answered 401 with the way to the login page (HX-Redirect).
    for page in (sec, asker_page, lillestrom_page):
        page.expected_failures.append("/board")
    # The secretary logs in again.
    log_in(sec, live_server, emails["sec"], password, meeting_path)
    sec.get_by_role("button", name="Møtet er avholdt: skriv protokoll").click()
    confirm_in_dialog(sec)
    expect(sec.get_by_text("Møtet er markert som avholdt. Skriv protokollen.")).to_be_visible()
    sec.get_by_role("link", name="Protokoll", exact=True).click()
    minutes_path = sec.url.removeprefix(live_server)
    minutes_item = sec.get_by_role("article", name=re.compile(re.escape(TITLE)))
    # Asker's reservation was carried from the round into the minutes.
    expect(minutes_item).to_contain_text(f"Tilslutning med merknad, Asker: {RESERVATION}")
    minutes_item.get_by_label("Vedtak").fill(DECISION)  # saved as you type
    expect(minutes_item.get_by_role("status").filter(has_text="Lagret")).to_be_visible()

    # --- The chair approves the minutes -------------------------------------------------
    chair_page = new_page()
    log_in(chair_page, live_server, emails["chair"], password, minutes_path)
    expect(chair_page.get_by_role("article", name=re.compile(re.escape(TITLE)))
           ).to_contain_text(DECISION)
    chair_page.get_by_role("button", name="Godkjenn protokollen som leder").click()
    confirm_in_dialog(chair_page)
    expect(chair_page.get_by_text("Protokollen er godkjent og publisert som PDF.")).to_be_visible()
    expect(chair_page.get_by_text(re.compile("Godkjent av leder"))).to_be_visible()

    # --- Another board member downloads the minutes, and reads them ---------------------
    reader_page = new_page()
    log_in(reader_page, live_server, emails["reader"], password, meeting_path)
    with reader_page.expect_download() as download_info:
        reader_page.get_by_role("link", name="Godkjent protokoll (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("protokoll-")
    pdf = PdfReader(io.BytesIO(open(download.path(), "rb").read()))
    text = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in pdf.pages))
    assert "Protokoll" in text
    assert "Styret" in text
    assert TITLE in text
    assert DECISION in text
    assert RESERVATION in text
    assert "Marit Sand" in text and "Per Olsen" in text

    for page in (sec, asker_page, lillestrom_page, chair_page, reader_page):
        assert page.errors == [], page.errors
