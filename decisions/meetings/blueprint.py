"""The meetings blueprint and what its view modules share.

The pages are in views.py (groups), agenda_views.py (a meeting, its agenda, its notice
and documents) and minutes_views.py (the minutes and their approval). Each registers
its routes on `bp` when imported; views.py imports the others, and the factory
registers `bp` from there. A new view module: `from decisions.meetings.blueprint
import bp`, then add it to the imports at the top of views.py.
"""

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user, login_required

import decisions.lifecycle as lifecycle
from decisions.extensions import db
from decisions.http import load, see_other
from decisions.meetings import queries
from decisions.meetings.forms import ButtonForm
from decisions.meetings.labels import (
    ABSENCE_LABELS,
    ATTENDANCE_LABELS,
    ENTRY_LABELS,
    GROUP_ROLE_LABELS,
    ITEM_KIND_LABELS,
)
from decisions.meetings.models import AgendaItem, DocumentKind, Meeting, MeetingState
from decisions.permissions import can

bp = Blueprint("meetings", __name__)


@bp.before_request
@login_required
def _signed_in():
    pass


@bp.app_context_processor
def _labels():
    return {"ITEM_KIND_LABELS": ITEM_KIND_LABELS, "ATTENDANCE_LABELS": ATTENDANCE_LABELS,
            "ENTRY_LABELS": ENTRY_LABELS, "ABSENCE_LABELS": ABSENCE_LABELS,
            "GROUP_ROLE_LABELS": GROUP_ROLE_LABELS, "MeetingState": MeetingState,
            "DocumentKind": DocumentKind}


@bp.app_template_filter("seat_role")
def seat_role(seat) -> str:
    """A seat's role in its group, in words (chair, member, deputy, ...)."""
    return str(GROUP_ROLE_LABELS[seat.role])


def form_page(template: str, form, **context):
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


def load_meeting(id: int, action: str = "view") -> Meeting:
    """The meeting with its agenda, if the user may `action` it (404, 403 otherwise)."""
    meeting = queries.meeting_with_agenda(id)
    if meeting is None:
        abort(404)
    if not can(current_user, action, meeting):
        abort(403)
    return meeting


def load_item(id: int, action: str) -> AgendaItem:
    """An agenda item on its meeting's agenda (404 otherwise), if the user may
    `action` its meeting (403 otherwise)."""
    item = db.session.get(AgendaItem, id)
    if item is None or item.removed:
        abort(404)
    if not can(current_user, action, item.meeting):
        abort(403)
    return item


def act_on_meeting(id: int, act, success: str, action: str = "manage"):
    """A button on the meeting page: one act on the meeting, then back to the page."""
    meeting = load(Meeting, id, action)
    if not ButtonForm().validate_on_submit():
        abort(400)
    with lifecycle.refusal():
        act(meeting)
        flash(success, "success")
    return see_other("meetings.meeting", id=meeting.id)


def item_url(item: AgendaItem) -> str:
    return url_for("meetings.meeting", id=item.meeting_id, _anchor=f"item-{item.id}")
