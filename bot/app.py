"""build_application: the one place that wires Telegram, the database, handlers and jobs."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest, HTTPXRequest

import handlers
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db import Database
from bot.http import LaneRequest
from bot.i18n import Translator, default_translator
from bot.runtime import Runtime
from handlers.commands import set_default_commands
from handlers.sessions import tap_batcher
from scheduler import jobs
from scheduler.group_edits import GroupEditor
from scheduler.outbox import OutboxSender
from scheduler.ratelimit import TelegramRateLimiter

log = logging.getLogger(__name__)

# Long polling keeps one request open for this long; the read timeout must exceed it.
POLL_TIMEOUT = 10


def make_rate_limiter(settings: Settings) -> TelegramRateLimiter:
    return TelegramRateLimiter(
        per_second=settings.outbox_rate_per_second,
        private_per_second=settings.outbox_private_per_second,
        group_per_minute=settings.outbox_group_per_minute,
    )


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    clock: Clock | None = None,
    database: Database | None = None,
    translator: Translator | None = None,
    rate_limiter: TelegramRateLimiter | None = None,
    background: bool = True,
) -> Application:  # type: ignore[type-arg]
    """Build the Application; tests pass their own request, clock and database.

    `background=False` leaves the outbox sender and the periodic jobs off, so a test
    drives them itself with its frozen clock.
    """
    rt = Runtime(
        settings=settings,
        db=database or Database(settings.database_url),
        clock=clock or SystemClock(),
        translator=translator or default_translator(),
    )
    stop_sender = asyncio.Event()
    sender_task: list[asyncio.Task[None]] = []

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        me = await app.bot.get_me()
        rt.bot_username = me.username or ""
        await set_default_commands(app.bot, rt)
        if background:
            sender_task.append(asyncio.create_task(rt.sender.run(stop_sender)))
            jobs.schedule(app, rt)

    async def post_stop(app: Application) -> None:  # type: ignore[type-arg]
        stop_sender.set()
        if sender_task:
            await sender_task[0]

    async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
        await rt.db.dispose()

    builder = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .request(request or LaneRequest())
        .get_updates_request(updates_request or HTTPXRequest(read_timeout=POLL_TIMEOUT + 10))
        .rate_limiter(rate_limiter or make_rate_limiter(settings))
        # Updates are handled concurrently: one slow reply never holds up the next person.
        .concurrent_updates(64)
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
    )
    app: Application[Any, Any, Any, Any, Any, Any] = builder.build()
    rt.sender = OutboxSender(bot=app.bot, db=rt.db, clock=rt.clock, settings=settings)
    rt.wake_outbox = rt.sender.wake
    rt.group_editor = GroupEditor(rt, app.bot)
    rt.tap_batcher = tap_batcher(rt)
    app.bot_data["runtime"] = rt
    handlers.register(app)
    return app
