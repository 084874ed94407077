"""build_application: the one place that wires Telegram, the database, handlers and jobs.

Everything is built in order, each part from the ones before it: the database, the
clock and the catalogues; the Bot (with its rate limiter and HTTP lanes); the outbox
sender, the group editor and the tap batcher, which need the Bot; the Runtime that holds
them; the Application; last what the capabilities declare (handlers.assemble) and the
update log with its metrics. The health server (HEALTH_PORT) starts before anything else
in post_init, so a port already taken stops the start-up before the sender runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from telegram.ext import ApplicationBuilder, ExtBot, JobQueue
from telegram.request import BaseRequest, HTTPXRequest

import handlers
from bot import charts
from bot.batching import Batcher
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import CONTEXT_TYPES, MiroirApp, MiroirContext
from bot.db import Database
from bot.health import HealthServer, Monitor
from bot.http import LaneRequest
from bot.i18n import Translator, default_translator
from bot.logs import install_update_log
from bot.metrics import Metrics
from bot.runtime import Runtime
from bot.sending import Bot
from bot.services import budget, taps
from bot.services.budget import BasketTap, BasketTapResult
from bot.services.taps import TapRequest, TapResult
from handlers.commands import set_default_commands
from scheduler import jobs
from scheduler.group_edits import GroupEditor
from scheduler.outbox import OutboxSender
from scheduler.ratelimit import TelegramRateLimiter

# Long polling keeps one request open for this long; the read timeout must exceed it.
POLL_TIMEOUT = 10


def make_rate_limiter(settings: Settings) -> TelegramRateLimiter:
    return TelegramRateLimiter(
        per_second=settings.outbox_rate_per_second,
        private_per_second=settings.outbox_private_per_second,
        group_per_minute=settings.outbox_group_per_minute,
    )


def make_bot(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    rate_limiter: TelegramRateLimiter | None = None,
) -> Bot:
    """The Bot: its HTTP lanes and the rate limiter that replies and the outbox share."""
    return ExtBot(
        settings.bot_token.get_secret_value(),
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_file_base_url,
        request=request or LaneRequest(),
        get_updates_request=updates_request or HTTPXRequest(read_timeout=POLL_TIMEOUT + 10),
        rate_limiter=rate_limiter or make_rate_limiter(settings),
    )


def tap_writer(
    *, db: Database, clock: Clock, translator: Translator, settings: Settings, sender: OutboxSender
) -> Batcher[TapRequest, TapResult]:
    """Button taps written in batches: one transaction for whoever tapped meanwhile."""

    async def write(requests: Sequence[TapRequest]) -> list[TapResult]:
        async with db.transaction() as session:
            results = await taps.process_taps(
                session,
                requests,
                now=clock.now(),
                translator=translator,
                tz=settings.tz,
                facilitator_ids=settings.facilitator_ids,
            )
        sender.wake()
        return results

    return Batcher(write)


def basket_writer(
    *, db: Database, clock: Clock, settings: Settings, sender: OutboxSender
) -> Batcher[BasketTap, BasketTapResult]:
    """➕ / ➖ on the budget round's screen, written in batches like the calendar's taps."""

    async def write(requests: Sequence[BasketTap]) -> list[BasketTapResult]:
        async with db.transaction() as session:
            results = await budget.process_taps(
                session, requests, now=clock.now(), facilitator_ids=settings.facilitator_ids
            )
        sender.wake()
        return results

    return Batcher(write)


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
) -> MiroirApp:
    """Build the Application; tests pass their own request, clock and database.

    `background=False` leaves the outbox sender and the periodic jobs off, so a test
    drives them itself with its frozen clock.
    """
    db = database or Database(settings.database_url)
    clock = clock or SystemClock()
    translator = translator or default_translator()
    limiter = rate_limiter or make_rate_limiter(settings)
    bot = make_bot(
        settings, request=request, updates_request=updates_request, rate_limiter=limiter
    )
    sender = OutboxSender(bot=bot, db=db, clock=clock, settings=settings)
    rt = Runtime(
        settings=settings,
        db=db,
        clock=clock,
        translator=translator,
        outbox=sender,
        group_counts=GroupEditor(
            bot=bot, db=db, clock=clock, translator=translator, settings=settings
        ),
        taps=tap_writer(
            db=db, clock=clock, translator=translator, settings=settings, sender=sender
        ),
        basket_taps=basket_writer(db=db, clock=clock, settings=settings, sender=sender),
    )
    surface = handlers.assemble(translator)
    metrics = Metrics()
    health = HealthServer(
        Monitor(
            db=db, clock=clock, settings=settings, sender=sender, limiter=limiter, metrics=metrics
        )
    )
    stop_sender = asyncio.Event()
    sender_task: list[asyncio.Task[None]] = []
    warming: list[asyncio.Task[None]] = []

    async def post_init(app: MiroirApp) -> None:
        if settings.health_port is not None:
            health.start(listen=settings.health_listen, port=settings.health_port)
        await set_default_commands(app.bot, surface.command_lists, settings.default_language)
        if background:
            sender_task.append(asyncio.create_task(sender.run(stop_sender)))
            jobs.schedule(app)
            # matplotlib loads in a thread once the bot answers: start-up stays fast and
            # the first "📈 Mes semaines" does not pay for the import.
            warming.append(asyncio.create_task(asyncio.to_thread(charts.warm_up)))

    async def stop_background() -> None:
        stop_sender.set()
        while sender_task:
            await sender_task.pop()
        while warming:
            await warming.pop()
        await health.stop()

    async def post_stop(app: MiroirApp) -> None:
        await stop_background()

    async def post_shutdown(app: MiroirApp) -> None:
        # PTB skips post_stop when the start failed half-way (the webhook's port taken...).
        await stop_background()
        await db.dispose()

    app: MiroirApp = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(CONTEXT_TYPES)
        .job_queue(JobQueue[MiroirContext]())
        # Updates are handled concurrently: one slow reply never holds up the next person.
        .concurrent_updates(64)
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.bot_data.runtime = rt
    surface.install(app)
    # After install: the update log names the handler that takes each update.
    install_update_log(app, metrics.observe_update)
    return app
