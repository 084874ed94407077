"""The mood rules, without Telegram: consent first, once a day, care, retention, prompts."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.i18n import Translator
from bot.models import (
    Answer,
    Base,
    CheckIn,
    OutboxMessage,
    Person,
    WellbeingCheck,
)
from bot.services import mood
from bot.services.mood import DayMood, Feeling, NoConsent, PromptSettings
from handlers.mood.care import phone_of
from tests import factories

TZ = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 24)
CFG = PromptSettings(tz=TZ, delay=timedelta(hours=1))


async def consenting(database: Database, telegram_id: int = 201, name: str = "Ana") -> Person:
    person = await factories.person(database, NOW, telegram_id, name)
    async with database.transaction() as session:
        row = await session.get(Person, person.id)
        assert row is not None
        await mood.give_consent(session, person=row, now=NOW)
        return row


async def keep(database: Database, person: Person, value: int, day: date) -> mood.Recorded:
    async with database.transaction() as session:
        row = await session.get(Person, person.id)
        assert row is not None
        moment = datetime.combine(day, time(12, 0), tzinfo=TZ)
        return await mood.record(session, person=row, mood=value, day=day, today=day, now=moment)


# --- pure rules -----------------------------------------------------------------------


def test_care_follows_the_lowest_face_or_two_low_answers_in_a_row() -> None:
    assert mood.needs_care(1, None)
    assert mood.needs_care(1, 5)
    assert not mood.needs_care(2, None)
    assert not mood.needs_care(2, 4)
    assert mood.needs_care(2, 2)
    assert mood.needs_care(2, 1)
    assert not mood.needs_care(3, 1)


def test_the_four_weeks_in_one_word() -> None:
    def days(*moods: int) -> list[DayMood]:
        return [DayMood(TODAY - timedelta(days=i), m) for i, m in enumerate(moods)]

    assert mood.feeling([], TODAY) is Feeling.NONE
    assert mood.feeling(days(5, 5, 4), TODAY) is Feeling.VERY_GOOD
    assert mood.feeling(days(4, 4, 3), TODAY) is Feeling.GOOD
    assert mood.feeling(days(3, 3, 4, 2), TODAY) is Feeling.MIXED
    assert mood.feeling(days(1, 2, 2), TODAY) is Feeling.LOW
    # Older than 4 weeks does not count.
    assert mood.feeling([DayMood(TODAY - timedelta(days=40), 1)], TODAY) is Feeling.NONE


def test_days_in_buttons_are_read_back_and_forged_ones_refused() -> None:
    assert mood.day_of(mood.day_code(TODAY)) == TODAY
    assert mood.day_of("20261332") is None
    assert mood.day_of("20260230") is None


def test_months_before_keeps_the_day_or_the_last_of_a_short_month() -> None:
    assert mood.months_before(date(2027, 11, 24), 12) == date(2026, 11, 24)
    assert mood.months_before(date(2027, 3, 31), 1) == date(2027, 2, 28)
    assert mood.months_before(date(2027, 1, 15), 2) == date(2026, 11, 15)


def test_a_phone_number_is_read_as_people_write_it() -> None:
    assert phone_of("06 12 34 56 78") == "0612345678"
    assert phone_of("+33 6.12.34.56.78") == "+33612345678"
    assert phone_of("06-12-34") is None
    assert phone_of("appelez-moi") is None


def test_a_month_after_no_the_person_is_asked_again() -> None:
    person = Person(mood_consent_at=None, mood_declined_at=None)
    assert mood.may_prompt(person, NOW)
    person.mood_declined_at = NOW
    assert not mood.may_prompt(person, NOW + timedelta(days=29))
    assert mood.may_prompt(person, NOW + timedelta(days=30))


# --- check-ins ------------------------------------------------------------------------


async def test_nothing_is_kept_without_the_mood_consent(database: Database) -> None:
    person = await factories.person(database, NOW, 201, "Ana")
    async with database.transaction() as session:
        row = await session.get(Person, person.id)
        assert row is not None
        with pytest.raises(NoConsent):
            await mood.record(session, person=row, mood=3, day=TODAY, today=TODAY, now=NOW)
    async with database.transaction() as session:
        assert list(await session.scalars(select(CheckIn))) == []


async def test_one_check_in_a_day_the_second_replaces_the_first_with_its_word(
    database: Database,
) -> None:
    ana = await consenting(database)
    first = await keep(database, ana, 2, TODAY)
    async with database.transaction() as session:
        await mood.add_word(
            session, person_id=ana.id, check_in_id=first.check_in_id, now=NOW, note="Bof"
        )
        await mood.share(
            session, person_id=ana.id, check_in_id=first.check_in_id, shared=True, now=NOW
        )
    second = await keep(database, ana, 4, TODAY)
    assert (first.replaced, second.replaced) == (False, True)
    assert second.check_in_id == first.check_in_id
    async with database.transaction() as session:
        (row,) = await session.scalars(select(CheckIn))
        assert (row.mood, row.note, row.shared) == (4, None, False)


async def test_a_late_prompt_records_for_today(database: Database) -> None:
    ana = await consenting(database)
    async with database.transaction() as session:
        row = await session.get(Person, ana.id)
        assert row is not None
        recorded = await mood.record(
            session, person=row, mood=5, day=TODAY - timedelta(days=2), today=TODAY, now=NOW
        )
    assert recorded.late
    async with database.transaction() as session:
        (kept,) = await session.scalars(select(CheckIn))
        assert kept.local_date == TODAY


async def test_a_word_goes_only_on_ones_own_check_in_and_never_over_500(
    database: Database,
) -> None:
    ana = await consenting(database)
    bob = await consenting(database, 202, "Bob")
    mine = await keep(database, ana, 3, TODAY)
    async with database.transaction() as session:
        assert not await mood.add_word(
            session, person_id=bob.id, check_in_id=mine.check_in_id, now=NOW, note="piraté"
        )
        assert (
            await mood.share(
                session, person_id=bob.id, check_in_id=mine.check_in_id, shared=True, now=NOW
            )
            is None
        )
        with pytest.raises(ValueError):
            await mood.add_word(
                session, person_id=ana.id, check_in_id=mine.check_in_id, now=NOW, note="a" * 501
            )


async def test_withdrawing_leaves_no_mood_row_behind(database: Database) -> None:
    ana = await consenting(database)
    bob = await consenting(database, 202, "Bob")
    for offset in range(5):
        await keep(database, ana, 3, TODAY - timedelta(days=offset))
    await keep(database, bob, 4, TODAY)
    async with database.transaction() as session:
        session.add(WellbeingCheck(person_id=ana.id, local_date=TODAY, score=40, created_at=NOW))
    async with database.transaction() as session:
        row = await session.get(Person, ana.id)
        assert row is not None
        assert await mood.withdraw(session, person=row, now=NOW) == 6
    # Every table whose rows point to a person: nothing left of Ana's moods.
    async with database.transaction() as session:
        for model in (CheckIn, WellbeingCheck):
            left = await session.scalars(select(model).where(model.person_id == ana.id))
            assert list(left) == []
        assert [c.person_id for c in await session.scalars(select(CheckIn))] == [bob.id]
        row = await session.get(Person, ana.id)
        assert row is not None and row.mood_consent_at is None and row.wellbeing_since is None
    mood_tables = {CheckIn.__tablename__, WellbeingCheck.__tablename__}
    assert mood_tables <= set(Base.metadata.tables)


async def test_retention_keeps_12_months_and_deletes_what_is_older(database: Database) -> None:
    ana = await consenting(database)
    for day in (date(2025, 11, 23), date(2025, 11, 24), date(2026, 6, 1)):
        await keep(database, ana, 3, day)
    async with database.transaction() as session:
        assert await mood.forget_old(session, today=TODAY, months=12) == 1
        kept = sorted(c.local_date for c in await session.scalars(select(CheckIn)))
    assert kept == [date(2025, 11, 24), date(2026, 6, 1)]


# --- prompts --------------------------------------------------------------------------


async def test_prompts_go_once_per_session_to_people_who_came(database: Database) -> None:
    _claire, first = await factories.first_session(database, NOW)
    ana = await consenting(database)
    bob = await factories.person(database, NOW, 202, "Bob")
    await factories.answer(database, NOW, first, ana, Answer.YES)
    await factories.answer(database, NOW, first, bob, Answer.NO)
    later = first.ends_at + timedelta(hours=1)
    translator = Translator()
    async with database.transaction() as session:
        assert await mood.enqueue_prompts(session, now=later, cfg=CFG, translator=translator) == 1
    async with database.transaction() as session:
        assert await mood.enqueue_prompts(session, now=later, cfg=CFG, translator=translator) == 0
        (row,) = await session.scalars(select(OutboxMessage))
    assert row.chat_id == 201 and row.kind == mood.PROMPT_KIND
    assert row.buttons is not None and [b["text"] for b in row.buttons[0]] == list(
        mood.FACES.values()
    )


async def test_a_session_long_past_gets_no_prompt(database: Database) -> None:
    _claire, first = await factories.first_session(database, NOW)
    ana = await consenting(database)
    await factories.answer(database, NOW, first, ana, Answer.YES)
    much_later = first.ends_at + timedelta(days=3)
    async with database.transaction() as session:
        added = await mood.enqueue_prompts(
            session, now=much_later, cfg=CFG, translator=Translator()
        )
    assert added == 0


async def test_two_taps_in_flight_at_once_make_one_check_in(database: Database) -> None:
    """Both see no row yet; the second insert meets the first one's and replaces it."""
    ana = await consenting(database)

    async def tap(value: int) -> mood.Recorded:
        return await keep(database, ana, value, TODAY)

    first, second = await asyncio.gather(tap(2), tap(5))
    assert sorted([first.replaced, second.replaced]) == [False, True]
    assert first.check_in_id == second.check_in_id
    async with database.transaction() as session:
        (row,) = await session.scalars(select(CheckIn))
        assert row.mood in (2, 5)
