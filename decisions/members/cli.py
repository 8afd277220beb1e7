"""`flask members`: member organisations imported from a file."""

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from decisions.extensions import db
from decisions.members.services import import_members as run_import

members = AppGroup("members", help="Member organisations.")


@members.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_members(path: Path):
    """Import members from a CSV file (columns: name, kind, subregion).

    Nothing is imported when any row is bad."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(_("The file is not UTF-8 text.")) from None
    result = run_import(None, text)
    if result.errors:
        db.session.rollback()
        for error in result.errors:
            click.echo(error, err=True)
        raise click.ClickException(_("Nothing was imported."))
    db.session.commit()
    click.echo(_("Imported %(n)s members.", n=result.created))
