"""The decision register: list with search, and one decision."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from decisions.extensions import db
from decisions.followup import queries as followup_queries
from decisions.followup.forms import STATE_LABELS
from decisions.followup.rules import FollowupState
from decisions.followup.services import today as oslo_today
from decisions.http import int_arg, page_number, require
from decisions.permissions import can
from decisions.register import queries

bp = Blueprint("register", __name__, url_prefix="/decisions")


@bp.before_request
@login_required
def _signed_in():
    pass


@bp.route("/")
def index():
    require("list", "decision")
    search = (request.args.get("q") or "").strip()[:200]
    year = int_arg("year", 1900, 9999)
    today = oslo_today()
    stmt = queries.decisions(search=search or None, year=year)
    followup = request.args.get("followup") or ""
    if followup in set(FollowupState):
        stmt = followup_queries.in_state(stmt, FollowupState(followup), today)
    page = db.paginate(stmt, page=page_number(), per_page=25, error_out=False)
    return render_template("register/index.html", page=page, search=search, year=year,
                           followup=followup, followup_states=STATE_LABELS,
                           summaries=followup_queries.summaries(
                               (d.id for d in page.items), today))


@bp.route("/<int:year>/<int:number>")
def show(year: int, number: int):
    decision = queries.decision(year, number)
    if decision is None:
        abort(404)
    if not can(current_user, "view", decision):
        abort(403)
    today = oslo_today()
    items = followup_queries.of_decision(decision.id)
    return render_template("register/show.html", decision=decision, today=today,
                           followup_items=items,
                           followup_summary=followup_queries.summaries([decision.id], today)
                           .get(decision.id))
