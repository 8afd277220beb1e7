"""Member pages: the list, a member's page with its history, and the secretariat's
(and admin's) work: add, edit, close, merge, subregions and counties, CSV files."""

import base64
import binascii
import hashlib
import hmac
from itertools import groupby

from flask import Blueprint, Response, abort, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

import decisions.lifecycle as lifecycle
from decisions.clock import now, oslo
from decisions.errors import DomainError
from decisions.extensions import db
from decisions.http import load, require, see_other
from decisions.members import queries, services
from decisions.members.forms import (
    KIND_LABELS,
    ActiveForm,
    ImportForm,
    ImportSaveForm,
    MemberForm,
    MergeForm,
    PlaceForm,
)
from decisions.members.models import County, Member, MemberKind, Subregion

bp = Blueprint("members", __name__, url_prefix="/members")

PLACES = {"subregions": Subregion, "counties": County}
MAX_FILE = 1_000_000  # bytes of CSV: a few thousand rows


@bp.before_request
@login_required
def _signed_in():
    pass


@bp.route("/")
def index():
    require("list", "member")
    members = db.session.scalars(queries.members()).all()
    active = [m for m in members if m.active]
    groups = [(name, list(items)) for name, items in
              groupby(active, key=lambda m: m.subregion.name)]
    return render_template("members/index.html", groups=groups, total=len(active),
                           closed=[m for m in members if not m.active], kinds=KIND_LABELS)


@bp.route("/<int:id>")
def show(id: int):
    member = load(Member, id)
    return render_template("members/show.html", member=member, kinds=KIND_LABELS,
                           representatives=queries.representatives_of(member),
                           merged_from=queries.merged_into(member), active_form=ActiveForm())


def _member_choices(form: MemberForm, member: Member | None = None) -> None:
    form.subregion.choices = [SelectChoice(s.id, s.name) for s in queries.subregions()
                              if s.active or (member and member.subregion_id == s.id)]
    form.county.choices = [SelectChoice(0, _("(none)"))] + [
        SelectChoice(c.id, c.name) for c in queries.counties()
        if c.active or (member and member.county_id == c.id)]


def _places(form) -> tuple[Subregion | None, County | None]:
    county = db.session.get(County, form.county.data) if form.county.data else None
    return db.session.get(Subregion, form.subregion.data or 0), county


def _form_page(template: str, form, **context):
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


@bp.route("/new", methods=["GET", "POST"])
def new():
    require("manage", "member")
    form = MemberForm()
    _member_choices(form)
    if form.validate_on_submit():
        subregion, county = _places(form)
        with lifecycle.refusal(form):
            member = services.create_member(current_user, name=form.name.data,
                                            kind=MemberKind(form.kind.data),
                                            subregion=subregion, county=county)
            flash(_("%(name)s is added.", name=member.name), "success")
            return see_other("members.show", id=member.id)
    return _form_page("members/edit.html", form, member=None)


@bp.route("/<int:id>/edit", methods=["GET", "POST"])
def edit(id: int):
    require("manage", "member")
    member = load(Member, id)
    form = MemberForm(obj=member if request.method == "GET" else None)
    _member_choices(form, member)
    if request.method == "GET":
        form.kind.data, form.subregion.data = member.kind.value, member.subregion_id
        form.county.data = member.county_id or 0
    if form.validate_on_submit():
        subregion, county = _places(form)
        with lifecycle.refusal(form):
            services.edit_member(current_user, member, name=form.name.data,
                                 kind=MemberKind(form.kind.data), subregion=subregion,
                                 county=county, renamed_on=form.renamed_on.data,
                                 lock_version=form.lock_version.data or 0)
            flash(_("The member is saved."), "success")
            return see_other("members.show", id=member.id)
    return _form_page("members/edit.html", form, member=member)


@bp.route("/<int:id>/active", methods=["POST"])
def set_active(id: int):
    require("manage", "member")
    member = load(Member, id)
    form = ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    active = form.active.data == "1"
    try:
        services.set_member_active(current_user, member, active)
        flash(_("%(name)s is active again.", name=member.name) if active else
              _("%(name)s is closed: it is no longer offered for new rounds.",
                name=member.name), "success")
    except DomainError as error:
        lifecycle.refused(error)
    return see_other("members.show", id=id)


# --- Merger --------------------------------------------------------------------------


def _merge_form() -> MergeForm:
    form = MergeForm()
    active = queries.active_members()
    form.olds.choices = [SelectChoice(m.id, m.name) for m in active]
    form.into.choices = [SelectChoice(0, _("A new member (named below)"))] + [
        SelectChoice(m.id, m.name) for m in active]
    if request.method == "GET":
        form.on.data = oslo(now()).date()
    return form


@bp.route("/merge", methods=["GET", "POST"])
def merge():
    """A municipal merger: the form, then a preview of what it does, then the act."""
    require("manage", "member")
    form = _merge_form()
    plan = None
    if form.validate_on_submit():
        olds = [m for m in (db.session.get(Member, i) for i in form.olds.data or []) if m]
        into = db.session.get(Member, form.into.data) if form.into.data else None
        plan = services.plan_merger(olds, into, form.on.data,
                                    " ".join((form.new_name.data or "").split()))
        if not plan.problems and request.form.get("confirmed") == "1":
            with lifecycle.refusal(form):
                merged = services.merge(current_user, plan)
                flash(_("The members are merged into %(name)s.", name=merged.name),
                      "success")
                return see_other("members.show", id=merged.id)
            return _form_page("members/merge.html", form, plan=None)
        if not plan.problems:
            return render_template("members/merge.html", form=form, plan=plan)
        form.form_errors.extend(plan.problems)
    return _form_page("members/merge.html", form, plan=None)


# --- Subregions and counties -----------------------------------------------------------


@bp.route("/places")
def places():
    require("manage", "member")
    return render_template("members/places.html", subregions=queries.subregions(),
                           counties=queries.counties(), form=PlaceForm(formdata=None),
                           active_form=ActiveForm(), failed=None)


def _place(kind: str, id: int) -> Subregion | County:
    require("manage", "member")
    place = db.session.get(PLACES[kind], id)
    if place is None:
        abort(404)
    return place


def _places_failed(form, failed: tuple[str, int | None]):
    return render_template("members/places.html", subregions=queries.subregions(),
                           counties=queries.counties(), form=form,
                           active_form=ActiveForm(), failed=failed), 422


@bp.route("/<any(subregions, counties):kind>/new", methods=["POST"])
def new_place(kind: str):
    require("manage", "member")
    form = PlaceForm()
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            place = services.create_place(current_user, PLACES[kind], form.name.data)
            flash(_("%(name)s is added.", name=place.name), "success")
            return see_other("members.places")
    return _places_failed(form, (kind, None))


@bp.route("/<any(subregions, counties):kind>/<int:id>", methods=["POST"])
def rename_place(kind: str, id: int):
    place = _place(kind, id)
    form = PlaceForm()
    if form.validate_on_submit():
        with lifecycle.refusal(form):
            services.rename_place(current_user, place, form.name.data)
            flash(_("The name is saved."), "success")
            return see_other("members.places")
    return _places_failed(form, (kind, id))


@bp.route("/<any(subregions, counties):kind>/<int:id>/active", methods=["POST"])
def place_active(kind: str, id: int):
    place = _place(kind, id)
    form = ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_place_active(current_user, place, form.active.data == "1")
        flash(_("%(name)s is saved.", name=place.name), "success")
    except DomainError as error:
        lifecycle.refused(error)
    return see_other("members.places")


# --- CSV files ---------------------------------------------------------------------------


def _csv(text: str, name: str) -> Response:
    return Response("\ufeff" + text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/export/members.csv")
def export_members():
    require("manage", "member")
    return _csv(services.members_csv(), "members.csv")


@bp.route("/export/representatives.csv")
def export_representatives():
    require("manage", "member")
    return _csv(services.representatives_csv(), "representatives.csv")


def digest(what: str, content: str) -> str:
    """The signature of a checked file carried between the preview and the save."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{what}\n{content}".encode(), hashlib.sha256).hexdigest()


CHECKS = {"members": services.check_members,
          "representatives": services.check_representatives}
IMPORTS = {"members": services.import_members,
           "representatives": services.import_representatives}


@bp.route("/import", methods=["GET", "POST"])
def import_file():
    """Upload a file: every row checked and shown, nothing saved."""
    require("manage", "member")
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(MAX_FILE + 1) if upload else b""
        if not data:
            form.file.errors = [_("Choose a CSV file.")]
        elif len(data) > MAX_FILE:
            form.file.errors = [_("The file is larger than 1 MB.")]
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                form.file.errors = [_("The file is not UTF-8 text.")]
            else:
                return _preview(form.what.data, text)
    return _form_page("members/import.html", form)


def _preview(what: str, text: str, status: int | None = None):
    checked = CHECKS[what](text)
    # The content travels base64-encoded: browsers rewrite line ends in form fields.
    save_form = ImportSaveForm(formdata=None, what=what,
                               content=base64.b64encode(text.encode()).decode(),
                               digest=digest(what, text))
    return render_template("members/import_preview.html", what=what, checked=checked,
                           save_form=save_form), status or (422 if checked.errors else 200)


@bp.route("/import/save", methods=["POST"])
def import_save():
    """Save a previewed file: checked again, saved all together or not at all."""
    require("manage", "member")
    form = ImportSaveForm()
    what = form.what.data
    try:
        text = base64.b64decode(form.content.data or "", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        abort(400)
    if (not form.validate_on_submit() or what not in IMPORTS
            or not hmac.compare_digest(form.digest.data or "", digest(what, text))):
        abort(400)
    result = IMPORTS[what](current_user, text)
    if result.errors:
        lifecycle.refuse()
        flash(_("Nothing was saved: the data changed since the preview."), "error")
        return _preview(what, text, 422)
    flash(_("%(n)s rows are saved.", n=result.created), "success")
    return see_other("members.index")
