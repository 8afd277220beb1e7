"""Command-line commands: members import, users create, demo data, settling rounds,
the sweep, groups and their seats."""

import os
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import func, select

from decisions.accounts.models import Role
from decisions.errors import DomainError
from decisions.extensions import db


def register(app: Flask) -> None:
    from decisions import expect_writes

    members = AppGroup("members", help="Member organisations.")
    users = AppGroup("users", help="User accounts.")
    demo = AppGroup("demo", help="Demo data.")
    rounds = AppGroup("rounds", help="Consensus rounds.")
    areas = AppGroup("areas", help="Areas of operation.")
    groups = AppGroup("groups", help="Groups that meet (board, council, expert groups).")
    audit = AppGroup("audit", help="The audit trail.")

    @audit.command("verify")
    def verify_audit():
        """Recompute the audit trail's hash chain; exit 1 if an entry was changed or
        deleted."""
        from decisions.audit.chain import verify
        from decisions.audit.models import AuditEntry

        problems = verify(db.session)
        if problems:
            for problem in problems:
                click.echo(problem, err=True)
            raise click.ClickException(_("The audit trail has been tampered with."))
        total = db.session.scalar(select(func.count()).select_from(AuditEntry))
        click.echo(_("The audit trail holds: %(n)s entries, each linked to the one before.",
                     n=total))

    @members.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_members(path: Path):
        """Import members from a CSV file (columns: name, kind, subregion).

        Nothing is imported when any row is bad."""
        expect_writes()
        from decisions.members.services import import_members as run

        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise click.ClickException(_("The file is not UTF-8 text.")) from None
        result = run(None, text)
        if result.errors:
            db.session.rollback()
            for error in result.errors:
                click.echo(error, err=True)
            raise click.ClickException(_("Nothing was imported."))
        db.session.commit()
        click.echo(_("Imported %(n)s members.", n=result.created))

    @areas.command("add")
    @click.argument("name_nb")
    @click.option("--en", "name_en", default="", help="The name in English.")
    def add_area(name_nb: str, name_en: str):
        """Add an area of operation (its name in bokmål, and --en in English)."""
        expect_writes()
        from decisions.proposals.services import create_area

        try:
            create_area(None, name_nb=name_nb, name_en=name_en)
        except DomainError as error:
            raise click.ClickException(str(error.message)) from None
        db.session.commit()
        click.echo(_("Added the area %(name)s.", name=name_nb))

    @users.command("create")
    @click.argument("email")
    @click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
    @click.option("--member", "member_name", help="The member a representative speaks for.")
    @click.option("--name", default="", help="Full name (defaults to the email).")
    def create_user(email: str, role: str, member_name: str | None, name: str):
        """Create a user. The password is read from SAMRAAD_PASSWORD or prompted."""
        expect_writes()
        from decisions.accounts.services import create_user as run
        from decisions.members.models import Member

        member = None
        if member_name:
            member = db.session.scalar(select(Member).where(Member.name == member_name))
            if member is None:
                raise click.ClickException(
                    _("No member is called \u201c%(name)s\u201d.", name=member_name))
        password = os.environ.get("SAMRAAD_PASSWORD") or click.prompt(
            _("Password"), hide_input=True, confirmation_prompt=True)
        try:
            user = run(None, email=email, name=name, role=Role(role), password=password,
                       member=member)
        except DomainError as error:
            raise click.ClickException(str(error.message)) from None
        db.session.commit()
        click.echo(_("Created %(email)s (%(role)s).", email=user.email, role=user.role.value))

    @users.command("reset-code")
    @click.argument("email")
    def reset_code(email: str):
        """Remove a user's authenticator code (a lost phone); a new one is set up at the
        next login."""
        expect_writes()
        from decisions.accounts.models import User
        from decisions.accounts.services import reset_totp

        user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException(_("No user has the email %(email)s.", email=email))
        reset_totp(None, user)
        db.session.commit()
        click.echo(_("The code of %(email)s is removed.", email=user.email))

    @users.command("rotate-totp-key")
    def rotate_totp_key():
        """Re-encrypt every second-factor secret with the first key of
        TOTP_ENCRYPTION_KEYS; afterwards the older keys can be removed."""
        expect_writes()
        from decisions.accounts.services import rotate_totp_secrets

        count = rotate_totp_secrets()
        db.session.commit()
        click.echo(_("%(count)d second-factor secrets are encrypted with the newest key.",
                     count=count))

    @demo.command("load")
    @click.option("--force", is_flag=True, help="Load even outside development.")
    def load_demo(force: bool):
        """Load the demo data, unless it is already loaded.

        The demo accounts have a published password, so outside the development
        configuration this needs --force."""
        if app.config["CONFIG_NAME"] not in ("development", "test") and not force:
            raise click.ClickException(_(
                "The demo data has accounts with a published password; it is loaded only "
                "in development (SAMRAAD_CONFIG=development) or with --force."))
        expect_writes()
        from decisions.demo import DEMO_PASSWORD, DEMO_USERS, load

        if not load():
            click.echo(_("Demo data is already loaded."))
        else:
            db.session.commit()
            click.echo(_("Demo data loaded."))
        click.echo(_("Demo logins (password for all: %(password)s):", password=DEMO_PASSWORD))
        for email, role, member, _name in DEMO_USERS:
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
        if app.config["CONFIG_NAME"] not in ("development", "test") and not force:
            raise click.ClickException(
                "The scale data has accounts with a published password; it is generated "
                "only in development (SAMRAAD_CONFIG=development) or with --force.")
        expect_writes()
        from decisions import scale

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

    @rounds.command("settle")
    def settle():
        """Record the outcome of every round whose deadline has passed."""
        from decisions.sweep import record_ended_rounds

        click.echo(_("Settled %(n)s rounds.", n=record_ended_rounds()))

    @app.cli.command("sweep")
    def sweep():
        """Record ended rounds, send due reminders and emails. Run it every minute."""
        from decisions.notifications.mail import describe
        from decisions.sweep import sweep as run

        result = run()
        click.echo(_("Rounds recorded: %(settled)s. Reminded: %(reminded)s. Emails queued: "
                     "%(queued)s, digests: %(digests)s.", settled=result.settled,
                     reminded=result.reminded, queued=result.queued,
                     digests=result.digests))
        click.echo(describe(result.delivery))
        if result.failed_steps:  # logged with their tracebacks; cron sees the exit code
            raise click.ClickException(_("These steps failed: %(steps)s.",
                                         steps=", ".join(result.failed_steps)))

    @groups.command("add")
    @click.argument("name")
    @click.option("--kind", required=True,
                  type=click.Choice(["board", "council", "coordination", "committee",
                                     "expert"]))
    def add_group(name: str, kind: str):
        """Add a group that meets."""
        expect_writes()
        from decisions.meetings.models import Group, GroupKind
        from decisions.meetings.services import create_group

        if db.session.scalar(select(Group.id).where(Group.name == name)):
            raise click.ClickException(_("A group called %(name)s exists already.",
                                         name=name))
        create_group(None, name=name, kind=GroupKind(kind))
        db.session.commit()
        click.echo(_("Added the group %(name)s.", name=name))

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
    def add_seat(group_name: str, person: str, role: str, term_start, term_end,
                 email: str | None, member_name: str | None):
        """Give PERSON a seat in GROUP_NAME for a term."""
        expect_writes()
        from decisions.accounts.models import User
        from decisions.meetings.models import Group, GroupRole
        from decisions.meetings.services import add_membership
        from decisions.members.models import Member

        def find(model, column, value, message):
            found = db.session.scalar(select(model).where(column == value))
            if found is None:
                raise click.ClickException(message)
            return found

        group = find(Group, Group.name, group_name,
                     _("No group is called %(name)s.", name=group_name))
        user = find(User, User.email, email, _("No user has the email %(email)s.",
                                                email=email)) if email else None
        member = find(Member, Member.name, member_name, _(
            "No member is called \u201c%(name)s\u201d.", name=member_name)) \
            if member_name else None
        try:
            add_membership(None, group, person_name=person, role=GroupRole(role),
                           term_start=term_start.date(),
                           term_end=term_end.date() if term_end else None, user=user,
                           member=member)
        except DomainError as error:
            raise click.ClickException(str(error.message)) from None
        db.session.commit()
        click.echo(_("%(person)s has a seat in %(group)s.", person=person, group=group_name))

    @app.cli.command("backup")
    @click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
    def backup(target: Path):
        """Back up the database and the file store into TARGET (a .tar.gz)."""
        from decisions.backup import BackupError
        from decisions.backup import backup as run

        try:
            manifest = run(target)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(_("Backed up %(rows)s rows in %(tables)s tables and the files to %(path)s.",
                     rows=sum(manifest["tables"].values()), tables=len(manifest["tables"]),
                     path=target))

    @app.cli.command("restore")
    @click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--overwrite", is_flag=True, help="Replace a database that holds data.")
    def restore(source: Path, overwrite: bool):
        """Restore a backup made by `flask backup` into the configured database and file
        store. Stop the app first."""
        expect_writes()
        from decisions.backup import BackupError
        from decisions.backup import restore as run

        try:
            manifest = run(source, overwrite=overwrite)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(_("Restored the backup of %(when)s (schema %(revision)s). Run `flask db "
                     "upgrade` if this version of Samråd is newer.",
                     when=manifest["created_at"], revision=manifest["revision"]))

    for group in (members, users, demo, rounds, areas, groups, audit):
        app.cli.add_command(group)
