"""People pages: the list, a person, invite, change, deactivate and reactivate, resend
an invitation, reset a second factor; and the invitee's link."""

import functools

from flask import Blueprint, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

import decisions.lifecycle as lifecycle
from decisions.accounts import services as accounts
from decisions.accounts.forms import ResetPasswordForm
from decisions.accounts.models import Invitation, Role, User
from decisions.accounts.views import fresh_session, limit_reset, sign_in
from decisions.clock import now
from decisions.confirm import confirm_first
from decisions.database import reads_first
from decisions.errors import DomainError
from decisions.extensions import db
from decisions.http import form_home, int_arg, load, page_number, require, see_other
from decisions.meetings.labels import GROUP_ROLE_LABELS
from decisions.meetings.models import GroupMembership
from decisions.members.models import Member
from decisions.people import queries, services
from decisions.people.forms import (
    KIND_LABELS,
    ROLE_LABELS,
    ActionForm,
    ChangePersonForm,
    InviteForm,
    PersonForm,
)
from decisions.permissions import grantable_roles

bp = Blueprint("people", __name__)

YES_NO = {"yes": True, "no": False}


def _members() -> list[Member]:
    return list(db.session.scalars(select(Member).where(Member.active).order_by(Member.name)))


def _choices(form: PersonForm, person: User | None = None) -> PersonForm:
    roles = list(grantable_roles(current_user))
    if person is not None and person.role not in roles:
        roles.append(person.role)  # shown as it is (the service refuses a change)
    form.role.choices = [SelectChoice(role.value, ROLE_LABELS[role])
                         for role in Role if role in roles]
    members = _members()
    if person is not None and person.member is not None and person.member not in members:
        members.append(person.member)  # an inactive member the person still has
    form.member.choices = [SelectChoice(0, _("— none —"))] + [
        SelectChoice(m.id, m.name) for m in members]
    return form


def _fields(form: PersonForm) -> dict:
    member = db.session.get(Member, form.member.data) if form.member.data else None
    return {"email": form.email.data, "name": form.name.data, "role": Role(form.role.data),
            "member": member, "main": form.kind.data == "main"}


def _role_label(person: User) -> str:
    return ROLE_LABELS[person.role]


def _form_page(template: str, form, **context):
    status = 422 if form.errors or form.form_errors else 200
    return render_template(template, form=form, **context), status


@bp.route("/people/")
@login_required
def index():
    require("list", "person")
    args = request.args
    role = args.get("role") if args.get("role") in {r.value for r in Role} else None
    member_id = int_arg("member")
    filters = {
        "q": args.get("q", "")[:200],
        "role": role,
        "member": member_id,
        "active": args.get("active") if args.get("active") in YES_NO else None,
        "second_factor": (args.get("second_factor")
                          if args.get("second_factor") in YES_NO else None),
        "last_login": (args.get("last_login")
                       if args.get("last_login") in queries.LAST_LOGIN else None),
    }
    stmt = queries.people(
        q=filters["q"], role=Role(role) if role else None, member_id=member_id,
        active=YES_NO.get(filters["active"]), second_factor=YES_NO.get(filters["second_factor"]),
        last_login_filter=filters["last_login"], moment=now())
    page = db.paginate(stmt, page=page_number(), per_page=50, error_out=False, count=True)
    rows = db.session.execute(stmt.limit(page.per_page).offset(
        (page.page - 1) * page.per_page)).all()
    return render_template("people/index.html", page=page, rows=rows, filters=filters,
                           members=_members(), roles=ROLE_LABELS, role_label=_role_label)


@bp.route("/people/<int:id>")
@login_required
def show(id: int):
    person = load(User, id)
    seats = db.session.scalars(select(GroupMembership).where(
        GroupMembership.user_id == person.id).order_by(GroupMembership.term_start)).all()
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.user_id == person.id).order_by(Invitation.id.desc()).limit(1))
    last_login = db.session.scalar(select(queries.last_login()).where(User.id == person.id))
    return render_template("people/show.html", person=person, seats=seats,
                           invitation=invitation, last_login=last_login,
                           role_label=_role_label, kinds=KIND_LABELS,
                           seat_role=lambda seat: GROUP_ROLE_LABELS[seat.role],
                           form=ActionForm())


@bp.route("/people/invite", methods=["GET", "POST"])
@login_required
def invite():
    require("invite", "person")
    form = _choices(InviteForm())
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            invitation = services.invite(current_user, **_fields(form))
            flash(_("%(name)s is invited. The link in the email works for %(days)d days.",
                    name=invitation.user.name,
                    days=current_app.config["INVITATION_VALID_DAYS"]), "success")
            return see_other("people.show", id=invitation.user_id)
    return _form_page("people/invite.html", form)



@bp.route("/people/<int:id>/edit", methods=["GET", "POST"])
@login_required
def edit(id: int):
    person = load(User, id, "manage")
    form = _choices(ChangePersonForm(obj=None if request.method == "POST" else person),
                    person)
    if request.method == "GET":
        form.role.data = person.role.value
        form.member.data = person.member_id or 0
        form.kind.data = "main" if person.is_main_representative else "deputy"
        form.version.data = services.version(person)
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            services.update_person(current_user, person, **_fields(form),
                                   seen_version=form.version.data or None)
            flash(_("The changes are saved."), "success")
            return see_other("people.show", id=person.id)
    return _form_page("people/edit.html", form, person=person)



def _home(id: int) -> str:
    return url_for("people.show", id=id)


def _person_act(id: int, action: str, act, message) -> object:
    """A button of the person page: the act, then back to the page; a refusal is
    flashed there."""
    person = load(User, id, action)
    if ActionForm().validate_on_submit():
        with lifecycle.refusal():
            act(current_user, person)
            flash(message(person), "success")
    return see_other("people.show", id=person.id)


@bp.route("/people/<int:id>/deactivate", methods=["POST"])
@login_required
@form_home(_home)
@confirm_first("deactivate_person", lambda id: load(User, id, "manage"))
def deactivate(id: int):
    return _person_act(id, "manage", services.deactivate, lambda p: _(
        "%(name)s is deactivated: every login, calendar address and link of the "
        "account has stopped.", name=p.name))


@bp.route("/people/<int:id>/reactivate", methods=["POST"])
@login_required
@form_home(_home)
def reactivate(id: int):
    return _person_act(id, "manage", services.reactivate, lambda p: _(
        "%(name)s can log in again.", name=p.name))


@bp.route("/people/<int:id>/resend", methods=["POST"])
@login_required
@form_home(_home)
def resend(id: int):
    return _person_act(id, "manage", services.resend_invitation, lambda p: _(
        "A new invitation is on its way to %(email)s; the earlier link no longer works.",
        email=p.email))


@bp.route("/people/<int:id>/reset-code", methods=["POST"])
@login_required
@form_home(_home)
@confirm_first("reset_second_factor", lambda id: load(User, id, "reset_second_factor"))
def reset_code(id: int):
    return _person_act(id, "reset_second_factor", services.reset_second_factor, lambda p: _(
        "The code of %(name)s is removed; a new one is set up at the next login. "
        "%(name)s is told by email.", name=p.name))


# --- The invitee's link ----------------------------------------------------------------

@bp.route("/invitation/<string(maxlength=100):token>", methods=["GET", "POST"])
@limit_reset
@reads_first
def accept(token: str):
    """The link from the invitation: choose a password, and in. A role that logs in with
    a code sets it up next, on the login's code step."""
    invitation = services.invitation_for(token)
    if invitation is None:
        return render_template("people/accept.html", form=None, person=None), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(token, form.password.data)
        except DomainError as error:
            lifecycle.refused(error, form)
        else:
            if accounts.totp_required(user):
                pending = accounts.start_pending_login(user, "")
                lifecycle.after_commit(functools.partial(fresh_session, pending=pending))
                return see_other("accounts.second_factor")
            return sign_in(user, None)
    return _form_page("people/accept.html", form, person=invitation.user)
