"""Emails about a person's own account: not notifications (nothing to list in the app),
queued like them and sent by the sweep."""

from flask import current_app, url_for
from flask_babel import gettext as _

from decisions.clock import now
from decisions.notifications.mail import queue_message
from decisions.notifications.messages import Message


def login_locked(user) -> None:
    def build() -> Message:
        return Message(
            _("Failed attempts to log in to your Samråd account"),
            [_("Someone typed a wrong password or code for your account several times. "
               "For a quarter of an hour, the devices they came from cannot log in to it; "
               "you can still log in from your own. If a wrong code was typed, whoever did "
               "it knows your password: choose a new one now. If it was you, nothing more "
               "is needed.")],
            action=(_("Choose a new password"), url_for("accounts.forgot", _external=True)))
    queue_message(user, f"login_locked:{user.id}:{int(now().timestamp())}", build)


def password_reset(reset) -> None:
    def build() -> Message:
        return Message(
            _("Choose a new password for Samråd"),
            [_("Someone (we hope you) asked to choose a new password for your account. "
               "The link works once, for an hour. If it was not you, ignore this email: "
               "your password stays as it is.")],
            action=(_("Choose a new password"),
                    url_for("accounts.reset", token=reset.token, _external=True)))
    queue_message(reset.user, f"password_reset:{reset.id}", build)


def invitation(invitation) -> None:
    def build() -> Message:
        days = (invitation.expires_at - invitation.created_at).days
        return Message(
            _("You are invited to Samråd"),
            [_("%(name)s, you have been given an account in Samråd, where %(alliance)s "
               "prepares and records its decisions. Choose your password through the link "
               "below. It works once, for %(days)d days; if it has expired, ask the "
               "secretariat for a new one.", name=invitation.user.name,
               alliance=current_app.config["ALLIANCE_NAME"], days=days)],
            action=(_("Choose your password"),
                    url_for("people.accept", token=invitation.token, _external=True)))
    queue_message(invitation.user, f"invitation:{invitation.id}", build)


def second_factor_reset(user) -> None:
    def build() -> Message:
        return Message(
            _("The code for your Samråd account was removed"),
            [_("The code from your authenticator app no longer works for your account. "
               "If you asked for this (a lost or new phone), set up the app again at your "
               "next login. If you did not, tell the secretariat at once.")],
            action=(_("Log in"), url_for("accounts.login", _external=True)))
    queue_message(user, f"second_factor_reset:{user.id}:{int(now().timestamp())}", build)
