"""The decision register: list with search, and one decision."""

from flask import Blueprint, abort, render_template, request, url_for
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
from decisions.register import export, queries

bp = Blueprint("register", __name__, url_prefix="/decisions")


@bp.before_request
@login_required
def _signed_in():
    pass


def _filtered():
    """The register's query with the filters of the request, and the filters."""
    search = (request.args.get("q") or "").strip()[:200]
    year = int_arg("year", 1900, 9999)
    day = oslo_today()
    stmt = queries.decisions(search=search or None, year=year)
    followup = request.args.get("followup") or ""
    if followup in set(FollowupState):
        stmt = followup_queries.in_state(stmt, FollowupState(followup), day)
    wanted = request.args.get("ratification") or ""
    kind = StateKind(wanted) if wanted in set(StateKind) else None
    filters = {"q": search or None, "year": year, "followup": followup or None,
               "ratification": kind.value if kind else None}
    return ratification.filtered(stmt, kind, day), filters


@bp.route("/")
def index():
    require("list", "decision")
    stmt, filters = _filtered()
    day = oslo_today()
    page = db.paginate(stmt, page=page_number(), per_page=25, error_out=False)
    return render_template("register/index.html", page=page, search=filters["q"] or "",
                           year=filters["year"], followup=filters["followup"] or "",
                           followup_states=STATE_LABELS, filters=filters,
                           summaries=followup_queries.summaries(
                               (d.id for d in page.items), day),
                           ratification=filters["ratification"] or "",
                           ratification_states=ratification.states_of(page.items, day))


@bp.route(f"/decisions.<{export.FORMATS}:fmt>")
def download(fmt: str):
    """The register as data: every decision the page lists with these filters."""
    require("list", "decision")
    stmt, _filters = _filtered()
    rows = export.decision_rows(
        db.session.scalars(stmt.limit(export.MAX_ROWS)),
        lambda d: url_for("register.show", year=d.year, number=d.number, _external=True))
    return export.download(export.DECISION_COLUMNS, rows, fmt, "vedtak")


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
