"""Backups: a consistent copy while the bot writes, and a restore to exactly that copy."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot import backup
from bot.__main__ import main
from bot.db import Database
from bot.models import Base
from tests import factories
from tests.utils import START, TOKEN

Rows = dict[str, list[tuple[object, ...]]]


def all_rows(path: Path) -> Rows:
    """Every row of every table the models know, plus the migration stamp, in order."""
    tables = [table.name for table in Base.metadata.sorted_tables] + ["alembic_version"]
    conn = sqlite3.connect(path)
    try:
        return {
            name: sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in tables
        }
    finally:
        conn.close()


def sqlite_only(database: Database) -> Path:
    if not database.is_sqlite:
        pytest.skip("SQLite's online backup; PostgreSQL uses pg_dump")
    path = backup.sqlite_file(database.url)
    assert path is not None
    return path


async def test_backup_during_writes_restores_to_an_identical_state(
    database: Database, tmp_path: Path
) -> None:
    live = sqlite_only(database)
    written: list[int] = []
    enough = asyncio.Event()
    wanted = [20]
    stop = asyncio.Event()

    async def keep_writing() -> None:
        telegram_id = 1000
        while not stop.is_set():
            telegram_id += 1
            await factories.person(database, START, telegram_id, f"P{telegram_id}")
            written.append(telegram_id)
            if len(written) >= wanted[0]:
                enough.set()
            await asyncio.sleep(0)

    writer = asyncio.create_task(keep_writing())
    await enough.wait()
    folder = tmp_path / "backups"
    folder.mkdir()
    copy = await backup.backup(database.url, folder, now=START)
    # The writer went on while the copy ran, and goes on after it.
    wanted[0] = len(written) + 20
    enough.clear()
    await enough.wait()
    stop.set()
    await writer

    assert copy.parent == folder and copy.name == "miroir-20261124-090000.db"
    saved = all_rows(copy)
    people_saved = len(saved["people"])
    assert 20 <= people_saved < len(written)
    assert all_rows(live)["people"] != saved["people"]

    await database.dispose()  # the bot is stopped before a restore
    kept = backup.restore_sqlite(copy, live)

    assert all_rows(live) == saved
    assert kept is not None and len(all_rows(kept)["people"]) == len(written)
    reopened = Database(database.url)
    try:
        # The restored file is a working database: the bot writes to it again.
        await factories.person(reopened, START, 1, "Après")
    finally:
        await reopened.dispose()
    assert len(all_rows(live)["people"]) == people_saved + 1


async def test_restore_refuses_what_is_not_a_miroir_database(
    database: Database, tmp_path: Path
) -> None:
    live = sqlite_only(database)
    await factories.person(database, START, 42, "Ana")
    await database.dispose()
    before = all_rows(live)

    text_file = tmp_path / "notes.db"
    text_file.write_text("not a database at all\n" * 100)
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE things (id INTEGER)")
    conn.commit()
    conn.close()
    old = await backup.backup(database.url, tmp_path / "old.db", now=START)
    conn = sqlite3.connect(old)
    conn.execute("UPDATE alembic_version SET version_num = '0001'")
    conn.commit()
    conn.close()

    for wrong in (text_file, other, old, tmp_path / "missing.db"):
        with pytest.raises(backup.BackupError):
            backup.restore_sqlite(wrong, live)
    assert all_rows(live) == before
    assert not live.with_name(live.name + backup.BEFORE_RESTORE_SUFFIX).exists()


def use_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the repository
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", url)


async def test_commands_back_up_and_restore_after_a_typed_yes(
    database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    live = sqlite_only(database)
    await factories.person(database, START, 42, "Ana")
    use_database(monkeypatch, tmp_path, database.url)
    copy = tmp_path / "copy.db"

    assert await asyncio.to_thread(main, ["backup", str(copy)]) == 0
    saved = all_rows(copy)
    await factories.person(database, START, 43, "Bea")
    await database.dispose()

    monkeypatch.setattr("builtins.input", lambda _prompt: "no")
    assert main(["restore", str(copy)]) == 1
    assert len(all_rows(live)["people"]) == 2
    assert "Stop the bot first" in capsys.readouterr().out

    monkeypatch.setattr("builtins.input", lambda _prompt: "yes")
    assert main(["restore", str(copy)]) == 0
    assert all_rows(live) == saved

    assert main(["restore", str(tmp_path / "copy.db.partial"), "--yes"]) == 1
    assert all_rows(live) == saved


def test_postgresql_points_to_pg_dump(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_database(
        monkeypatch, tmp_path, "postgresql+asyncpg://miroir:hunter22@db.local:5433/miroir"
    )
    assert main(["backup", "miroir.dump"]) == 2
    out = capsys.readouterr().out
    assert 'pg_dump --format=custom --file="miroir.dump"' in out
    assert "postgresql://miroir@db.local:5433/miroir" in out
    assert "hunter22" not in out
    assert main(["restore", "miroir.dump", "--yes"]) == 2
    assert "pg_restore --clean --if-exists --no-owner" in capsys.readouterr().out
