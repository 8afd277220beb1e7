"""Adding, downloading and removing attachments: load, authorize, call one service, respond."""

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

import decisions.lifecycle as lifecycle
import decisions.submissions as submissions
from decisions.confirm import confirm_first
from decisions.errors import DomainError
from decisions.extensions import db
from decisions.files import queries, services, storage
from decisions.files.forms import RemoveForm, UploadForm
from decisions.files.models import Attachment
from decisions.http import load, require, safe_next, wants_fragment
from decisions.meetings.blueprint import load_item
from decisions.meetings.models import AgendaItem
from decisions.permissions import can
from decisions.proposals.models import Proposal

bp = Blueprint("files", __name__)


@bp.before_request
@login_required
def _signed_in():
    pass


def _proposal(id: int) -> Proposal:
    proposal = load(Proposal, id)
    require("upload", "attachment")
    return proposal


def _owner_of(attachment: Attachment) -> dict:
    """The item or the proposal an attachment belongs to, checked as above."""
    if attachment.item_id is not None:
        return {"item": load_item(attachment.item_id, "manage")}
    return {"proposal": _proposal(attachment.proposal_id)}


def _upload_url(item: AgendaItem | None = None, proposal: Proposal | None = None) -> str:
    if item is not None:
        return url_for("files.upload_to_item", id=item.id)
    return url_for("files.upload_to_proposal", id=proposal.id)


def _context(item: AgendaItem | None = None, proposal: Proposal | None = None, *,
             form: UploadForm, **extra) -> dict:
    """What files/upload.html and files/_attachments.html show for one owner."""
    if item is not None:
        attachments = queries.of_item(item.id)
        owner_url = url_for("meetings.meeting", id=item.meeting_id, _anchor=f"item-{item.id}")
    else:
        attachments = queries.of_proposal(proposal.id)
        owner_url = url_for("proposals.show", id=proposal.id)
    return {"item": item, "proposal": proposal, "attachments": attachments,
            "upload_url": _upload_url(item, proposal), "owner_url": owner_url,
            "form": form, "back": safe_next(form.next.data) if form.next.data else "",
            **extra}


def _fragment(owner: dict, back: str | None, **extra):
    """The attachments fragment as it is now, with an empty upload form."""
    form = UploadForm(formdata=None, next=back or "")
    return render_template("files/_attachments.html", **_context(form=form, **owner, **extra))


def _back(next_: str | None, owner: dict):
    """303 to the page the form was on (a local path only), else to the owner's
    attachments page."""
    return redirect(safe_next(next_) if next_ else _upload_url(**owner), code=303)


@bp.route("/items/<int:id>/attachments", methods=["GET", "POST"])
def upload_to_item(id: int):
    return _upload(item=load_item(id, "manage"))


@bp.route("/proposals/<int:id>/attachments", methods=["GET", "POST"])
def upload_to_proposal(id: int):
    return _upload(proposal=_proposal(id))


def _upload(**owner):
    form = UploadForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        upload = form.file.data
        with lifecycle.refusal(form):
            submissions.claim(current_user)
            attachment = services.add_attachment(
                current_user, data=upload.read(), filename=upload.filename or "",
                title=(form.title.data or "").strip(), **owner)
            message = _("“%(title)s” is attached.", title=attachment.title)
            if wants_fragment():
                return _fragment(owner, form.next.data, saved=message)
            flash(message, "success")
            return _back(form.next.data, owner)
    if wants_fragment():
        # htmx swaps 200 responses only; the errors are next to the field in the fragment.
        return render_template("files/_attachments.html", **_context(form=form, **owner))
    status = 422 if request.method == "POST" else 200
    return render_template("files/upload.html", **_context(form=form, **owner)), status


@bp.route("/attachments/<int:id>")
def download(id: int):
    attachment = queries.for_download(id)
    if attachment is None or attachment.removed:
        abort(404)
    if not can(current_user, "view", attachment):
        abort(403)
    return storage.send_pdf(attachment.storage_key, attachment.filename, attachment.sha256)


@bp.route("/attachments/<int:id>/remove", methods=["POST"])
@confirm_first("remove_attachment", lambda id: _owner_of(load(Attachment, id)))
def remove(id: int):
    attachment = db.session.get(Attachment, id)
    if attachment is None or attachment.removed:
        abort(404)
    owner = _owner_of(attachment)
    form = RemoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.remove_attachment(current_user, attachment)
    except DomainError as error:
        if wants_fragment():
            lifecycle.refuse()
            return _fragment(owner, form.next.data, error=error.message)
        lifecycle.refused(error)
        return _back(form.next.data, owner)
    message = _("“%(title)s” is removed.", title=attachment.title)
    if wants_fragment():
        return _fragment(owner, form.next.data, saved=message)
    flash(message, "success")
    return _back(form.next.data, owner)
