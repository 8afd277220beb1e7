"""Browsing and filtering the audit trail (the secretariat)."""

from datetime import datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask_login import login_required

from decisions.audit import queries
from decisions.audit.labels import act_label, object_type_label
from decisions.audit.models import AuditEntry
from decisions.clock import from_oslo
from decisions.database import keyset_page
from decisions.extensions import db
from decisions.http import int_arg, require
from decisions.locale import Labels, moments

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50


def _day(name: str):
    """A date filter; malformed or far-off dates (which would overflow) are ignored."""
    try:
        day = datetime.strptime(request.args.get(name, ""), "%Y-%m-%d").date()
    except ValueError:
        return None
    return day if 1900 <= day.year <= 9998 else None


@bp.route("/")
@login_required
def index():
    require("view", "audit")
    act = request.args.get("act") or None
    object_type = request.args.get("object_type") or None
    object_id = int_arg("object_id")
    since, until = _day("since"), _day("until")
    stmt = queries.entries(
        act=act, object_type=object_type, object_id=object_id,
        since=from_oslo(datetime.combine(since, time())) if since else None,
        until=from_oslo(datetime.combine(until + timedelta(days=1), time())) if until else None)
    # Newest first, a page at a time from where the last one stopped (`after` and
    # `before`: the ids of its neighbours' ends); nothing counts the whole trail.
    page = keyset_page(stmt, AuditEntry.id, after=int_arg("after"), before=int_arg("before"),
                       per_page=PER_PAGE)
    # Each act's and object type's label translated once a page, not once a row; the
    # language and time zone of the moments looked up once.
    return render_template(
        "audit/index.html", act_label=Labels(act_label),
        object_type_label=Labels(object_type_label), moment=moments(),
        page=page, acts=db.session.scalars(queries.acts()).all(),
        object_types=db.session.scalars(queries.object_types()).all(),
        filters={"act": act or "", "object_type": object_type or "",
                 "object_id": object_id or "", "since": since or "", "until": until or ""})
