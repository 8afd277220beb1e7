"""Calendar files: one per meeting, and a personal feed that calendars subscribe to."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from decisions.clock import oslo
from decisions.http import load, see_other
from decisions.meetings import calendar
from decisions.meetings.models import Meeting
from decisions.proposals.forms import ActionForm

bp = Blueprint("calendar", __name__)


@bp.route("/meetings/<int:id>/calendar.ics")
@login_required
def meeting(id: int):
    meeting_ = load(Meeting, id)
    body = calendar.calendar_file([meeting_], name=meeting_.group.name)
    return calendar.ics_response(
        body, f"mote-{oslo(meeting_.starts_at):%Y-%m-%d}-{meeting_.id}.ics")


@bp.route("/calendar/<string(maxlength=100):token>.ics")
def feed(token: str):
    """No login: calendar programs cannot log in. The secret token in the address is
    the credential; a wrong, revoked or deactivated one is simply not found."""
    user = calendar.feed_user(token)
    if user is None:
        abort(404)
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = calendar.calendar_file(
            calendar.feed_meetings(user),
            name=_("Meetings – %(alliance)s", alliance=current_app.config["ALLIANCE_NAME"]))
    response = calendar.ics_response(body)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/account/calendar", methods=["GET", "POST"])
@login_required
def settings():
    url = None
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        token = calendar.create_feed(current_user)
        url = url_for("calendar.feed", token=token, _external=True)
    response = make_response(render_template(
        "calendar/feed.html", url=url, has_feed=calendar.has_feed(current_user)))
    # The page may show the secret address: keep it out of every cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/calendar/revoke", methods=["POST"])
@login_required
def revoke():
    if not ActionForm().validate_on_submit():
        abort(400)
    calendar.revoke_feeds(current_user)
    flash(_("The calendar address is revoked. Calendars that subscribed to it get no more "
            "updates."), "success")
    return see_other("calendar.settings")
