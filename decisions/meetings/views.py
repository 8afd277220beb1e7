"""Group, meeting, agenda and minutes pages: load, authorize, call one service, respond."""

from flask import (
    Blueprint,
    abort,
    flash,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_htmx import make_response as htmx_response
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

import decisions.lifecycle as lifecycle
import decisions.submissions as submissions
from decisions.clock import from_oslo, now, oslo
from decisions.confirm import confirm_first
from decisions.database import reads_first
from decisions.errors import Conflict, DomainError
from decisions.extensions import db
from decisions.files import storage
from decisions.http import (
    form_home,
    load,
    page_number,
    see_other,
    wants_fragment,
)
from decisions.meetings import queries, rules, services
from decisions.meetings.forms import (
    AbsenceForm,
    ActionForm,
    ApproveForm,
    AttendanceForm,
    ButtonForm,
    EntryForm,
    ItemForm,
    MeetingForm,
    MinutesForm,
    NewItemForm,
    OfficersForm,
)
from decisions.meetings.labels import (
    ABSENCE_LABELS,
    ATTENDANCE_LABELS,
    ENTRY_LABELS,
    GROUP_ROLE_LABELS,
    ITEM_KIND_LABELS,
)
from decisions.meetings.models import (
    AbsenceKind,
    ActionItem,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    DocumentKind,
    EntryKind,
    Group,
    ItemAbsence,
    ItemKind,
    Meeting,
    MeetingState,
    ProtocolEntry,
)
from decisions.members.models import Member
from decisions.permissions import can
from decisions.proposals.models import Proposal

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


def _secretariat() -> bool:
    return can(current_user, "manage", kind="meeting")


# --- Groups ---------------------------------------------------------------------------

@bp.route("/groups/")
def groups():
    if not can(current_user, "list", kind="group"):
        abort(403)
    return render_template("meetings/groups.html", groups=queries.groups(),
                           upcoming=queries.upcoming(current_user, now()))


@bp.route("/groups/<int:id>")
def group(id: int):
    group_ = load(Group, id)
    page = db.paginate(queries.meetings_of(current_user, group_.id),
                       page=page_number(), per_page=20, error_out=False)
    documents = queries.documents([m.id for m in page.items])
    today = oslo(now()).date()
    seats = [s for s in queries.seats(group_.id) if s.serves_on(today)]
    return render_template("meetings/group.html", group=group_, page=page,
                           documents=documents, seats=seats)


@bp.route("/groups/<int:id>/meetings/new", methods=["GET", "POST"])
def new_meeting(id: int):
    group_ = load(Group, id, "manage")
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            submission = submissions.claim(current_user)
            meeting = services.plan_meeting(current_user, group_, **_meeting_values(form))
        except submissions.AlreadySaved as earlier:
            return submissions.to_first_save(earlier, url_for("meetings.group", id=id))
        except DomainError as error:
            lifecycle.refused(error, form)
        else:
            submissions.led_to(submission, url_for("meetings.meeting", id=meeting.id))
            flash(_("The meeting is planned. Build its agenda below."), "success")
            return see_other("meetings.meeting", id=meeting.id)
    return _form_page("meetings/meeting_form.html", form, group=group_, meeting=None)


def _meeting_values(form: MeetingForm) -> dict:
    try:
        starts_at = from_oslo(form.starts_at.data)
        ends_at = from_oslo(form.ends_at.data) if form.ends_at.data else None
    except OverflowError:
        raise DomainError(_("Give a date between year 1900 and 9999."),
                          field="starts_at") from None
    return {"starts_at": starts_at, "ends_at": ends_at, "place": form.place.data or "",
            "video_url": form.video_url.data or ""}


def _form_page(template: str, form, **context):
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


# --- A meeting and its agenda ---------------------------------------------------------

def _load_meeting(id: int, action: str = "view") -> Meeting:
    meeting = queries.meeting_with_agenda(id)
    if meeting is None:
        abort(404)
    if not can(current_user, action, meeting):
        abort(403)
    return meeting


def _agenda_context(meeting: Meeting) -> dict:
    items = services.active_items(meeting)
    context = {"meeting": meeting, "items": items,
               "linked": queries.linked_proposals(items, now()),
               "held_refusal": rules.why_not_held(meeting, now()),
               "documents": queries.documents([meeting.id]).get(meeting.id, {}),
               "manage": _secretariat() and meeting.state in services.AGENDA_OPEN}
    if context["manage"]:
        form = NewItemForm(formdata=None)
        _proposal_choices(form)
        context["new_item_form"] = form
    return context


def _proposal_choices(form) -> None:
    form.proposal.choices = [SelectChoice(0, _("No linked proposal"))] + [
        SelectChoice(p.id, f"{p.case_ref} {p.title}") for p in queries.proposals_for_agenda()]


@bp.route("/meetings/<int:id>")
def meeting(id: int):
    meeting_ = _load_meeting(id)
    return render_template("meetings/meeting.html", **_agenda_context(meeting_))


def _agenda_response(meeting: Meeting, message: str | None = None):
    """The agenda fragment for htmx, else back to the meeting page."""
    if wants_fragment():
        meeting = queries.meeting_with_agenda(meeting.id)
        return render_template("meetings/_agenda.html", message=message,
                               **_agenda_context(meeting))
    if message:
        flash(message, "success")
    return see_other("meetings.meeting", id=meeting.id, _anchor="agenda")


def _refused(error: DomainError, meeting: Meeting):
    """A service refused an act on the agenda: say why where the user is looking."""
    if wants_fragment():
        lifecycle.refuse()
        meeting = queries.meeting_with_agenda(meeting.id)
        return htmx_response(render_template(
            "meetings/_agenda.html", error=error.message, **_agenda_context(meeting)),
            retarget="#agenda", reswap="outerHTML")
    lifecycle.refused(error)
    return see_other("meetings.meeting", id=meeting.id, _anchor="agenda")


@bp.route("/meetings/<int:id>/edit", methods=["GET", "POST"])
def edit_meeting(id: int):
    meeting_ = load(Meeting, id, "manage")
    form = MeetingForm(obj=None)
    if request.method == "GET":
        form.starts_at.data = oslo(meeting_.starts_at).replace(tzinfo=None)
        form.ends_at.data = oslo(meeting_.ends_at).replace(tzinfo=None) \
            if meeting_.ends_at else None
        form.place.data, form.video_url.data = meeting_.place, meeting_.video_url
        form.lock_version.data = meeting_.lock_version
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            services.edit_meeting(current_user, meeting_, lock_version=form.lock_version.data
                                  or 0, **_meeting_values(form))
            flash(_("The meeting is saved."), "success")
            return see_other("meetings.meeting", id=meeting_.id)
    return _form_page("meetings/meeting_form.html", form, group=meeting_.group,
                      meeting=meeting_)


def _act(id: int, act, success: str, action: str = "manage"):
    """A button on the meeting page: one service call, then back to the page."""
    meeting_ = load(Meeting, id, action)
    if not ButtonForm().validate_on_submit():
        abort(400)
    with lifecycle.refusal():
        act(meeting_)
        flash(success, "success")
    return see_other("meetings.meeting", id=meeting_.id)


@bp.route("/meetings/<int:id>/cancel", methods=["POST"])
@confirm_first("cancel_meeting", lambda id: load(Meeting, id, "manage"))
def cancel(id: int):
    return _act(id, lambda m: services.cancel_meeting(current_user, m),
                _("The meeting is cancelled."))


@bp.route("/meetings/<int:id>/publish", methods=["POST"])
@reads_first  # renders the PDFs before it takes the write lock
@confirm_first("publish_notice", lambda id: load(Meeting, id, "manage"))
def publish(id: int):
    meeting_ = load(Meeting, id, "manage")
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        services.publish_notice(current_user, meeting_,
                                claim=lambda: submissions.claim(current_user))
    except (submissions.AlreadySaved, services.NothingChanged) as said:
        lifecycle.refused(said, category="info")
    except DomainError as error:
        lifecycle.refused(error)
    else:
        flash(_("The notice is published."), "success")
    return see_other("meetings.meeting", id=id)


@bp.route("/meetings/<int:id>/held", methods=["POST"])
@confirm_first("mark_held", lambda id: load(Meeting, id, "manage"))
def held(id: int):
    return _act(id, lambda m: services.mark_held(current_user, m),
                _("The meeting is marked as held. Write the minutes."))


@bp.route("/meetings/<int:id>/items", methods=["POST"])
@form_home(lambda id: url_for("meetings.meeting", id=id, _anchor="new-item-h"))
def add_item(id: int):
    meeting_ = _load_meeting(id, "manage")
    form = NewItemForm()
    _proposal_choices(form)
    if not form.validate_on_submit():
        context = _agenda_context(meeting_)
        context["new_item_form"] = form
        if wants_fragment():  # htmx swaps a 200 in place: the form with its errors
            return render_template("meetings/_agenda.html", **context)
        return render_template("meetings/meeting.html", **context), 422
    try:
        submissions.claim(current_user)
        item = services.add_item(current_user, meeting_, kind=ItemKind(form.kind.data),
                                 title=form.title.data, proposal=_proposal(form.proposal.data))
    except DomainError as error:
        return _refused(error, meeting_)
    return _agenda_response(meeting_, _("“%(title)s” is added to the agenda.",
                                        title=item.title))


def _proposal(proposal_id: int | None) -> Proposal | None:
    if not proposal_id:
        return None
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not can(current_user, "view", proposal):
        raise DomainError(_("Choose a proposal from the list."), field="proposal")
    return proposal


@bp.route("/items/<int:id>/edit", methods=["GET", "POST"])
def edit_item(id: int):
    item = load_item(id, "manage")
    form = ItemForm(obj=item if request.method == "GET" else None)
    _proposal_choices(form)
    if item.proposal is not None and item.proposal_id not in {
            choice.value for choice in form.proposal.choices}:
        # A link to a proposal outside the list (withdrawn, or older) is kept on save.
        form.proposal.choices.insert(1, SelectChoice(
            item.proposal_id, f"{item.proposal.case_ref} {item.proposal.title}"))
    if request.method == "GET":
        form.kind.data, form.proposal.data = item.kind.value, item.proposal_id or 0
    if form.validate_on_submit():
        try:
            services.edit_item(
                current_user, item, lock_version=form.lock_version.data or 0,
                title=form.title.data, kind=ItemKind(form.kind.data),
                case_officer=form.case_officer.data or "",
                proposed_resolution=form.proposed_resolution.data or "",
                background=form.background.data or "",
                exempt_basis=(form.exempt_basis.data or "").strip(),
                proposal=_proposal(form.proposal.data))
        except DomainError as error:
            lifecycle.refused(error, form)
        else:
            flash(_("The item is saved."), "success")
            return see_other("meetings.meeting", id=item.meeting_id, _anchor=f"item-{id}")
    return _form_page("meetings/item_form.html", form, item=item, meeting=item.meeting)


def load_item(id: int, action: str) -> AgendaItem:
    """An agenda item on its meeting's agenda (404 otherwise), if the user may
    `action` its meeting (403 otherwise)."""
    item = db.session.get(AgendaItem, id)
    if item is None or item.removed:
        abort(404)
    if not can(current_user, action, item.meeting):
        abort(403)
    return item


def _button_item(id: int, action: str = "manage") -> AgendaItem:
    """The item of a button's POST, its CSRF token checked."""
    item = load_item(id, action)
    if not ButtonForm().validate_on_submit():
        abort(400)
    return item


@bp.route("/items/<int:id>/remove", methods=["POST"])
@confirm_first("remove_item", lambda id: load_item(id, "manage"))
def remove_item(id: int):
    item = _button_item(id)
    try:
        services.remove_item(current_user, item)
    except DomainError as error:
        return _refused(error, item.meeting)
    return _agenda_response(item.meeting, _("“%(title)s” is removed from the agenda.",
                                            title=item.title))


@bp.route("/items/<int:id>/move", methods=["POST"])
def move_item(id: int):
    item = _button_item(id)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None:
        abort(400)
    try:
        services.move_item(current_user, item, step)
    except DomainError as error:
        return _refused(error, item.meeting)
    message = (_("“%(title)s” is moved up.", title=item.title) if step < 0
               else _("“%(title)s” is moved down.", title=item.title))
    return _agenda_response(item.meeting, message)


@bp.route("/meetings/<int:id>/order", methods=["POST"])
def reorder(id: int):
    meeting_ = load(Meeting, id, "manage")
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        order = [int(value) for value in request.form.getlist("item")]
    except ValueError:
        abort(400)
    try:
        services.reorder_items(current_user, meeting_, order)
    except DomainError as error:
        return _refused(error, meeting_)
    return _agenda_response(meeting_, _("The agenda is reordered."))


# --- Documents ------------------------------------------------------------------------

@bp.route("/meetings/<int:id>/documents/<any(notice, pack, minutes):kind>.pdf")
def document(id: int, kind: str):
    meeting_ = load(Meeting, id)
    kind_ = DocumentKind(kind)
    if kind_ == DocumentKind.MINUTES and not can(current_user, "view_minutes", meeting_):
        abort(403)
    found = services.latest_document(meeting_, kind_)
    if found is None:
        abort(404)
    names = {DocumentKind.NOTICE: "innkalling", DocumentKind.PACK: "sakspapirer",
             DocumentKind.MINUTES: "protokoll"}
    day = oslo(meeting_.starts_at).strftime("%Y-%m-%d")
    return storage.send_pdf(found.storage_key, f"{names[kind_]}-{day}-{found.revision}.pdf",
                            found.sha256)


# --- Minutes --------------------------------------------------------------------------

def _minutes_context(meeting: Meeting, failed_form=None,
                     failed_item: int | None = None) -> dict:
    """What the minutes page and its fragments show. A form that failed validation is
    shown again in its place, with what the user typed and the errors."""
    items = services.active_items(meeting)
    editable = (can(current_user, "write_minutes", meeting)
                and meeting.state in services.MINUTES_OPEN)
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
    meeting_ = _load_meeting(id, "view_minutes")
    if meeting_.state in (MeetingState.PLANNED, MeetingState.NOTICE_PUBLISHED,
                          MeetingState.CANCELLED):
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
        services.save_item_minutes(current_user, item, lock_version=form.lock_version.data,
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
        services.add_entry(current_user, item, kind=EntryKind(form.kind.data),
                           text=form.text.data, member=member)
    return _add_line(item, form, act, _("The protocol entry is added."))


@bp.route("/items/<int:id>/absences", methods=["POST"])
@form_home(lambda id: minutes_of_item(id, f"lines-{id}"))
def add_absence(id: int):
    item = load_item(id, "write_minutes")
    form = AbsenceForm()
    return _add_line(item, form, lambda: services.add_absence(
        current_user, item, person_name=form.person_name.data,
        kind=AbsenceKind(form.kind.data), note=form.note.data or ""),
        _("The absence is recorded."))


@bp.route("/items/<int:id>/actions", methods=["POST"])
@form_home(lambda id: minutes_of_item(id, f"lines-{id}"))
def add_action(id: int):
    item = load_item(id, "write_minutes")
    form = ActionForm()
    return _add_line(item, form, lambda: services.add_action(
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
        services.remove_minutes_line(current_user, line)
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
        services.set_attendance(current_user, meeting_, person_name=form.person_name.data,
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
            services.set_minutes_officers(
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
        services.remove_attendance(current_user, existing)
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
        services.approve_minutes(current_user, meeting_, by_item=by_item,
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


def item_url(item: AgendaItem) -> str:
    return url_for("meetings.meeting", id=item.meeting_id, _anchor=f"item-{item.id}")
