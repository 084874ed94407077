"""Webhook mode: Telegram posts updates to the bot, which trusts only those with its secret.

The fake Telegram plays both sides: the Bot API the bot calls, and Telegram posting each
update to the webhook (or a stranger posting forged ones, without the secret header).
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.context import MiroirApp
from bot.db import Database
from bot.models import Base
from bot.sandbox.fake_telegram import FakeTelegram
from bot.sandbox.fake_telegram.server import ThreadedLoopbackServer
from handlers import ALLOWED_UPDATES
from tests.utils import (
    BOT_USERNAME,
    FACILITATOR_ID,
    JSON,
    TOKEN,
    last_text,
    start_bot,
    stop_bot,
    stored_person,
)

SECRET = "s3cret_from-the-env-file"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Poster:
    """Whoever posts the fake's updates to the webhook: Telegram (with the secret) or not."""

    url: str
    secret: str | None
    answers: list[int] = field(default_factory=list)

    async def __call__(self, update: JSON) -> None:
        headers = {} if self.secret is None else {SECRET_HEADER: self.secret}
        async with httpx.AsyncClient(timeout=10) as client:
            # Like Telegram, try again while the bot's server is still starting.
            for _ in range(100):
                try:
                    response = await client.post(self.url, json=update, headers=headers)
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError(f"nothing listens on {self.url}")
        self.answers.append(response.status_code)


async def table_counts(database: Database) -> dict[str, int]:
    """How many rows every table holds (a table added later is counted too)."""
    async with database.transaction() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


async def test_updates_with_the_secret_are_handled_and_forged_ones_refused(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    assert app.updater is not None
    await app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="telegram",
        webhook_url=url,
        secret_token=SECRET,
        allowed_updates=ALLOWED_UPDATES,
    )
    await app.start()
    poster = Poster(url, secret=None)
    fake.set_update_sink(poster)
    try:
        before = await table_counts(database)
        # Someone who found the address posts /start in Claire's name, the facilitator:
        # without the secret, then with a guessed one.
        claire = fake.user(FACILITATOR_ID, "Claire", language_code="fr")
        await claire.send("/start")
        poster.secret = "guessed"
        await claire.send("/start")
        assert poster.answers == [403, 403]
        assert await table_counts(database) == before

        # Telegram posts Nadia's /start with the secret: the bot answers her.
        poster.secret = SECRET
        nadia = fake.user(77, "Nadia", language_code="fr")
        await nadia.send("/start")
        await fake.wait_for(lambda: bool(nadia.messages))
    finally:
        await app.updater.stop()
        await app.stop()

    assert poster.answers == [403, 403, 200]
    assert "Choisissez votre langue" in last_text(nadia)
    assert claire.messages == []
    assert await stored_person(database, FACILITATOR_ID) is None
    # The bot told Telegram where to post and which secret to send.
    webhook = fake.calls("setWebhook")[-1].params
    assert webhook["url"] == url and webhook["secret_token"] == SECRET


# --- `python -m bot run` as a real process ---------------------------------------------


@pytest.fixture
def server() -> Iterator[ThreadedLoopbackServer]:
    fake = FakeTelegram(token=TOKEN, bot_username=BOT_USERNAME)
    with ThreadedLoopbackServer(fake) as srv:
        yield srv
    assert fake.violations == []


def healthz(port: int, timeout: float = 15.0) -> httpx.Response:
    """/healthz once it says the bot is well (the sender's first round takes a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        except httpx.ConnectError:
            answer = None
        if (answer is not None and answer.status_code == 200) or time.monotonic() > deadline:
            assert answer is not None, "the health server never answered"
            return answer
        time.sleep(0.1)


def test_the_bot_serves_a_webhook_when_told_its_address(
    server: ThreadedLoopbackServer, tmp_path: Path
) -> None:
    fake = server.fake
    port, health_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}/hook/miroir"
    bot = start_bot(
        "run",
        folder=tmp_path,
        api_url=server.base_url,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'data' / 'miroir.db'}",
        WEBHOOK_URL=url,
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        HEALTH_PORT=str(health_port),
        LOG_LEVEL="INFO",
    )
    poster = Poster(url, secret=SECRET)
    fake.set_update_sink(poster)
    try:
        server.wait_for(lambda: bool(fake.calls("setWebhook")), timeout=30)
        webhook = fake.calls("setWebhook")[0].params
        assert webhook["url"] == url and webhook["secret_token"] == SECRET
        assert set(webhook["allowed_updates"]) == set(ALLOWED_UPDATES)

        nadia = fake.user(77, "Nadia", language_code="fr")
        server.call(nadia.send("/start"))
        server.wait_for(lambda: bool(nadia.messages), timeout=10)
        assert "Choisissez votre langue" in last_text(nadia)

        poster.secret = None
        server.call(fake.user(78, "Stranger").send("/start"))
        assert poster.answers == [200, 403]

        health = healthz(health_port)
        assert health.status_code == 200, health.text
    finally:
        output = stop_bot(bot)
    assert bot.returncode == 0, output
    assert "Traceback" not in output, output
    assert "Miroir starts (webhook" in output and "Miroir stopped" in output
    assert not fake.calls("getUpdates")  # no polling in webhook mode
    assert SECRET not in output and TOKEN not in output


def test_a_webhook_without_a_secret_refuses_to_start(
    server: ThreadedLoopbackServer, tmp_path: Path
) -> None:
    bot = start_bot(
        "run",
        folder=tmp_path,
        api_url=server.base_url,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'data' / 'miroir.db'}",
        WEBHOOK_URL="https://miroir.example.org/telegram",
    )
    output, _ = bot.communicate(timeout=60)
    assert bot.returncode == 2
    assert output.strip().splitlines() == [
        "Miroir: WEBHOOK_URL is set but WEBHOOK_SECRET is empty: put a random secret in .env "
        "as WEBHOOK_SECRET=... (for example the output of: openssl rand -hex 32)."
    ]
    assert not server.fake.calls("getMe") and not server.fake.calls("setWebhook")
    assert not (tmp_path / "data").exists()
