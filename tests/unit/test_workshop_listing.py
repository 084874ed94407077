"""Which sessions the participants' list shows first, and which wait behind "Autres dates"
(real database, fixed clock: Tuesday 24 November 2026, 10 h in Dijon)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.clock import FrozenClock
from bot.db import Database
from bot.i18n import default_translator
from bot.models import Occurrence, Person
from bot.services import calendar
from bot.services import calendar_queries as queries
from tests import factories
from tests.factories import TZ


async def _one_off(
    db: Database, clock: FrozenClock, claire: Person, title: str, starts_at: datetime
) -> Occurrence:
    async with db.transaction() as session:
        creator = await session.get(Person, claire.id)
        assert creator is not None
        return await calendar.create_one_off(
            session,
            creator=creator,
            title=title,
            place="Maison de quartier",
            starts_at=starts_at,
            duration_minutes=120,
            now=clock.now(),
            tz=TZ,
        )


async def _listing(
    db: Database, clock: FrozenClock, *, most: int = queries.FIRST_SCREEN_MOST
) -> queries.Listing:
    async with db.transaction() as session:
        return await queries.workshop_listing(session, now=clock.now(), most=most)


def _titles(occurrences: list[Occurrence]) -> list[tuple[str, date]]:
    return [(o.title, o.local_date) for o in occurrences]


async def _cancel(
    db: Database, clock: FrozenClock, claire: Person, occurrence: Occurrence
) -> None:
    async with db.transaction() as session:
        creator = await session.get(Person, claire.id)
        assert creator is not None
        await calendar.cancel_occurrence(
            session,
            occurrence_id=occurrence.id,
            reason="Salle fermée",
            by=creator,
            now=clock.now(),
            translator=default_translator(),
            tz=TZ,
            group_language="fr",
        )


async def test_each_series_and_the_one_off_sessions_coming_soon_come_first(
    database: Database, clock: FrozenClock
) -> None:
    claire = await factories.person(database, clock.now(), 1, "Claire", facilitator=True)
    await _one_off(database, clock, claire, "Musée", datetime(2026, 11, 24, 17, tzinfo=UTC))
    await factories.series(
        database, clock.now(), claire, title="Danse", weekday=2, first=date(2026, 11, 25)
    )
    await _one_off(database, clock, claire, "Théâtre", datetime(2026, 11, 26, 9, tzinfo=UTC))
    await factories.series(
        database, clock.now(), claire, title="Miroir", weekday=4, first=date(2026, 11, 27)
    )
    # Far away: behind "Autres dates", in its place among the others.
    await _one_off(database, clock, claire, "Pique-nique", datetime(2026, 12, 10, 10, tzinfo=UTC))

    listing = await _listing(database, clock)
    assert _titles(listing.first) == [
        ("Musée", date(2026, 11, 24)),
        ("Danse", date(2026, 11, 25)),
        ("Théâtre", date(2026, 11, 26)),
        ("Miroir", date(2026, 11, 27)),
    ]
    assert _titles(listing.others)[:5] == [
        ("Danse", date(2026, 12, 2)),
        ("Miroir", date(2026, 12, 4)),
        ("Danse", date(2026, 12, 9)),
        ("Pique-nique", date(2026, 12, 10)),
        ("Miroir", date(2026, 12, 11)),
    ]
    shown = {o.id for o in listing.first}
    assert not shown & {o.id for o in listing.others}


async def test_a_far_one_off_session_alone_is_still_shown(
    database: Database, clock: FrozenClock
) -> None:
    claire = await factories.person(database, clock.now(), 1, "Claire", facilitator=True)
    await _one_off(database, clock, claire, "Fête", datetime(2027, 1, 5, 13, tzinfo=UTC))
    listing = await _listing(database, clock)
    assert _titles(listing.first) == [("Fête", date(2027, 1, 5))]
    assert listing.others == []


async def test_a_cancelled_next_session_is_shown_before_the_one_after(
    database: Database, clock: FrozenClock
) -> None:
    claire = await factories.person(database, clock.now(), 1, "Claire", facilitator=True)
    sessions = await factories.series(database, clock.now(), claire, first=date(2026, 11, 24))
    await _cancel(database, clock, claire, sessions[0])
    await _cancel(database, clock, claire, sessions[2])
    listing = await _listing(database, clock)
    assert [o.id for o in listing.first] == [sessions[0].id, sessions[1].id]
    # Other dates take answers: the cancelled one further on is left out.
    assert sessions[2].id not in {o.id for o in listing.others}
    assert listing.others[0].id == sessions[3].id


async def test_a_stopped_series_and_started_sessions_are_not_listed(
    database: Database, clock: FrozenClock
) -> None:
    claire = await factories.person(database, clock.now(), 1, "Claire", facilitator=True)
    sessions = await factories.series(database, clock.now(), claire, first=date(2026, 11, 24))
    clock.set(sessions[0].starts_at + timedelta(minutes=1))
    listing = await _listing(database, clock)
    assert listing.first[0].id == sessions[1].id
    async with database.transaction() as session:
        creator = await session.get(Person, claire.id)
        assert creator is not None and sessions[0].series_id is not None
        await calendar.end_series(
            session,
            series_id=sessions[0].series_id,
            by=creator,
            now=clock.now(),
            tz=TZ,
            translator=default_translator(),
            group_language="fr",
        )
    listing = await _listing(database, clock)
    assert listing.first == [] and listing.others == []


async def test_the_first_screen_has_a_limit(database: Database, clock: FrozenClock) -> None:
    claire = await factories.person(database, clock.now(), 1, "Claire", facilitator=True)
    for day in range(5):
        await factories.series(
            database,
            clock.now(),
            claire,
            title=f"Atelier {day}",
            weekday=day,
            start=time(18),
            first=date(2026, 11, 23 + day),
        )
    listing = await _listing(database, clock, most=3)
    assert [o.title for o in listing.first] == ["Atelier 1", "Atelier 2", "Atelier 3"]
    assert listing.others[0].title == "Atelier 4"
