"""Ratification in the browser: a decision's board of members' handlings, the
secretariat's requirement, a member's record form, its local PDF, the table as CSV,
a member's page, and the report-back item on an agenda."""

import csv
import io

from flask import Blueprint, Response, abort, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

import decisions.lifecycle as lifecycle
from decisions.clock import oslo_today
from decisions.files import storage
from decisions.http import load, require, see_other
from decisions.meetings.models import Meeting
from decisions.members.models import Member
from decisions.members.services import csv_cell
from decisions.permissions import can
from decisions.proposals.models import Proposal
from decisions.ratification import queries, services
from decisions.ratification.forms import (
    BODY_LABELS,
    OUTCOME_LABELS,
    STATE_LABELS,
    ActionForm,
    HandlingForm,
    RequirementForm,
)
from decisions.ratification.models import Body, InForce, LocalOutcome, Ratification
from decisions.register.models import Decision

bp = Blueprint("ratification", __name__, url_prefix="/ratification")


@bp.before_request
@login_required
def _signed_in():
    pass


def _decision(id: int) -> Decision:
    decision = queries.decision_of(id)
    if decision is None:
        abort(404)
    if not can(current_user, "view", decision):
        abort(403)
    return decision


@bp.route("/decisions/<int:id>")
def show(id: int):
    decision = _decision(id)
    requirement = queries.requirement_for(decision.proposal_id)
    board = (queries.board(decision, requirement, oslo_today())
             if requirement is not None else None)
    return render_template("ratification/show.html", decision=decision,
                           requirement=requirement, board=board,
                           recordable=recordable(board) if board else set())


def recordable(board: queries.Board) -> set[int]:
    """The members whose handling the user may record (asked of the rule, no query)."""
    return {m.id for m in board.members if can(
        current_user, "record", board.rows.get(m.id) or Ratification(member_id=m.id))}


@bp.route("/proposals/<int:id>/requirement", methods=["GET", "POST"])
def requirement(id: int):
    proposal = load(Proposal, id)
    require("require", "ratification")
    current = queries.requirement_for(proposal.id)
    form = RequirementForm(obj=current if request.method == "GET" else None)
    if request.method == "GET" and current is not None:
        form.body.data, form.in_force.data = current.body.value, current.in_force.value
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            services.set_requirement(
                current_user, proposal, body=Body(form.body.data),
                body_other=form.body_other.data or "", deadline=form.deadline.data,
                in_force=InForce(form.in_force.data),
                required_count=form.required_count.data,
                remind_days=form.remind_days.data,
                lock_version=int(form.lock_version.data) if form.lock_version.data else None)
            flash(_("The ratification is saved."), "success")
            return see_other("proposals.show", id=proposal.id)
    status = 422 if request.method == "POST" else 200
    return render_template("ratification/requirement.html", form=form, proposal=proposal,
                           current=current), status


@bp.route("/decisions/<int:id>/members/<int:member_id>", methods=["GET", "POST"])
def record(id: int, member_id: int):
    decision = _decision(id)
    member = load(Member, member_id)
    existing = queries.row(decision.id, member.id)
    if not can(current_user, "record", existing or Ratification(member_id=member.id)):
        abort(403)
    requirement = queries.requirement_for(decision.proposal_id)
    if requirement is None or not queries.is_in_round(decision.round_id, member.id):
        abort(404)
    form = HandlingForm(obj=existing if request.method == "GET" else None)
    if request.method == "GET":
        form.body.data = (existing.body if existing else requirement.body).value
        if existing is not None:
            form.outcome.data = existing.outcome.value
    if form.validate_on_submit():
        upload = form.file.data
        pdf = ((upload.read(), upload.filename or "") if upload and upload.filename
               else None)
        with lifecycle.refusal(form):
            services.record_handling(
                current_user, decision, member, body=Body(form.body.data),
                meeting_date=form.meeting_date.data, case_number=form.case_number.data,
                outcome=LocalOutcome(form.outcome.data),
                record_url=form.record_url.data or "",
                change_text=form.change_text.data or "", pdf=pdf,
                lock_version=int(form.lock_version.data) if form.lock_version.data else None)
            flash(_("The handling by %(member)s is recorded.", member=member.name), "success")
            return see_other("ratification.show", id=decision.id)
    status = 422 if request.method == "POST" else 200
    return render_template("ratification/record.html", form=form, decision=decision,
                           member=member, existing=existing, requirement=requirement,
                           on_behalf=not can(current_user, "speak_for", member)), status


@bp.route("/decisions/<int:id>/members/<int:member_id>/decision.pdf")
def local_pdf(id: int, member_id: int):
    found = queries.row(id, member_id)  # one query; the rule needs only the row in hand
    if found is None or found.pdf_key is None or not can(current_user, "view", found):
        _decision(id)  # 404 or 403, as the decision's page answers
        abort(404)
    return storage.send_pdf(found.pdf_key, found.pdf_filename, found.pdf_sha256)


def table_csv(decision: Decision) -> str:
    """The ratification table as CSV: a cell a spreadsheet shows as text, never runs."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["member", "subregion", "body", "meeting_date", "case_number",
                     "record_url", "outcome", "change", "registered_on_behalf"])
    for member, found in queries.table(decision):
        if found is None:
            writer.writerow([csv_cell(member.name), csv_cell(member.subregion.name),
                             "", "", "", "", "", "", ""])
            continue
        writer.writerow([csv_cell(member.name), csv_cell(member.subregion.name),
                         found.body.value, found.meeting_date.isoformat(),
                         csv_cell(found.case_number), csv_cell(found.record_url),
                         found.outcome.value, csv_cell(found.change_text),
                         "yes" if found.on_behalf else "no"])
    return out.getvalue()


@bp.route("/decisions/<int:id>/ratification.csv")
def export(id: int):
    decision = _decision(id)
    if queries.requirement_for(decision.proposal_id) is None:
        abort(404)
    name = f"ratification-{decision.year}-{decision.number:03d}.csv"
    return Response("\ufeff" + table_csv(decision), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/members/<int:id>")
def member(id: int):
    found = load(Member, id)
    require("list", "ratification")
    moment = oslo_today()
    return render_template("ratification/member.html", member=found,
                           owed=queries.owed_by(found.id, moment),
                           done=queries.done_by(found.id))


@bp.route("/meetings/<int:id>/report-back", methods=["POST"])
def report_back(id: int):
    meeting = load(Meeting, id, "manage")
    if not ActionForm().validate_on_submit():
        abort(400)
    with lifecycle.refusal():
        services.add_report_back_item(current_user, meeting)
        flash(_("The item “Oppfølging av vedtak” is added. Its text is written when the "
                "notice is published."), "success")
    return see_other("meetings.meeting", id=meeting.id)


@bp.app_context_processor
def _labels():
    return {"ratification_body_labels": BODY_LABELS,
            "ratification_outcome_labels": OUTCOME_LABELS,
            "ratification_state_labels": STATE_LABELS}
