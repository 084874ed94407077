"""The outbox as domain logic: enqueue, claim, leases, retries, quiet hours, figures."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Unpack
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FrozenClock
from bot.db import Database
from bot.models import OutboxState
from bot.services import outbox, people
from bot.services.outbox import Claimed, Outgoing
from tests.utils import OutgoingOptions, outbox_rows

PARIS = ZoneInfo("Europe/Paris")


def msg(key: str, chat_id: int = 1, **options: Unpack[OutgoingOptions]) -> Outgoing:
    """A message whose text is "hello <key>"."""
    return Outgoing(chat_id=chat_id, kind="test", dedupe_key=key, text=f"hello {key}", **options)


async def claim(
    database: Database,
    now: datetime,
    sender: str = "s1",
    limit: int = 10,
    quiet: bool = False,
    exclude_chats: Sequence[int] = (),
) -> list[Claimed]:
    """What sender `sender` takes to send at `now`."""
    async with database.transaction() as session:
        return await outbox.claim_due(
            session,
            now=now,
            sender_id=sender,
            limit=limit,
            quiet=quiet,
            exclude_chats=exclude_chats,
        )


async def test_same_dedupe_key_is_enqueued_once(database: Database, clock: FrozenClock) -> None:
    async with database.transaction() as session:
        assert await outbox.enqueue(session, msg("a"), now=clock.now()) is True
        assert await outbox.enqueue(session, msg("a"), now=clock.now()) is False
        added = await outbox.enqueue_many(session, [msg("a"), msg("b"), msg("b")], now=clock.now())
        assert added == 1
    assert [r.dedupe_key for r in await outbox_rows(database)] == ["a", "b"]


async def test_rows_exist_only_if_their_cause_is_committed(
    database: Database, clock: FrozenClock
) -> None:
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            await outbox.enqueue(session, msg("lost"), now=clock.now())
            raise RuntimeError("the change that caused it failed")
    assert await outbox_rows(database) == []


@pytest.mark.parametrize(
    ("text", "content_type", "ok"),
    [
        ("x" * 4096, "text", True),
        ("x" * 4097, "text", False),
        ("", "text", False),
        ("x" * 1024, "photo", True),
        ("x" * 1025, "photo", False),
        (None, "photo", True),
    ],
)
async def test_lengths_are_checked_before_anything_is_stored(
    database: Database, clock: FrozenClock, text: str | None, content_type: str, ok: bool
) -> None:
    message = Outgoing(
        chat_id=1,
        kind="t",
        dedupe_key="k",
        text=text,
        content_type=content_type,
        file_id="F" if content_type != "text" else None,
    )
    async with database.transaction() as session:
        if ok:
            assert await outbox.enqueue(session, message, now=clock.now())
        else:
            with pytest.raises(outbox.ContentTooLong):
                await outbox.enqueue(session, message, now=clock.now())


async def test_claim_takes_due_rows_by_priority_and_leases_them(
    database: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    async with database.transaction() as session:
        await outbox.enqueue_many(
            session,
            [
                msg("late", priority=100),
                msg("first", priority=0),
                msg("future", not_before=now + timedelta(hours=1)),
            ],
            now=now,
        )
    claimed = await claim(database, now)
    assert [c.attempts for c in claimed] == [1, 1]
    assert [r.dedupe_key for r in await outbox_rows(database) if r.state == "sending"] == [
        "late",
        "first",
    ]
    assert claimed[0].text == "hello first"
    # Nobody else gets them while the lease runs...
    assert await claim(database, now + timedelta(seconds=30), sender="s2") == []
    # ...but a sender that died loses them when it runs out.
    again = await claim(database, now + timedelta(seconds=61), sender="s2")
    assert sorted(c.text or "" for c in again) == ["hello first", "hello late"]
    assert all(c.attempts == 2 for c in again)


async def test_claim_skips_chats_already_in_flight(database: Database, clock: FrozenClock) -> None:
    async with database.transaction() as session:
        await outbox.enqueue_many(session, [msg("a", 1), msg("b", 2)], now=clock.now())
    claimed = await claim(database, clock.now(), exclude_chats=[1])
    assert [c.chat_id for c in claimed] == [2]


async def test_quiet_hours_hold_all_but_urgent_rows(
    database: Database, clock: FrozenClock
) -> None:
    async with database.transaction() as session:
        await outbox.enqueue_many(
            session, [msg("calm"), msg("urgent", urgent=True)], now=clock.now()
        )
    claimed = await claim(database, clock.now(), quiet=True)
    assert [c.text for c in claimed] == ["hello urgent"]


async def test_expired_rows_are_closed_not_sent(database: Database, clock: FrozenClock) -> None:
    now = clock.now()
    async with database.transaction() as session:
        await outbox.enqueue(session, msg("old", expires_at=now - timedelta(minutes=1)), now=now)
    assert await claim(database, now) == []
    assert [r.state for r in await outbox_rows(database)] == [OutboxState.EXPIRED]


async def test_temporary_failures_back_off_then_give_up(
    database: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    async with database.transaction() as session:
        await outbox.enqueue(session, msg("flaky"), now=now)
    rng = random.Random(1)
    delays: list[timedelta] = []
    for attempt in range(1, 4):
        (row,) = await claim(database, now)
        assert row.attempts == attempt
        async with database.transaction() as session:
            state = await outbox.mark_retry(
                session,
                row.id,
                error="502",
                attempts=row.attempts,
                max_attempts=3,
                now=now,
                rng=rng,
            )
        (stored,) = await outbox_rows(database)
        if attempt < 3:
            assert state == OutboxState.PENDING
            delays.append(stored.not_before - now)
            now = stored.not_before
        else:
            assert state == OutboxState.FAILED
    # Exponential: each wait is longer than the one before.
    assert delays[0] < delays[1]
    assert (await outbox_rows(database))[0].last_error == "502"


def test_backoff_grows_and_is_capped() -> None:
    rng = random.Random(3)
    assert timedelta(seconds=1) <= outbox.backoff(1, rng=rng) <= timedelta(seconds=2)
    assert timedelta(seconds=8) <= outbox.backoff(4, rng=rng) <= timedelta(seconds=16)
    assert outbox.backoff(50, rng=rng) <= timedelta(seconds=600)


async def test_rate_limited_rows_wait_without_losing_an_attempt(
    database: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    async with database.transaction() as session:
        await outbox.enqueue(session, msg("busy"), now=now)
    (row,) = await claim(database, now)
    async with database.transaction() as session:
        await outbox.mark_rate_limited(session, row.id, retry_after=7, now=now)
    (stored,) = await outbox_rows(database)
    assert stored.attempts == 0
    assert stored.not_before == now + timedelta(seconds=7)
    assert await claim(database, now + timedelta(seconds=6)) == []
    assert len(await claim(database, now + timedelta(seconds=7))) == 1


async def test_unreachable_person_stops_every_waiting_message(
    database: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    async with database.transaction() as session:
        await people.touch_person(session, telegram_id=5, first_name="Ana", language="fr", now=now)
        await outbox.enqueue_many(session, [msg("a", 5), msg("b", 5), msg("c", 6)], now=now)
        await outbox.mark_unreachable(session, chat_id=5, error="Forbidden: bot was blocked")
    states = {r.dedupe_key: r.state for r in await outbox_rows(database)}
    assert states == {"a": "unreachable", "b": "unreachable", "c": "pending"}
    async with database.transaction() as session:
        person = await people.get_by_telegram_id(session, 5)
        assert person is not None and person.reachable is False


async def test_release_own_claims_after_a_restart(database: Database, clock: FrozenClock) -> None:
    async with database.transaction() as session:
        await outbox.enqueue_many(session, [msg("a"), msg("b", 2)], now=clock.now())
    await claim(database, clock.now(), sender="dead")
    async with database.transaction() as session:
        assert await outbox.release_own_claims(session, sender_id="other") == 0
        assert await outbox.release_own_claims(session, sender_id="dead") == 2
    assert len(await claim(database, clock.now(), sender="new")) == 2


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        (time(20, 59), False),
        (time(21, 0), True),
        (time(23, 30), True),
        (time(3, 0), True),
        (time(7, 59), True),
        (time(8, 0), False),
        (time(14, 0), False),
    ],
)
def test_quiet_hours_wrap_around_midnight(local: time, quiet: bool) -> None:
    moment = datetime(2026, 11, 24, local.hour, local.minute, tzinfo=PARIS).astimezone(UTC)
    assert outbox.in_quiet_hours(moment, PARIS, time(21, 0), time(8, 0)) is quiet


def test_quiet_hours_can_be_switched_off() -> None:
    assert not outbox.in_quiet_hours(datetime(2026, 1, 1, tzinfo=UTC), PARIS, time(0), time(0))


async def test_overview_counts_and_names_unreachable_people(
    database: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    async with database.transaction() as session:
        for tid, name in [(7, "Zoé"), (8, "Amir")]:
            person = await people.touch_person(
                session, telegram_id=tid, first_name=name, language="fr", now=now
            )
            await people.give_consent(session, person, now=now)
        await outbox.enqueue_many(session, [msg("a", 7), msg("b", 8), msg("c", 9)], now=now)
    claimed = await claim(database, now)
    async with database.transaction() as session:
        await outbox.mark_sent(session, claimed[0].id, telegram_message_id=1, now=now)
        await outbox.mark_unreachable(session, chat_id=8, error="blocked")
        await outbox.mark_failed(session, claimed[2].id, error="chat not found")
        view = await outbox.overview(session, now=now, tz=PARIS)
    assert (view.waiting, view.sent_today, view.failed_today) == (0, 1, 1)
    assert view.unreachable_people == ["Amir"]


async def test_two_senders_never_claim_the_same_row(
    database: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    async with database.transaction() as session:
        await outbox.enqueue_many(session, [msg(f"m{i}", i) for i in range(60)], now=now)

    async def one(name: str) -> list[Claimed]:
        got: list[Claimed] = []
        for _ in range(10):
            got += await claim(database, now, sender=name, limit=7)
        return got

    first, second = await asyncio.gather(one("a"), one("b"))
    ids_a, ids_b = {c.id for c in first}, {c.id for c in second}
    assert not ids_a & ids_b
    assert len(ids_a | ids_b) == 60
