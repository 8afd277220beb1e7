"""`flask demo load` and `flask demo scale`."""

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from decisions.demo import scale
from decisions.demo.data import DEMO_LOGINS, DEMO_PASSWORD, load
from decisions.extensions import db

demo = AppGroup("demo", help="Demo data.")


def _in_development() -> bool:
    return current_app.config["CONFIG_NAME"] in ("development", "test")


@demo.command("load")
@click.option("--force", is_flag=True, help="Load even outside development.")
def load_demo(force: bool):
    """Load the demo data, unless it is already loaded.

    The demo accounts have a published password, so outside the development
    configuration this needs --force."""
    if not _in_development() and not force:
        raise click.ClickException(_(
            "The demo data has accounts with a published password; it is loaded only "
            "in development (SAMRAAD_CONFIG=development) or with --force."))
    if not load():
        click.echo(_("Demo data is already loaded."))
    else:
        db.session.commit()
        click.echo(_("Demo data loaded."))
    click.echo(_("Demo logins (password for all: %(password)s):", password=DEMO_PASSWORD))
    for email, role, member, _name in DEMO_LOGINS:
        click.echo(f"  {email:<34} {role.value:<15} {member or ''}")


@demo.command("scale")
@click.option("--preset", type=click.Choice(["alliance", "national"]),
              help="alliance: 64 members, 10 years; national: 372 members (357 "
                   "municipalities and 15 counties), 10 years.")
@click.option("--members", type=click.IntRange(2, 2000),
              help="Number of members (overrides the preset's).")
@click.option("--years", type=click.IntRange(1, 50),
              help="Years of history (overrides the preset's).")
@click.option("--seed", type=int, default=2026, show_default=True,
              help="Seed of the random generator: the same seed gives the same data.")
@click.option("--force", is_flag=True,
              help="Run outside development, and into a database that already holds "
                   "data (every row is deleted first).")
def scale_demo(preset: str | None, members: int | None, years: int | None, seed: int,
               force: bool):
    """Generate years of realistic history, for measuring: members, users, about
    150 proposals a year with their rounds, positions and decisions, six groups
    meeting ten times a year with 15 agenda items and approved minutes,
    notifications and an audit trail whose hash chain verifies.

    Run `flask db upgrade` first. Written in bulk (minutes, not hours, for 372
    members and 10 years); no PDFs are stored. Logins, all with the demo password:
    the demo's (sekretariat@samraad.test, styre@samraad.test, admin@samraad.test and
    the demo representatives) and one representative for each member:
    rep-<member id>@samraad.test (member 1 is Oslo)."""
    if not _in_development() and not force:
        raise click.ClickException(
            "The scale data has accounts with a published password; it is generated "
            "only in development (SAMRAAD_CONFIG=development) or with --force.")
    default_members, default_years = scale.PRESETS[preset or "alliance"]
    members = members or default_members
    years = years or default_years
    if scale.has_data():
        if not force:
            raise click.ClickException(
                "The database already holds data; use --force to delete it and "
                "generate the scale data instead.")
        scale.empty_database()
    click.echo(f"Generating {members} members, {years} years of history "
               f"({db.engine.dialect.name}, seed {seed}):")
    result = scale.generate(members, years, seed=seed, log=click.echo)
    click.echo(f"Done in {result.timings[-1][1]:.1f} s. Rows:")
    for table, count in result.counts.items():
        click.echo(f"  {table:<26} {count:>10,}")
    click.echo(f"  {'total':<26} {sum(result.counts.values()):>10,}")
    click.echo(f"Logins (password for all: {result.logins['password']}):")
    for role in ("secretariat", "board", "admin", "representative"):
        click.echo(f"  {role:<15} {result.logins[role]}")
