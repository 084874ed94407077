"""The sender through the fake Telegram: delivery, 429, 403, 5xx, timeouts, restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.models import OutboxMessage, OutboxState
from bot.services import outbox
from bot.services.outbox import Button, Outgoing
from tests.handlers.test_onboarding import onboard


def runtime(app):
    return app.bot_data["runtime"]


async def enqueue(database, clock, *messages: Outgoing) -> None:
    async with database.transaction() as session:
        await outbox.enqueue_many(session, list(messages), now=clock.now())


async def states(database) -> dict[str, str]:
    async with database.transaction() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return {r.dedupe_key: r.state for r in rows}


def note(chat_id: int, key: str, text: str = "🔔 Rappel", **kw) -> Outgoing:
    return Outgoing(chat_id=chat_id, kind="test", dedupe_key=key, text=text, **kw)


async def test_a_row_is_delivered_once_with_its_buttons(app, fake, database, clock):
    user = await onboard(fake, 50)
    before = len(user.messages)
    await enqueue(
        database,
        clock,
        note(50, "r1", buttons=[[Button("✅ Je viens", callback_data="lang:fr")]]),
    )
    sender = runtime(app).sender
    assert await sender.drain() == 1
    assert await sender.drain() == 0
    new = user.messages[before:]
    assert [m.text for m in new] == ["🔔 Rappel"]
    assert user.inline_buttons(new[0]) == [["✅ Je viens"]]
    async with database.transaction() as session:
        row = await session.scalar(select(OutboxMessage))
        assert row is not None
        assert row.state == OutboxState.SENT
        assert row.telegram_message_id == new[0].message_id


async def test_html_characters_arrive_literally(app, fake, database, clock):
    user = await onboard(fake, 51)
    await enqueue(database, clock, note(51, "h", text="<b>Atelier</b> & co <3"))
    await runtime(app).sender.drain()
    assert user.last.text == "<b>Atelier</b> & co <3"


async def test_429_waits_the_time_telegram_gives_then_sends(app, fake, database, clock):
    user = await onboard(fake, 52)
    fake.fail_next(429, chat_id=52, retry_after=5)
    await enqueue(database, clock, note(52, "busy"))
    sender = runtime(app).sender
    await sender.drain()
    assert (await states(database))["busy"] == "pending"
    clock.advance(seconds=4)
    assert await sender.drain() == 0
    clock.advance(seconds=1)
    await sender.drain()
    assert (await states(database))["busy"] == "sent"
    assert user.last.text == "🔔 Rappel"


async def test_blocked_person_is_marked_unreachable_and_not_tried_again(
    app, fake, database, clock
):
    user = await onboard(fake, 53)
    user.block()
    await enqueue(database, clock, note(53, "a"), note(53, "b", priority=200))
    sender = runtime(app).sender
    await sender.drain()
    assert await states(database) == {"a": "unreachable", "b": "unreachable"}
    sends = len(fake.calls("sendMessage"))
    await enqueue(database, clock, note(53, "c", reachable=False))
    await sender.drain()
    assert len(fake.calls("sendMessage")) == sends


async def test_server_errors_back_off_then_fail(app, fake, database, clock):
    await onboard(fake, 54)
    fake.fail_next(502, chat_id=54, times=100)
    await enqueue(database, clock, note(54, "flaky"))
    sender = runtime(app).sender
    attempts = runtime(app).settings.outbox_max_attempts
    for _ in range(attempts):
        await sender.drain()
        clock.advance(minutes=15)
    assert (await states(database))["flaky"] == "failed"
    assert len([c for c in fake.calls("sendMessage") if c.status == 502]) == attempts


async def test_a_timeout_is_retried(app, fake, database, clock):
    user = await onboard(fake, 55)
    fake.timeout_next("sendMessage", chat_id=55)
    await enqueue(database, clock, note(55, "slow"))
    sender = runtime(app).sender
    await sender.drain()
    assert (await states(database))["slow"] == "pending"
    clock.advance(seconds=5)
    await sender.drain()
    assert (await states(database))["slow"] == "sent"
    assert user.texts.count("🔔 Rappel") == 1


async def test_chat_not_found_fails_the_row(app, fake, database, clock):
    fake.fail_next(400, chat_id=99999, description="Bad Request: chat not found")
    await enqueue(database, clock, note(99999, "ghost"))
    await runtime(app).sender.drain()
    assert (await states(database))["ghost"] == "failed"


async def test_quiet_hours_hold_messages_until_morning(app, fake, database, clock):
    from datetime import time

    settings = runtime(app).settings
    settings.quiet_hours_start, settings.quiet_hours_end = time(21, 0), time(8, 0)
    user = await onboard(fake, 56)
    clock.set(datetime(2026, 11, 24, 22, 0, tzinfo=UTC))  # 23:00 in Dijon
    await enqueue(database, clock, note(56, "calm"), note(56, "alarm", urgent=True))
    sender = runtime(app).sender
    await sender.drain()
    assert await states(database) == {"calm": "pending", "alarm": "sent"}
    clock.set(datetime(2026, 11, 25, 7, 0, tzinfo=UTC))  # 08:00 in Dijon
    await sender.drain()
    assert (await states(database))["calm"] == "sent"
    assert user.texts[-2:] == ["🔔 Rappel", "🔔 Rappel"]


async def test_rows_in_flight_at_a_crash_are_sent_after_restart(app, fake, database, clock):
    user = await onboard(fake, 57)
    await enqueue(database, clock, note(57, "inflight"))
    async with database.transaction() as session:
        await outbox.claim_due(
            session, now=clock.now(), sender_id="crashed", limit=10, quiet=False
        )
    sender = runtime(app).sender
    assert await sender.drain() == 0  # still leased to the dead sender
    if database.is_sqlite:
        # One sender on SQLite: whatever was claimed was ours, take it back at once.
        assert await sender.recover() == 1
    else:
        # Several senders on PostgreSQL: the dead one's lease has to run out.
        assert await sender.recover() == 0
        clock.advance(seconds=61)
    await sender.drain()
    assert user.texts.count("🔔 Rappel") == 1


async def test_expired_reminder_is_never_sent(app, fake, database, clock):
    user = await onboard(fake, 58)
    before = len(user.messages)
    await enqueue(database, clock, note(58, "late", expires_at=clock.now() + timedelta(minutes=5)))
    clock.advance(minutes=6)
    await runtime(app).sender.drain()
    assert (await states(database))["late"] == "expired"
    assert len(user.messages) == before


async def test_continuous_sender_delivers_and_stops_cleanly(app, fake, database, clock):
    import asyncio

    user = await onboard(fake, 59)
    await enqueue(database, clock, note(59, "c1"), note(59, "c2"))
    stop = asyncio.Event()
    sender = runtime(app).sender
    task = asyncio.create_task(sender.run(stop))
    await fake.wait_for(lambda: user.texts.count("🔔 Rappel") == 2, timeout=5)
    await enqueue(database, clock, note(59, "c3", text="🔔 Encore"))
    sender.wake()
    await fake.wait_for(lambda: user.last.text == "🔔 Encore", timeout=5)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert await states(database) == {"c1": "sent", "c2": "sent", "c3": "sent"}
