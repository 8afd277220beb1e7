"""The user's notifications: the list, the unread count (polled by htmx), opening one,
marking all read, and the email settings."""

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_htmx import make_response as htmx_response
from flask_login import current_user, login_required

import decisions.lifecycle as lifecycle
from decisions.accounts.models import Role
from decisions.extensions import db
from decisions.http import load, once_a_request, page_number, require, see_other, wants_fragment
from decisions.notifications import messages, queries, services
from decisions.notifications.forms import settings_form
from decisions.notifications.models import (
    Delivery,
    Notification,
    NotificationKind,
    OutboundEmail,
)
from decisions.permissions import can
from decisions.proposals.forms import ActionForm

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

# Who can receive which kind (the others are left out of the settings).
KINDS_FOR = {
    Role.REPRESENTATIVE: (NotificationKind.ROUND_OPENED, NotificationKind.REMINDER,
                          NotificationKind.OBJECTION_ANSWERED, NotificationKind.ROUND_CLOSED,
                          NotificationKind.FOLLOWUP_DUE, NotificationKind.RATIFICATION),
    Role.SECRETARIAT: (NotificationKind.OBJECTION, NotificationKind.FOLLOWUP_DUE),
}
MEETING_KINDS = (NotificationKind.NOTICE, NotificationKind.MINUTES_APPROVED)


@bp.before_request
@login_required
def _signed_in():
    pass


def _own(id: int) -> Notification:
    notification = db.session.get(Notification, id)
    if notification is None or not can(current_user, "view", notification):
        abort(404)  # another user's notification is not there for you
    return notification


@once_a_request
def unread() -> int:
    """The signed-in user's unread count: the menu of every page shows it, the list too."""
    return queries.unread_count(current_user) if current_user.is_authenticated else 0


@bp.route("/")
def index():
    page = db.paginate(queries.of_user(current_user), page=page_number(), per_page=30,
                       error_out=False)
    template = "notifications/_list.html" if wants_fragment() else "notifications/index.html"
    return render_template(template, page=page, subject=messages.subject, unread=unread())


@bp.route("/count")
def count():
    return render_template("notifications/_count.html", unread=unread())


@bp.route("/<int:id>/open", methods=["POST"])
def follow(id: int):
    notification = _own(id)
    if ActionForm().validate_on_submit():
        services.mark_read(current_user, notification)
    return redirect(messages.link(notification), code=303)


@bp.route("/read", methods=["POST"])
def read_all():
    if ActionForm().validate_on_submit():
        services.mark_all_read(current_user)
    if wants_fragment():
        return htmx_response(index(), trigger="notifications-changed")
    return see_other("notifications.index")


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    kinds = KINDS_FOR.get(current_user.role, ()) + MEETING_KINDS
    form = settings_form(kinds, services.preferences(current_user),
                         formdata=request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        services.set_preferences(current_user, {
            kind: Delivery(form[kind.value].data) for kind in kinds})
        flash(_("Your notification settings are saved."), "success")
        return see_other("notifications.settings")
    return render_template("notifications/settings.html", form=form, kinds=kinds)


@bp.route("/outbox")
def outbox():
    """Emails the mail server refused, or has refused for long: the secretariat's."""
    require("list", "email")
    page = db.paginate(queries.undeliverable(current_user), page=page_number(), per_page=30,
                       error_out=False)
    return render_template("notifications/outbox.html", page=page,
                           long_retried=queries.LONG_RETRIED)


@bp.route("/outbox/<int:id>/retry", methods=["POST"])
def retry(id: int):
    email = load(OutboundEmail, id, "retry")
    if not ActionForm().validate_on_submit():
        abort(400)
    with lifecycle.refusal():
        services.retry_email(current_user, email)
        flash(_("The email to %(address)s will be sent again within minutes.",
                address=email.to_address), "success")
    return see_other("notifications.outbox")
