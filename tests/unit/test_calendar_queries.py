"""Read-only look-ups of the facilitators' calendar (real database, fixed clock)."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FrozenClock
from bot.db import Database
from bot.models import Person
from bot.services import calendar, people
from bot.services import calendar_queries as queries
from bot.services.calendar import SeriesInput

TZ = ZoneInfo("Europe/Paris")


async def _person(
    db: Database, clock: FrozenClock, telegram_id: int, name: str, *, consent: bool = True
) -> Person:
    async with db.transaction() as session:
        person = await people.touch_person(
            session,
            telegram_id=telegram_id,
            first_name=name,
            language="fr",
            now=clock.now(),
            facilitator_ids={1},
        )
        if consent:
            await people.give_consent(session, person, now=clock.now())
        return person


async def _series(db: Database, clock: FrozenClock, boss: Person, place: str) -> int:
    async with db.transaction() as session:
        series = await calendar.create_series(
            session,
            data=SeriesInput(
                title="Danse",
                place=place,
                weekday=1,
                start_time=time(14),
                duration_minutes=90,
                first_date=date(2026, 12, 1),
                capacity=2,
            ),
            creator=boss,
            now=clock.now(),
            tz=TZ,
        )
        return series.id


async def test_people_are_paged_by_name_ignoring_accents_and_consent(
    database: Database, clock: FrozenClock
) -> None:
    await _person(database, clock, 1, "Claire")
    for i, name in enumerate(["zoé", "Émilie", "Bruno", "alice", "Damien"]):
        await _person(database, clock, 10 + i, name)
    await _person(database, clock, 99, "Aaron", consent=False)  # never listed
    async with database.transaction() as session:
        first = await queries.people_page(session, page=0, size=4)
        last = await queries.people_page(session, page=7, size=4)
    assert [p.name for p in first.people] == ["alice", "Bruno", "Claire", "Damien"]
    assert (first.page, first.pages, first.total) == (0, 2, 6)
    assert first.has_next and not first.has_previous
    # A page past the end (an old button) shows the last one.
    assert [p.name for p in last.people] == ["Émilie", "zoé"]
    assert last.page == 1 and last.has_previous and not last.has_next


async def test_consented_person_only(database: Database, clock: FrozenClock) -> None:
    yes = await _person(database, clock, 10, "Nadia")
    no = await _person(database, clock, 11, "Karim", consent=False)
    async with database.transaction() as session:
        assert (await queries.consented_person(session, yes.id)) is not None
        assert await queries.consented_person(session, no.id) is None
        assert await queries.consented_person(session, 12345) is None


async def test_counts_next_and_places_of_series(database: Database, clock: FrozenClock) -> None:
    boss = await _person(database, clock, 1, "Claire")
    first = await _series(database, clock, boss, "Maison de quartier")
    clock.advance(seconds=1)
    await _series(database, clock, boss, "MJC")
    clock.advance(seconds=1)
    await _series(database, clock, boss, "Maison de quartier")
    async with database.transaction() as session:
        count = await queries.future_count(session, series_id=first, now=clock.now())
        following = await queries.next_of_series(session, series_id=first, now=clock.now())
        places = await queries.recent_places(session)
        assert count >= 7
        assert following is not None and following.local_date == date(2026, 12, 1)
        assert places == ["Maison de quartier", "MJC"]
        later = following.starts_at + timedelta(days=365)
        assert await queries.future_count(session, series_id=first, now=later) == 0


async def test_people_without_telegram_are_listed_and_found_by_name(
    database: Database, clock: FrozenClock
) -> None:
    boss = await _person(database, clock, 1, "Claire")
    await _person(database, clock, 10, "Nadia")
    async with database.transaction() as session:
        by = await session.get(Person, boss.id)
        assert by is not None
        await people.add_offline_person(session, name="Fatima", phone=None, by=by, now=clock.now())
    async with database.transaction() as session:
        page = await queries.people_page(session, page=0)
        same = await queries.offline_named(session, " fâtima ")
        other = await queries.offline_named(session, "Nadia")  # she uses Telegram
    assert [(p.name, p.uses_telegram) for p in page.people] == [
        ("Claire", True),
        ("Fatima", False),
        ("Nadia", True),
    ]
    assert [p.name for p in same] == ["Fatima"]
    assert other == []
