"""`python -m bot` runs the bot (long polling); `python -m bot migrate` only migrates."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.config import ConfigError, Settings, load_settings


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Miroir Telegram bot")
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "migrate"],
        help="run: start the bot (default); migrate: apply database migrations and exit",
    )
    return parser.parse_args(argv)


async def _migrate(settings: Settings) -> None:
    from bot.db import Database
    from bot.migrate import upgrade

    db = Database(settings.database_url)
    try:
        await upgrade(db.engine)
    finally:
        await db.dispose()


def _run(settings: Settings) -> None:
    from bot.app import build_application
    from handlers import ALLOWED_UPDATES

    app = build_application(settings)
    # run_polling installs SIGINT/SIGTERM handlers and shuts down cleanly on them.
    app.run_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)


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
        log.info("Miroir starts")
        _run(settings)
        log.info("Miroir stopped")
    except KeyboardInterrupt:
        log.info("Miroir stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
