"""Reminders: when they fall due, who gets what, never twice, never after the start."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.i18n import Translator
from bot.models import OutboxMessage, Person
from bot.services import calendar, reminders, rsvp
from bot.services.reminders import ReminderSettings
from tests import factories

PARIS = ZoneInfo("Europe/Paris")
CFG = ReminderSettings(tz=PARIS, day_before_at=time(18, 0), hours_before=2, group_language="fr")
TR = Translator()


async def tick(database, clock) -> int:
    async with database.transaction() as session:
        return await reminders.enqueue_due(session, now=clock.now(), cfg=CFG, translator=TR)


async def rows(database) -> list[OutboxMessage]:
    async with database.transaction() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def setup(database, clock):
    boss = await factories.person(database, clock.now(), 1, "Claire", facilitator=True)
    # Wednesday 25 November 2026, 14:00 in Dijon.
    occ = (
        await factories.series(database, clock.now(), boss, weekday=2, first=date(2026, 11, 25))
    )[0]
    return boss, occ


def at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=PARIS).astimezone(UTC)


def test_reminder_times_follow_local_time_across_dst():
    # Session on Sunday 29 March 2026 at 14:00 (summer time starts that night).
    start = at("2026-03-29T14:00")
    times = reminders.reminder_times(start, CFG)
    assert times["day"] == at("2026-03-28T18:00")
    assert times["hours"] == start - timedelta(hours=2)


async def test_day_before_at_18h_and_two_hours_before(database, clock):
    _, occ = await setup(database, clock)
    ana = await factories.person(database, clock.now(), 10, "Ana")
    async with database.transaction() as session:
        await rsvp.respond(
            session,
            occurrence_id=occ.id,
            person=await session.get(Person, ana.id),
            answer="yes",
            now=clock.now(),
        )
    clock.set(at("2026-11-24T17:59"))
    assert await tick(database, clock) == 0
    clock.set(at("2026-11-24T18:00"))
    assert await tick(database, clock) == 2  # Ana and Claire (who has not answered)
    assert await tick(database, clock) == 0  # never twice
    clock.set(at("2026-11-25T12:00"))
    assert await tick(database, clock) == 2
    texts = {(r.chat_id, r.dedupe_key.rsplit(":", 1)[1]): r.text for r in await rows(database)}
    assert texts[(10, "day")].startswith("🔔 Rappel : c'est demain !")
    assert "✅ Vous venez." in texts[(10, "day")]
    assert texts[(10, "hours")].startswith("🔔 Rappel : c'est dans 2 heures !")
    assert texts[(1, "day")].startswith("👋 Vous venez à l'atelier ?")
    assert all(r.expires_at == occ.starts_at for r in await rows(database))
    first = (await rows(database))[0]
    assert [b["text"] for row in first.buttons for b in row][:3] == [
        "✅ Je viens",
        "🤔 Peut-être",
        "❌ Je ne viens pas",
    ]


async def test_no_answer_means_no_reminder_and_choices_are_respected(database, clock):
    _, occ = await setup(database, clock)
    no = await factories.person(database, clock.now(), 10, "Non")
    quiet = await factories.person(database, clock.now(), 11, "Calme")
    await factories.person(database, clock.now(), 12, "Sans accord", consent=False)
    async with database.transaction() as session:
        await rsvp.respond(
            session,
            occurrence_id=occ.id,
            person=await session.get(Person, no.id),
            answer="no",
            now=clock.now(),
        )
        (await session.get(Person, quiet.id)).remind_day_before = False
    clock.set(at("2026-11-24T18:00"))
    await tick(database, clock)
    assert sorted(r.chat_id for r in await rows(database)) == [1]


async def test_missed_while_down_still_sent_before_the_start_never_after(database, clock):
    _, occ = await setup(database, clock)
    clock.set(at("2026-11-25T13:00"))  # the bot was down from 17:00 the day before
    assert await tick(database, clock) == 1  # only the "in 2 hours" one: "tomorrow" is stale
    assert [r.dedupe_key.endswith(":hours") for r in await rows(database)] == [True]
    clock.set(occ.starts_at + timedelta(minutes=1))
    assert await tick(database, clock) == 0


async def test_a_moved_session_is_reminded_again_at_its_new_time(database, clock):
    boss, occ = await setup(database, clock)
    clock.set(at("2026-11-24T18:00"))
    await tick(database, clock)
    async with database.transaction() as session:
        await calendar.move_occurrence(
            session,
            occurrence_id=occ.id,
            new_start=at("2026-11-27T14:00"),
            by=await session.get(Person, boss.id),
            now=clock.now(),
        )
    clock.set(at("2026-11-26T18:00"))
    assert await tick(database, clock) == 1


async def test_linked_group_gets_the_day_before_reminder_with_counts(database, clock):
    boss, occ = await setup(database, clock)
    async with database.transaction() as session:
        await calendar.link_group(
            session,
            series_id=occ.series_id,
            chat_id=-100500,
            by=await session.get(Person, boss.id),
            now=clock.now(),
        )
    clock.set(at("2026-11-24T18:00"))
    await tick(database, clock)
    group = [r for r in await rows(database) if r.chat_id == -100500]
    assert len(group) == 1
    assert "👥 0 / 20 inscrits" in group[0].text
    assert "Claire" not in group[0].text


async def test_written_a_moment_ahead_with_their_exact_time(database, clock):
    await setup(database, clock)
    due = at("2026-11-24T18:00")
    clock.set(due - timedelta(seconds=1.5))
    async with database.transaction() as session:
        added = await reminders.enqueue_due(
            session, now=clock.now(), cfg=CFG, translator=TR, lead=timedelta(seconds=2)
        )
    assert added == 1
    assert [r.not_before for r in await rows(database)] == [due]


async def test_two_processes_ticking_together_send_each_reminder_once(database, clock):
    import asyncio

    await setup(database, clock)
    for tid in range(10, 20):
        await factories.person(database, clock.now(), tid, f"P{tid}")
    clock.set(at("2026-11-24T18:00"))
    added = await asyncio.gather(tick(database, clock), tick(database, clock))
    assert sum(added) == 11
    assert len(await rows(database)) == 11
