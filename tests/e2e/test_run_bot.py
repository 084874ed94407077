"""End to end: `python -m bot` as a real process against a loopback fake Bot API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.sandbox.fake_telegram import FakeTelegram
from bot.sandbox.fake_telegram.server import ThreadedLoopbackServer
from tests.utils import BOT_USERNAME, FACILITATOR_ID, TOKEN, last_text, menu, start_bot, stop_bot


@pytest.fixture
def server() -> Iterator[ThreadedLoopbackServer]:
    fake = FakeTelegram(token=TOKEN, bot_username=BOT_USERNAME)
    with ThreadedLoopbackServer(fake) as srv:
        yield srv
    assert fake.violations == []


def test_the_bot_onboards_a_user_and_stops_cleanly(
    server: ThreadedLoopbackServer, tmp_path: Path
) -> None:
    fake = server.fake
    nadia = fake.user(77, "Nadia", language_code="fr")
    # Nadia writes before the bot is even up: the update waits at Telegram.
    server.call(nadia.send("/start"))
    spawned = time.monotonic()
    bot = start_bot(
        folder=tmp_path,
        api_url=server.base_url,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'data' / 'miroir.db'}",
        FACILITATOR_IDS=str(FACILITATOR_ID),
        LOG_LEVEL="INFO",
    )
    try:
        # Polling starts with deleteWebhook; from then on updates are fetched.
        server.wait_for(lambda: bool(fake.calls("deleteWebhook")), timeout=30)
        polling = time.monotonic()
        server.wait_for(lambda: len(nadia.messages) >= 1, timeout=10)
        answered = time.monotonic()
        assert "Choisissez votre langue" in last_text(nadia)
        assert answered - polling < 2.0, f"/start answered {answered - polling:.2f}s after start"
        assert answered - spawned < 10.0, f"start-up took {answered - spawned:.2f}s"

        server.call(nadia.tap("🇫🇷 Français"))
        server.wait_for(lambda: any("Vos informations" in (m.text or "") for m in nadia.messages))
        server.call(nadia.tap("✅ Je suis d'accord"))
        server.wait_for(lambda: nadia.reply_keyboard is not None, timeout=10)
        assert menu(nadia)[0] == ["📅 Prochains ateliers", "🙂 Mon humeur"]
        assert any("Bienvenue, Nadia" in (m.text or "") for m in nadia.messages)
        assert (tmp_path / "data" / "miroir.db").exists()
    finally:
        output = stop_bot(bot)
    assert bot.returncode == 0, output
    assert "Traceback" not in output, output
    assert "Miroir stopped" in output
