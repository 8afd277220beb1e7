"""The minutes of a meeting: mark it held, attendance, the meeting leader and the
minute-taker, each item's minutes and lines, approval. Load, authorize, call one act of
minutes.py, respond."""

from flask import abort, flash, render_template, url_for
from flask_babel import gettext as _
from flask_htmx import make_response as htmx_response
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

import decisions.lifecycle as lifecycle
import decisions.submissions as submissions
from decisions.clock import now
from decisions.confirm import confirm_first
from decisions.database import reads_first
from decisions.errors import Conflict, DomainError
from decisions.extensions import db
from decisions.http import form_home, load, see_other, wants_fragment
from decisions.meetings import minutes as minutes_acts
from decisions.meetings import queries, rules
from decisions.meetings.blueprint import act_on_meeting, bp, load_item, load_meeting
from decisions.meetings.forms import (
    AbsenceForm,
    ActionForm,
    ApproveForm,
    AttendanceForm,
    ButtonForm,
    EntryForm,
    MinutesForm,
    OfficersForm,
)
from decisions.meetings.models import (
    AbsenceKind,
    ActionItem,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    EntryKind,
    ItemAbsence,
    Meeting,
    ProtocolEntry,
)
from decisions.members.models import Member
from decisions.permissions import can

# --- Minutes --------------------------------------------------------------------------

@bp.route("/meetings/<int:id>/held", methods=["POST"])
@confirm_first("mark_held", lambda id: load(Meeting, id, "manage"))
def held(id: int):
    return act_on_meeting(id, lambda m: minutes_acts.mark_held(current_user, m),
                          _("The meeting is marked as held. Write the minutes."))


def _minutes_context(meeting: Meeting, failed_form=None,
                     failed_item: int | None = None) -> dict:
    """What the minutes page and its fragments show. A form that failed validation is
    shown again in its place, with what the user typed and the errors."""
    items = queries.active_items(meeting)
    editable = (can(current_user, "write_minutes", meeting)
                and rules.minutes_open(meeting.state))
    members = list(db.session.scalars(
        select(Member).where(Member.active).order_by(Member.name))) if editable else []

    def line_forms(item: AgendaItem):
        forms = [EntryForm(formdata=None), AbsenceForm(formdata=None), ActionForm(formdata=None)]
        if failed_form is not None and failed_item == item.id:
            forms = [failed_form if isinstance(failed_form, type(f)) else f for f in forms]
        _member_choices(forms[0], members)
        return forms

    attendance_form = failed_form if isinstance(failed_form, AttendanceForm) \
        else AttendanceForm(formdata=None)
    officers_form = failed_form if isinstance(failed_form, OfficersForm) \
        else OfficersForm(formdata=None, obj=meeting)
    return {"meeting": meeting, "items": items, "editable": editable,
            "proposed": queries.proposed_decisions(items) if editable else {},
            "line_forms": line_forms, "attendance_form": attendance_form,
            "officers_form": officers_form,
            "failed_item": failed_item, "approve_form": ApproveForm(formdata=None),
            "can_approve_as_chair": can(current_user, "approve_as_chair", meeting),
            "chair_refusal": rules.why_not_approved_by_chair(meeting, now()),
            "approving": [(item, rules.why_not_approved_by_item(meeting, item, item.meeting,
                                                                now()))
                          for item in queries.approving_items(meeting.id)],
            "documents": queries.documents([meeting.id]).get(meeting.id, {})}


def _member_choices(form: EntryForm, members: list[Member]) -> None:
    form.member.choices = [SelectChoice(0, "—")] + [SelectChoice(m.id, m.name)
                                                     for m in members]


@bp.route("/meetings/<int:id>/minutes")
def minutes(id: int):
    meeting_ = load_meeting(id, "view_minutes")
    if not rules.has_minutes(meeting_.state):
        abort(404)
    return render_template("meetings/minutes.html", **_minutes_context(meeting_))


@bp.route("/items/<int:id>/minutes", methods=["POST"])
@form_home(lambda id: minutes_of_item(id, f"minutes-{id}"))
def save_minutes(id: int):
    item = load_item(id, "write_minutes")
    form = MinutesForm()
    if not form.validate_on_submit():
        abort(400)
    notes, decision_text = form.notes.data or "", form.decision_text.data or ""
    try:
        minutes_acts.save_item_minutes(current_user, item, lock_version=form.lock_version.data,
                                       notes=notes, decision_text=decision_text)
    except Conflict as error:
        lifecycle.refuse()
        item = db.session.get(AgendaItem, id)
        mine = {"notes": notes, "decision_text": decision_text}
        if wants_fragment():
            response = htmx_response(render_template(
                "meetings/_item_minutes.html", item=item, conflict=mine,
                message=error.message, editable=True),
                retarget=f"#minutes-{item.id}", reswap="outerHTML")
            return response
        context = _minutes_context(item.meeting)
        return render_template("meetings/minutes.html", conflict_item=item.id,
                               conflict=mine, message=error.message, **context), 409
    except DomainError as error:
        if wants_fragment():  # in place of the status line, so a 200
            lifecycle.refuse()
            return render_template("meetings/_saved.html", item=item, error=error.message)
        lifecycle.refused(error)
        return see_other("meetings.minutes", id=item.meeting_id)
    if wants_fragment():
        return render_template("meetings/_saved.html", item=item, saved_at=now())
    flash(_("The minutes of the item are saved."), "success")
    return see_other("meetings.minutes", id=item.meeting_id, _anchor=f"minutes-{item.id}")


def _lines_response(meeting: Meeting, form=None, item: AgendaItem | None = None,
                    message: str | None = None, status: int = 200):
    """After adding or removing a line of the minutes: the section for htmx (a failed
    form shown in place, so 200), else the page with the form's errors, or back to it."""
    failed = form if form is not None and form.errors else None
    context = _minutes_context(queries.meeting_with_agenda(meeting.id), failed,
                               item.id if item else None)
    if wants_fragment():
        if item is None:
            return render_template("meetings/_attendance.html", message=message,
                                   refused=status >= 400, **context)
        item = next(i for i in context["items"] if i.id == item.id)
        return render_template("meetings/_item_lines.html", item=item, message=message,
                               refused=status >= 400, **context)
    if failed is not None:
        return render_template("meetings/minutes.html", **context), status
    if message:
        flash(message, "error" if status >= 400 else "success")
    anchor = f"lines-{item.id}" if item else "attendance"
    return see_other("meetings.minutes", id=meeting.id, _anchor=anchor)


def _add_line(item: AgendaItem, form, act, message: str):
    if not form.validate_on_submit():
        return _lines_response(item.meeting, form, item, status=422)
    try:
        submissions.claim(current_user)
        act()
    except DomainError as error:
        if error.field is None:  # e.g. the form was sent twice: what is saved, and why
            lifecycle.refuse()
            return _lines_response(item.meeting, item=item, message=error.message, status=409)
        lifecycle.refused(error, form)
        return _lines_response(item.meeting, form, item, status=422)
    return _lines_response(item.meeting, item=item, message=message)


@bp.route("/items/<int:id>/entries", methods=["POST"])
@form_home(lambda id: minutes_of_item(id, f"lines-{id}"))
def add_entry(id: int):
    item = load_item(id, "write_minutes")
    form = EntryForm()
    _member_choices(form, list(db.session.scalars(select(Member).order_by(Member.name))))

    def act():
        member = db.session.get(Member, form.member.data) if form.member.data else None
        minutes_acts.add_entry(current_user, item, kind=EntryKind(form.kind.data),
                               text=form.text.data, member=member)
    return _add_line(item, form, act, _("The protocol entry is added."))


@bp.route("/items/<int:id>/absences", methods=["POST"])
@form_home(lambda id: minutes_of_item(id, f"lines-{id}"))
def add_absence(id: int):
    item = load_item(id, "write_minutes")
    form = AbsenceForm()
    return _add_line(item, form, lambda: minutes_acts.add_absence(
        current_user, item, person_name=form.person_name.data,
        kind=AbsenceKind(form.kind.data), note=form.note.data or ""),
        _("The absence is recorded."))


@bp.route("/items/<int:id>/actions", methods=["POST"])
@form_home(lambda id: minutes_of_item(id, f"lines-{id}"))
def add_action(id: int):
    item = load_item(id, "write_minutes")
    form = ActionForm()
    return _add_line(item, form, lambda: minutes_acts.add_action(
        current_user, item, description=form.description.data, owner=form.owner.data,
        due=form.due.data), _("The action is added."))


LINES = {"entry": ProtocolEntry, "absence": ItemAbsence, "action": ActionItem}


@bp.route("/minutes/<any(entry, absence, action):kind>/<int:id>/remove", methods=["POST"])
@confirm_first("remove_line", lambda kind, id: load_item(
    getattr(db.session.get(LINES[kind], id), "item_id", 0), "write_minutes"))
def remove_line(kind: str, id: int):
    line = db.session.get(LINES[kind], id)
    if line is None:
        abort(404)
    item = load_item(line.item_id, "write_minutes")
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        minutes_acts.remove_minutes_line(current_user, line)
    except DomainError as error:
        lifecycle.refuse()
        return _lines_response(item.meeting, item=item, message=error.message, status=409)
    return _lines_response(item.meeting, item=item, message=_("Removed."))


@bp.route("/meetings/<int:id>/attendance", methods=["POST"])
@bp.route("/attendance/<int:line>", methods=["POST"], endpoint="change_attendance")
@form_home(lambda id=None, line=None: url_for("meetings.minutes", _anchor="attendance", id=id or
                                              getattr(db.session.get(Attendance, line),
                                                      "meeting_id", 0)))
def attendance(id: int | None = None, line: int | None = None):
    existing = None
    if line is not None:
        existing = db.session.get(Attendance, line)
        if existing is None:
            abort(404)
        id = existing.meeting_id
    meeting_ = load(Meeting, id, "write_minutes")
    form = AttendanceForm()
    if not form.validate_on_submit():
        return _lines_response(meeting_, form, status=422)
    try:
        if existing is None:
            submissions.claim(current_user)
        minutes_acts.set_attendance(current_user, meeting_, person_name=form.person_name.data,
                                    status=AttendanceStatus(form.status.data),
                                    stands_in_for=form.stands_in_for.data or "",
                                    note=form.note.data or "", attendance=existing,
                                    lock_version=form.lock_version.data)
    except DomainError as error:
        if error.field is None:  # a conflict or a form sent twice: what is saved, and why
            lifecycle.refuse()
            return _lines_response(meeting_, message=error.message, status=409)
        lifecycle.refused(error, form)
        return _lines_response(meeting_, form, status=422)
    return _lines_response(meeting_, message=_("Attendance is saved."))


@bp.route("/meetings/<int:id>/officers", methods=["POST"])
def officers(id: int):
    meeting_ = load(Meeting, id, "write_minutes")
    form = OfficersForm()
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            minutes_acts.set_minutes_officers(
                current_user, meeting_, meeting_leader=(form.meeting_leader.data or "").strip(),
                minute_taker=(form.minute_taker.data or "").strip())
            flash(_("The meeting leader and the minute-taker are saved."), "success")
            return see_other("meetings.minutes", id=id, _anchor="officers")
    context = _minutes_context(queries.meeting_with_agenda(id), form)
    return render_template("meetings/minutes.html", **context), 422


@bp.route("/attendance/<int:line>/remove", methods=["POST"])
@confirm_first("remove_attendance", lambda line: load(
    Meeting, getattr(db.session.get(Attendance, line), "meeting_id", 0), "write_minutes"))
def remove_attendance(line: int):
    existing = db.session.get(Attendance, line)
    if existing is None:
        abort(404)
    meeting_ = load(Meeting, existing.meeting_id, "write_minutes")
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        minutes_acts.remove_attendance(current_user, existing)
    except DomainError as error:
        lifecycle.refuse()
        return _lines_response(meeting_, message=error.message, status=409)
    return _lines_response(meeting_, message=_("Removed."))


@bp.route("/meetings/<int:id>/approve", methods=["POST"])
@reads_first  # renders the minutes PDF before it takes the write lock
@confirm_first("approve_minutes", lambda id: load(Meeting, id, "view_minutes"))
def approve(id: int):
    meeting_ = db.session.get(Meeting, id)
    if meeting_ is None:
        abort(404)
    form = ApproveForm()
    if not form.validate_on_submit():
        abort(400)
    by_item = None
    if form.item.data:
        by_item = db.session.get(AgendaItem, form.item.data)
        if by_item is None or by_item.removed:
            abort(404)
        allowed = can(current_user, "manage", meeting_)
    else:
        allowed = can(current_user, "approve_as_chair", meeting_)
    if not allowed:
        abort(403)
    try:
        minutes_acts.approve_minutes(current_user, meeting_, by_item=by_item,
                                     claim=lambda: submissions.claim(current_user))
    except submissions.AlreadySaved as said:
        lifecycle.refused(said, category="info")
        return see_other("meetings.minutes", id=id)
    except DomainError as error:
        lifecycle.refused(error)
        return see_other("meetings.minutes", id=id)
    flash(_("The minutes are approved and published as PDF."), "success")
    return see_other("meetings.minutes", id=id)


def minutes_of_item(id: int, anchor: str) -> str:
    """The minutes page at an item's part of it (a missing item: a page that is 404)."""
    return url_for("meetings.minutes", id=getattr(db.session.get(AgendaItem, id),
                                                  "meeting_id", 0), _anchor=anchor)
