"""Backups (`flask backup`, `flask restore`): the database and the file store in one
.tar.gz.

SQLite is copied with its online backup API (a consistent copy while the app runs);
PostgreSQL with pg_dump (custom format; pg_restore puts it back). The file store
(attachments, published PDFs) goes alongside, with a manifest of what is inside:
the schema revision and the number of rows of every table, both taken from the very
state that was dumped.
"""

import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from decisions.clock import now
from decisions.extensions import db
from decisions.files.storage import fsync_directory

DATABASE_FILES = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}


class BackupError(Exception):
    pass


def _dialect() -> str:
    return db.engine.dialect.name


def _sqlite_path() -> str:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database


def _libpq_url() -> str:
    """The database URL as pg_dump and pg_restore read it (no SQLAlchemy driver)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def table_counts(scalar=None) -> dict[str, int]:
    """Rows per table, counted by `scalar` (a session's or a connection's; the
    session's by default)."""
    scalar = scalar or db.session.scalar
    return {table.name: scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


REVISION = text("SELECT version_num FROM alembic_version")


def _run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


def _dump(dialect: str, dump: Path, snapshot: str | None = None) -> None:
    """The database into `dump`: SQLite's online backup, or pg_dump of `snapshot`."""
    if dialect == "sqlite":
        source = sqlite3.connect(_sqlite_path())
        copy = sqlite3.connect(dump)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        _run("pg_dump", "--format=custom", "--no-owner", "--no-privileges",
             f"--snapshot={snapshot}", f"--file={dump}", _libpq_url())


def _dump_and_count(dialect: str, dump: Path) -> tuple[str | None, dict[str, int]]:
    """Dump the database and count its rows in the same state, whatever is written
    meanwhile: SQLite's are counted in the copy itself; PostgreSQL's in a repeatable
    read transaction whose snapshot pg_dump is given. Returns (revision, counts)."""
    if dialect == "sqlite":
        _dump(dialect, dump)
        copy = sqlite3.connect(dump)
        try:
            def scalar(statement):
                sql = str(statement.compile(dialect=db.engine.dialect))
                return copy.execute(sql).fetchone()[0]

            return scalar(REVISION), table_counts(scalar)
        finally:
            copy.close()
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            conn.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            revision, counts = conn.scalar(REVISION), table_counts(conn.scalar)
            _dump(dialect, dump, snapshot)  # while the snapshot's transaction is open
        return revision, counts


def backup(target: Path) -> dict:
    """Write the backup to `target` (a .tar.gz); returns its manifest."""
    dialect = _dialect()
    if dialect not in DATABASE_FILES:
        raise BackupError(f"no backup for {dialect}")
    created_at = now().isoformat()
    db.session.rollback()
    with tempfile.TemporaryDirectory(prefix="samraad-backup-") as work:
        dump = Path(work) / DATABASE_FILES[dialect]
        revision, counts = _dump_and_count(dialect, dump)
        manifest = {"created_at": created_at, "database": dialect,
                    "revision": revision, "tables": counts}
        (Path(work) / "manifest.json").write_text(json.dumps(manifest, indent=2))
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(Path(work) / "manifest.json", arcname="manifest.json")
            archive.add(dump, arcname=dump.name)
            files = Path(current_app.config["FILE_STORAGE"])
            if files.is_dir():
                archive.add(files, arcname="files")
        partial.replace(target)  # a backup is there whole or not at all
    return manifest


def restore(source: Path, *, overwrite: bool = False) -> dict:
    """Put a backup back into the configured database and file store; returns its
    manifest. Refuses a database that holds data unless `overwrite`."""
    dialect = _dialect()
    with tempfile.TemporaryDirectory(prefix="samraad-restore-") as work:
        with tarfile.open(source, "r:gz") as archive:
            archive.extractall(work, filter="data")
        manifest = json.loads((Path(work) / "manifest.json").read_text())
        if manifest["database"] != dialect:
            raise BackupError(f"a {manifest['database']} backup cannot go into {dialect}")
        if not overwrite and _holds_data():
            raise BackupError("the database holds data; restore with --overwrite to replace it")
        db.session.remove()
        db.engine.dispose()
        dump = Path(work) / DATABASE_FILES[dialect]
        if dialect == "sqlite":
            backup_copy = sqlite3.connect(dump)
            target = sqlite3.connect(_sqlite_path())
            try:
                backup_copy.backup(target)
            finally:
                target.close()
                backup_copy.close()
        else:
            _run("pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                 "--single-transaction", f"--dbname={_libpq_url()}", str(dump))
        files = Path(work) / "files"
        if files.is_dir():
            _copy_tree(files, Path(current_app.config["FILE_STORAGE"]))
    return manifest


def _holds_data() -> bool:
    try:
        return any(table_counts().values())
    except Exception:  # noqa: BLE001 - no schema yet: an empty database
        db.session.rollback()
        return False


def _copy_tree(source: Path, target: Path) -> None:
    """Copies the file store back, durably: each file, and each directory's names, are
    on the disk before the restore says it is done."""
    directories = {target}
    for path in source.rglob("*"):
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            with destination.open("wb") as out:
                out.write(path.read_bytes())
                out.flush()
                os.fsync(out.fileno())
        directories.add(destination if path.is_dir() else destination.parent)
    for directory in directories:
        if directory.is_dir():
            fsync_directory(directory)
