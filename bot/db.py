"""Engine, sessions and the one transaction helper.

SQLite runs in WAL mode with foreign keys on, and every transaction starts with
BEGIN IMMEDIATE: writers queue on the database lock instead of failing half-way
with "database is locked" when two taps arrive together.

The database may go away for a while (PostgreSQL restarted, a disk gone): every
transaction tells `Database.availability` how it went, which writes one warning when
the database stops answering and one line when it is back, however many callers failed
in between. Connections are checked before use (`pool_pre_ping`), so the pool replaces
the ones a restart killed instead of handing them out.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

log = logging.getLogger("miroir.db")

CONNECT_TIMEOUT_SECONDS = 10

# asyncpg's errors that mean "no server to talk to", matched by name: asyncpg is only
# installed for PostgreSQL, and its classes carry no types.
_ASYNCPG_CONNECTION_ERRORS = frozenset(
    {"PostgresConnectionError", "OperatorInterventionError", "TooManyConnectionsError"}
)

# SQLite says "operational error" for a missing table too: only these mean the file
# cannot be used (gone, unreadable, disk full, held by another process for too long).
_SQLITE_OUTAGES = (
    "SQLITE_CANTOPEN",
    "SQLITE_IOERR",
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_READONLY",
    "SQLITE_FULL",
)


def _causes(error: BaseException) -> list[BaseException]:
    """The error, then what it wraps (SQLAlchemy's `orig`, the cause, the context)."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        orig = getattr(current, "orig", None)
        current = (
            orig if isinstance(orig, BaseException) else current.__cause__ or current.__context__
        )
    return chain


def _is_connection_error(error: BaseException) -> bool:
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, exc.OperationalError | exc.InterfaceError | exc.TimeoutError):
        return True  # TimeoutError here is the pool's: every connection is stuck
    if isinstance(error, ConnectionError | TimeoutError | socket.gaierror):
        return True
    # Connecting to a name with several addresses fails with a plain OSError; its
    # subclasses (a missing file, a permission) are bugs, not outages.
    if type(error) is OSError:
        return True
    return any(
        cls.__module__.startswith("asyncpg") and cls.__name__ in _ASYNCPG_CONNECTION_ERRORS
        for cls in type(error).__mro__
    )


def is_connection_error(error: BaseException) -> bool:
    """Whether `error` means the database could not be reached (not a bug in a query)."""
    chain = _causes(error)
    for cause in chain:
        if isinstance(cause, sqlite3.Error):
            return str(getattr(cause, "sqlite_errorname", "")).startswith(_SQLITE_OUTAGES)
    return any(_is_connection_error(e) for e in chain)


def describe(error: BaseException) -> str:
    """The error's kind for a log line: class names only, since SQLAlchemy's text holds
    the statement and its parameters (what people wrote, their names)."""
    return " <- ".join(type(e).__name__ for e in _causes(error))


class Availability:
    """Whether the database answers: one warning when it stops, one line when it is back."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self.down_since: float | None = None
        self.failures = 0  # operations that failed during the current outage
        self.outages = 0  # since start

    @property
    def up(self) -> bool:
        return self.down_since is None

    def failed(self, error: BaseException) -> None:
        self.failures += 1
        if self.down_since is not None:
            return  # said once already: a line a second helps nobody
        self.down_since = self._monotonic()
        self.outages += 1
        log.warning(
            "database unreachable (%s); people get an apology, work waits until it is back",
            describe(error),
            extra={"event": "database_down"},
        )

    def succeeded(self) -> None:
        if self.down_since is None:
            return
        seconds = self._monotonic() - self.down_since
        log.warning(
            "database reachable again after %.0f s (%d operations failed meanwhile)",
            seconds,
            self.failures,
            extra={"event": "database_up", "outage_seconds": round(seconds, 1)},
        )
        self.down_since = None
        self.failures = 0


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _prepare_sqlite_path(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the engine; on SQLite also create the data folder and set the pragmas."""
    if not is_sqlite(url):
        kwargs.setdefault("pool_pre_ping", True)
        # A server that does not answer (rather than refuse) must not hold a job or an
        # update for asyncpg's default minute.
        kwargs["connect_args"] = {
            "timeout": CONNECT_TIMEOUT_SECONDS,
            **kwargs.get("connect_args", {}),
        }
        return create_async_engine(url, **kwargs)

    _prepare_sqlite_path(url)
    # isolation_level=None hands transaction control to us (see _begin below).
    engine = create_async_engine(
        url, connect_args={"timeout": 30, "isolation_level": None}, **kwargs
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """The engine and its session factory; one per Application."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.is_sqlite = is_sqlite(url)
        # aiosqlite runs one thread per connection; an in-process lock keeps writers
        # from spinning on SQLite's busy handler when many updates arrive at once.
        self._sqlite_lock = asyncio.Lock() if self.is_sqlite else None
        self.availability = Availability()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Yield a session inside one transaction: commit on success, roll back on error."""
        try:
            if self._sqlite_lock is not None:
                async with self._sqlite_lock, self.sessions() as session, session.begin():
                    yield session
            else:
                async with self.sessions() as session, session.begin():
                    yield session
        except Exception as error:
            if is_connection_error(error):
                self.availability.failed(error)
            raise
        self.availability.succeeded()

    async def dispose(self) -> None:
        await self.engine.dispose()
