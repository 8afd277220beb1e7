"""Follow-up in the browser: the secretariat's list of every item with filters, an
item's page with its history and the owner's update form, creating and editing items
on a decision or an action in minutes, and a decision's review date."""

from flask import Blueprint, abort, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

import decisions.lifecycle as lifecycle
from decisions.clock import oslo_today
from decisions.extensions import db
from decisions.followup import queries, rules, services
from decisions.followup.forms import STATUS_LABELS, ItemForm, ReviewForm, UpdateForm
from decisions.followup.models import FollowupItem, FollowupStatus, OwnerKind
from decisions.http import load, page_number, require, see_other
from decisions.meetings.models import ActionItem, Group
from decisions.members.models import Member
from decisions.members.queries import active_members
from decisions.permissions import can
from decisions.register.models import Decision

bp = Blueprint("followup", __name__, url_prefix="/follow-up")


@bp.before_request
@login_required
def _signed_in():
    pass


def owner_choices() -> list[tuple[str, str]]:
    groups = db.session.scalars(select(Group).where(Group.active).order_by(Group.name))
    return ([("secretariat", _("The secretariat"))]
            + [(f"member:{m.id}", m.name) for m in active_members()]
            + [(f"group:{g.id}", g.name) for g in groups])


def _owner_of(value: str) -> tuple[OwnerKind, Member | None, Group | None]:
    kind, _sep, raw = (value or "").partition(":")
    if kind == "member" and raw.isdigit():
        return OwnerKind.MEMBER, db.session.get(Member, int(raw)), None
    if kind == "group" and raw.isdigit():
        return OwnerKind.GROUP, None, db.session.get(Group, int(raw))
    return OwnerKind.SECRETARIAT, None, None


def owner_value(item: FollowupItem) -> str:
    if item.owner_kind == OwnerKind.MEMBER:
        return f"member:{item.owner_member_id}"
    if item.owner_kind == OwnerKind.GROUP:
        return f"group:{item.owner_group_id}"
    return "secretariat"


def _back(item: FollowupItem):
    if item.decision is not None:
        return see_other("register.show", year=item.decision.year,
                         number=item.decision.number)
    return see_other("followup.show", id=item.id)


@bp.route("/")
def index():
    require("list", "followup")
    today = oslo_today()
    owner = request.args.get("owner") or ""
    status = request.args.get("status") or ""
    overdue = request.args.get("overdue") == "1"
    page = db.paginate(queries.listing(current_user, today, owner=owner or None,
                                       status=status or None, overdue=overdue),
                       page=page_number(), per_page=50, error_out=False)
    return render_template("followup/index.html", page=page, today=today, owner=owner,
                           status=status, overdue=overdue, owners=owner_choices(),
                           statuses=STATUS_LABELS, rules=rules)


@bp.route("/<int:id>")
def show(id: int):
    load(FollowupItem, id)
    item = queries.item(id)
    form = UpdateForm(status=item.status.value, progress=item.progress,
                      lock_version=item.lock_version)
    return render_template("followup/show.html", item=item, form=form,
                           today=oslo_today(), rules=rules, statuses=STATUS_LABELS)


@bp.route("/<int:id>/update", methods=["POST"])
def update(id: int):
    item = load(FollowupItem, id, "update")
    form = UpdateForm()
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            services.update_item(current_user, item, status=FollowupStatus(form.status.data),
                                 progress=form.progress.data, comment=form.comment.data or "",
                                 lock_version=form.lock_version.data)
            flash(_("The follow-up item is updated."), "success")
            return see_other("followup.show", id=id)
    return render_template("followup/show.html", item=queries.item(id), form=form,
                           today=oslo_today(), rules=rules,
                           statuses=STATUS_LABELS), 422


def _item_form_page(form, *, decision=None, action=None, item=None):
    status = 422 if request.method == "POST" else 200
    return render_template("followup/form.html", form=form, decision=decision,
                           action=action, item=item), status


def _new(*, decision: Decision | None = None, action: ActionItem | None = None):
    require("create", "followup")
    form = ItemForm()
    form.owner.choices = owner_choices()
    if form.validate_on_submit():
        kind, member, group = _owner_of(form.owner.data)
        with lifecycle.refusal(form):
            item = services.create_item(current_user, what=form.what.data, owner_kind=kind,
                                        member=member, group=group, due=form.due.data,
                                        weight=form.weight.data, decision=decision,
                                        action=action)
            flash(_("The follow-up item is added."), "success")
            return _back(item)
    return _item_form_page(form, decision=decision, action=action)


@bp.route("/decision/<int:id>/new", methods=["GET", "POST"])
def new_for_decision(id: int):
    return _new(decision=load(Decision, id))


@bp.route("/action/<int:id>/new", methods=["GET", "POST"])
def new_for_action(id: int):
    action = db.session.get(ActionItem, id)
    if action is None:
        abort(404)
    if not can(current_user, "view_minutes", action.item.meeting):
        abort(403)
    return _new(action=action)


@bp.route("/<int:id>/edit", methods=["GET", "POST"])
def edit(id: int):
    item = load(FollowupItem, id, "edit")
    form = ItemForm(obj=item if request.method == "GET" else None)
    form.owner.choices = owner_choices()
    if request.method == "GET":
        form.owner.data = owner_value(item)
    if form.validate_on_submit():
        kind, member, group = _owner_of(form.owner.data)
        with lifecycle.refusal(form):
            services.edit_item(current_user, item, what=form.what.data, owner_kind=kind,
                               member=member, group=group, due=form.due.data,
                               weight=form.weight.data, lock_version=form.lock_version.data)
            flash(_("The follow-up item is saved."), "success")
            return _back(item)
    return _item_form_page(form, decision=item.decision, action=item.action, item=item)


@bp.route("/decision/<int:id>/review", methods=["GET", "POST"])
def review(id: int):
    decision = load(Decision, id)
    require("create", "followup")
    form = ReviewForm(obj=decision if request.method == "GET" else None)
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            services.set_review_date(current_user, decision, form.review_date.data)
            flash(_("The review date is saved."), "success")
            return see_other("register.show", year=decision.year, number=decision.number)
    status = 422 if request.method == "POST" else 200
    return render_template("followup/review.html", form=form, decision=decision), status
