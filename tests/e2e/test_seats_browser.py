"""In a real browser: the secretariat hands Styret's chair to a member from the day of
a meeting and marks its minutes ready; the new chair gets the "minutes await your
approval" email (real SMTP on loopback), follows its link, logs in and approves."""

import re
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect

from decisions.accounts.models import Role
from decisions.extensions import db
from decisions.meetings import agenda as meeting_agenda
from decisions.meetings import minutes as meeting_minutes
from decisions.meetings import queries as meeting_queries
from decisions.meetings.models import GroupRole
from decisions.sweep import sweep
from tests.e2e.conftest import CHROMIUM, confirm_in_dialog, sign_in

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)")


def test_the_secretariat_changes_the_chair_and_the_new_chair_approves_after_the_email(
        app, make, live_server, new_page, smtp, clock):
    secretariat = make.user(Role.SECRETARIAT)
    old_chair = make.user(Role.BOARD, name="Lise Leder")
    new_chair = make.user(Role.BOARD, name="Mona Medlem", email="mona@styret.test")
    group = make.group("Styret")
    make.seat(group, "Lise Leder", GroupRole.CHAIR, user_=old_chair,
              term_start=date(2024, 1, 1))
    seat = make.seat(group, "Mona Medlem", GroupRole.MEMBER, user_=new_chair,
                     term_start=date(2024, 1, 1))
    meeting = make.meeting(group, starts_at=datetime(2026, 3, 3, 9, tzinfo=UTC))
    meeting_agenda.publish_notice(secretariat, meeting)
    clock.set(datetime(2026, 3, 3, 12, tzinfo=UTC))
    meeting_minutes.mark_held(secretariat, meeting)
    item = meeting_queries.active_items(meeting)[0]
    meeting_minutes.save_item_minutes(secretariat, item, lock_version=item.lock_version,
                               notes="", decision_text="Godkjent.")
    db.session.commit()
    group_id, meeting_id, seat_id = group.id, meeting.id, seat.id
    sec_email = secretariat.email
    db.session.remove()  # plain values only from here (see test_browser.py)

    page = new_page()
    page.goto(f"{live_server}/login?next=/groups/{group_id}/chair")
    sign_in(page, sec_email, make.PASSWORD)
    page.fill("#from_day", "2026-03-03")
    page.select_option("#seat", str(seat_id))
    page.check("#old_stays_member")
    page.get_by_role("button", name="Bytt leder").click()
    expect(page.get_by_text("Lederen er byttet fra dagen som er oppgitt.")).to_be_visible()

    page.goto(f"{live_server}/meetings/{meeting_id}/minutes")
    page.get_by_role("button", name="Merk klar til leders godkjenning").click()
    expect(page.get_by_text("Klar til leders godkjenning siden")).to_be_visible()

    with app.app_context():
        sweep()
    (email,) = [m for m in smtp.to("mona@styret.test")  # the notice went to her too
                if m["Subject"].startswith("Protokoll venter på din godkjenning")]
    text = email.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https://samraad\.example(/meetings/\d+/minutes)", text).group(1)

    chair = new_page()
    chair.goto(f"{live_server}/login?next={link}")
    sign_in(chair, "mona@styret.test", make.PASSWORD)
    chair.wait_for_url(f"{live_server}{link}")
    chair.get_by_role("button", name="Godkjenn protokollen som leder").click()
    confirm_in_dialog(chair)
    expect(chair.get_by_text("Protokollen er godkjent og publisert som PDF.")).to_be_visible(
        timeout=60_000)
