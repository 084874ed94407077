"""The data layer: UTC round trips, SQLite pragmas, migrations as the only schema path,
and what happens when the database goes away."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.db import Availability, Database, describe, is_connection_error
from bot.models import Base, Invitation, Person
from tests.outage import database_away


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


# --- the database goes away -------------------------------------------------------------


def wrapped(cause: BaseException, *, invalidated: bool = False) -> DBAPIError:
    """An error as SQLAlchemy raises it: the driver's error inside, the statement around."""
    return DBAPIError(
        "UPDATE people SET display_name=$1", ("Ana",), cause, connection_invalidated=invalidated
    )


def sqlite_error(name: str) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("as SQLite says it")
    error.sqlite_errorname = name
    return error


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        OSError("Multiple exceptions: [Errno 111] Connect call failed"),
        TimeoutError(),
        PoolTimeout("QueuePool limit reached"),
        OperationalError("SELECT 1", None, sqlite_error("SQLITE_CANTOPEN")),
        OperationalError("UPDATE outbox", None, sqlite_error("SQLITE_IOERR_WRITE")),
        wrapped(Exception("connection is closed"), invalidated=True),
        wrapped(asyncpg.ConnectionDoesNotExistError("closed in the middle of operation")),
        wrapped(asyncpg.CannotConnectNowError("the database system is starting up")),
        wrapped(asyncpg.AdminShutdownError("terminating connection due to administrator")),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_of_a_missing_database_are_recognised(error: BaseException) -> None:
    assert is_connection_error(error)


def test_a_connection_error_is_found_under_the_error_that_wraps_it() -> None:
    try:
        try:
            raise ConnectionResetError("reset by peer")
        except ConnectionResetError as cause:
            raise RuntimeError("the tap could not be written") from cause
    except RuntimeError as error:
        assert is_connection_error(error)


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("INSERT", None, Exception("duplicate key")),
        OperationalError("SELECT * FROM nope", None, sqlite_error("SQLITE_ERROR")),
        ProgrammingError("SELEC 1", None, Exception("syntax error")),
        ValueError("a bug"),
        FileNotFoundError("fonts/DejaVuSans.ttf"),
        PermissionError("backups/"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_bugs_are_not_taken_for_an_outage(error: BaseException) -> None:
    assert not is_connection_error(error)


def test_describing_an_error_never_shows_the_statement_or_its_values() -> None:
    error = wrapped(ConnectionResetError("reset"), invalidated=True)
    assert describe(error) == "DBAPIError <- ConnectionResetError"
    assert "Ana" not in describe(error)


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    moments = iter([100.0, 163.0])
    availability = Availability(monotonic=lambda: next(moments))
    caplog.set_level(logging.INFO, logger="miroir.db")
    for _ in range(60):  # a job every second for a minute
        availability.failed(ConnectionRefusedError(111, "Connect call failed"))
    assert not availability.up
    availability.succeeded()
    availability.succeeded()
    assert availability.up
    assert [r.getMessage() for r in caplog.records] == [
        "database unreachable (ConnectionRefusedError); people get an apology, "
        "work waits until it is back",
        "database reachable again after 63 s (60 operations failed meanwhile)",
    ]
    assert availability.outages == 1


async def test_transactions_tell_whether_the_database_answers(
    database: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="miroir.db")
    async with database_away(database, tmp_path):
        for _ in range(3):
            with pytest.raises(OperationalError):
                async with database.transaction() as session:
                    await session.execute(select(1))
        assert not database.availability.up
    async with database.transaction() as session:
        await session.execute(select(1))
    assert database.availability.up
    assert len(caplog.records) == 2


async def test_a_failing_query_is_not_an_outage(database: Database) -> None:
    with pytest.raises(Exception, match="no_such_table"):
        async with database.transaction() as session:
            await session.execute(text("SELECT * FROM no_such_table"))
    assert database.availability.up


def test_postgresql_connections_are_checked_before_use() -> None:
    db = Database("postgresql+asyncpg://miroir@127.0.0.1:1/miroir")
    assert db.engine.pool._pre_ping


async def test_a_postgresql_server_that_does_not_answer_is_given_up_quickly() -> None:
    silent = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    db = Database(
        f"postgresql+asyncpg://miroir@127.0.0.1:{port}/miroir", connect_args={"timeout": 0.2}
    )
    try:
        with pytest.raises(Exception) as caught:
            async with db.transaction() as session:
                await session.execute(select(1))
        assert is_connection_error(caught.value)
        assert not db.availability.up
    finally:
        await db.dispose()
        silent.close()
