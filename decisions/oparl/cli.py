"""`flask oparl`: the open-data interface's own upkeep."""

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from decisions.oparl import papers

oparl = AppGroup("oparl", help="The OParl interface (open data).")


@oparl.command("render-papers")
def render_papers():
    """Render the public PDF (the paper's main file) of every published decision that
    has none."""
    made = papers.render_missing()
    click.echo(_("Rendered %(num)s public decision documents.", num=len(made)))
