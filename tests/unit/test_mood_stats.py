"""The facilitators' group mood figures: what they may see, and what stays hidden.

The rule first on plain sets of (person, check-in), then on a real database.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, insert, select, update

from bot.clock import FrozenClock
from bot.db import Database
from bot.models import CheckIn, Occurrence, OccurrenceStatus, Person, Role
from bot.services import mood_stats
from bot.services.mood_stats import MIN_PEOPLE, Figure, Hidden, Publication, Row, publishable
from tests import factories

# --- the rule on plain sets ---------------------------------------------------------------


def rows(*people: int, start: int = 0) -> frozenset[Row]:
    """One check-in for each person listed (a person listed twice answered twice)."""
    return frozenset((person, start + i) for i, person in enumerate(people))


def people_of(found: AbstractSet[Row]) -> int:
    return len({person for person, _ in found})


def assert_nothing_small_leaks(
    month: AbstractSet[Row], sessions: Mapping[int, AbstractSet[Row]], shown: Publication
) -> None:
    """Every figure shown has MIN_PEOPLE people, and so has every difference of them."""
    visible = sorted(shown.shown_sessions)
    for sid in visible:
        assert people_of(sessions[sid]) >= MIN_PEOPLE
    if not shown.month_shown:
        return  # sessions are disjoint: no session is inside another
    assert people_of(month) >= MIN_PEOPLE
    for size in range(1, len(visible) + 1):
        for subset in itertools.combinations(visible, size):
            left = set(month).difference(*(sessions[sid] for sid in subset))
            assert people_of(left) == 0 or people_of(left) >= MIN_PEOPLE, (subset, left)


def test_fewer_than_five_people_show_nothing() -> None:
    month = rows(1, 2, 3, 4, 1, 2, 3, 4)  # 8 answers, but 4 people
    shown = publishable(month, {7: rows(1, 2, 3, 4)})
    assert shown.month == Hidden.TOO_FEW
    assert shown.sessions == {7: Hidden.TOO_FEW}


def test_exactly_five_people_are_shown() -> None:
    session = rows(1, 2, 3, 4, 5)
    shown = publishable(session, {7: session})
    assert shown.month_shown and shown.shown_sessions == {7}


def test_a_month_of_seven_hides_what_a_session_of_six_would_tell() -> None:
    session = rows(1, 2, 3, 4, 5, 6)
    month = session | rows(7, 7, 7, start=100)  # the seventh person answered alone
    shown = publishable(month, {7: session})
    # The session was seen the day after it: the month gives way.
    assert shown.shown_sessions == {7}
    assert shown.month == Hidden.WOULD_REVEAL_FEW
    assert_nothing_small_leaks(month, {7: session}, shown)


def test_a_session_on_the_last_day_gives_way_to_its_month() -> None:
    session = rows(1, 2, 3, 4, 5, 6)
    month = session | rows(7, start=100)
    # Both appear the same morning: hiding the session takes nothing back.
    shown = publishable(month, {7: session}, with_month={7})
    assert shown.month_shown
    assert shown.sessions == {7: Hidden.WOULD_REVEAL_FEW}
    assert_nothing_small_leaks(month, {7: session}, shown)


def test_the_smallest_then_the_latest_session_gives_way() -> None:
    a, b, c = rows(*range(1, 8)), rows(*range(1, 6), start=10), rows(*range(1, 6), start=20)
    month = a | b | c | rows(9, start=100)
    shown = publishable(month, {1: a, 2: b, 3: c}, with_month={1, 2, 3})
    assert shown.sessions == {1: None, 2: None, 3: Hidden.WOULD_REVEAL_FEW}
    assert shown.month_shown
    assert_nothing_small_leaks(month, {1: a, 2: b, 3: c}, shown)


def test_several_sessions_and_a_small_one_in_the_rest() -> None:
    big, medium, small = rows(*range(1, 11)), rows(*range(1, 6), start=20), rows(1, 2, start=40)
    month = big | medium | small
    sessions = {1: big, 2: medium, 3: small}
    shown = publishable(month, sessions)
    # The small session's 2 people are the whole rest: the month would tell about them.
    assert shown.sessions == {1: None, 2: None, 3: Hidden.TOO_FEW}
    assert shown.month == Hidden.WOULD_REVEAL_FEW
    assert_nothing_small_leaks(month, sessions, shown)


def test_a_rest_of_nobody_or_of_five_people_is_fine() -> None:
    a, b = rows(*range(1, 7)), rows(*range(3, 9), start=10)
    assert publishable(a | b, {1: a, 2: b}) == Publication(None, {1: None, 2: None})
    month = a | b | rows(20, 21, 22, 23, 24, start=100)
    assert publishable(month, {1: a, 2: b}) == Publication(None, {1: None, 2: None})


def test_people_who_were_in_sessions_still_count_in_the_rest() -> None:
    session = rows(1, 2, 3, 4, 5, 6)
    # Person 1 also answered alone on another day: that answer is about one person.
    month = session | rows(1, start=100)
    assert publishable(month, {7: session}).month == Hidden.WOULD_REVEAL_FEW


def test_figures_wait_for_their_day_and_their_month() -> None:
    a, b = rows(*range(1, 7)), rows(*range(1, 7), start=10)
    shown = publishable(a | b, {1: a, 2: b}, month_over=False, days_not_over={2})
    assert shown.month == Hidden.MONTH_NOT_OVER
    assert shown.sessions == {1: None, 2: Hidden.DAY_NOT_OVER}


def test_a_session_seen_during_the_month_is_never_taken_back() -> None:
    session = rows(1, 2, 3, 4, 5, 6)
    month = session | rows(7, start=100)
    during = publishable(month, {7: session}, month_over=False)
    after = publishable(month, {7: session})
    assert during.shown_sessions == after.shown_sessions == {7}
    assert after.month == Hidden.WOULD_REVEAL_FEW


def test_sessions_must_be_disjoint_parts_of_their_month() -> None:
    a = rows(1, 2, 3, 4, 5)
    with pytest.raises(ValueError):
        publishable(a, {1: a, 2: a})
    with pytest.raises(ValueError):
        publishable(a, {1: rows(9, start=50)})


def test_a_figure_counts_answers_per_face_and_averages_them() -> None:
    figure = Figure((1, 1, 1, 1, 2), people=6)
    assert figure.answers == 6
    assert figure.average == pytest.approx(20 / 6)


def test_no_pair_of_figures_ever_tells_about_fewer_than_five_people() -> None:
    """Random months, cut at random into sessions: every shown difference is 0 or >= 5."""
    rng = random.Random(20261124)
    for _ in range(1500):
        crowd = rng.randint(1, 14)
        month = frozenset((rng.randint(1, crowd), i) for i in range(rng.randint(0, 40)))
        parts = rng.randint(0, 5)
        cut: dict[int, set[Row]] = {sid: set() for sid in range(1, parts + 1)}
        for row in month:
            place = rng.randint(0, parts + 1)  # 0 and parts + 1: outside any session
            if place in cut:
                cut[place].add(row)
        sessions = {sid: frozenset(found) for sid, found in cut.items()}
        with_month = {sid for sid in sessions if rng.random() < 0.3}
        not_over = {sid for sid in sessions if rng.random() < 0.2}
        month_over = rng.random() < 0.8
        shown = publishable(
            month, sessions, month_over=month_over, days_not_over=not_over, with_month=with_month
        )
        assert_nothing_small_leaks(month, sessions, shown)
        during = publishable(month, sessions, month_over=False, days_not_over=not_over)
        # What was seen while the month ran stays seen, except a session of its last day.
        assert during.shown_sessions - shown.shown_sessions <= with_month
        for sid, reason in shown.sessions.items():
            if reason == Hidden.WOULD_REVEAL_FEW:
                assert sid in with_month and shown.month_shown


# --- on a database ------------------------------------------------------------------------

TUESDAYS = date(2026, 11, 24)  # Claire's series: Tuesdays 14 h from 24 November
THURSDAYS = date(2026, 11, 26)  # a second one on Thursdays: 31 December is one of them


async def claire(db: Database, clock: FrozenClock) -> Person:
    return await factories.person(db, clock.now(), 1, "Claire", facilitator=True)


async def crowd(db: Database, clock: FrozenClock, names: list[str]) -> list[Person]:
    return [await factories.person(db, clock.now(), 100 + i, name) for i, name in enumerate(names)]


def numbered(count: int) -> list[str]:
    return [f"P{i}" for i in range(count)]


async def sessions_of(
    db: Database, clock: FrozenClock, boss: Person, first: date, weekday: int
) -> dict[date, Occurrence]:
    found = await factories.series(db, clock.now(), boss, first=first, weekday=weekday)
    return {o.local_date: o for o in found if o.local_date.weekday() == weekday}


async def check_in(
    db: Database,
    person: Person,
    day: date,
    mood: int,
    *,
    occurrence: Occurrence | None = None,
    note: str | None = None,
    voice: str | None = None,
    shared: bool = False,
) -> None:
    at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=16)
    async with db.transaction() as session:
        session.add(
            CheckIn(
                person_id=person.id,
                local_date=day,
                mood=mood,
                occurrence_id=occurrence.id if occurrence else None,
                note=note,
                voice_file_id=voice,
                shared=shared,
                created_at=at,
                updated_at=at,
            )
        )


async def test_a_session_shows_the_day_after_it(database: Database, clock: FrozenClock) -> None:
    tuesdays = await sessions_of(database, clock, await claire(database, clock), TUESDAYS, 1)
    dec1 = tuesdays[date(2026, 12, 1)]
    for person, mood in zip(
        await crowd(database, clock, numbered(6)), [1, 2, 3, 4, 5, 5], strict=True
    ):
        await check_in(database, person, dec1.local_date, mood, occurrence=dec1)

    async with database.transaction() as session:
        same_day = await mood_stats.session_figure(
            session, occurrence_id=dec1.id, today=date(2026, 12, 1)
        )
        next_day = await mood_stats.session_figure(
            session, occurrence_id=dec1.id, today=date(2026, 12, 2)
        )
        evening = await mood_stats.group_overview(
            session,
            today=date(2026, 12, 1),
            now=datetime(2026, 12, 1, 17, tzinfo=UTC),
        )
    assert same_day is not None and next_day is not None
    assert (same_day.figure, same_day.reason) == (None, Hidden.DAY_NOT_OVER)
    assert next_day.reason is None and next_day.figure is not None
    assert next_day.figure.counts == (1, 1, 1, 1, 2)
    assert (next_day.figure.people, next_day.figure.answers) == (6, 6)
    assert next_day.figure.average == pytest.approx(20 / 6)
    # That evening the session is listed, its figure for tomorrow; the one before had nobody.
    assert [(s.local_date, s.reason) for s in evening.sessions] == [
        (date(2026, 12, 1), Hidden.DAY_NOT_OVER),
        (TUESDAYS, Hidden.TOO_FEW),
    ]
    assert all(s.figure is None for s in evening.sessions)


async def test_the_month_in_progress_shows_no_figure(
    database: Database, clock: FrozenClock
) -> None:
    tuesdays = await sessions_of(database, clock, await claire(database, clock), TUESDAYS, 1)
    everyone = await crowd(database, clock, numbered(6))
    for day in (date(2026, 12, 1), date(2026, 12, 8)):
        for person in everyone:
            await check_in(database, person, day, 4, occurrence=tuesdays[day])

    async with database.transaction() as session:
        during = await mood_stats.group_overview(session, today=date(2026, 12, 20), months=3)
        after = await mood_stats.group_overview(session, today=date(2027, 1, 1), months=3)
    assert [(m.month, m.reason) for m in during.months] == [
        (date(2026, 10, 1), Hidden.TOO_FEW),
        (date(2026, 11, 1), Hidden.TOO_FEW),
        (date(2026, 12, 1), Hidden.MONTH_NOT_OVER),
    ]
    assert all(m.figure is None for m in during.months)
    december = after.months[-2]
    assert (december.month, december.reason) == (date(2026, 12, 1), None)
    assert december.figure == Figure((0, 0, 0, 12, 0), people=6)
    assert after.months[-1].reason == Hidden.MONTH_NOT_OVER
    # Listed newest first; only the two with six people have a figure.
    assert [(s.local_date, s.figure) for s in after.sessions] == [
        (date(2026, 12, 29), None),
        (date(2026, 12, 22), None),
        (date(2026, 12, 15), None),
        (date(2026, 12, 8), Figure((0, 0, 0, 6, 0), people=6)),
        (date(2026, 12, 1), Figure((0, 0, 0, 6, 0), people=6)),
        (date(2026, 11, 24), None),
    ]


async def test_one_person_more_in_the_month_hides_the_month(
    database: Database, clock: FrozenClock
) -> None:
    boss = await claire(database, clock)
    tuesdays = await sessions_of(database, clock, boss, TUESDAYS, 1)
    thursdays = await sessions_of(database, clock, boss, THURSDAYS, 3)
    dec1, dec31 = tuesdays[date(2026, 12, 1)], thursdays[date(2026, 12, 31)]
    *six, omar = await crowd(database, clock, numbered(7))
    for person in six:
        await check_in(database, person, dec1.local_date, 3, occurrence=dec1)
    await check_in(database, omar, date(2026, 12, 10), 1)  # from the menu, alone

    async with database.transaction() as session:
        overview = await mood_stats.group_overview(
            session, today=date(2027, 1, 4), months=2, recent_sessions=20
        )
    december = overview.months[0]
    assert (december.figure, december.reason) == (None, Hidden.WOULD_REVEAL_FEW)
    listed = {s.occurrence_id: s for s in overview.sessions}
    assert listed[dec1.id].figure == Figure((0, 0, 6, 0, 0), people=6)

    # The same six on 31 December instead: that session appears with its month and yields.
    async with database.transaction() as session:
        await session.execute(
            update(CheckIn)
            .where(CheckIn.occurrence_id == dec1.id)
            .values(occurrence_id=dec31.id, local_date=dec31.local_date)
        )
    async with database.transaction() as session:
        overview = await mood_stats.group_overview(
            session, today=date(2027, 1, 4), months=2, recent_sessions=20
        )
        alone = await mood_stats.session_figure(
            session, occurrence_id=dec31.id, today=date(2027, 1, 4)
        )
    december = overview.months[0]
    assert december.reason is None
    assert december.figure == Figure((1, 0, 6, 0, 0), people=7)
    listed = {s.occurrence_id: s for s in overview.sessions}
    assert (listed[dec31.id].figure, listed[dec31.id].reason) == (
        None,
        Hidden.WOULD_REVEAL_FEW,
    )
    assert alone is not None and (alone.figure, alone.reason) == (None, Hidden.WOULD_REVEAL_FEW)


async def test_an_answer_on_another_day_stays_out_of_the_session(
    database: Database, clock: FrozenClock
) -> None:
    tuesdays = await sessions_of(database, clock, await claire(database, clock), TUESDAYS, 1)
    dec1 = tuesdays[date(2026, 12, 1)]
    everyone = await crowd(database, clock, numbered(7))
    for person in everyone[:6]:
        await check_in(database, person, dec1.local_date, 5, occurrence=dec1)
    # A late answer linked to the session: counting it would change a figure already seen.
    await check_in(database, everyone[6], date(2026, 12, 3), 2, occurrence=dec1)

    async with database.transaction() as session:
        overview = await mood_stats.group_overview(session, today=date(2027, 1, 2), months=2)
    listed = {s.occurrence_id: s for s in overview.sessions}
    assert listed[dec1.id].figure == Figure((0, 0, 0, 0, 6), people=6)
    assert overview.months[0].reason == Hidden.WOULD_REVEAL_FEW


async def test_a_cancelled_session_is_not_listed(database: Database, clock: FrozenClock) -> None:
    tuesdays = await sessions_of(database, clock, await claire(database, clock), TUESDAYS, 1)
    dec1 = tuesdays[date(2026, 12, 1)]
    for person in await crowd(database, clock, numbered(5)):
        await check_in(database, person, dec1.local_date, 4, occurrence=dec1)
    async with database.transaction() as session:
        await session.execute(
            update(Occurrence)
            .where(Occurrence.id == dec1.id)
            .values(status=OccurrenceStatus.CANCELLED)
        )
    async with database.transaction() as session:
        overview = await mood_stats.group_overview(session, today=date(2027, 1, 2), months=2)
        figure = await mood_stats.session_figure(
            session, occurrence_id=dec1.id, today=date(2027, 1, 2)
        )
    assert dec1.id not in {s.occurrence_id for s in overview.sessions}
    assert figure is None
    # Its answers still belong to the month.
    assert overview.months[0].figure == Figure((0, 0, 0, 5, 0), people=5)


async def test_the_database_follows_the_rule(database: Database, clock: FrozenClock) -> None:
    """Random Decembers: the figures match `publishable` on the same check-ins."""
    boss = await claire(database, clock)
    tuesdays = await sessions_of(database, clock, boss, TUESDAYS, 1)
    thursdays = await sessions_of(database, clock, boss, THURSDAYS, 3)
    december = [o for o in [*tuesdays.values(), *thursdays.values()] if o.local_date.month == 12]
    everyone = await crowd(database, clock, numbered(12))
    rng = random.Random(31)
    today = date(2027, 1, 1)
    for _ in range(12):
        async with database.transaction() as session:
            await session.execute(delete(CheckIn))
        month: set[Row] = set()
        cut: dict[int, set[Row]] = {o.id: set() for o in december}
        for person in rng.sample(everyone, rng.randint(0, len(everyone))):
            for day in rng.sample(range(1, 32), rng.randint(1, 4)):
                on = date(2026, 12, day)
                held = [o for o in december if o.local_date == on]
                follows = held[0] if held and rng.random() < 0.8 else None
                await check_in(database, person, on, rng.randint(1, 5), occurrence=follows)
                row = (person.id, len(month))
                month.add(row)
                if follows is not None:
                    cut[follows.id].add(row)
        expected = publishable(
            frozenset(month),
            {sid: frozenset(found) for sid, found in cut.items()},
            with_month={o.id for o in december if o.local_date == date(2026, 12, 31)},
        )
        async with database.transaction() as session:
            overview = await mood_stats.group_overview(
                session, today=today, months=2, recent_sessions=20
            )
            one_by_one = {
                o.id: await mood_stats.session_figure(session, occurrence_id=o.id, today=today)
                for o in december
            }
        assert overview.months[0].reason == expected.month
        listed = {s.occurrence_id: s for s in overview.sessions}
        for o in december:
            figure = listed[o.id]
            assert figure.reason == expected.sessions[o.id]
            assert one_by_one[o.id] == figure
            if figure.reason is None:
                assert figure.figure is not None
                assert figure.figure.people == people_of(cut[o.id])
            else:
                assert figure.figure is None


async def test_only_shared_words_reach_the_team_with_a_first_name(
    database: Database, clock: FrozenClock
) -> None:
    nadia, karim, lea, old = await crowd(
        database, clock, ["Nadia Benali", "Karim", "Léa", "Ancien"]
    )
    await check_in(database, nadia, date(2026, 12, 3), 2, note="Fatiguée", shared=True)
    await check_in(database, karim, date(2026, 12, 4), 4, note="Secret", shared=False)
    await check_in(database, lea, date(2026, 12, 5), 5, voice="voice-1", shared=True)
    await check_in(database, karim, date(2026, 12, 6), 3, shared=True)  # a face, no word
    await check_in(database, old, date(2026, 10, 1), 1, note="Avant", shared=True)

    async with database.transaction() as session:
        notes = await mood_stats.shared_notes(session, since=date(2026, 11, 1))
        latest = await mood_stats.shared_notes(session, since=date(2026, 11, 1), limit=1)
    assert [(n.name, n.local_date, n.mood, n.note, n.voice_file_id) for n in notes] == [
        ("Léa", date(2026, 12, 5), 5, None, "voice-1"),
        ("Nadia", date(2026, 12, 3), 2, "Fatiguée", None),
    ]
    assert [n.person_id for n in notes] == [lea.id, nadia.id]
    assert [n.name for n in latest] == ["Léa"]


async def test_a_year_of_a_thousand_people_is_quick(
    database: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    boss = await claire(database, clock)
    rng = random.Random(7)
    async with database.transaction() as session:
        await session.execute(
            insert(Person),
            [
                {
                    "display_name": f"P{i}",
                    "language": "fr",
                    "role": Role.PARTICIPANT,
                    "reachable": True,
                    "remind_day_before": True,
                    "remind_hours_before": True,
                    "created_at": now,
                    "last_seen_at": now,
                }
                for i in range(1000)
            ],
        )
        ids = list((await session.execute(select(Person.id))).scalars())
        days = [date(2026, 1, 6) + timedelta(weeks=w) for w in range(50)]
        await session.execute(
            insert(Occurrence),
            [
                {
                    "local_date": day,
                    "starts_at": datetime.combine(day, datetime.min.time(), tzinfo=UTC),
                    "ends_at": datetime.combine(day, datetime.min.time(), tzinfo=UTC),
                    "title": "Art",
                    "place": "Maison de quartier",
                    "capacity": 20,
                    "status": OccurrenceStatus.SCHEDULED,
                    "walk_ins": 0,
                    "created_at": now,
                    "scheduled_at": now,
                }
                for day in days
            ],
        )
        held = {
            day: sid
            for sid, day in (
                await session.execute(select(Occurrence.id, Occurrence.local_date))
            ).all()
        }
        check_ins = []
        for person_id in ids:
            for offset in sorted(rng.sample(range(365), 60)):
                day = date(2026, 1, 1) + timedelta(days=offset)
                check_ins.append(
                    {
                        "person_id": person_id,
                        "local_date": day,
                        "mood": rng.randint(1, 5),
                        "occurrence_id": held.get(day),
                        "shared": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
        # render_nulls: otherwise the ORM starts a new batch wherever a None comes or goes.
        await session.execute(insert(CheckIn).execution_options(render_nulls=True), check_ins)
    assert boss.id in ids

    async with database.transaction() as session:
        started = time.perf_counter()
        overview = await mood_stats.group_overview(session, today=date(2027, 1, 2))
        elapsed = time.perf_counter() - started
    assert sum(m.figure.answers for m in overview.months if m.figure) > 50_000
    assert elapsed < 1.0, elapsed
