"""The public meeting calendar: the meetings of groups whose meetings are public, with
time, place, video link and, once the notice is out, the agenda (an exempt item by its
number and legal basis alone); a subscription feed whose events keep their UID and
whose SEQUENCE rises with each notice and with the cancellation."""

import re
from datetime import timedelta

import icalendar
import pytest
from sqlalchemy import select

from decisions.accounts.models import Role
from decisions.audit.models import AuditEntry
from decisions.clock import now
from decisions.extensions import db
from decisions.meetings import agenda
from decisions.meetings.models import Group
from tests.test_public import text_of

EN = {"Accept-Language": "en"}
BASIS = "Offl. § 13, jf. fvl. § 13 første ledd nr. 2"
SECRET_TITLE = "Tilsetting av daglig leder"


@pytest.fixture
def sec(app, make):
    return make.user(Role.SECRETARIAT)


@pytest.fixture
def public(app, make):
    return make.group("Styret", public_meetings=True)


def _meeting(sec, group, days=14, **fields):
    meeting = agenda.plan_meeting(sec, group, starts_at=now() + timedelta(days=days),
                                  ends_at=now() + timedelta(days=days, hours=2),
                                  place="Oslo rådhus, møterom 3",
                                  video_url="https://meet.example.org/styret", **fields)
    db.session.commit()
    return meeting


def _events(client) -> dict[int, icalendar.Event]:
    response = client.get("/public/calendar.ics", headers=EN)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    return {int(re.match(r"meeting-(\d+)@", str(e["uid"])).group(1)): e
            for e in calendar.walk("VEVENT")}


def test_the_calendar_shows_only_meetings_of_groups_whose_meetings_are_public(
        client, make, sec, public):
    private = make.group("Faggruppe for næringssamarbeid")
    shown = _meeting(sec, public)
    hidden = _meeting(sec, private)

    text = text_of(client.get("/public/calendar", headers=EN))

    assert "Styret" in text and "Faggruppe for næringssamarbeid" not in text
    assert "Oslo rådhus, møterom 3" in text and "https://meet.example.org/styret" in text
    assert set(_events(client)) == {shown.id}
    assert hidden.id not in _events(client)


def test_the_agenda_is_public_once_the_notice_is_published_and_exempt_items_are_redacted(
        client, make, sec, public):
    meeting = _meeting(sec, public)
    make.item(sec, meeting, title="Regional transportplan")
    make.item(sec, meeting, title=SECRET_TITLE, exempt_basis=BASIS)

    before = text_of(client.get("/public/calendar", headers=EN))
    agenda.publish_notice(sec, meeting)
    db.session.commit()
    after = text_of(client.get("/public/calendar", headers=EN))

    assert "Regional transportplan" not in before
    assert "Regional transportplan" in after
    assert f"Exempt from public access, {BASIS}" in after
    assert SECRET_TITLE not in after
    assert re.search(r"Item \d+/\d\d Exempt from public access", after)


def test_a_cancelled_meeting_says_so_and_its_event_is_cancelled_with_a_higher_sequence(
        client, make, sec, public):
    meeting = _meeting(sec, public)
    make.item(sec, meeting)
    agenda.publish_notice(sec, meeting)
    db.session.commit()
    published = _events(client)[meeting.id]

    agenda.cancel_meeting(sec, meeting)
    db.session.commit()
    cancelled = _events(client)[meeting.id]

    assert "Cancelled" in text_of(client.get("/public/calendar", headers=EN))
    assert str(cancelled["uid"]) == str(published["uid"])
    assert str(cancelled["status"]) == "CANCELLED"
    assert cancelled.decoded("sequence") > published.decoded("sequence")


def test_each_notice_raises_the_sequence_of_the_same_event(client, make, sec, public):
    meeting = _meeting(sec, public)
    make.item(sec, meeting)
    planned = _events(client)[meeting.id]
    agenda.publish_notice(sec, meeting)
    db.session.commit()
    first = _events(client)[meeting.id]
    make.item(sec, meeting, title="Ny sak")
    agenda.publish_notice(sec, meeting)
    db.session.commit()
    revised = _events(client)[meeting.id]

    assert len({str(e["uid"]) for e in (planned, first, revised)}) == 1
    assert [e.decoded("sequence") for e in (planned, first, revised)] == [0, 1, 2]
    assert "/public/calendar#meeting-" in str(revised["url"])


def test_recent_meetings_are_listed_apart_from_the_upcoming_ones(client, make, sec, public):
    _meeting(sec, public, days=-10)
    _meeting(sec, public, days=10)

    text = text_of(client.get("/public/calendar", headers=EN))

    upcoming, recent = text.split("Upcoming meetings")[1].split("Recent meetings")
    assert "Oslo rådhus" in upcoming and "Oslo rådhus" in recent


def test_the_secretariat_makes_a_groups_meetings_public_on_the_group_form(
        client, make, sec):
    group = make.group("Representantskapet")
    make.login(client, sec)

    response = client.post(f"/groups/{group.id}/edit", data={
        "name": group.name, "kind": group.kind.value, "active": "y",
        "public_meetings": "y", "lock_version": group.lock_version})

    assert response.status_code == 303
    assert db.session.get(Group, group.id).public_meetings is True
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.act == "group.edited")).one()
    assert entry.after["public_meetings"] is True


def test_the_public_register_links_the_calendar(client):
    response = client.get("/public/", headers=EN)

    assert 'href="/public/calendar"' in response.text
