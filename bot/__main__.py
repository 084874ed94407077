"""`python -m bot`: the bot with a BOT_TOKEN, else the sandbox (a browser page, no token).

`python -m bot run` is the production start (it refuses to start without a token); it
polls Telegram, or with WEBHOOK_URL serves a webhook that checks Telegram's secret header;
`python -m bot sandbox` the sandbox; `python -m bot migrate` only migrates; `python -m bot
sender` runs a delivery worker alone; `python -m bot backup PATH` copies the SQLite database
while the bot runs and `python -m bot restore PATH` puts a copy back (bot stopped).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import re
import signal
import sqlite3
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from bot import backup
from bot.app import build_application, make_bot
from bot.clock import SystemClock
from bot.config import ConfigError, Settings, load_settings
from bot.db import Database
from bot.health import HealthServerError
from bot.logs import configure_logging
from bot.migrate import upgrade
from bot.sandbox import run as sandbox
from bot.sandbox.core import DEFAULT_PORT
from handlers import ALLOWED_UPDATES
from scheduler.outbox import OutboxSender


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Miroir Telegram bot")
    parser.add_argument(
        "command",
        nargs="?",
        default=None,
        choices=["run", "sandbox", "migrate", "sender", "backup", "restore"],
        help=(
            "run: start the bot; sandbox: try it in a browser, no token needed; "
            "migrate: apply database migrations and exit; sender: only deliver the outbox "
            "(extra workers on PostgreSQL); backup PATH: copy the SQLite database, even "
            "while the bot runs; restore PATH: put a backup back (bot stopped). "
            "Without a command: run when BOT_TOKEN is set, else sandbox"
        ),
    )
    parser.add_argument(
        "path",
        nargs="?",
        default=None,
        help="backup: a file, or a folder for a dated name; restore: the backup file",
    )
    parser.add_argument(
        "--yes", action="store_true", help="restore: do not ask for confirmation (scripts)"
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="sandbox: the page's port on 127.0.0.1"
    )
    parser.add_argument("--fresh", action="store_true", help="sandbox: start empty (no demo data)")
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


# What Telegram accepts as a webhook's secret token.
WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _webhook_secret(settings: Settings) -> str:
    """The secret Telegram must send with each update; refuses a webhook without one.

    Without it anyone who learns the address could post updates in anybody's name,
    a facilitator's included.
    """
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if not secret:
        raise ConfigError(
            "WEBHOOK_URL is set but WEBHOOK_SECRET is empty: put a random secret in .env "
            "as WEBHOOK_SECRET=... (for example the output of: openssl rand -hex 32)."
        )
    if not WEBHOOK_SECRET_RE.match(secret):
        raise ConfigError(
            "WEBHOOK_SECRET must be 1 to 256 letters, digits, _ or - (Telegram refuses others)."
        )
    if settings.health_port == settings.webhook_port:
        raise ConfigError(
            f"HEALTH_PORT and WEBHOOK_PORT are both {settings.webhook_port}: "
            "give /healthz a port of its own."
        )
    return secret


def _run(settings: Settings, webhook_secret: str | None) -> None:
    app = build_application(settings)
    # run_polling and run_webhook install SIGINT/SIGTERM handlers and shut down cleanly.
    if settings.webhook_url and webhook_secret:
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            # The bot answers on WEBHOOK_URL's path: a reverse proxy passes it unchanged.
            url_path=urlsplit(settings.webhook_url).path.strip("/"),
            webhook_url=settings.webhook_url,
            secret_token=webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )
    else:
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


def _token_in_env_file() -> bool:
    """Whether .env sets a token (a malformed one must be reported, not hidden)."""
    env = Path(".env")
    if not env.exists():
        return False
    return any(
        line.strip().startswith("BOT_TOKEN=") and line.strip() != "BOT_TOKEN="
        for line in env.read_text(encoding="utf-8").splitlines()
    )


def _backup(settings: Settings, path: str | None) -> int:
    if not path:
        print("Miroir: say where to write the backup: python -m bot backup PATH", file=sys.stderr)
        return 2
    if backup.sqlite_file(settings.database_url) is None:
        print(backup.postgres_commands(settings.database_url, path))
        return 2
    try:
        target = asyncio.run(
            backup.backup(settings.database_url, Path(path), now=datetime.now(settings.tz))
        )
    except (backup.BackupError, OSError) as exc:
        print(f"Miroir: backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"Miroir: backup written to {target}")
    return 0


def _restore(settings: Settings, path: str | None, assume_yes: bool) -> int:
    if not path:
        print("Miroir: say which backup to restore: python -m bot restore PATH", file=sys.stderr)
        return 2
    database = backup.sqlite_file(settings.database_url)
    if database is None:
        print(backup.postgres_commands(settings.database_url, path))
        return 2
    try:
        backup.check_backup(Path(path))
    except backup.BackupError as exc:
        print(f"Miroir: restore refused: {exc}", file=sys.stderr)
        return 1
    print(
        f"Miroir: this replaces {database} with {path}.\n"
        "Stop the bot first (and any sender): Miroir cannot tell whether it is running, "
        "and a running bot would keep writing to the replaced database.\n"
        f"The current database is kept as {database.name}{backup.BEFORE_RESTORE_SUFFIX}."
    )
    if not assume_yes:
        try:
            answer = input("Type yes to restore: ")
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            print("Miroir: nothing changed.")
            return 1
    try:
        kept = backup.restore_sqlite(Path(path), database)
    except (backup.BackupError, OSError, sqlite3.Error) as exc:
        print(f"Miroir: restore failed: {exc}", file=sys.stderr)
        return 1
    print(f"Miroir: restored {path} into {database}.")
    if kept is not None:
        print(f"Miroir: the replaced database is in {kept}.")
    return 0


def _sandbox(port: int, fresh: bool) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(sandbox.serve(port=port, fresh=fresh))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.command == "sandbox":
        return _sandbox(args.port, args.fresh)
    try:
        settings = load_settings()
    except ConfigError as exc:
        if args.command is None and not os.environ.get("BOT_TOKEN") and not _token_in_env_file():
            print(
                "Miroir: no BOT_TOKEN, so this is the sandbox (no Telegram). To go live, put "
                "the token from @BotFather in .env as BOT_TOKEN=... and run python -m bot run.",
                flush=True,
            )
            return _sandbox(args.port, args.fresh)
        print(f"Miroir: {exc}", file=sys.stderr)
        return 2
    if args.command == "backup":
        return _backup(settings, args.path)
    if args.command == "restore":
        return _restore(settings, args.path, args.yes)
    webhook_secret = None
    if settings.webhook_url and args.command in (None, "run"):
        try:
            webhook_secret = _webhook_secret(settings)
        except ConfigError as exc:
            print(f"Miroir: {exc}", file=sys.stderr)
            return 2
    configure_logging(
        level=settings.log_level,
        fmt=settings.log_format,
        token=settings.bot_token.get_secret_value(),
        secrets=[webhook_secret] if webhook_secret else [],
    )
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
        if webhook_secret:
            log.info(
                "Miroir starts (webhook on %s:%s)", settings.webhook_listen, settings.webhook_port
            )
        else:
            log.info("Miroir starts (polling)")
        _run(settings, webhook_secret)
        log.info("Miroir stopped")
    except KeyboardInterrupt:
        log.info("Miroir stopped")
    except HealthServerError as exc:
        log.error("Miroir cannot start: %s", exc)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
