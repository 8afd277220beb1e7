"""`flask areas` and `flask rounds`: areas of operation, and rounds settled by hand."""

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select

from decisions.errors import DomainError
from decisions.extensions import db
from decisions.proposals.models import Area
from decisions.proposals.services import create_area, edit_area, set_area_active
from decisions.sweep import record_ended_rounds

areas = AppGroup("areas", help="Areas of operation.")
rounds = AppGroup("rounds", help="Consensus rounds.")


@areas.command("add")
@click.argument("name_nb")
@click.option("--en", "name_en", default="", help="The name in English.")
@click.option("--strategy", is_flag=True, help="A strategy area (innsatsområde).")
def add_area(name_nb: str, name_en: str, strategy: bool):
    """Add an area of operation (its name in bokmål, and --en in English)."""
    try:
        create_area(None, name_nb=name_nb, name_en=name_en, strategy=strategy)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(_("Added the area %(name)s.", name=name_nb))


def _area(name_nb: str) -> Area:
    area = db.session.scalar(select(Area).where(Area.name_nb == name_nb))
    if area is None:
        raise click.ClickException(_("No area is named %(name)s.", name=name_nb))
    return area


@areas.command("rename")
@click.argument("name_nb")
@click.argument("new_name_nb")
@click.option("--en", "name_en", default="", help="The new name in English.")
def rename_area(name_nb: str, new_name_nb: str, name_en: str):
    """Rename an area (found by its name in bokmål)."""
    area = _area(name_nb)
    try:
        edit_area(None, area, name_nb=new_name_nb, name_en=name_en or area.name_en,
                  strategy=area.strategy)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(_("Renamed the area to %(name)s.", name=new_name_nb))


@areas.command("deactivate")
@click.argument("name_nb")
def deactivate_area(name_nb: str):
    """Deactivate an area: no new proposal is filed under it."""
    try:
        set_area_active(None, _area(name_nb), False)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(_("Deactivated the area %(name)s.", name=name_nb))


@rounds.command("settle")
def settle():
    """Record the outcome of every round whose deadline has passed."""
    click.echo(_("Settled %(n)s rounds.", n=record_ended_rounds()))
