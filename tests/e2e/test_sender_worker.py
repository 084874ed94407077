"""End to end: `python -m bot sender` delivers the outbox and stops cleanly."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from bot.db import Database
from bot.migrate import upgrade
from bot.sandbox.fake_telegram import FakeTelegram
from bot.sandbox.fake_telegram.server import ThreadedLoopbackServer
from bot.services import outbox
from bot.services.outbox import Outgoing
from tests.utils import TOKEN, start_bot, stop_bot


async def _seed(url: str) -> None:
    """A migrated database with one announcement waiting for each of 71, 72 and 73."""
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


def test_a_sender_worker_delivers_each_message_once(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'miroir.db'}"
    asyncio.run(_seed(url))
    fake = FakeTelegram(token=TOKEN)
    people = [fake.user(tid, f"P{tid}") for tid in (71, 72, 73)]
    with ThreadedLoopbackServer(fake) as srv:
        worker = start_bot(
            "sender",
            folder=tmp_path,
            api_url=srv.base_url,
            database_url=url,
            QUIET_HOURS_START="00:00",
            QUIET_HOURS_END="00:00",
        )
        try:
            srv.wait_for(lambda: all(p.texts == ["📣 Bonjour"] for p in people), timeout=30)
        finally:
            output = stop_bot(worker)
    assert worker.returncode == 0, output
    assert "Traceback" not in output
    assert fake.violations == []
