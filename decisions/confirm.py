"""Ask before an act that cannot be undone: one mechanism for every such button.

The form (or its button) carries the question (`confirm_attrs(act)` in the template);
static/js/app.js asks it in a dialog and sends the form with `confirmed=1`. Without
JavaScript the POST arrives unconfirmed, and the view's `@confirm_first(act)` answers a
page that asks the same question and posts the same fields again, confirmed.
"""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from decisions.http import safe_next

# act -> (the question: what happens and that it cannot be undone, the button that does it)
ACTS = {
    "withdraw_proposal": (
        _l("The proposal is withdrawn: it can no longer be circulated or decided, and "
           "the members see that it was withdrawn. This cannot be undone."),
        _l("Withdraw proposal")),
    "publish_notice": (
        _l("The notice is published and sent to the group's members at once. It cannot "
           "be taken back; a later change is published as a revised notice."),
        _l("Publish notice")),
    "cancel_meeting": (
        _l("The meeting is cancelled and the members are told. A cancelled meeting "
           "cannot be opened again."),
        _l("Cancel meeting")),
    "mark_held": (
        _l("The meeting is marked as held: the agenda is closed and the minutes are "
           "opened. This cannot be undone."),
        _l("Mark as held")),
    "approve_minutes": (
        _l("The minutes are approved, frozen and published as PDF. Approved minutes can "
           "never be changed."),
        _l("Approve the minutes")),
    "remove_item": (
        _l("The item is removed from the agenda. This cannot be undone."),
        _l("Remove the item")),
    "remove_line": (
        _l("The line is removed from the minutes. This cannot be undone."),
        _l("Remove the line")),
    "remove_attendance": (
        _l("The person is removed from the attendance list. This cannot be undone."),
        _l("Remove from the list")),
    "deactivate_person": (
        _l("The person can no longer log in: every login, calendar address and link of "
           "the account stops at once, and cannot be revived. Reactivating the account "
           "later gives back only the password."),
        _l("Deactivate")),
    "reset_second_factor": (
        _l("The code is removed: the person sets up the authenticator app again at the "
           "next login, and is told by email. This cannot be undone."),
        _l("Reset the code")),
    "remove_attachment": (
        _l("The attachment is removed. This cannot be undone."),
        _l("Remove the attachment")),
}


def confirm_attrs(act: str) -> Markup:
    """The attributes a form or button of `act` carries for the dialog in app.js."""
    question, button = ACTS[act]
    return Markup(' data-confirm="{}" data-confirm-button="{}"').format(question, button)


def confirm_first(act: str, check: Callable[..., object] | None = None):
    """Runs the view only on a confirmed POST; answers an unconfirmed one (no
    JavaScript) with the question, changing nothing. `check(**view_args)` loads and
    authorizes the object first (404/403), so that no one is asked what they may not do.
    """
    question, button = ACTS[act]

    def decorate(view):
        @wraps(view)
        def confirmed_view(**view_args):
            if request.form.get("confirmed") == "1":
                return view(**view_args)
            if check is not None:
                check(**view_args)
            fields = [(name, value) for name, value in request.form.items(multi=True)
                      if name not in ("csrf_token", "confirmed")]
            return render_template("confirm.html", question=question, button=button,
                                   fields=fields, action=request.path, back=_back())
        confirmed_view.confirms = act
        return confirmed_view
    return decorate


def _back() -> str:
    """The page the form was on (a local path only), else the start page."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return safe_next(None)
    return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
