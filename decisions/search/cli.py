"""`flask search`: the search index."""

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from decisions.extensions import db
from decisions.search.index import rebuild

search = AppGroup("search", help="The full-text search index.")


@search.command("reindex")
def reindex():
    """Write the whole search index again from the proposals, decisions, agenda items
    and minutes (after rows were written without the application, or a restore)."""
    written = rebuild(db.session.connection())
    db.session.commit()
    click.echo(_("Search index rebuilt: %(num)s entries.", num=written))
