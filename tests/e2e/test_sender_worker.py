"""End to end: `python -m bot sender` delivers the outbox and stops cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.db import Database
from bot.migrate import upgrade
from bot.services import outbox
from bot.services.outbox import Outgoing
from tests.conftest import TOKEN
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.server import ThreadedLoopbackServer

ROOT = Path(__file__).resolve().parents[2]


async def _seed(url: str) -> None:
    db = Database(url)
    await upgrade(db.engine)
    async with db.transaction() as session:
        await outbox.enqueue_many(
            session,
            [
                Outgoing(chat_id=tid, kind="test", dedupe_key=f"w{tid}", text="📣 Bonjour")
                for tid in (71, 72, 73)
            ],
            now=datetime.now(UTC),
        )
    await db.dispose()


def test_a_sender_worker_delivers_each_message_once(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'miroir.db'}"
    asyncio.run(_seed(url))
    fake = FakeTelegram(token=TOKEN)
    users = [fake.user(tid, f"P{tid}") for tid in (71, 72, 73)]
    with ThreadedLoopbackServer(fake) as srv:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "PYTHONPATH": str(ROOT),
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": srv.base_url,
            "DATABASE_URL": url,
            "QUIET_HOURS_START": "00:00",
            "QUIET_HOURS_END": "00:00",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "sender"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            srv.wait_for(lambda: all(u.texts == ["📣 Bonjour"] for u in users), timeout=30)
        finally:
            proc.send_signal(signal.SIGTERM)
            output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert "Traceback" not in output
    assert fake.violations == []
