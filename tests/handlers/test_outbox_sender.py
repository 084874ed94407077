"""The sender through the fake Telegram: delivery, 429, 403, 5xx, timeouts, restarts,
the database going away."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Unpack

import pytest
from telegram import Message

from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.models import OutboxState
from bot.sandbox.fake_telegram import FakeTelegram
from bot.services import outbox
from bot.services.outbox import Button, Claimed, Outgoing
from scheduler.outbox import Backoff
from tests.outage import database_away
from tests.utils import (
    OutgoingOptions,
    last_text,
    onboard,
    outbox_rows,
    runtime,
    sender,
)


async def enqueue(database: Database, clock: FrozenClock, *messages: Outgoing) -> None:
    async with database.transaction() as session:
        await outbox.enqueue_many(session, list(messages), now=clock.now())


async def states(database: Database) -> dict[str, str]:
    """Where each enqueued message stands, by its key: pending, sent, failed..."""
    return {row.dedupe_key: row.state for row in await outbox_rows(database)}


def note(
    chat_id: int, key: str, text: str = "🔔 Rappel", **options: Unpack[OutgoingOptions]
) -> Outgoing:
    return Outgoing(chat_id=chat_id, kind="test", dedupe_key=key, text=text, **options)


async def test_a_row_is_delivered_once_with_its_buttons(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await onboard(fake, 50)
    before = len(ana.messages)
    await enqueue(
        database,
        clock,
        note(50, "r1", buttons=[[Button("✅ Je viens", callback_data="lang:fr")]]),
    )
    assert await sender(app).drain() == 1
    assert await sender(app).drain() == 0
    new = ana.messages[before:]
    assert [m.text for m in new] == ["🔔 Rappel"]
    assert ana.inline_buttons(new[0]) == [["✅ Je viens"]]
    row = (await outbox_rows(database))[0]
    assert row.state == OutboxState.SENT
    assert row.telegram_message_id == new[0].message_id


async def test_html_characters_arrive_literally(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await onboard(fake, 51)
    await enqueue(database, clock, note(51, "h", text="<b>Atelier</b> & co <3"))
    await sender(app).drain()
    assert last_text(ana) == "<b>Atelier</b> & co <3"


async def test_429_waits_the_time_telegram_gives_then_sends(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await onboard(fake, 52)
    fake.fail_next(429, chat_id=52, retry_after=5)
    await enqueue(database, clock, note(52, "busy"))
    await sender(app).drain()
    assert (await states(database))["busy"] == "pending"
    clock.advance(seconds=4)
    assert await sender(app).drain() == 0
    clock.advance(seconds=1)
    await sender(app).drain()
    assert (await states(database))["busy"] == "sent"
    assert last_text(ana) == "🔔 Rappel"


async def test_blocked_person_is_marked_unreachable_and_not_tried_again(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await onboard(fake, 53)
    ana.block()
    await enqueue(database, clock, note(53, "a"), note(53, "b", priority=200))
    await sender(app).drain()
    assert await states(database) == {"a": "unreachable", "b": "unreachable"}
    sends = len(fake.calls("sendMessage"))
    await enqueue(database, clock, note(53, "c", reachable=False))
    await sender(app).drain()
    assert len(fake.calls("sendMessage")) == sends


async def test_server_errors_back_off_then_fail(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await onboard(fake, 54)
    fake.fail_next(502, chat_id=54, times=100)
    await enqueue(database, clock, note(54, "flaky"))
    attempts = runtime(app).settings.outbox_max_attempts
    for _ in range(attempts):
        await sender(app).drain()
        clock.advance(minutes=15)
    assert (await states(database))["flaky"] == "failed"
    assert len([c for c in fake.calls("sendMessage") if c.status == 502]) == attempts


async def test_a_timeout_is_retried(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await onboard(fake, 55)
    fake.timeout_next("sendMessage", chat_id=55)
    await enqueue(database, clock, note(55, "slow"))
    await sender(app).drain()
    assert (await states(database))["slow"] == "pending"
    clock.advance(seconds=5)
    await sender(app).drain()
    assert (await states(database))["slow"] == "sent"
    assert ana.texts.count("🔔 Rappel") == 1


async def test_chat_not_found_fails_the_row(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    fake.fail_next(400, chat_id=99999, description="Bad Request: chat not found")
    await enqueue(database, clock, note(99999, "ghost"))
    await sender(app).drain()
    assert (await states(database))["ghost"] == "failed"


async def test_quiet_hours_hold_messages_until_morning(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    settings = runtime(app).settings
    settings.quiet_hours_start, settings.quiet_hours_end = time(21, 0), time(8, 0)
    ana = await onboard(fake, 56)
    clock.set(datetime(2026, 11, 24, 22, 0, tzinfo=UTC))  # 23:00 in Dijon
    await enqueue(database, clock, note(56, "calm"), note(56, "alarm", urgent=True))
    await sender(app).drain()
    assert await states(database) == {"calm": "pending", "alarm": "sent"}
    clock.set(datetime(2026, 11, 25, 7, 0, tzinfo=UTC))  # 08:00 in Dijon
    await sender(app).drain()
    assert (await states(database))["calm"] == "sent"
    assert ana.texts[-2:] == ["🔔 Rappel", "🔔 Rappel"]


async def test_rows_in_flight_at_a_crash_are_sent_after_restart(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await onboard(fake, 57)
    await enqueue(database, clock, note(57, "inflight"))
    async with database.transaction() as session:
        await outbox.claim_due(
            session, now=clock.now(), sender_id="crashed", limit=10, quiet=False
        )
    assert await sender(app).drain() == 0  # still leased to the dead sender
    if database.is_sqlite:
        # One sender on SQLite: whatever was claimed was ours, take it back at once.
        assert await sender(app).recover() == 1
    else:
        # Several senders on PostgreSQL: the dead one's lease has to run out.
        assert await sender(app).recover() == 0
        clock.advance(seconds=61)
    await sender(app).drain()
    assert ana.texts.count("🔔 Rappel") == 1


async def test_expired_reminder_is_never_sent(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await onboard(fake, 58)
    before = len(ana.messages)
    await enqueue(database, clock, note(58, "late", expires_at=clock.now() + timedelta(minutes=5)))
    clock.advance(minutes=6)
    await sender(app).drain()
    assert (await states(database))["late"] == "expired"
    assert len(ana.messages) == before


async def test_continuous_sender_delivers_and_stops_cleanly(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await onboard(fake, 59)
    await enqueue(database, clock, note(59, "c1"), note(59, "c2"))
    stop = asyncio.Event()
    running = asyncio.create_task(sender(app).run(stop))
    await fake.wait_for(lambda: ana.texts.count("🔔 Rappel") == 2, timeout=5)
    await enqueue(database, clock, note(59, "c3", text="🔔 Encore"))
    sender(app).wake()
    await fake.wait_for(lambda: last_text(ana) == "🔔 Encore", timeout=5)
    stop.set()
    await asyncio.wait_for(running, 5)
    assert await states(database) == {"c1": "sent", "c2": "sent", "c3": "sent"}


async def test_an_answer_telegram_gave_while_the_database_was_away_is_written_later(
    app: MiroirApp,
    fake: FakeTelegram,
    database: Database,
    clock: FrozenClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ana = await onboard(fake, 60)
    s = sender(app)
    s.backoff = Backoff(first=0.01, most=0.02)
    away = contextlib.AsyncExitStack()
    send = s._call

    async def send_then_lose_the_database(row: Claimed) -> Message:
        message = await send(row)
        await away.enter_async_context(database_away(database, tmp_path))
        return message

    monkeypatch.setattr(s, "_call", send_then_lose_the_database)
    await enqueue(database, clock, note(60, "gone"))
    delivering = asyncio.create_task(s.drain())
    await fake.wait_for(lambda: "🔔 Rappel" in ana.texts, timeout=5)
    await asyncio.sleep(0.1)  # the sender tries to write the answer a few times
    assert not delivering.done()
    await away.aclose()
    assert await asyncio.wait_for(delivering, 5) == 1
    assert await states(database) == {"gone": "sent"}
    assert ana.texts.count("🔔 Rappel") == 1
    assert s.totals.sent == 1
