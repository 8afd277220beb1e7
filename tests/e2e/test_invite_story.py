"""In a real browser: the admin invites a new representative of Asker through the people
pages; the invitation arrives by SMTP (real, on loopback, sent by the sweep); she opens
its link, chooses her password, lands logged in on her start page, which lists the open
round waiting for Asker's answer, registers Asker's position through the htmx form, and
finds it on the round's consensus board.

(The other half of the issue's story, the change of chair and the approval after the
"minutes await your approval" email, is tests/e2e/test_seats_browser.py.)"""

import re

import pytest
from playwright.sync_api import expect

from decisions.accounts.models import Role
from decisions.extensions import db
from decisions.sweep import sweep
from tests.e2e.conftest import CHROMIUM, sign_in
from tests.e2e.test_story import register, tally

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)")

NAME, EMAIL = "Hilde Ny", "hilde.ny@asker.test"
PASSWORD = "tre fjell og en bekk i Asker"
RESERVATION = "Asker ber om at kostnadene fordeles etter innbyggertall."


def test_an_invited_representative_chooses_her_password_and_registers_a_position(
        app, make, live_server, new_page, smtp):
    admin = make.user(Role.ADMIN, name="Anne Admin")
    secretariat = make.user(Role.SECRETARIAT)
    asker, drammen = make.member("Asker", "Vestregionen"), make.member("Drammen", "Vestregionen")
    round_ = make.round_(secretariat, [asker, drammen])
    round_id, title, admin_email = round_.id, round_.version.title, admin.email
    db.session.remove()  # plain values only from here (see test_browser.py)

    # --- The admin invites her from the people pages -------------------------------------
    page = new_page()
    page.goto(f"{live_server}/login?next=/people")
    sign_in(page, admin_email, make.PASSWORD)
    page.get_by_role("link", name="Inviter en person").click()
    page.get_by_label("Navn").fill(NAME)
    page.get_by_label("E-post").fill(EMAIL)
    page.get_by_label("Rolle").select_option(label="Representant")
    page.get_by_label("Medlem", exact=True).select_option(label="Asker")
    page.get_by_label("Hovedrepresentant").check()
    page.get_by_role("button", name="Send invitasjonen").click()
    expect(page.get_by_text(f"{NAME} er invitert. Lenken i e-posten virker i 14 dager.")
           ).to_be_visible()

    # --- The invitation arrives by SMTP ----------------------------------------------------
    with app.app_context():
        sweep()
    (email,) = smtp.to(EMAIL)
    assert email["Subject"] == "Du er invitert til Samråd"
    text = email.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https://samraad\.example(/\S*invitation/[\w-]+)", text).group(1)

    # --- She chooses her password and lands logged in ----------------------------------
    hilde = new_page()
    hilde.goto(f"{live_server}{link}")
    hilde.get_by_label("Nytt passord", exact=True).fill(PASSWORD)
    hilde.get_by_label("Nytt passord igjen").fill(PASSWORD)
    hilde.get_by_role("button", name="Lagre passordet og logg inn").click()
    expect(hilde.get_by_role("heading", name=f"Velkommen, {NAME}")).to_be_visible()

    # --- Her start page leads to the round; she registers Asker's position --------------
    needs = hilde.get_by_role("region", name="Dette venter på deg")
    needs.get_by_role("link", name=re.compile(re.escape(title))).click()
    register(hilde, "Asker", "Tilslutning med merknad", RESERVATION)

    hilde.get_by_role("link", name="Tilbake til oversikten over standpunkter").click()
    expect(hilde).to_have_url(f"{live_server}/rounds/{round_id}")
    board = hilde.get_by_role("region", name="Oversikt over standpunkter")
    expect(tally(board, "Tilslutning med merknad")).to_have_text(re.compile(r"\s1\s*$"))
    expect(board).to_contain_text(RESERVATION)
    expect(board).to_contain_text("Asker")
