"""`python -m bot backup` and `restore`: SQLite's online backup, both ways.

The copy goes through SQLite's backup API rather than a file copy: the bot keeps
writing (WAL mode), and the API reads one consistent snapshot, WAL content included.
Restore goes through the same API into the live file, so a leftover -wal file can never
be replayed onto the restored pages. PostgreSQL has its own tools (pg_dump, pg_restore).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from datetime import datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, make_url

from bot.migrate import alembic_config

BEFORE_RESTORE_SUFFIX = ".before-restore"


class BackupError(Exception):
    """The backup or restore cannot be done; the message is for the operator."""


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a SQLite URL; None for another database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError("backup needs a SQLite database in a file (DATABASE_URL)")
    return Path(url.database).expanduser()


def postgres_commands(database_url: str, path: str) -> str:
    """What to run instead on PostgreSQL; the password stays out (PGPASSWORD or ~/.pgpass)."""
    url = make_url(database_url)
    target = URL.create(
        "postgresql", username=url.username, host=url.host, port=url.port, database=url.database
    ).render_as_string(hide_password=False)
    return (
        "Miroir uses PostgreSQL here: use its own tools, with the bot running or not.\n"
        f'  backup:  pg_dump --format=custom --file="{path}" "{target}"\n'
        f'  restore: pg_restore --clean --if-exists --no-owner --dbname="{target}" "{path}"\n'
        "Give the password with PGPASSWORD or ~/.pgpass. Stop the bot before pg_restore."
    )


def backup_target(path: Path, now: datetime) -> Path:
    """A folder gets a timestamped file name; anything else is the file itself."""
    if path.is_dir() or str(path).endswith(os.sep):
        return path / f"miroir-{now:%Y%m%d-%H%M%S}.db"
    return path


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """Copy to a temporary file, then rename: a half-written backup never has the name."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    dest = sqlite3.connect(partial)
    try:
        # pages=-1: one step, one read snapshot, so the copy is consistent.
        source.backup(dest)
        # A backup is one self-contained file, not a WAL database with companions.
        dest.execute("PRAGMA journal_mode=DELETE")
        dest.commit()
    finally:
        dest.close()
    os.replace(partial, target)


def backup_sqlite(database: Path, path: Path, *, now: datetime) -> Path:
    """Copy the live database to `path` (a file, or a folder for a timestamped name)."""
    if not database.exists():
        raise BackupError(f"no database at {database}")
    target = backup_target(path, now)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(database, timeout=30)
    try:
        _copy(source, target)
    finally:
        source.close()
    return target


async def backup(database_url: str, path: Path, *, now: datetime) -> Path:
    """The online backup, in a thread so a running event loop keeps serving."""
    database = sqlite_file(database_url)
    if database is None:
        raise BackupError("not a SQLite database")
    return await asyncio.to_thread(backup_sqlite, database, path, now=now)


def migration_head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise BackupError("no migrations found")
    return head


def check_backup(path: Path) -> None:
    """Refuse anything that is not a sound Miroir database at the current migration."""
    if not path.is_file():
        raise BackupError(f"no file at {path}")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path} cannot be opened: {exc}") from None
    try:
        try:
            (check,) = conn.execute("PRAGMA quick_check").fetchone()
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.Error:
            raise BackupError(f"{path} is not a Miroir database") from None
    finally:
        conn.close()
    if check != "ok":
        raise BackupError(f"{path} is damaged: {check}")
    versions = [row[0] for row in rows]
    head = migration_head()
    if versions != [head]:
        raise BackupError(
            f"{path} is a Miroir database at migration {', '.join(versions) or 'none'}, "
            f"this version of Miroir needs {head}"
        )


def restore_sqlite(backup_file: Path, database: Path) -> Path | None:
    """Put the backup in place of the database; the replaced one is kept beside it.

    Returns the path of the kept copy, or None when there was no database yet.
    """
    check_backup(backup_file)
    database.parent.mkdir(parents=True, exist_ok=True)
    kept: Path | None = None
    if database.exists():
        kept = database.with_name(database.name + BEFORE_RESTORE_SUFFIX)
        live = sqlite3.connect(database, timeout=30)
        try:
            _copy(live, kept)
        finally:
            live.close()
    source = sqlite3.connect(f"{backup_file.resolve().as_uri()}?mode=ro", uri=True)
    dest = sqlite3.connect(database, timeout=30)
    try:
        source.backup(dest)
        # Fold the restored pages into the main file and drop the WAL.
        with contextlib.suppress(sqlite3.Error):
            dest.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        dest.close()
        source.close()
    return kept
