"""`python -m bot` runs the bot (long polling); `python -m bot migrate` only migrates."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from bot.app import build_application, make_bot
from bot.clock import SystemClock
from bot.config import ConfigError, Settings, load_settings
from bot.db import Database
from bot.migrate import upgrade
from handlers import ALLOWED_UPDATES
from scheduler.outbox import OutboxSender


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Miroir Telegram bot")
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "migrate", "sender"],
        help=(
            "run: start the bot (default); migrate: apply database migrations and exit; "
            "sender: only deliver the outbox (extra workers on PostgreSQL)"
        ),
    )
    parser.add_argument(
        "--name",
        default=None,
        help="sender: a stable name, so a restarted worker takes back its own claims at once",
    )
    return parser.parse_args(argv)


async def _migrate(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await upgrade(db.engine)
    finally:
        await db.dispose()


def _run(settings: Settings) -> None:
    app = build_application(settings)
    # run_polling installs SIGINT/SIGTERM handlers and shuts down cleanly on them.
    app.run_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)


async def _run_sender(settings: Settings, name: str | None) -> None:
    """A delivery worker: the outbox sender alone, until SIGINT/SIGTERM."""
    if not settings.database_url.startswith("postgresql"):
        logging.getLogger("miroir").warning(
            "a separate sender on SQLite competes with the bot's own sender: "
            "use it with PostgreSQL"
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    db = Database(settings.database_url)
    bot = make_bot(settings)
    sender = OutboxSender(bot=bot, db=db, clock=SystemClock(), settings=settings, sender_id=name)
    try:
        async with bot:
            await sender.run(stop)
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"Miroir: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request at INFO, which would print the token in each URL.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    log = logging.getLogger("miroir")
    try:
        asyncio.run(_migrate(settings))
        log.info("database ready (%s)", settings.database_url.split("://", 1)[0])
        if args.command == "migrate":
            return 0
        if args.command == "sender":
            log.info("Miroir sender starts")
            asyncio.run(_run_sender(settings, args.name))
            log.info("Miroir stopped")
            return 0
        log.info("Miroir starts")
        _run(settings)
        log.info("Miroir stopped")
    except KeyboardInterrupt:
        log.info("Miroir stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
