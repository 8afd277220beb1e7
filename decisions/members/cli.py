"""`flask members`: member organisations and representatives imported from a file, by
the same checks and services as the browser's import."""

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from decisions.extensions import db
from decisions.members.services import import_members as run_import
from decisions.members.services import import_representatives as run_representatives

members = AppGroup("members", help="Member organisations.")


def _run(path: Path, service, done: str) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(_("The file is not UTF-8 text.")) from None
    result = service(None, text)
    if result.errors:
        db.session.rollback()
        for error in result.errors:
            click.echo(error, err=True)
        raise click.ClickException(_("Nothing was imported."))
    db.session.commit()
    click.echo(done % {"n": result.created})


@members.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_members(path: Path):
    """Import members from a CSV file (columns: name, kind, subregion, optional county).

    Nothing is imported when any row is bad."""
    _run(path, run_import, _("Imported %(n)s members."))


@members.command("import-representatives")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_representatives(path: Path):
    """Import representatives from a CSV file (columns: name, email, member).

    Nothing is imported when any row is bad. They set their password through
    "Forgotten password"."""
    _run(path, run_representatives, _("Imported %(n)s representatives."))
