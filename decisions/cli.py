"""The commands that belong to no one domain: `flask sweep`, `flask backup` and
`flask restore`. Each domain's own group is in its `cli.py`."""

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from decisions.backup import BackupError
from decisions.backup import backup as run_backup
from decisions.backup import restore as run_restore
from decisions.database import reads_only
from decisions.notifications.mail import describe
from decisions.sweep import sweep as run_sweep


@click.command("sweep")
@with_appcontext
def sweep():
    """Record ended rounds, send due reminders (rounds, follow-up items) and emails. Run
    it every minute."""
    result = run_sweep()
    click.echo(_("Rounds recorded: %(settled)s. Reminded: %(reminded)s. Emails queued: "
                 "%(queued)s, digests: %(digests)s.", settled=result.settled,
                 reminded=result.reminded, queued=result.queued,
                 digests=result.digests))
    click.echo(_("Follow-up owners reminded: %(count)s.", count=result.followup_reminded))
    click.echo(describe(result.delivery))
    if result.failed_steps:  # logged with their tracebacks; cron sees the exit code
        raise click.ClickException(_("These steps failed: %(steps)s.",
                                     steps=", ".join(result.failed_steps)))


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
@reads_only
def backup(target: Path):
    """Back up the database and the file store into TARGET (a .tar.gz)."""
    try:
        manifest = run_backup(target)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(_("Backed up %(rows)s rows in %(tables)s tables and the files to %(path)s.",
                 rows=sum(manifest["tables"].values()), tables=len(manifest["tables"]),
                 path=target))


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace a database that holds data.")
@with_appcontext
def restore(source: Path, overwrite: bool):
    """Restore a backup made by `flask backup` into the configured database and file
    store. Stop the app first."""
    try:
        manifest = run_restore(source, overwrite=overwrite)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(_("Restored the backup of %(when)s (schema %(revision)s). Run `flask db "
                 "upgrade` if this version of Samråd is newer.",
                 when=manifest["created_at"], revision=manifest["revision"]))
