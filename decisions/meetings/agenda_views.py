"""A meeting and its agenda: plan and edit the meeting, build the agenda, publish the
notice, download the documents. Load, authorize, call one act of agenda.py, respond."""

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_htmx import make_response as htmx_response
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

import decisions.lifecycle as lifecycle
import decisions.submissions as submissions
from decisions.clock import from_oslo, now, oslo
from decisions.confirm import confirm_first
from decisions.database import reads_first
from decisions.errors import DomainError
from decisions.extensions import db
from decisions.files import storage
from decisions.http import form_home, load, see_other, wants_fragment
from decisions.meetings import agenda, queries, rules
from decisions.meetings.blueprint import (
    act_on_meeting,
    bp,
    form_page,
    load_item,
    load_meeting,
)
from decisions.meetings.forms import ButtonForm, ItemForm, MeetingForm, NewItemForm
from decisions.meetings.models import AgendaItem, DocumentKind, Group, ItemKind, Meeting
from decisions.permissions import can
from decisions.proposals.models import Proposal


def _secretariat() -> bool:
    return can(current_user, "manage", kind="meeting")


# --- Planning a meeting ---------------------------------------------------------------

@bp.route("/groups/<int:id>/meetings/new", methods=["GET", "POST"])
def new_meeting(id: int):
    group_ = load(Group, id, "manage")
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            submission = submissions.claim(current_user)
            meeting = agenda.plan_meeting(current_user, group_, **_meeting_values(form))
        except submissions.AlreadySaved as earlier:
            return submissions.to_first_save(earlier, url_for("meetings.group", id=id))
        except DomainError as error:
            lifecycle.refused(error, form)
        else:
            submissions.led_to(submission, url_for("meetings.meeting", id=meeting.id))
            flash(_("The meeting is planned. Build its agenda below."), "success")
            return see_other("meetings.meeting", id=meeting.id)
    return form_page("meetings/meeting_form.html", form, group=group_, meeting=None)


def _meeting_values(form: MeetingForm) -> dict:
    try:
        starts_at = from_oslo(form.starts_at.data)
        ends_at = from_oslo(form.ends_at.data) if form.ends_at.data else None
    except OverflowError:
        raise DomainError(_("Give a date between year 1900 and 9999."),
                          field="starts_at") from None
    return {"starts_at": starts_at, "ends_at": ends_at, "place": form.place.data or "",
            "video_url": form.video_url.data or ""}


# --- A meeting and its agenda ---------------------------------------------------------

def _agenda_context(meeting: Meeting) -> dict:
    items = queries.active_items(meeting)
    context = {"meeting": meeting, "items": items,
               "linked": queries.linked_proposals(items, now()),
               "held_refusal": rules.why_not_held(meeting, now()),
               "documents": queries.documents([meeting.id]).get(meeting.id, {}),
               "manage": _secretariat() and rules.agenda_open(meeting.state)}
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
    meeting_ = load_meeting(id)
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
            agenda.edit_meeting(current_user, meeting_, lock_version=form.lock_version.data
                                or 0, **_meeting_values(form))
            flash(_("The meeting is saved."), "success")
            return see_other("meetings.meeting", id=meeting_.id)
    return form_page("meetings/meeting_form.html", form, group=meeting_.group,
                     meeting=meeting_)


@bp.route("/meetings/<int:id>/cancel", methods=["POST"])
@confirm_first("cancel_meeting", lambda id: load(Meeting, id, "manage"))
def cancel(id: int):
    return act_on_meeting(id, lambda m: agenda.cancel_meeting(current_user, m),
                          _("The meeting is cancelled."))


@bp.route("/meetings/<int:id>/publish", methods=["POST"])
@reads_first  # renders the PDFs before it takes the write lock
@confirm_first("publish_notice", lambda id: load(Meeting, id, "manage"))
def publish(id: int):
    meeting_ = load(Meeting, id, "manage")
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        agenda.publish_notice(current_user, meeting_,
                              claim=lambda: submissions.claim(current_user))
    except (submissions.AlreadySaved, agenda.NothingChanged) as said:
        lifecycle.refused(said, category="info")
    except DomainError as error:
        lifecycle.refused(error)
    else:
        flash(_("The notice is published."), "success")
    return see_other("meetings.meeting", id=id)


@bp.route("/meetings/<int:id>/items", methods=["POST"])
@form_home(lambda id: url_for("meetings.meeting", id=id, _anchor="new-item-h"))
def add_item(id: int):
    meeting_ = load_meeting(id, "manage")
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
        item = agenda.add_item(current_user, meeting_, kind=ItemKind(form.kind.data),
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
            agenda.edit_item(
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
    return form_page("meetings/item_form.html", form, item=item, meeting=item.meeting)


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
        agenda.remove_item(current_user, item)
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
        agenda.move_item(current_user, item, step)
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
        agenda.reorder_items(current_user, meeting_, order)
    except DomainError as error:
        return _refused(error, meeting_)
    return _agenda_response(meeting_, _("The agenda is reordered."))


# --- Documents ------------------------------------------------------------------------

@bp.route("/meetings/<int:id>/documents/<any(notice, pack, minutes):kind>.pdf")
def document(id: int, kind: str):
    kind_ = DocumentKind(kind)
    # One query for the document and its meeting, then the rules on them in hand.
    found = queries.latest_document_of(id, kind_)
    if found is None or not _may_read(found.meeting, kind_):
        meeting_ = load(Meeting, id)  # 404 or 403, as the meeting's page answers
        if not _may_read(meeting_, kind_):
            abort(403)
        abort(404)
    names = {DocumentKind.NOTICE: "innkalling", DocumentKind.PACK: "sakspapirer",
             DocumentKind.MINUTES: "protokoll"}
    day = oslo(found.meeting.starts_at).strftime("%Y-%m-%d")
    return storage.send_pdf(found.storage_key, f"{names[kind_]}-{day}-{found.revision}.pdf",
                            found.sha256)


def _may_read(meeting_: Meeting, kind: DocumentKind) -> bool:
    return can(current_user, "view", meeting_) and (
        kind != DocumentKind.MINUTES or can(current_user, "view_minutes", meeting_))
