"""`flask users`: accounts are made and repaired from the command line."""

import os

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select

from decisions.accounts.models import Role, User
from decisions.accounts.services import create_user as run_create_user
from decisions.accounts.services import reset_totp, rotate_totp_secrets
from decisions.errors import DomainError
from decisions.extensions import db
from decisions.members.models import Member
from decisions.people import services as people

users = AppGroup("users", help="User accounts.")


def _member(name: str | None) -> Member | None:
    if not name:
        return None
    member = db.session.scalar(select(Member).where(Member.name == name))
    if member is None:
        raise click.ClickException(_("No member is called \u201c%(name)s\u201d.", name=name))
    return member


@users.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--member", "member_name", help="The member a representative speaks for.")
@click.option("--name", default="", help="Full name (defaults to the email).")
def create_user(email: str, role: str, member_name: str | None, name: str):
    """Create a user. The password is read from SAMRAAD_PASSWORD or prompted."""
    member = _member(member_name)
    password = os.environ.get("SAMRAAD_PASSWORD") or click.prompt(
        _("Password"), hide_input=True, confirmation_prompt=True)
    try:
        user = run_create_user(None, email=email, name=name, role=Role(role),
                               password=password, member=member)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(_("Created %(email)s (%(role)s).", email=user.email, role=user.role.value))


@users.command("invite")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--member", "member_name", help="The member a representative speaks for.")
@click.option("--main", is_flag=True, help="The member's main representative.")
@click.option("--name", default="", help="Full name (defaults to the email).")
def invite(email: str, role: str, member_name: str | None, main: bool, name: str):
    """Invite a user: an email with a link to choose a password (sent by the sweep)."""
    member = _member(member_name)
    try:
        invitation = people.invite(None, email=email, name=name, role=Role(role),
                                   member=member, main=main)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(_("Invited %(email)s (%(role)s).", email=invitation.user.email, role=role))


@users.command("reset-code")
@click.argument("email")
def reset_code(email: str):
    """Remove a user's authenticator code (a lost phone); a new one is set up at the
    next login."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(_("No user has the email %(email)s.", email=email))
    reset_totp(None, user)
    db.session.commit()
    click.echo(_("The code of %(email)s is removed.", email=user.email))


@users.command("publish-consent")
@click.argument("email")
@click.option("--yes/--no", "consent", required=True,
              help="Whether the person agreed to be published in the open data (OParl).")
def publish_consent(email: str, consent: bool):
    """Record whether a person agreed to be published by name, with their seats, in the
    open data interface (/oparl/1.1/)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(_("No user has the email %(email)s.", email=email))
    people.set_publish_consent(None, user, consent)
    db.session.commit()
    click.echo(_("%(email)s is published in the open data.", email=user.email) if consent
               else _("%(email)s is not published in the open data.", email=user.email))


@users.command("rotate-totp-key")
def rotate_totp_key():
    """Re-encrypt every second-factor secret with the first key of
    TOTP_ENCRYPTION_KEYS; afterwards the older keys can be removed."""
    count = rotate_totp_secrets()
    db.session.commit()
    click.echo(_("%(count)d second-factor secrets are encrypted with the newest key.",
                 count=count))
