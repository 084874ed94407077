"""The WHO-5 questionnaire: its score, one a day, consent first, a prompt every 14 days that
respects quiet hours, and group figures only for a finished month of 5 people or more."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.callback_data import WELLBEING_START
from bot.clock import FrozenClock
from bot.db import Database
from bot.i18n import Translator
from bot.models import OutboxMessage, Person, WellbeingCheck
from bot.services import mood, wellbeing
from bot.services.mood import NoConsent, PromptSettings
from bot.services.wellbeing import CareLevel, MonthAverage
from tests import factories
from tests.utils import count, outbox_rows

PARIS = ZoneInfo("Europe/Paris")
TR = Translator()
NO_QUIET = PromptSettings(tz=PARIS, delay=timedelta(0))
QUIET = PromptSettings(tz=PARIS, delay=timedelta(0), quiet_start=time(21), quiet_end=time(8))


def at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=PARIS).astimezone(UTC)


async def someone(
    database: Database,
    clock: FrozenClock,
    telegram_id: int = 201,
    name: str = "Ana",
    *,
    consent: bool = True,
    opted_in: bool = False,
) -> int:
    """A participant (with the mood consent unless told otherwise); returns their id."""
    person = await factories.person(database, clock.now(), telegram_id, name)
    async with database.transaction() as session:
        row = await session.get(Person, person.id)
        assert row is not None
        if consent:
            await mood.give_consent(session, person=row, now=clock.now())
        if opted_in:
            await wellbeing.opt_in(session, person=row, now=clock.now())
        return row.id


async def record(
    database: Database, person_id: int, answers: list[int], today: date, now: datetime
) -> wellbeing.Result:
    async with database.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        return await wellbeing.record(
            session, person=person, answers=answers, today=today, now=now
        )


async def tick(database: Database, clock: FrozenClock, cfg: PromptSettings = NO_QUIET) -> int:
    async with database.transaction() as session:
        return await wellbeing.enqueue_due(session, now=clock.now(), cfg=cfg, translator=TR)


async def prompts(database: Database) -> list[OutboxMessage]:
    return [r for r in await outbox_rows(database) if r.kind == wellbeing.PROMPT_KIND]


async def scores(database: Database) -> list[tuple[int, date, int]]:
    async with database.transaction() as session:
        rows = await session.execute(
            select(WellbeingCheck.person_id, WellbeingCheck.local_date, WellbeingCheck.score)
        )
        return sorted((p, d, s) for p, d, s in rows)


# --- the score ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected"),
    [([0, 0, 0, 0, 0], 0), ([5, 5, 5, 5, 5], 100), ([3, 3, 4, 3, 3], 64), ([1, 2, 3, 4, 5], 60)],
)
def test_the_score_is_the_sum_of_the_answers_times_4(answers: list[int], expected: int) -> None:
    assert wellbeing.score(answers) == expected


@pytest.mark.parametrize(
    "answers",
    [[3, 3, 3, 3], [3, 3, 3, 3, 3, 3], [3, 3, 3, 3, 6], [3, 3, -1, 3, 3], [3, 3, True, 3, 3]],
)
def test_the_score_refuses_anything_but_5_answers_from_0_to_5(answers: list[int]) -> None:
    with pytest.raises(ValueError):
        wellbeing.score(answers)


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (0, CareLevel.CARE),
        (28, CareLevel.CARE),
        (32, CareLevel.GENTLE),
        (50, CareLevel.GENTLE),
        (52, CareLevel.NONE),
        (100, CareLevel.NONE),
    ],
)
def test_28_or_less_calls_for_care_and_50_or_less_for_a_gentle_word(
    value: int, level: CareLevel
) -> None:
    assert wellbeing.care_level(value) is level


# --- consent and opting in ------------------------------------------------------------


async def test_opting_in_needs_the_mood_consent(database: Database, clock: FrozenClock) -> None:
    person_id = await someone(database, clock, consent=False)
    async with database.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        with pytest.raises(NoConsent):
            await wellbeing.opt_in(session, person=person, now=clock.now())
        assert person.wellbeing_since is None


async def test_opting_in_twice_keeps_the_first_date_and_opting_out_stops_it(
    database: Database, clock: FrozenClock
) -> None:
    person_id = await someone(database, clock, opted_in=True)
    clock.advance(hours=1)
    async with database.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        assert await wellbeing.opt_in(session, person=person, now=clock.now()) is False
        assert person.wellbeing_since == clock.now() - timedelta(hours=1)
        assert await wellbeing.opt_out(session, person=person, now=clock.now()) is True
        assert person.wellbeing_since is None
        assert await wellbeing.opt_out(session, person=person, now=clock.now()) is False


async def test_no_score_is_kept_without_the_mood_consent(
    database: Database, clock: FrozenClock
) -> None:
    person_id = await someone(database, clock, consent=False)
    with pytest.raises(NoConsent):
        await record(database, person_id, [3, 3, 3, 3, 3], date(2026, 11, 24), clock.now())
    assert await count(database, WellbeingCheck) == 0


# --- scores ---------------------------------------------------------------------------


async def test_a_second_questionnaire_the_same_day_replaces_the_first(
    database: Database, clock: FrozenClock
) -> None:
    person_id = await someone(database, clock)
    today = date(2026, 11, 24)
    first = await record(database, person_id, [2, 2, 2, 2, 2], today, clock.now())
    clock.advance(hours=2)
    second = await record(database, person_id, [4, 4, 4, 4, 4], today, clock.now())
    assert (first.score, first.replaced) == (40, False)
    assert (second.score, second.replaced, second.previous) == (80, True, ())
    assert await scores(database) == [(person_id, today, 80)]


async def test_the_trend_shows_the_6_scores_before_today_oldest_first(
    database: Database, clock: FrozenClock
) -> None:
    person_id = await someone(database, clock)
    first_day = date(2026, 7, 1)
    for week in range(8):
        day = first_day + timedelta(weeks=2 * week)
        await record(database, person_id, [week % 6] * 5, day, clock.now())
    today = first_day + timedelta(weeks=16)
    result = await record(database, person_id, [5, 4, 4, 4, 4], today, clock.now())
    # Sums 0, 5, 10, 15, 20, 25, 0, 5 times 4: the last 6 before today.
    assert result.previous == (40, 60, 80, 100, 0, 20)
    assert (result.score, result.care) == (84, CareLevel.NONE)
    async with database.transaction() as session:
        mine = await wellbeing.my_scores(session, person_id=person_id, limit=3)
    assert [(s.day, s.score) for s in mine] == [
        (first_day + timedelta(weeks=12), 0),
        (first_day + timedelta(weeks=14), 20),
        (today, 84),
    ]


async def test_withdrawing_the_mood_consent_erases_every_score(
    database: Database, clock: FrozenClock
) -> None:
    person_id = await someone(database, clock, opted_in=True)
    await record(database, person_id, [1, 1, 1, 1, 1], date(2026, 11, 10), clock.now())
    await record(database, person_id, [3, 3, 3, 3, 3], date(2026, 11, 24), clock.now())
    async with database.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        await mood.withdraw(session, person=person, now=clock.now())
    assert await count(database, WellbeingCheck) == 0
    async with database.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        assert (person.wellbeing_since, person.wellbeing_prompted_at) == (None, None)
    clock.advance(days=30)
    assert await tick(database, clock) == 0


# --- the prompt every 14 days ---------------------------------------------------------


async def test_the_prompt_comes_14_days_after_opting_in_then_every_14_days_never_twice(
    database: Database, clock: FrozenClock
) -> None:
    person_id = await someone(database, clock, opted_in=True)
    assert await tick(database, clock) == 0
    clock.advance(days=13, hours=23)
    assert await tick(database, clock) == 0
    clock.advance(hours=1)
    assert await tick(database, clock) == 1
    assert await tick(database, clock) == 0
    clock.advance(days=13)
    assert await tick(database, clock) == 0
    clock.advance(days=1)
    assert await tick(database, clock) == 1
    rows = await prompts(database)
    assert [r.dedupe_key for r in rows] == [
        f"who5p:{person_id}:2026-12-08",
        f"who5p:{person_id}:2026-12-22",
    ]
    first = rows[0]
    assert first.chat_id == 201
    assert (first.text or "").startswith("📝 Voici votre bilan des 2 semaines.")
    assert first.buttons == [
        [{"text": "▶️ Commencer", "callback_data": WELLBEING_START.make(person_id)}]
    ]


async def test_the_prompt_waits_for_the_end_of_quiet_hours(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(at("2026-11-24T22:30"))
    person_id = await someone(database, clock, opted_in=True)
    clock.advance(days=14)
    assert await tick(database, clock, QUIET) == 1
    [row] = await prompts(database)
    assert row.not_before == at("2026-12-09T08:00")
    assert row.dedupe_key == f"who5p:{person_id}:2026-12-09"


async def test_no_prompt_without_consent_telegram_opt_in_or_a_reachable_chat(
    database: Database, clock: FrozenClock
) -> None:
    await someone(database, clock, 201, "Ana")  # consented, never opted in
    gone = await someone(database, clock, 202, "Bob", opted_in=True)
    offline = await someone(database, clock, 203, "Cleo", opted_in=True)
    withdrawn = await someone(database, clock, 204, "Dan", opted_in=True)
    kept = await someone(database, clock, 205, "Eve", opted_in=True)
    async with database.transaction() as session:
        for person_id, change in ((gone, "reachable"), (offline, "telegram"), (withdrawn, "")):
            person = await session.get(Person, person_id)
            assert person is not None
            if change == "reachable":
                person.reachable = False
            elif change == "telegram":
                person.telegram_id = None
            else:
                person.mood_consent_at = None  # as if cleared without withdraw()
    clock.advance(days=15)
    assert await tick(database, clock) == 1
    assert [r.person_id for r in await prompts(database)] == [kept]


# --- the team's view: group figures only ----------------------------------------------


async def _answers_in(
    database: Database, clock: FrozenClock, people: list[int], day: date, value: int
) -> None:
    for person_id in people:
        await record(database, person_id, [value] * 5, day, clock.now())


async def test_a_month_shows_a_figure_only_when_over_and_with_5_people_or_more(
    database: Database, clock: FrozenClock
) -> None:
    people = [await someone(database, clock, 300 + i, f"P{i}") for i in range(6)]
    # September: 4 people. October: 5 people, one of them twice (each person weighs the
    # same). November (this month, still going): 6 people.
    await _answers_in(database, clock, people[:4], date(2026, 9, 10), 3)
    await _answers_in(database, clock, people[:4], date(2026, 10, 5), 2)  # 40 each
    await record(database, people[4], [5] * 5, date(2026, 10, 6), clock.now())  # 100
    await record(database, people[4], [0] * 5, date(2026, 10, 20), clock.now())  # 0
    await _answers_in(database, clock, people, date(2026, 11, 3), 4)
    async with database.transaction() as session:
        months = await wellbeing.group_averages(session, today=date(2026, 11, 24), months=4)
    assert months == [
        MonthAverage(date(2026, 8, 1), None, None),
        MonthAverage(date(2026, 9, 1), None, None),
        # (40 x 4 + 50) / 5 = 42
        MonthAverage(date(2026, 10, 1), 42, 5),
        MonthAverage(date(2026, 11, 1), None, None),
    ]
    assert [m.shown for m in months] == [False, False, True, False]


async def test_the_last_12_months_by_default_oldest_first(
    database: Database, clock: FrozenClock
) -> None:
    async with database.transaction() as session:
        months = await wellbeing.group_averages(session, today=date(2026, 2, 3))
    assert [m.month for m in months][:2] == [date(2025, 3, 1), date(2025, 4, 1)]
    assert months[-1].month == date(2026, 2, 1)
    assert len(months) == 12
    assert all(not m.shown for m in months)
