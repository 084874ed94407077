"""Shared fixtures: a migrated database, a frozen clock, the fake Telegram and the real app.

The suite runs on SQLite by default; set TEST_DATABASE_URL (postgresql+asyncpg://...) to
run it on PostgreSQL, each test in its own schema.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import time
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from telegram import Update

from bot.app import build_application
from bot.clock import FrozenClock
from bot.config import Settings
from bot.context import MiroirApp
from bot.db import Database
from bot.migrate import upgrade
from bot.sandbox.fake_telegram import FakeTelegram, ptb_request
from scheduler.ratelimit import TelegramRateLimiter
from tests.utils import BOT_ID, BOT_USERNAME, FACILITATOR_ID, JSON, START, TOKEN

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    """A freshly migrated database, private to the test."""
    if TEST_DATABASE_URL:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_async_engine(TEST_DATABASE_URL)
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        db = Database(
            TEST_DATABASE_URL,
            connect_args={"server_settings": {"search_path": schema}},
            pool_size=20,
            max_overflow=20,
        )
        try:
            await upgrade(db.engine)
            yield db
        finally:
            await db.dispose()
            async with admin.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            await admin.dispose()
    else:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'miroir.db'}")
        try:
            await upgrade(db.engine)
            yield db
        finally:
            await db.dispose()


@pytest.fixture
def settings(database: Database) -> Settings:
    return make_settings(database)


def make_settings(database: Database) -> Settings:
    """The suite's settings: Claire's id as a facilitator, no quiet hours, no flood pause."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=SecretStr(TOKEN),
        database_url=database.url,
        facilitator_ids=frozenset({FACILITATOR_ID}),
        # Quiet hours would hold messages in tests set in the evening; tests opt in.
        quiet_hours_start=time(0, 0),
        quiet_hours_end=time(0, 0),
        # Stories send many updates at one frozen instant; tests/handlers/test_flood.py
        # sets the real limits back.
        flood_updates=1_000_000,
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API; any request it rejects fails the test that made it."""
    telegram = FakeTelegram(token=TOKEN, bot_id=BOT_ID, bot_username=BOT_USERNAME)
    yield telegram
    assert telegram.violations == [], "requests rejected by the Bot API spec"


def instant_rate_limiter() -> TelegramRateLimiter:
    """The real limiter on a virtual clock: waits are counted, never slept."""
    virtual = [0.0]

    async def advance(seconds: float) -> None:
        virtual[0] += seconds

    return TelegramRateLimiter(monotonic=lambda: virtual[0], sleep=advance)


@pytest.fixture
async def app(
    settings: Settings, fake: FakeTelegram, clock: FrozenClock, database: Database
) -> AsyncIterator[MiroirApp]:
    """The real Application, wired to the fake; user actions return once handled."""
    application = build_application(
        settings,
        request=ptb_request(fake),
        updates_request=ptb_request(fake),
        clock=clock,
        database=database,
        rate_limiter=instant_rate_limiter(),
        background=False,
    )
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)

    async def sink(update: JSON) -> None:
        await application.process_update(Update.de_json(update, application.bot))

    fake.set_update_sink(sink)
    yield application
    await application.shutdown()
