"""Areas of operation and strategy areas (innsatsområder): the list, a page per area with
its proposals, decisions (and their follow-up) and agenda items, and the secretariat's
add, rename, deactivate and reactivate."""

from flask import Blueprint, abort, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

import decisions.lifecycle as lifecycle
from decisions.clock import now, oslo_today
from decisions.extensions import db
from decisions.followup import queries as followup_queries
from decisions.http import load, require, see_other
from decisions.meetings import queries as meeting_queries
from decisions.meetings.blueprint import item_url
from decisions.proposals import queries, services
from decisions.proposals.forms import ActionForm, AreaForm
from decisions.proposals.models import Area
from decisions.ratification import queries as ratification_queries

bp = Blueprint("areas", __name__, url_prefix="/areas")

SHOWN = 50  # of each kind on an area's page; the proposal list filters by area for more


@bp.before_request
@login_required
def _signed_in():
    pass


@bp.route("/")
def index():
    require("list", "area")
    return render_template("proposals/areas.html", areas=queries.areas(),
                           action_form=ActionForm())


def _form_page(form, area: Area | None):
    status = 422 if request.method == "POST" else 200
    return render_template("proposals/area_form.html", form=form, area=area), status


@bp.route("/new", methods=["GET", "POST"])
def new():
    require("create", "area")
    form = AreaForm()
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            area = services.create_area(current_user, name_nb=form.name_nb.data,
                                        name_en=form.name_en.data or "",
                                        strategy=form.kind.data == "strategy")
            flash(_("The area %(name)s is added.", name=area.name_nb), "success")
            return see_other("areas.show", id=area.id)
    return _form_page(form, None)


@bp.route("/<int:id>")
def show(id: int):
    area = load(Area, id)
    moment = now()
    proposals = db.session.scalars(queries.proposals(current_user, area_id=area.id,
                                                     now=moment).limit(SHOWN + 1)).all()
    rounds = queries.latest_rounds(p.id for p in proposals)
    decisions = db.session.scalars(
        queries.decisions_in_area(current_user, area.id).limit(SHOWN + 1)).all()
    items = db.session.scalars(
        meeting_queries.items_in_area(current_user, area.id).limit(SHOWN + 1)).unique().all()
    return render_template("proposals/area.html", area=area, proposals=proposals,
                           rounds=rounds, states=queries.states_of(list(rounds.values()),
                                                                   moment),
                           decisions=decisions, items=items, shown=SHOWN,
                           summaries=followup_queries.summaries(
                               (d.id for d in decisions[:SHOWN]), oslo_today()),
                           ratification_states=ratification_queries.states_of(
                               decisions, oslo_today(moment)),
                           item_url=item_url, action_form=ActionForm())


@bp.route("/<int:id>/edit", methods=["GET", "POST"])
def edit(id: int):
    area = load(Area, id, "edit")
    form = AreaForm(obj=area if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = "strategy" if area.strategy else "operation"
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            services.edit_area(current_user, area, name_nb=form.name_nb.data,
                               name_en=form.name_en.data or "",
                               strategy=form.kind.data == "strategy",
                               lock_version=form.lock_version.data)
            flash(_("The area is saved."), "success")
            return see_other("areas.show", id=area.id)
    return _form_page(form, area)


def _set_active(id: int, active: bool, message: str):
    area = load(Area, id, "edit")
    if not ActionForm().validate_on_submit():
        abort(400)
    with lifecycle.refusal():
        services.set_area_active(current_user, area, active)
        flash(message, "success")
    return see_other("areas.show", id=id)


@bp.route("/<int:id>/deactivate", methods=["POST"])
def deactivate(id: int):
    return _set_active(id, False, _("The area is deactivated: no new proposal can be "
                                    "filed under it."))


@bp.route("/<int:id>/reactivate", methods=["POST"])
def reactivate(id: int):
    return _set_active(id, True, _("The area is in use again."))
