"""The start page (what needs the signed-in user's attention) and the accessibility
statement.

"What needs you" lists what waits for the user's act, asked of the same rules that
authorize the act: a representative's open rounds her member has not answered, the
draft minutes a chair may approve, the follow-up items she owns (overdue first, then
by due date, and those done), and for the secretariat the objections to answer,
rounds past their deadline not recorded, meetings without approved minutes and
undeliverable emails (counted in the template: main does not import notifications).
A representative also sees the decisions awaiting her member's own adoption
(ratification). Each list is one bounded query, whatever the history."""

from datetime import date

from flask import Blueprint, current_app, render_template, send_from_directory
from flask_babel import format_date
from flask_login import current_user, login_required
from sqlalchemy import select

from decisions.clock import now, oslo_today
from decisions.extensions import db
from decisions.followup import queries as followup_queries
from decisions.followup.rules import is_open
from decisions.meetings import queries as meeting_queries
from decisions.permissions import can
from decisions.proposals import queries as proposal_queries
from decisions.ratification import queries as ratification_queries
from decisions.register import queries as register_queries

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index():
    moment = now()
    waiting = answered_open = owed = []
    if can(current_user, "speak_for", current_user.member, kind="member"):
        owed = ratification_queries.owed_by(current_user.member_id, oslo_today(moment))
        rounds = proposal_queries.member_open_rounds(current_user.member_id, moment)
        waiting = [r for r, answered in rounds if not answered]
        answered_open = [r for r, answered in rounds if answered]
    open_rounds = []
    awaiting = objections = unrecorded = []
    if can(current_user, "follow_up", kind="proposal"):
        open_rounds = db.session.scalars(
            proposal_queries.open_rounds(moment).limit(20)).all()
        awaiting = db.session.scalars(
            proposal_queries.proposals(current_user, status="awaiting", now=moment)
            .limit(20)).all()
        objections = [(thread, round_) for thread, round_
                      in proposal_queries.objections_awaiting_answer(moment)
                      if can(current_user, "answer_objection", round_)]
        unrecorded = proposal_queries.unrecorded_rounds(moment)
    without_minutes = []
    if can(current_user, "write_minutes", kind="meeting"):
        without_minutes = meeting_queries.without_approved_minutes(current_user, moment)
    to_approve = meeting_queries.minutes_to_approve(current_user, moment)
    today = oslo_today()
    owned = db.session.scalars(followup_queries.owned_by(current_user, today)
                               .limit(OWNED_SHOWN)).all()
    owes = [item for item in owned if is_open(item)]
    has_done = [item for item in owned if not is_open(item)]
    recent = db.session.scalars(register_queries.decisions().limit(5)).all()
    meetings = meeting_queries.upcoming(current_user, moment, limit=5)
    return render_template("index.html", waiting=waiting, answered_open=answered_open,
                           open_rounds=open_rounds, awaiting=awaiting, recent=recent,
                           meetings=meetings, objections=objections, unrecorded=unrecorded,
                           without_minutes=without_minutes, to_approve=to_approve,
                           owes=owes, has_done=has_done, today=today, owed=owed)


OWNED_SHOWN = 50  # follow-up items on the start page; the item list has the rest


# The day the statement was last checked against the service; change it with the text.
STATEMENT_DATE = date(2026, 12, 2)


@bp.route("/tilgjengelighet")
def accessibility():
    """The accessibility statement (tilgjengelighetserklæring), open to everyone."""
    return render_template("accessibility.html",
                           statement_date=format_date(STATEMENT_DATE, "long"))


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on every site, also for PDFs and other files that
    name no icon; a 404 there is an error on every page's console."""
    return send_from_directory(current_app.static_folder, "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=86400)


@bp.route("/health")
def health():
    db.session.execute(select(1))
    return {"status": "ok"}
