"""`flask areas` and `flask rounds`: areas of operation, and rounds settled by hand."""

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from decisions.errors import DomainError
from decisions.extensions import db
from decisions.proposals.services import create_area
from decisions.sweep import record_ended_rounds

areas = AppGroup("areas", help="Areas of operation.")
rounds = AppGroup("rounds", help="Consensus rounds.")


@areas.command("add")
@click.argument("name_nb")
@click.option("--en", "name_en", default="", help="The name in English.")
def add_area(name_nb: str, name_en: str):
    """Add an area of operation (its name in bokmål, and --en in English)."""
    try:
        create_area(None, name_nb=name_nb, name_en=name_en)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(_("Added the area %(name)s.", name=name_nb))


@rounds.command("settle")
def settle():
    """Record the outcome of every round whose deadline has passed."""
    click.echo(_("Settled %(n)s rounds.", n=record_ended_rounds()))
