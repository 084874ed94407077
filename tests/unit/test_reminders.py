"""Reminders: when they fall due, who gets what, never twice, never after the start, and
words that say the real day."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from bot.callback_data import RSVP_ANSWER, TapCode
from bot.clock import FrozenClock
from bot.db import Database
from bot.i18n import Translator
from bot.models import Answer, Occurrence, OutboxMessage, OutboxState, Person, Series
from bot.services import calendar, cards, reminders
from bot.services.notices import NOTICE_KIND
from bot.services.reminders import REMINDER_KIND, ReminderSettings
from tests import factories
from tests.utils import outbox_rows

PARIS = ZoneInfo("Europe/Paris")
CFG = ReminderSettings(tz=PARIS, day_before_at=time(18, 0), hours_before=2)
TR = Translator()


async def tick(database: Database, clock: FrozenClock, cfg: ReminderSettings = CFG) -> int:
    """Enqueue the reminders due now; returns how many."""
    async with database.transaction() as session:
        return await reminders.enqueue_due(session, now=clock.now(), cfg=cfg, translator=TR)


async def wednesday_session(database: Database, clock: FrozenClock) -> tuple[Person, Occurrence]:
    """Claire (Telegram id 1) and her session on Wednesday 25 November 2026, 14:00 in Dijon."""
    return await factories.first_session(
        database, clock.now(), weekday=2, first=date(2026, 11, 25)
    )


def at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=PARIS).astimezone(UTC)


def select_reminders() -> Select[OutboxMessage]:
    return select(OutboxMessage).where(OutboxMessage.kind == REMINDER_KIND)


async def reminder_rows(database: Database) -> list[OutboxMessage]:
    """The participants' reminders in the outbox (not notices, not group posts)."""
    return [r for r in await outbox_rows(database) if r.kind == REMINDER_KIND]


async def first_lines(database: Database) -> dict[tuple[int, str], str]:
    """Each reminder's own first line by (Telegram id, "day" or "hours")."""
    return {
        (r.chat_id, r.dedupe_key.rsplit(":", 1)[1]): (r.text or "").split("\n", 1)[0]
        for r in await reminder_rows(database)
    }


async def move(
    database: Database, clock: FrozenClock, claire: Person, occ: Occurrence, to: datetime
) -> None:
    async with database.transaction() as session:
        await calendar.move_occurrence(
            session,
            occurrence_id=occ.id,
            new_start=to,
            by=claire,
            now=clock.now(),
            translator=TR,
            tz=factories.TZ,
            group_language="fr",
        )


def test_reminder_times_follow_local_time_across_dst() -> None:
    # Session on Sunday 29 March 2026 at 14:00 (summer time starts that night).
    start = at("2026-03-29T14:00")
    times = reminders.reminder_times(start, CFG)
    assert times["day"] == at("2026-03-28T18:00")
    assert times["hours"] == start - timedelta(hours=2)


def test_the_day_a_reminder_is_read_counts_quiet_hours() -> None:
    quiet = replace(CFG, quiet_start=time(21, 0), quiet_end=time(8, 0))
    assert reminders.reading_day(at("2026-11-24T18:00"), quiet) == date(2026, 11, 24)
    # Held from 23:00 until 8:00: it is read the next day.
    assert reminders.leaves_at(at("2026-11-24T23:00"), quiet) == at("2026-11-25T08:00")
    assert reminders.reading_day(at("2026-11-24T23:00"), quiet) == date(2026, 11, 25)
    assert reminders.leaves_at(at("2026-11-25T07:00"), quiet) == at("2026-11-25T08:00")
    # Without quiet hours it leaves on time.
    assert reminders.reading_day(at("2026-11-24T23:00"), CFG) == date(2026, 11, 24)


async def test_day_before_at_18h_and_two_hours_before(
    database: Database, clock: FrozenClock
) -> None:
    _, occ = await wednesday_session(database, clock)
    ana = await factories.person(database, clock.now(), 10, "Ana")
    await factories.person(database, clock.now(), 11, "Bob")
    await factories.answer(database, clock.now(), occ, ana, Answer.YES)
    clock.set(at("2026-11-24T17:59"))
    assert await tick(database, clock) == 0
    clock.set(at("2026-11-24T18:00"))
    assert await tick(database, clock) == 2  # Ana, and Bob (who has not answered)
    assert await tick(database, clock) == 0  # never twice
    clock.set(at("2026-11-25T12:00"))
    assert await tick(database, clock) == 1  # Ana: Bob was asked yesterday, once is enough
    assert await first_lines(database) == {
        (10, "day"): "🔔 L'atelier, c'est demain !",
        (10, "hours"): "🔔 L'atelier commence aujourd'hui à 14 h.",
        (11, "day"): "👋 Vous venez à l'atelier demain ?",
    }
    rows = await reminder_rows(database)
    assert all(r.expires_at == occ.starts_at for r in rows)
    assert rows[0].buttons is not None
    assert [b["callback_data"] for row in rows[0].buttons for b in row][:3] == [
        RSVP_ANSWER.make(TapCode.YES, occ.id),
        RSVP_ANSWER.make(TapCode.MAYBE, occ.id),
        RSVP_ANSWER.make(TapCode.NO, occ.id),
    ]


async def test_reminders_speak_each_persons_language(
    database: Database, clock: FrozenClock
) -> None:
    _, occ = await wednesday_session(database, clock)
    john = await factories.person(database, clock.now(), 10, "John", language="en")
    await factories.person(database, clock.now(), 11, "Jane", language="en")
    await factories.answer(database, clock.now(), occ, john, Answer.MAYBE)
    clock.set(at("2026-11-24T18:00"))
    await tick(database, clock)
    clock.set(at("2026-11-25T12:00"))
    await tick(database, clock)
    assert await first_lines(database) == {
        (10, "day"): "🔔 The workshop is tomorrow!",
        (10, "hours"): "🔔 The workshop starts today at 2 pm.",
        (11, "day"): "👋 Are you coming to the workshop tomorrow?",
    }


async def test_someone_who_has_not_answered_is_asked_once(
    database: Database, clock: FrozenClock
) -> None:
    _, occ = await wednesday_session(database, clock)
    await factories.person(database, clock.now(), 10, "Bob")  # never answers
    late = await factories.person(database, clock.now(), 11, "Léa")  # answers after the question
    zoe = await factories.person(database, clock.now(), 12, "Zoé")  # only "2 hours before"
    async with database.transaction() as session:
        zoe_row = await session.get(Person, zoe.id)
        assert zoe_row is not None
        zoe_row.remind_day_before = False
    clock.set(at("2026-11-24T18:00"))
    await tick(database, clock)
    await factories.answer(database, clock.now(), occ, late, Answer.YES)
    clock.set(at("2026-11-25T12:00"))
    await tick(database, clock)
    assert await first_lines(database) == {
        (10, "day"): "👋 Vous venez à l'atelier demain ?",
        (11, "day"): "👋 Vous venez à l'atelier demain ?",
        (11, "hours"): "🔔 L'atelier commence aujourd'hui à 14 h.",
        (12, "hours"): "👋 Vous venez à l'atelier aujourd'hui ?",
    }


async def test_a_question_that_never_arrived_is_asked_again(
    database: Database, clock: FrozenClock
) -> None:
    await wednesday_session(database, clock)
    await factories.person(database, clock.now(), 10, "Bob")
    clock.set(at("2026-11-24T18:00"))
    await tick(database, clock)
    async with database.transaction() as session:
        for row in await session.scalars(select_reminders()):
            row.state = OutboxState.FAILED  # Telegram refused it every time
    clock.set(at("2026-11-25T12:00"))
    assert await tick(database, clock) == 1


async def test_no_answer_means_no_reminder_and_choices_are_respected(
    database: Database, clock: FrozenClock
) -> None:
    _, occ = await wednesday_session(database, clock)
    no = await factories.person(database, clock.now(), 10, "Non")
    quiet = await factories.person(database, clock.now(), 11, "Calme")
    await factories.person(database, clock.now(), 12, "Sans accord", consent=False)
    await factories.person(database, clock.now(), 13, "Ana")
    await factories.answer(database, clock.now(), occ, no, Answer.NO)
    async with database.transaction() as session:
        quiet_row = await session.get(Person, quiet.id)
        assert quiet_row is not None
        quiet_row.remind_day_before = False
    clock.set(at("2026-11-24T18:00"))
    await tick(database, clock)
    assert sorted(r.chat_id for r in await outbox_rows(database)) == [13]


async def test_facilitators_get_no_participant_reminders_unless_asked(
    database: Database, clock: FrozenClock
) -> None:
    claire, occ = await wednesday_session(database, clock)  # Claire (Telegram id 1)
    await factories.answer(database, clock.now(), occ, claire, Answer.YES)
    clock.set(at("2026-11-24T18:00"))
    assert await tick(database, clock) == 0
    clock.set(at("2026-11-25T12:00"))
    assert await tick(database, clock) == 0

    # REMIND_FACILITATORS=true: she gets them like everyone (here, the next week's).
    asked = replace(CFG, remind_facilitators=True)
    next_week = occ.starts_at + timedelta(weeks=1)
    async with database.transaction() as session:
        nxt = await calendar.upcoming(session, now=next_week - timedelta(hours=1), limit=1)
    await factories.answer(database, clock.now(), nxt[0], claire, Answer.YES)
    clock.set(at("2026-12-01T18:00"))
    assert await tick(database, clock, asked) == 1
    clock.set(at("2026-12-02T12:00"))
    assert await tick(database, clock, asked) == 1
    assert await first_lines(database) == {
        (1, "day"): "🔔 L'atelier, c'est demain !",
        (1, "hours"): "🔔 L'atelier commence aujourd'hui à 14 h.",
    }


async def test_missed_while_down_still_sent_before_the_start_never_after(
    database: Database, clock: FrozenClock
) -> None:
    _, occ = await wednesday_session(database, clock)
    await factories.person(database, clock.now(), 10, "Ana")
    clock.set(at("2026-11-25T13:00"))  # the bot was down from 17:00 the day before
    assert await tick(database, clock) == 1  # only the "in 2 hours" one: "tomorrow" is stale
    rows = await reminder_rows(database)
    assert [r.dedupe_key.endswith(":hours") for r in rows] == [True]
    assert (rows[0].text or "").startswith("👋 Vous venez à l'atelier aujourd'hui ?")
    clock.set(occ.starts_at + timedelta(minutes=1))
    assert await tick(database, clock) == 0


async def test_a_day_before_reminder_held_by_the_night_says_today(
    database: Database, clock: FrozenClock
) -> None:
    _, occ = await wednesday_session(database, clock)
    ana = await factories.person(database, clock.now(), 10, "Ana")
    await factories.answer(database, clock.now(), occ, ana, Answer.YES)
    night = replace(CFG, quiet_start=time(21, 0), quiet_end=time(8, 0))
    clock.set(at("2026-11-24T23:00"))  # the bot was down at 18:00; it is quiet time now
    assert await tick(database, clock, night) == 1
    assert await first_lines(database) == {(10, "day"): "🔔 L'atelier, c'est aujourd'hui !"}


async def test_a_session_moved_to_later_today_gets_no_day_before_reminder(
    database: Database, clock: FrozenClock
) -> None:
    # Thursday's session; on Tuesday morning Claire moves it to Tuesday 18:00.
    claire, occ = await factories.first_session(
        database, clock.now(), weekday=3, first=date(2026, 11, 26)
    )
    ana = await factories.person(database, clock.now(), 10, "Ana")
    await factories.answer(database, clock.now(), occ, ana, Answer.YES)
    clock.set(at("2026-11-24T11:00"))
    await move(database, clock, claire, occ, at("2026-11-24T18:00"))
    assert await tick(database, clock) == 0  # not "c'est demain !": it is today
    clock.set(at("2026-11-24T15:59"))
    assert await tick(database, clock) == 0
    clock.set(at("2026-11-24T16:00"))
    assert await tick(database, clock) == 1
    assert await first_lines(database) == {
        (10, "hours"): "🔔 L'atelier commence aujourd'hui à 18 h."
    }


async def test_a_session_moved_to_tomorrow_is_reminded_the_evening_before(
    database: Database, clock: FrozenClock
) -> None:
    claire, occ = await factories.first_session(
        database, clock.now(), weekday=3, first=date(2026, 11, 26)
    )
    ana = await factories.person(database, clock.now(), 10, "Ana")
    await factories.answer(database, clock.now(), occ, ana, Answer.YES)
    clock.set(at("2026-11-24T11:00"))
    await move(database, clock, claire, occ, at("2026-11-25T10:00"))
    clock.set(at("2026-11-24T18:00"))
    assert await tick(database, clock) == 1
    assert await first_lines(database) == {(10, "day"): "🔔 L'atelier, c'est demain !"}


async def test_a_session_added_after_its_evening_reminder_is_reminded_hours_before(
    database: Database, clock: FrozenClock
) -> None:
    claire = await factories.person(database, clock.now(), 1, "Claire", facilitator=True)
    await factories.person(database, clock.now(), 10, "Ana")
    clock.set(at("2026-11-24T19:00"))
    async with database.transaction() as session:
        claire_row = await session.get(Person, claire.id)
        assert claire_row is not None
        await calendar.create_one_off(
            session,
            creator=claire_row,
            title="Danse",
            place="Maison de quartier",
            starts_at=at("2026-11-25T10:00"),
            duration_minutes=60,
            now=clock.now(),
            tz=PARIS,
        )
    assert await tick(database, clock) == 0
    clock.set(at("2026-11-25T08:00"))
    assert await tick(database, clock) == 1
    assert await first_lines(database) == {
        (10, "hours"): "👋 Vous venez à l'atelier aujourd'hui ?"
    }


async def test_a_moved_session_is_reminded_again_at_its_new_time(
    database: Database, clock: FrozenClock
) -> None:
    claire, occ = await wednesday_session(database, clock)
    await factories.person(database, clock.now(), 10, "Ana")
    clock.set(at("2026-11-24T18:00"))
    assert await tick(database, clock) == 1
    await move(database, clock, claire, occ, at("2026-11-27T14:00"))
    clock.set(at("2026-11-26T18:00"))
    assert await tick(database, clock) == 1


async def link(database: Database, clock: FrozenClock, claire: Person, occ: Occurrence) -> None:
    assert occ.series_id is not None
    async with database.transaction() as session:
        await calendar.link_group(
            session, series_id=occ.series_id, chat_id=-100500, by=claire, now=clock.now()
        )


async def test_linked_group_gets_the_day_before_reminder_with_counts(
    database: Database, clock: FrozenClock
) -> None:
    claire, occ = await wednesday_session(database, clock)
    await link(database, clock, claire, occ)
    clock.set(at("2026-11-24T18:00"))
    await tick(database, clock)
    group = [r for r in await outbox_rows(database) if r.chat_id == -100500]
    assert len(group) == 1
    post = group[0].text
    assert post is not None
    assert post.split("\n\n", 1)[0] == (
        "🔔 L'atelier, c'est demain !\n👋 Qui vient ? Touchez un bouton pour répondre."
    )
    assert "Claire" not in post


async def test_the_group_post_speaks_the_groups_language(
    database: Database, clock: FrozenClock
) -> None:
    claire, occ = await wednesday_session(database, clock)
    await link(database, clock, claire, occ)
    async with database.transaction() as session:
        series = await session.get(Series, occ.series_id)
        assert series is not None
        series.group_language = "en"
    clock.set(at("2026-11-24T18:00"))
    await tick(database, clock)
    (post,) = [r for r in await outbox_rows(database) if r.chat_id == -100500]
    assert (post.text or "").startswith("🔔 The workshop is tomorrow!\n👋 Who is coming?")
    assert post.buttons is not None
    assert [b["text"] for row in post.buttons for b in row] == [
        b.text for row in cards.rsvp_buttons(TR, "en", occ.id) for b in row
    ]


async def test_no_group_post_for_a_session_moved_to_today(
    database: Database, clock: FrozenClock
) -> None:
    claire, occ = await factories.first_session(
        database, clock.now(), weekday=3, first=date(2026, 11, 26)
    )
    await link(database, clock, claire, occ)
    clock.set(at("2026-11-24T11:00"))
    await move(database, clock, claire, occ, at("2026-11-24T18:00"))
    await tick(database, clock)
    assert [r.kind for r in await outbox_rows(database) if r.chat_id == -100500] == [
        NOTICE_KIND  # the move notice, and no "c'est demain !"
    ]


async def test_written_a_moment_ahead_with_their_exact_time(
    database: Database, clock: FrozenClock
) -> None:
    await wednesday_session(database, clock)
    await factories.person(database, clock.now(), 10, "Ana")
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
    assert sum(added) == 10
    assert len(await outbox_rows(database)) == 10
