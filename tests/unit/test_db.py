"""The data layer: UTC round trips, SQLite pragmas, migrations as the only schema path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from bot.db import Database
from bot.models import Base, Invitation, Person


async def test_timestamps_come_back_as_aware_utc(database: Database) -> None:
    paris_noon = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    async with database.transaction() as session:
        session.add(
            Person(
                telegram_id=1,
                display_name="Ana",
                language="fr",
                created_at=paris_noon,
                last_seen_at=paris_noon,
            )
        )
    async with database.transaction() as session:
        person = await session.get(Person, 1)
        assert person is not None
        assert person.created_at == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
        assert person.created_at.utcoffset() == timedelta(0)


async def test_naive_datetimes_are_refused(database: Database) -> None:
    with pytest.raises(Exception, match="naive"):
        async with database.transaction() as session:
            now = datetime(2026, 1, 1)
            session.add(
                Person(
                    telegram_id=2,
                    display_name="B",
                    language="fr",
                    created_at=now,
                    last_seen_at=now,
                )
            )


async def test_foreign_keys_are_enforced(database: Database) -> None:
    now = datetime.now(UTC)
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            session.add(Invitation(code="x", created_by_id=999, created_at=now, expires_at=now))


async def test_sqlite_runs_in_wal_mode(database: Database) -> None:
    if not database.is_sqlite:
        pytest.skip("SQLite only")
    async with database.engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"


async def test_migrations_create_every_table(database: Database) -> None:
    async with database.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"people", "invitations", "alembic_version"} <= tables


async def test_sqlite_folder_is_created(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'deep' / 'er' / 'miroir.db'}")
    async with db.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    await db.dispose()
    assert (tmp_path / "deep" / "er" / "miroir.db").exists()


async def test_migrations_and_models_describe_the_same_schema(database: Database) -> None:
    async with database.engine.connect() as conn:
        drift = await conn.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
        )
    assert drift == [], "a model changed without a migration"
