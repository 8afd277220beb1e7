"""The decision register: list with search, and one decision."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from decisions.clock import oslo_today
from decisions.extensions import db
from decisions.followup import queries as followup_queries
from decisions.followup.forms import STATE_LABELS
from decisions.followup.rules import FollowupState
from decisions.http import int_arg, page_number, require
from decisions.permissions import can
from decisions.ratification import queries as ratification
from decisions.ratification.rules import StateKind
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
    day = oslo_today()
    stmt = queries.decisions(search=search or None, year=year)
    followup = request.args.get("followup") or ""
    if followup in set(FollowupState):
        stmt = followup_queries.in_state(stmt, FollowupState(followup), day)
    wanted = request.args.get("ratification") or ""
    kind = StateKind(wanted) if wanted in set(StateKind) else None
    page = db.paginate(ratification.filtered(stmt, kind, day), page=page_number(),
                       per_page=25, error_out=False)
    return render_template("register/index.html", page=page, search=search, year=year,
                           followup=followup, followup_states=STATE_LABELS,
                           summaries=followup_queries.summaries(
                               (d.id for d in page.items), day),
                           ratification=kind.value if kind else "",
                           ratification_states=ratification.states_of(page.items, day))


@bp.route("/<int:year>/<int:number>")
def show(year: int, number: int):
    decision = queries.decision(year, number)
    if decision is None:
        abort(404)
    if not can(current_user, "view", decision):
        abort(403)
    day = oslo_today()
    items = followup_queries.of_decision(decision.id)
    return render_template("register/show.html", decision=decision, today=day,
                           followup_items=items,
                           followup_summary=followup_queries.summaries([decision.id], day)
                           .get(decision.id),
                           ratification_state=ratification.states_of([decision], day)
                           .get(decision.id))
