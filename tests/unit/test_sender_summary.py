"""The sender's line a minute: what it did, in figures only, and nothing for an idle minute."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.sandbox.fake_telegram import FakeTelegram
from bot.services import outbox
from bot.services.outbox import Outgoing
from scheduler.outbox import Backoff, OutboxSender
from tests.outage import database_away
from tests.utils import onboard, sender

SUMMARY_LOGGER = "scheduler.outbox"


TEXT = "🔔 Rappel pour Ana"


def note(chat_id: int, key: str) -> Outgoing:
    return Outgoing(chat_id=chat_id, kind="test", dedupe_key=key, text=TEXT)


async def enqueue(database: Database, clock: FrozenClock, *messages: Outgoing) -> None:
    async with database.transaction() as session:
        await outbox.enqueue_many(session, list(messages), now=clock.now())


def summary_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "event", None) == "outbox_summary"]


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger=SUMMARY_LOGGER)
    return caplog


async def started(app: MiroirApp) -> OutboxSender:
    """The sender, its first minute begun (the running loop does this at its start)."""
    s = sender(app)
    assert await s.summarise() is None
    return s


async def test_a_busy_minute_is_one_line_of_figures(
    app: MiroirApp,
    fake: FakeTelegram,
    database: Database,
    clock: FrozenClock,
    logs: pytest.LogCaptureFixture,
) -> None:
    ana = await onboard(fake, 301, "Ana")
    bob = await onboard(fake, 302, "Bob")
    bob.block()
    s = await started(app)
    fake.fail_next(502, chat_id=301)
    fake.fail_next(429, chat_id=301, retry_after=5)
    await enqueue(database, clock, note(301, "a"), note(301, "b"), note(301, "d"), note(302, "c"))
    await s.drain()
    clock.advance(seconds=30)
    assert await s.summarise() is None  # the minute is not over
    clock.advance(seconds=30)
    summary = await s.summarise()
    assert summary is not None
    assert (summary.sent, summary.failed, summary.retried, summary.rate_limited) == (1, 1, 1, 1)
    # A minute later the 502 and the 429 are due again, and not sent yet.
    assert summary.waiting == 2
    assert TEXT in ana.texts
    [line] = summary_lines(logs)
    assert line.levelno == logging.INFO
    assert line.getMessage().startswith(
        "outbox, last minute: 1 sent, 1 failed, 1 retried, 2 waiting, 1 told to wait by Telegram"
    )
    assert summary.throttled >= 1  # after the 429, Ana's next message waited its turn
    # Figures only: no text, no name, no chat.
    assert "Rappel" not in logs.text and "Ana" not in logs.text and "301" not in logs.text


async def test_the_next_minute_counts_only_itself(
    app: MiroirApp,
    fake: FakeTelegram,
    database: Database,
    clock: FrozenClock,
    logs: pytest.LogCaptureFixture,
) -> None:
    await onboard(fake, 303)
    s = await started(app)
    await enqueue(database, clock, note(303, "a"), note(303, "b"))
    await s.drain()
    clock.advance(minutes=1)
    first = await s.summarise()
    await enqueue(database, clock, note(303, "c"))
    await s.drain()
    clock.advance(minutes=1)
    second = await s.summarise()
    assert first is not None and first.sent == 2
    assert second is not None and second.sent == 1
    assert s.totals.sent == 3


async def test_an_idle_minute_writes_nothing(
    app: MiroirApp, database: Database, clock: FrozenClock, logs: pytest.LogCaptureFixture
) -> None:
    s = await started(app)
    for _ in range(5):
        clock.advance(minutes=1)
        assert await s.summarise() is None
    assert summary_lines(logs) == []


async def test_messages_held_are_said_once_then_again_when_the_number_changes(
    app: MiroirApp,
    fake: FakeTelegram,
    database: Database,
    clock: FrozenClock,
    logs: pytest.LogCaptureFixture,
) -> None:
    s = await started(app)
    # Due, and nobody sends them (the sender is stuck, or held by Telegram).
    await enqueue(database, clock, note(304, "a"), note(304, "b"))
    clock.advance(minutes=1)
    held = await s.summarise()
    assert held is not None and held.waiting == 2 and not held.moved
    clock.advance(minutes=1)
    assert await s.summarise() is None  # as many waiting as the last line said
    await enqueue(database, clock, note(304, "c"))
    clock.advance(minutes=1)
    more = await s.summarise()
    assert more is not None and more.waiting == 3
    assert len(summary_lines(logs)) == 2


async def test_rows_written_ahead_are_not_waiting(
    app: MiroirApp, database: Database, clock: FrozenClock, logs: pytest.LogCaptureFixture
) -> None:
    s = await started(app)
    later = Outgoing(
        chat_id=305,
        kind="test",
        dedupe_key="tomorrow",
        text="🔔 Demain",
        not_before=clock.now() + timedelta(days=1),
    )
    await enqueue(database, clock, later)
    clock.advance(minutes=1)
    assert await s.summarise() is None


async def test_a_minute_without_the_database_writes_no_summary(
    app: MiroirApp,
    database: Database,
    clock: FrozenClock,
    tmp_path: Path,
    logs: pytest.LogCaptureFixture,
) -> None:
    s = await started(app)
    async with database_away(database, tmp_path):
        clock.advance(minutes=1)
        assert await s.summarise() is None
    assert summary_lines(logs) == []


async def test_the_running_sender_writes_the_line_itself(
    app: MiroirApp,
    fake: FakeTelegram,
    database: Database,
    clock: FrozenClock,
    logs: pytest.LogCaptureFixture,
) -> None:
    ana = await onboard(fake, 306)
    s = sender(app)
    s.backoff = Backoff(first=0.01, most=0.05)
    stop = asyncio.Event()
    running = asyncio.create_task(s.run(stop))
    await enqueue(database, clock, note(306, "a"))
    s.wake()
    await fake.wait_for(lambda: TEXT in ana.texts, timeout=5)
    clock.advance(minutes=1)
    s.wake()
    await fake.wait_for(lambda: bool(summary_lines(logs)), timeout=5)
    stop.set()
    await asyncio.wait_for(running, 5)
    assert s.last_beat == clock.now()
    assert [r.getMessage()[:38] for r in summary_lines(logs)] == [
        "outbox, last minute: 1 sent, 0 failed,"
    ]
