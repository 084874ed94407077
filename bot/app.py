"""build_application: the one place that wires Telegram, the database, handlers and jobs."""

from __future__ import annotations

import logging

from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest, HTTPXRequest

import handlers
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db import Database
from bot.i18n import Translator, default_translator
from bot.runtime import Runtime
from handlers.commands import set_default_commands

log = logging.getLogger(__name__)

# Long polling keeps one request open for this long; the read timeout must exceed it.
POLL_TIMEOUT = 10


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    clock: Clock | None = None,
    database: Database | None = None,
    translator: Translator | None = None,
) -> Application:  # type: ignore[type-arg]
    """Build the Application; tests pass their own request, clock and database."""
    rt = Runtime(
        settings=settings,
        db=database or Database(settings.database_url),
        clock=clock or SystemClock(),
        translator=translator or default_translator(),
    )

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        me = await app.bot.get_me()
        rt.bot_username = me.username or ""
        await set_default_commands(app.bot, rt)

    async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
        await rt.db.dispose()

    builder = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .request(request or HTTPXRequest(connection_pool_size=64))
        .get_updates_request(
            updates_request or request or HTTPXRequest(read_timeout=POLL_TIMEOUT + 10)
        )
        # Updates are handled concurrently: one slow reply never holds up the next person.
        .concurrent_updates(64)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    app = builder.build()
    app.bot_data["runtime"] = rt
    handlers.register(app, rt.translator)
    return app
