"""Meetings as iCalendar files (RFC 5545), and the personal calendar feeds that publish
them: building the file, choosing a feed's meetings, creating and revoking feeds."""

import hashlib
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Response, current_app, make_response, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from decisions.accounts.models import User
from decisions.audit.services import record, snapshot
from decisions.clock import now, oslo
from decisions.errors import NotAllowed
from decisions.extensions import db
from decisions.meetings.models import CalendarFeed, GroupMembership, Meeting, MeetingState
from decisions.permissions import can, visible

# A feed carries the meetings of the past year and every meeting ahead.
FEED_HISTORY = timedelta(days=365)
STATUS = {MeetingState.PLANNED: "TENTATIVE", MeetingState.CANCELLED: "CANCELLED"}


# --- The file -------------------------------------------------------------------------

def calendar_file(meetings: Iterable[Meeting], *, name: str,
                  page: Callable[[Meeting], str] | None = None) -> bytes:
    """One event per meeting. Times are written in UTC, which every calendar shows in
    its own zone, so the Oslo summer-time rules need not travel with the file. `page`
    gives an event's web page (the members' meeting page unless told otherwise)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Samråd//Samråd//NB")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp, domain = now(), _uid_domain()
    for meeting in meetings:
        calendar.add_component(_event(meeting, stamp, domain, page or _meeting_page))
    return calendar.to_ical()


def ics_response(body: bytes, filename: str | None = None, *,
                 cache: str = "private, no-cache") -> Response:
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = cache
    return response


def _uid_domain() -> str:
    host = current_app.config.get("SERVER_NAME") or request.host
    return urlsplit(f"//{host}").hostname or "samraad"


def _meeting_page(meeting: Meeting) -> str:
    return url_for("meetings.meeting", id=meeting.id, _external=True)


def sequence(meeting: Meeting) -> int:
    """The event's version (SEQUENCE): each published notice is a new one, and so is the
    cancellation (which publishes no notice)."""
    return meeting.notice_revision + (meeting.state == MeetingState.CANCELLED)


def _event(meeting: Meeting, stamp: datetime, domain: str,
           page_of: Callable[[Meeting], str]) -> Event:
    cancelled = meeting.state == MeetingState.CANCELLED
    summary = _("Meeting of %(group)s", group=meeting.group.name)
    page = page_of(meeting)
    lines = [_("Meeting page: %(url)s", url=page)]
    if meeting.video_url:
        lines.append(_("Video link: %(url)s", url=meeting.video_url))
    event = Event()
    # Stable per meeting, so that a calendar updates the event instead of adding one.
    event.add("uid", f"meeting-{meeting.id}@{domain}")
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.starts_at)
    if meeting.ends_at is not None:
        event.add("dtend", meeting.ends_at)
    event.add("summary", _("Cancelled: %(summary)s", summary=summary) if cancelled
              else summary)
    if meeting.place or meeting.video_url:
        event.add("location", meeting.place or meeting.video_url)
    event.add("url", page)
    event.add("description", "\n".join(lines))
    event.add("status", STATUS.get(meeting.state, "CONFIRMED"))
    event.add("sequence", sequence(meeting))
    return event


# --- A feed's meetings ----------------------------------------------------------------

def feed_meetings(user: User) -> list[Meeting]:
    """The meetings in `user`'s feed, by start: those of the groups where the user holds
    a seat on the day of the meeting, or every meeting for the secretariat; of those only
    the ones the user may see. Two queries, however many meetings there are."""
    query = (select(Meeting).options(joinedload(Meeting.group))
             .where(Meeting.starts_at >= now() - FEED_HISTORY, visible(user, "meeting"))
             .order_by(Meeting.starts_at, Meeting.id))
    if can(user, "manage", kind="meeting"):
        return list(db.session.scalars(query))
    seats = db.session.scalars(
        select(GroupMembership).where(GroupMembership.user_id == user.id)).all()
    if not seats:
        return []
    meetings = db.session.scalars(
        query.where(Meeting.group_id.in_({seat.group_id for seat in seats})))
    return [m for m in meetings if any(
        seat.group_id == m.group_id and seat.serves_on(oslo(m.starts_at).date())
        for seat in seats)]


# --- Feeds ----------------------------------------------------------------------------

def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_user(token: str) -> User | None:
    """The active user whose live feed `token` opens, or None."""
    return db.session.scalar(
        select(User).join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token_hash == _digest(token), CalendarFeed.revoked_at.is_(None),
               User.active.is_(True)))


def has_feed(user: User) -> bool:
    return db.session.scalar(
        select(CalendarFeed.id).where(CalendarFeed.user_id == user.id,
                                      CalendarFeed.revoked_at.is_(None)).limit(1)) is not None


def create_feed(user: User) -> str:
    """A new secret feed address for `user`; an older one stops working. Returns the
    token for the URL, to be shown once: only its hash is kept."""
    if not user.is_active:
        raise NotAllowed(_l("You may not do this."))
    revoke_feeds(user)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=user.id, token_hash=_digest(token), created_at=now())
    db.session.add(feed)
    db.session.flush()
    record(user, "calendar.feed_created", feed, after=snapshot(feed, "user_id"))
    return token


def revoke_feeds(user: User) -> int:
    """Stops every feed address of `user`; returns how many there were."""
    feeds = db.session.scalars(
        select(CalendarFeed).where(CalendarFeed.user_id == user.id,
                                   CalendarFeed.revoked_at.is_(None))).all()
    moment = now()
    for feed in feeds:
        feed.revoked_at = moment
    db.session.flush()
    for feed in feeds:
        record(user, "calendar.feed_revoked", feed, after=snapshot(feed, "revoked_at"))
    return len(feeds)
