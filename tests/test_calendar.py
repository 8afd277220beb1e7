"""Calendar files: the right moments whatever the season, cancellations, and personal
feeds that open with a secret address only, stop when revoked and show only what the
user may see, in a fixed number of queries."""

import hashlib
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import icalendar
import pytest
from sqlalchemy import select

from decisions.accounts.models import Role
from decisions.audit.models import AuditEntry
from decisions.clock import OSLO, from_oslo
from decisions.extensions import db
from decisions.meetings import agenda
from decisions.meetings import services as meetings
from decisions.meetings.models import CalendarFeed, GroupRole
from tests.counting import counting_queries

EN = {"Accept-Language": "en"}


@pytest.fixture
def sec(app, make):
    return make.user(Role.SECRETARIAT)


def _plan(sec, group, local_start: datetime, local_end: datetime | None = None, **fields):
    """A meeting at an Oslo wall-clock time, as the secretariat types it."""
    meeting = agenda.plan_meeting(
        sec, group, starts_at=from_oslo(local_start),
        ends_at=from_oslo(local_end) if local_end else None, **fields)
    db.session.commit()
    return meeting


def _events(response) -> dict[int, icalendar.Event]:
    assert response.status_code == 200, response.text[:300]
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    return {int(re.match(r"meeting-(\d+)@", str(e["uid"])).group(1)): e
            for e in calendar.walk("VEVENT")}


def _event(client, meeting) -> icalendar.Event:
    return _events(client.get(f"/meetings/{meeting.id}/calendar.ics", headers=EN))[meeting.id]


@pytest.mark.parametrize(("local", "utc"), [
    (datetime(2026, 3, 16, 18, 0), datetime(2026, 3, 16, 17, 0, tzinfo=UTC)),  # winter
    (datetime(2026, 3, 29, 10, 0), datetime(2026, 3, 29, 8, 0, tzinfo=UTC)),  # day DST starts
    (datetime(2026, 6, 15, 9, 30), datetime(2026, 6, 15, 7, 30, tzinfo=UTC)),  # summer
    (datetime(2026, 10, 25, 12, 0), datetime(2026, 10, 25, 11, 0, tzinfo=UTC)),  # DST ends
])
def test_a_meeting_at_oslo_wall_clock_time_is_the_right_moment_in_the_calendar(
        app, client, make, sec, local, utc):
    meeting = _plan(sec, make.group(), local, local.replace(hour=local.hour + 2))
    make.login(client, sec)

    event = _event(client, meeting)

    assert event.decoded("dtstart") == utc
    assert event.decoded("dtstart").astimezone(OSLO).replace(tzinfo=None) == local
    assert event.decoded("dtend").astimezone(OSLO).replace(tzinfo=None) == local.replace(
        hour=local.hour + 2)


def test_the_event_names_group_place_links_and_is_stable_per_meeting(app, client, make, sec):
    group = make.group(name="Styret")
    meeting = _plan(sec, group, datetime(2026, 4, 20, 10, 0), place="Oslo rådhus, rom 3",
                    video_url="https://video.example/styret")
    make.login(client, sec)

    first, again = _event(client, meeting), _event(client, meeting)

    assert str(first["uid"]) == str(again["uid"]) == f"meeting-{meeting.id}@localhost"
    assert "Styret" in str(first["summary"])
    assert str(first["location"]) == "Oslo rådhus, rom 3"
    assert urlsplit(str(first["url"])).path == f"/meetings/{meeting.id}"
    description = str(first["description"])
    assert f"/meetings/{meeting.id}" in description
    assert "https://video.example/styret" in description
    assert str(first["status"]) == "TENTATIVE"  # planned: the notice is not out
    assert first.decoded("sequence") == 0
    assert "dtend" not in _event(client, _plan(sec, group, datetime(2026, 5, 4, 10, 0)))


def test_a_cancelled_meeting_is_a_cancelled_event(app, client, make, sec):
    meeting = _plan(sec, make.group(), datetime(2026, 4, 20, 10, 0))
    agenda.cancel_meeting(sec, meeting)
    db.session.commit()
    make.login(client, sec)

    event = _event(client, meeting)

    assert str(event["status"]) == "CANCELLED"
    assert str(event["summary"]).startswith("Cancelled:")


def test_each_published_notice_is_a_new_sequence_of_the_same_event(app, client, make, sec):
    meeting = _plan(sec, make.group(), datetime(2026, 4, 20, 10, 0))
    agenda.publish_notice(sec, meeting)
    make.item(sec, meeting, "Ny sak")  # a revised notice says something new
    agenda.publish_notice(sec, meeting)
    db.session.commit()
    make.login(client, sec)

    event = _event(client, meeting)

    assert event.decoded("sequence") == 2
    assert str(event["status"]) == "CONFIRMED"


def test_a_meeting_whose_notice_is_not_out_has_no_calendar_file_for_members(
        app, client, make, sec):
    meeting = _plan(sec, make.group(), datetime(2026, 4, 20, 10, 0))
    make.login(client, make.user(Role.BOARD))

    assert client.get(f"/meetings/{meeting.id}/calendar.ics").status_code == 403


# --- Feeds ----------------------------------------------------------------------------


@pytest.fixture
def board(app, make, sec):
    """A board member with a seat in the board; the board has a published and a planned
    meeting, and another group a published one."""
    user = make.user(Role.BOARD)
    group = make.group(name="Styret")
    make.seat(group, person_name=user.name, role=GroupRole.MEMBER, user_=user)
    published = _plan(sec, group, datetime(2026, 3, 23, 10, 0), place="Oslo rådhus")
    make.item(sec, published, "Budsjett")
    planned = _plan(sec, group, datetime(2026, 5, 4, 10, 0))
    elsewhere = _plan(sec, make.group(name="Faggruppe klima"), datetime(2026, 3, 24, 10, 0))
    for meeting in (published, elsewhere):
        agenda.publish_notice(sec, meeting)
    db.session.commit()
    return {"user": user, "published": published, "planned": planned,
            "elsewhere": elsewhere}


def _create_feed(client) -> str:
    """The feed address the account page shows once after creating it."""
    page = client.post("/account/calendar", headers=EN)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    match = re.search(r'value="(http://localhost/calendar/[^"]+\.ics)"', page.text)
    assert match, page.text
    return urlsplit(match.group(1)).path


def test_a_feed_opens_without_login_and_holds_only_the_meetings_the_user_may_see(
        app, client, make, board):
    make.login(client, board["user"])
    path = _create_feed(client)

    events = _events(app.test_client().get(path))  # another browser, not logged in

    assert set(events) == {board["published"].id}


def test_the_secretariats_feed_holds_every_meeting_planned_ones_included(
        app, client, make, sec, board):
    make.login(client, sec)
    path = _create_feed(client)

    events = _events(app.test_client().get(path))

    assert set(events) == {board["published"].id, board["planned"].id,
                           board["elsewhere"].id}


def test_a_seat_that_has_ended_brings_no_later_meetings(app, client, make, sec, board):
    [seat] = [s for s in board["published"].group.memberships
              if s.user_id == board["user"].id]
    meetings.end_membership(sec, seat, datetime(2026, 3, 1).date())
    db.session.commit()
    make.login(client, board["user"])

    events = _events(app.test_client().get(_create_feed(client)))

    assert events == {}


def test_a_revoked_address_is_not_found_and_a_new_one_replaces_the_old(
        app, client, make, board):
    make.login(client, board["user"])
    old = _create_feed(client)
    new = _create_feed(client)
    outsider = app.test_client()

    assert outsider.get(old).status_code == 404
    assert outsider.get(new).status_code == 200
    response = client.post("/account/calendar/revoke")
    assert response.status_code == 303
    assert outsider.get(new).status_code == 404
    assert outsider.get("/calendar/made-up-token.ics").status_code == 404


def test_a_deactivated_users_feed_is_not_found(app, client, make, board):
    make.login(client, board["user"])
    path = _create_feed(client)
    board["user"].active = False
    db.session.commit()

    assert app.test_client().get(path).status_code == 404


def test_only_the_hash_of_the_token_is_kept_and_the_address_is_shown_once(
        app, client, make, board):
    make.login(client, board["user"])
    before = client.get("/account/calendar", headers=EN).text
    token = _create_feed(client).removeprefix("/calendar/").removesuffix(".ics")
    after = client.get("/account/calendar", headers=EN).text

    assert "You have no calendar address." in before
    assert token not in after and "You have a calendar address." in after
    db.session.commit()
    feed = db.session.scalars(select(CalendarFeed)).one()
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    acts = db.session.scalars(select(AuditEntry).where(AuditEntry.act.like("calendar.%")))
    assert [(e.act, e.actor_id) for e in acts] == [("calendar.feed_created",
                                                    board["user"].id)]
    assert all(token not in str(e.after) for e in db.session.scalars(select(AuditEntry)))


def _queries_for(client, path) -> int:
    with counting_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


@pytest.mark.parametrize("role", ["board", "secretariat"])
def test_a_feed_costs_the_same_number_of_queries_for_one_meeting_or_many(
        app, client, make, sec, role):
    user = sec if role == "secretariat" else make.user(Role.BOARD)
    groups = [make.group(), make.group()]
    for group in groups:
        make.seat(group, person_name=user.name, user_=user)
    make.login(client, user)
    path = _create_feed(client)
    feed = app.test_client()

    def add_meetings(count: int) -> None:
        for n in range(count):
            meeting = _plan(sec, groups[n % 2], datetime(2026, 4, 1 + n, 10, 0))
            agenda.publish_notice(sec, meeting)
        db.session.commit()

    add_meetings(1)
    few = _queries_for(feed, path)
    add_meetings(6)
    many = _queries_for(feed, path)

    assert len(_events(feed.get(path))) == 7
    assert few == many
