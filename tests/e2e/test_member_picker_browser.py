"""In a real browser: the secretariat finds members by typing in the picker's search
box and chooses a whole subregion with one box; the round goes to exactly those."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from decisions.accounts.models import Role
from decisions.extensions import db
from decisions.proposals.models import Round
from tests.e2e.conftest import CHROMIUM, sign_in

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)")


def test_search_filters_the_members_and_a_subregion_box_chooses_all_of_it(
        app, make, live_server, browser_page):
    secretariat = make.user(Role.SECRETARIAT)
    for name, subregion in (("Ås", "Follo"), ("Nordre Follo", "Follo"),
                            ("Asker", "Vestregionen"), ("Bærum", "Vestregionen")):
        make.member(name, subregion)
    draft = make.proposal(secretariat, title="Felles ladestrategi")
    url = f"{live_server}/proposals/{draft.id}/circulate"
    email = secretariat.email
    db.session.remove()  # plain values only from here (see test_browser.py)

    page = browser_page
    page.goto(url)
    sign_in(page, email, make.PASSWORD)
    page.wait_for_url(url)
    page.locator(".member-picker summary").click()

    search = page.get_by_label(re.compile("Søk etter medlemmer|Search members"))
    expect(search).to_be_visible()
    search.fill("bær")
    expect(page.get_by_label("Bærum", exact=True)).to_be_visible()
    expect(page.get_by_label("Asker", exact=True)).to_be_hidden()
    expect(page.get_by_label("Ås", exact=True)).to_be_hidden()
    search.press("Enter")  # filters, does not send the form
    expect(page).to_have_url(url)
    search.fill("")
    expect(page.get_by_label("Asker", exact=True)).to_be_visible()

    page.get_by_label(re.compile("(Hele|All of) Follo")).check()
    expect(page.get_by_label("Ås", exact=True)).to_be_checked()
    expect(page.get_by_label("Nordre Follo", exact=True)).to_be_checked()
    expect(page.get_by_label("Asker", exact=True)).not_to_be_checked()
    expect(page.locator("input[name=scope][value=chosen]")).to_be_checked()
    expect(page.locator("[data-picker-count]")).to_contain_text("2")

    page.locator("main form button.ds-button").first.click()
    page.wait_for_url(re.compile(r"/rounds/\d+$"))
    round_ = db.session.scalar(select(Round))
    assert sorted(m.name for m in round_.members) == ["Nordre Follo", "Ås"]
    db.session.remove()
