"""Reminders: when they fall due, who gets what, never twice, never after the start."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FrozenClock
from bot.db import Database
from bot.i18n import Translator
from bot.models import Answer, Occurrence, Person
from bot.services import calendar, reminders
from bot.services.reminders import ReminderSettings
from tests import factories
from tests.utils import outbox_rows

PARIS = ZoneInfo("Europe/Paris")
CFG = ReminderSettings(tz=PARIS, day_before_at=time(18, 0), hours_before=2, group_language="fr")
TR = Translator()


async def tick(database: Database, clock: FrozenClock) -> int:
    """Enqueue the reminders due now; returns how many."""
    async with database.transaction() as session:
        return await reminders.enqueue_due(session, now=clock.now(), cfg=CFG, translator=TR)


async def wednesday_session(database: Database, clock: FrozenClock) -> tuple[Person, Occurrence]:
    """Claire (Telegram id 1) and her session on Wednesday 25 November 2026, 14:00 in Dijon."""
    return await factories.first_session(
        database, clock.now(), weekday=2, first=date(2026, 11, 25)
    )


def at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=PARIS).astimezone(UTC)


def test_reminder_times_follow_local_time_across_dst() -> None:
    # Session on Sunday 29 March 2026 at 14:00 (summer time starts that night).
    start = at("2026-03-29T14:00")
    times = reminders.reminder_times(start, CFG)
    assert times["day"] == at("2026-03-28T18:00")
    assert times["hours"] == start - timedelta(hours=2)


async def test_day_before_at_18h_and_two_hours_before(
    database: Database, clock: FrozenClock
) -> None:
    _, occ = await wednesday_session(database, clock)
    ana = await factories.person(database, clock.now(), 10, "Ana")
    await factories.answer(database, clock.now(), occ, ana, Answer.YES)
    clock.set(at("2026-11-24T17:59"))
    assert await tick(database, clock) == 0
    clock.set(at("2026-11-24T18:00"))
    assert await tick(database, clock) == 2  # Ana and Claire (who has not answered)
    assert await tick(database, clock) == 0  # never twice
    clock.set(at("2026-11-25T12:00"))
    assert await tick(database, clock) == 2
    # Each reminder's text by (who, which one): "day" before or "hours" before.
    texts = {
        (r.chat_id, r.dedupe_key.rsplit(":", 1)[1]): r.text or ""
        for r in await outbox_rows(database)
    }
    assert texts[(10, "day")].startswith("🔔 Rappel : c'est demain !")
    assert "✅ Vous venez." in texts[(10, "day")]
    assert texts[(10, "hours")].startswith("🔔 Rappel : c'est dans 2 heures !")
    assert texts[(1, "day")].startswith("👋 Vous venez à l'atelier ?")
    assert all(r.expires_at == occ.starts_at for r in await outbox_rows(database))
    first = (await outbox_rows(database))[0]
    assert first.buttons is not None
    assert [b["text"] for row in first.buttons for b in row][:3] == [
        "✅ Je viens",
        "🤔 Peut-être",
        "❌ Je ne viens pas",
    ]


async def test_no_answer_means_no_reminder_and_choices_are_respected(
    database: Database, clock: FrozenClock
) -> None:
    _, occ = await wednesday_session(database, clock)
    no = await factories.person(database, clock.now(), 10, "Non")
    quiet = await factories.person(database, clock.now(), 11, "Calme")
    await factories.person(database, clock.now(), 12, "Sans accord", consent=False)
    await factories.answer(database, clock.now(), occ, no, Answer.NO)
    async with database.transaction() as session:
        quiet_row = await session.get(Person, quiet.id)
        assert quiet_row is not None
        quiet_row.remind_day_before = False
    clock.set(at("2026-11-24T18:00"))
    await tick(database, clock)
    assert sorted(r.chat_id for r in await outbox_rows(database)) == [1]


async def test_missed_while_down_still_sent_before_the_start_never_after(
    database: Database, clock: FrozenClock
) -> None:
    _, occ = await wednesday_session(database, clock)
    clock.set(at("2026-11-25T13:00"))  # the bot was down from 17:00 the day before
    assert await tick(database, clock) == 1  # only the "in 2 hours" one: "tomorrow" is stale
    assert [r.dedupe_key.endswith(":hours") for r in await outbox_rows(database)] == [True]
    clock.set(occ.starts_at + timedelta(minutes=1))
    assert await tick(database, clock) == 0


async def test_a_moved_session_is_reminded_again_at_its_new_time(
    database: Database, clock: FrozenClock
) -> None:
    claire, occ = await wednesday_session(database, clock)
    clock.set(at("2026-11-24T18:00"))
    await tick(database, clock)
    async with database.transaction() as session:
        await calendar.move_occurrence(
            session,
            occurrence_id=occ.id,
            new_start=at("2026-11-27T14:00"),
            by=claire,
            now=clock.now(),
            translator=TR,
            tz=factories.TZ,
            group_language="fr",
        )
    clock.set(at("2026-11-26T18:00"))
    assert await tick(database, clock) == 1


async def test_linked_group_gets_the_day_before_reminder_with_counts(
    database: Database, clock: FrozenClock
) -> None:
    claire, occ = await wednesday_session(database, clock)
    assert occ.series_id is not None
    async with database.transaction() as session:
        await calendar.link_group(
            session,
            series_id=occ.series_id,
            chat_id=-100500,
            by=claire,
            now=clock.now(),
        )
    clock.set(at("2026-11-24T18:00"))
    await tick(database, clock)
    group = [r for r in await outbox_rows(database) if r.chat_id == -100500]
    assert len(group) == 1
    post = group[0].text
    assert post is not None
    assert "👥 0 / 20 inscrits" in post
    assert "Claire" not in post


async def test_written_a_moment_ahead_with_their_exact_time(
    database: Database, clock: FrozenClock
) -> None:
    await wednesday_session(database, clock)
    due = at("2026-11-24T18:00")
    clock.set(due - timedelta(seconds=1.5))
    async with database.transaction() as session:
        added = await reminders.enqueue_due(
            session, now=clock.now(), cfg=CFG, translator=TR, lead=timedelta(seconds=2)
        )
    assert added == 1
    assert [r.not_before for r in await outbox_rows(database)] == [due]


async def test_two_processes_ticking_together_send_each_reminder_once(
    database: Database, clock: FrozenClock
) -> None:
    await wednesday_session(database, clock)
    for tid in range(10, 20):
        await factories.person(database, clock.now(), tid, f"P{tid}")
    clock.set(at("2026-11-24T18:00"))
    added = await asyncio.gather(tick(database, clock), tick(database, clock))
    assert sum(added) == 11
    assert len(await outbox_rows(database)) == 11
