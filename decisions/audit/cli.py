"""`flask audit`: the audit trail checked from the command line."""

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import func, select

from decisions.audit.chain import verify
from decisions.audit.models import AuditEntry
from decisions.database import reads_only
from decisions.extensions import db

audit = AppGroup("audit", help="The audit trail.")


@audit.command("verify")
@reads_only
def verify_audit():
    """Recompute the audit trail's hash chain; exit 1 if an entry was changed or
    deleted."""
    problems = verify(db.session)
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise click.ClickException(_("The audit trail has been tampered with."))
    total = db.session.scalar(select(func.count()).select_from(AuditEntry))
    click.echo(_("The audit trail holds: %(n)s entries, each linked to the one before.",
                 n=total))
