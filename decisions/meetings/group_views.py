"""Administration of groups and seats (the secretariat and the admin), the act that
marks minutes ready for the chair, and the documents a person outside Samråd reads
at a seat's signed address: load, authorize, call one service, respond."""

from datetime import date

from flask import Blueprint, abort, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

import decisions.lifecycle as lifecycle
from decisions.accounts.models import User
from decisions.clock import now, oslo
from decisions.errors import DomainError
from decisions.extensions import db
from decisions.files import storage
from decisions.http import load, require, see_other
from decisions.meetings import seats, services
from decisions.meetings.blueprint import bp
from decisions.meetings.forms import ButtonForm
from decisions.meetings.group_forms import (
    ChairForm,
    EditGroupForm,
    EndSeatForm,
    GroupForm,
    SeatForm,
    TermForm,
)
from decisions.meetings.labels import GROUP_KIND_LABELS, GROUP_ROLE_LABELS
from decisions.meetings.minutes import mark_minutes_ready
from decisions.meetings.models import (
    DocumentKind,
    Group,
    GroupKind,
    GroupMembership,
    GroupRole,
    Meeting,
)
from decisions.members.models import Member

# Documents for people outside Samråd: no login, the signed address is the credential.
papers = Blueprint("papers", __name__)


def _form_page(template: str, form, **context):
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


def _member_choices(field) -> None:
    members = db.session.scalars(select(Member).where(Member.active).order_by(Member.name))
    field.choices = [SelectChoice(0, "—")] + [SelectChoice(m.id, m.name) for m in members]


def _user_choices(field) -> None:
    users = db.session.scalars(select(User).where(User.active).order_by(User.name))
    field.choices = [SelectChoice(0, _("No login"))] + [
        SelectChoice(u.id, f"{u.name} ({u.email})") for u in users]


def _picked(model, id_: int | None):
    if not id_:
        return None
    found = db.session.get(model, id_)
    if found is None:
        raise DomainError(_("Choose from the list."))
    return found


def _email(form) -> str | None:
    return (form.email.data or "").strip() or None


# --- Groups ---------------------------------------------------------------------------

@bp.route("/groups/admin")
def manage_groups():
    require("manage_seats", "group")
    every = db.session.scalars(select(Group).order_by(Group.active.desc(), Group.name))
    return render_template("meetings/groups_admin.html", groups=list(every),
                           GROUP_KIND_LABELS=GROUP_KIND_LABELS)


@bp.route("/groups/new", methods=["GET", "POST"])
def new_group():
    require("manage_seats", "group")
    form = GroupForm()
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            group = services.create_group(current_user, name=form.name.data.strip(),
                                          kind=GroupKind(form.kind.data))
            flash(_("The group is created. Give it its seats."), "success")
            return see_other("meetings.group", id=group.id)
    return _form_page("meetings/group_form.html", form, group=None)


@bp.route("/groups/<int:id>/edit", methods=["GET", "POST"])
def edit_group(id: int):
    group = load(Group, id, "manage_seats")
    form = EditGroupForm(obj=group)
    if request.method == "GET":
        form.kind.data = group.kind.value
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            seats.edit_group(current_user, group, name=form.name.data.strip(),
                             kind=GroupKind(form.kind.data), active=form.active.data,
                             public_meetings=form.public_meetings.data,
                             lock_version=form.lock_version.data)
            flash(_("The group is saved."), "success")
            return see_other("meetings.group", id=group.id)
    return _form_page("meetings/group_form.html", form, group=group)


# --- Seats ----------------------------------------------------------------------------

def _seat_form(seat: GroupMembership | None = None) -> SeatForm:
    form = SeatForm(obj=seat)
    _member_choices(form.member)
    _user_choices(form.user)
    if request.method == "GET" and seat is not None:
        form.role.data = seat.role.value
        form.member.data = seat.member_id or 0
        form.user.data = seat.user_id or 0
    return form


def _seat_values(form: SeatForm) -> dict:
    return {"person_name": form.person_name.data.strip(), "role": GroupRole(form.role.data),
            "member": _picked(Member, form.member.data),
            "term_start": form.term_start.data, "term_end": form.term_end.data,
            "user": _picked(User, form.user.data), "email": _email(form)}


@bp.route("/groups/<int:id>/seats/new", methods=["GET", "POST"])
def new_seat(id: int):
    group = load(Group, id, "manage_seats")
    form = _seat_form()
    if request.method == "GET":
        form.term_start.data = oslo(now()).date()
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            services.add_membership(current_user, group, **_seat_values(form))
            flash(_("The seat is added."), "success")
            return see_other("meetings.group", id=group.id, _anchor="seats-h")
    return _form_page("meetings/seat_form.html", form, group=group, seat=None,
                      end_form=None)


@bp.route("/seats/<int:id>/edit", methods=["GET", "POST"])
def edit_seat(id: int):
    seat = _load_seat(id)
    form = _seat_form(seat)
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            seats.edit_seat(current_user, seat, lock_version=form.lock_version.data,
                            **_seat_values(form))
            flash(_("The seat is saved."), "success")
            return see_other("meetings.group", id=seat.group_id, _anchor="seats-h")
    return _form_page("meetings/seat_form.html", form, group=seat.group, seat=seat,
                      end_form=EndSeatForm(formdata=None))


def _load_seat(id: int) -> GroupMembership:
    seat = db.session.get(GroupMembership, id)
    if seat is None:
        abort(404)
    load(Group, seat.group_id, "manage_seats")
    return seat


@bp.route("/seats/<int:id>/end", methods=["POST"])
def end_seat(id: int):
    seat = _load_seat(id)
    end_form = EndSeatForm()
    if end_form.validate_on_submit():
        with lifecycle.refusal(end_form):
            services.end_membership(current_user, seat, end_form.term_end.data)
            flash(_("The seat ends on the day given."), "success")
            return see_other("meetings.group", id=seat.group_id, _anchor="seats-h")
    form = _seat_form(seat)
    return render_template("meetings/seat_form.html", form=form, group=seat.group,
                           seat=seat, end_form=end_form), 422


# --- The chair from a date ------------------------------------------------------------

def _seat_choices(field, group: Group, day: date) -> None:
    field.choices = [SelectChoice(0, _("A new person (below)"))] + [
        SelectChoice(s.id, f"{s.person_name} – {GROUP_ROLE_LABELS[s.role]}")
        for s in seats.current_seats(group, day) if s.role != GroupRole.CHAIR]


@bp.route("/groups/<int:id>/chair", methods=["GET", "POST"])
def change_chair(id: int):
    group = load(Group, id, "manage_seats")
    form = ChairForm()
    today = oslo(now()).date()
    _seat_choices(form.seat, group, form.from_day.data or today)
    _member_choices(form.member)
    _user_choices(form.user)
    if request.method == "GET":
        form.from_day.data = today
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            new = seats.NewChair(seat=_picked(GroupMembership, form.seat.data),
                                 person_name=(form.person_name.data or "").strip(),
                                 user=_picked(User, form.user.data), email=_email(form),
                                 member=_picked(Member, form.member.data))
            seats.change_chair(current_user, group, from_day=form.from_day.data, new=new,
                               old_stays_member=form.old_stays_member.data)
            flash(_("The chair is changed from the day given."), "success")
            return see_other("meetings.group", id=group.id, _anchor="seats-h")
    return _form_page("meetings/group_chair.html", form, group=group,
                      chair=services.chair_of(group, today))


# --- The term change-over -------------------------------------------------------------

def _continuing(current: list[GroupMembership]) -> list[seats.Continuing]:
    """The preview's choices: a seat continues if its box is ticked, in the role chosen."""
    chosen = []
    for seat in current:
        if request.form.get(f"continues-{seat.id}"):
            role = request.form.get(f"role-{seat.id}", seat.role.value)
            if role not in {r.value for r in GroupRole}:
                abort(400)
            chosen.append(seats.Continuing(seat=seat, role=GroupRole(role)))
    return chosen


@bp.route("/groups/<int:id>/term", methods=["GET", "POST"])
def change_term(id: int):
    group = load(Group, id, "manage_seats")
    form = TermForm()
    if not form.validate_on_submit():
        return _form_page("meetings/group_term.html", form, group=group, preview=None)
    current = seats.current_seats(group, form.old_term_end.data)
    if request.form.get("step") != "confirm":
        return render_template("meetings/group_term.html", form=form, group=group,
                               preview=current, chosen=None)
    chosen = _continuing(current)
    try:
        carried = seats.change_term(
            current_user, group, old_term_end=form.old_term_end.data,
            new_term_start=form.new_term_start.data, new_term_end=form.new_term_end.data,
            continuing=chosen)
    except DomainError as error:
        lifecycle.refused(error, form)
        return render_template("meetings/group_term.html", form=form, group=group,
                               preview=seats.current_seats(group, form.old_term_end.data),
                               chosen={c.seat.id: c.role for c in chosen}), 422
    flash(_("The old term is ended and %(count)s seats continue in the new term.",
            count=len(carried)), "success")
    return see_other("meetings.group", id=group.id, _anchor="seats-h")


# --- Minutes ready for the chair ------------------------------------------------------

@bp.route("/meetings/<int:id>/minutes/ready", methods=["POST"])
def minutes_ready(id: int):
    meeting = load(Meeting, id, "write_minutes")
    if not ButtonForm().validate_on_submit():
        abort(400)
    with lifecycle.refusal():
        mark_minutes_ready(current_user, meeting)
        flash(_("The minutes are marked ready. The chair is told they await approval."),
              "success")
    return see_other("meetings.minutes", id=id)


# --- Documents at a seat's signed address ---------------------------------------------

NAMES = {DocumentKind.NOTICE: "innkalling", DocumentKind.PACK: "sakspapirer",
         DocumentKind.MINUTES: "protokoll"}


@papers.route("/papers/<token>/<any(notice, pack, minutes):kind>.pdf")
def document(token: str, kind: str):
    kind_ = DocumentKind(kind)
    stored = seats.papers_document(token, kind_)  # one query
    if stored is None:
        abort(404)
    day = oslo(stored.meeting.starts_at).strftime("%Y-%m-%d")
    return storage.send_pdf(stored.storage_key,
                            f"{NAMES[kind_]}-{day}-{stored.revision}.pdf", stored.sha256)
