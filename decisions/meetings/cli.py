"""`flask groups`: the groups that meet and their seats."""

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select

from decisions.accounts.models import User
from decisions.errors import DomainError
from decisions.extensions import db
from decisions.meetings.documents import render_missing_public
from decisions.meetings.models import Group, GroupKind, GroupRole
from decisions.meetings.services import add_membership, create_group
from decisions.members.models import Member

groups = AppGroup("groups", help="Groups that meet (board, council, expert groups).")
meetings = AppGroup("meetings", help="Meetings and their documents.")


@meetings.command("render-public")
def render_public():
    """Render the public version of approved minutes and published notices that have
    none (the members' versions are left as they are)."""
    made, skipped = render_missing_public()
    db.session.commit()
    click.echo(_("Rendered %(num)s public documents.", num=len(made)))
    for meeting in skipped:
        click.echo(_("Skipped the notice of meeting %(id)s: the agenda has changed since "
                     "it was published.", id=meeting.id))


@groups.command("add")
@click.argument("name")
@click.option("--kind", required=True,
              type=click.Choice(["board", "council", "coordination", "committee",
                                 "expert"]))
def add_group(name: str, kind: str):
    """Add a group that meets."""
    try:
        create_group(None, name=name, kind=GroupKind(kind))
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(_("Added the group %(name)s.", name=name))


def _find(model, column, value, message):
    found = db.session.scalar(select(model).where(column == value))
    if found is None:
        raise click.ClickException(message)
    return found


@groups.command("seat")
@click.argument("group_name")
@click.argument("person")
@click.option("--role", required=True,
              type=click.Choice(["chair", "deputy_chair", "member", "deputy",
                                 "secretary", "observer"]))
@click.option("--from", "term_start", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="First day of the term (YYYY-MM-DD).")
@click.option("--to", "term_end", type=click.DateTime(["%Y-%m-%d"]),
              help="Last day of the term, if known.")
@click.option("--user", "email", help="The person's login, if they have one.")
@click.option("--member", "member_name", help="The member organisation they come from.")
@click.option("--email", "address", help="For a person without a login: the email "
              "address that gets notices and approved minutes.")
def add_seat(group_name: str, person: str, role: str, term_start, term_end,
             email: str | None, member_name: str | None, address: str | None):
    """Give PERSON a seat in GROUP_NAME for a term."""
    group = _find(Group, Group.name, group_name,
                  _("No group is called %(name)s.", name=group_name))
    user = _find(User, User.email, email, _("No user has the email %(email)s.",
                                              email=email)) if email else None
    member = _find(Member, Member.name, member_name, _(
        "No member is called \u201c%(name)s\u201d.", name=member_name)) \
        if member_name else None
    try:
        add_membership(None, group, person_name=person, role=GroupRole(role),
                       term_start=term_start.date(),
                       term_end=term_end.date() if term_end else None, user=user,
                       member=member, email=address)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(_("%(person)s has a seat in %(group)s.", person=person, group=group_name))
