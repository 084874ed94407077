"""End to end: `python -m bot` as a real process against a loopback fake Bot API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TOKEN
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.server import ThreadedLoopbackServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server() -> Iterator[ThreadedLoopbackServer]:
    fake = FakeTelegram(token=TOKEN, bot_username="miroir_test_bot")
    with ThreadedLoopbackServer(fake) as srv:
        yield srv
    assert fake.violations == []


def _start_bot(srv: ThreadedLoopbackServer, tmp_path: Path) -> subprocess.Popen[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": srv.base_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'data' / 'miroir.db'}",
        "FACILITATOR_IDS": "9001",
        "LOG_LEVEL": "INFO",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_the_bot_onboards_a_user_and_stops_cleanly(server, tmp_path):
    fake = server.fake
    user = fake.user(77, "Nadia", language_code="fr")
    # The person writes before the bot is even up: the update waits at Telegram.
    server.call(user.send("/start"))
    spawned = time.monotonic()
    proc = _start_bot(server, tmp_path)
    try:
        # Polling starts with deleteWebhook; from then on updates are fetched.
        server.wait_for(lambda: bool(fake.calls("deleteWebhook")), timeout=30)
        polling = time.monotonic()
        server.wait_for(lambda: len(user.messages) >= 1, timeout=10)
        answered = time.monotonic()
        assert "Choisissez votre langue" in (user.last.text or "")
        assert answered - polling < 2.0, f"/start answered {answered - polling:.2f}s after start"
        assert answered - spawned < 10.0, f"start-up took {answered - spawned:.2f}s"

        server.call(user.tap("🇫🇷 Français"))
        server.wait_for(lambda: any("Vos informations" in (m.text or "") for m in user.messages))
        server.call(user.tap("✅ Je suis d'accord"))
        server.wait_for(lambda: user.reply_keyboard is not None, timeout=10)
        assert user.reply_keyboard[0] == ["📅 Prochaines séances", "🙂 Mon humeur"]
        assert any("Bienvenue, Nadia" in (m.text or "") for m in user.messages)
        assert (tmp_path / "data" / "miroir.db").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            output, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
    assert proc.returncode == 0, output
    assert "Traceback" not in output, output
    assert "Miroir stopped" in output
