"""Series and sessions: local wall-clock time, edits, cancel, move, end (domain logic)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.models import Person
from bot.services import calendar, rsvp
from bot.services.calendar import CalendarError, SeriesInput
from tests import factories

PARIS = ZoneInfo("Europe/Paris")


async def boss(database, clock):
    return await factories.person(database, clock.now(), 1, "Claire", facilitator=True)


async def test_a_14h_workshop_stays_at_14h_across_both_daylight_saving_changes(database, clock):
    clock.set(datetime(2026, 10, 1, 8, 0, tzinfo=UTC))
    b = await boss(database, clock)
    # Sundays, around the last Sunday of October 2026 (25th).
    sundays = await factories.series(database, clock.now(), b, weekday=6, first=date(2026, 10, 18))
    local = [o.starts_at.astimezone(PARIS) for o in sundays[:3]]
    assert [d.date() for d in local] == [date(2026, 10, 18), date(2026, 10, 25), date(2026, 11, 1)]
    assert {d.time() for d in local} == {time(14, 0)}
    assert [o.starts_at.hour for o in sundays[:3]] == [12, 13, 13]  # UTC moved, local did not

    clock.set(datetime(2027, 3, 10, 8, 0, tzinfo=UTC))
    mondays = await factories.series(
        database, clock.now(), b, weekday=0, first=date(2027, 3, 22), title="Danse"
    )
    local = [o.starts_at.astimezone(PARIS) for o in mondays[:2]]
    assert [d.date() for d in local] == [date(2027, 3, 22), date(2027, 3, 29)]
    assert {d.time() for d in local} == {time(14, 0)}
    assert [o.starts_at.hour for o in mondays[:2]] == [13, 12]


async def test_every_other_week_and_an_end_date(database, clock):
    b = await boss(database, clock)
    sessions = await factories.series(
        database, clock.now(), b, interval_weeks=2, until=date(2026, 12, 22)
    )
    assert [o.local_date for o in sessions] == [
        date(2026, 11, 24),
        date(2026, 12, 8),
        date(2026, 12, 22),
    ]


async def test_a_series_ending_before_it_starts_is_refused(database, clock):
    b = await boss(database, clock)
    with pytest.raises(CalendarError) as err:
        await factories.series(database, clock.now(), b, until=date(2026, 11, 1))
    assert err.value.code == "ends_before_start"


@pytest.mark.parametrize(
    ("changes", "code"),
    [({"title": ""}, "title"), ({"place": " "}, "place"), ({"capacity": 0}, "capacity")],
)
async def test_bad_series_fields_are_refused(database, clock, changes, code):
    b = await boss(database, clock)
    data = {
        "title": "Danse",
        "place": "Salle",
        "weekday": 1,
        "start_time": time(14),
        "duration_minutes": 60,
        "first_date": date(2026, 11, 24),
    } | changes
    async with database.transaction() as session:
        creator = await session.get(Person, b.id)
        with pytest.raises(CalendarError) as err:
            await calendar.create_series(
                session,
                data=SeriesInput(**data),
                creator=creator,
                now=clock.now(),
                tz="Europe/Paris",
            )
    assert err.value.code == code


async def test_materializing_twice_adds_nothing(database, clock):
    b = await boss(database, clock)
    sessions = await factories.series(database, clock.now(), b)
    async with database.transaction() as session:
        assert await calendar.materialize_all(session, now=clock.now(), tz="Europe/Paris") == 0
        clock.advance(timedelta(weeks=1))
        assert await calendar.materialize_all(session, now=clock.now(), tz="Europe/Paris") == 1
    assert len(sessions) == 8  # eight weeks ahead


async def test_participants_cannot_manage_the_calendar(database, clock):
    ana = await factories.person(database, clock.now(), 5, "Ana")
    with pytest.raises(PermissionError):
        await factories.series(database, clock.now(), ana)


async def test_editing_the_time_moves_future_sessions_and_lists_who_to_tell(database, clock):
    b = await boss(database, clock)
    sessions = await factories.series(database, clock.now(), b)
    ana = await factories.person(database, clock.now(), 5, "Ana")
    async with database.transaction() as session:
        await rsvp.respond(
            session,
            occurrence_id=sessions[1].id,
            person=await session.get(Person, ana.id),
            answer="yes",
            now=clock.now(),
        )
        creator = await session.get(Person, b.id)
        series, changes, _ = await calendar.update_series(
            session,
            series_id=sessions[0].series_id,
            by=creator,
            now=clock.now(),
            tz="Europe/Paris",
            start_time=time(15, 0),
        )
    assert series.start_time == time(15, 0)
    assert len(changes) == 8
    assert changes[1].person_ids == [ana.id]
    async with database.transaction() as session:
        upcoming = await calendar.upcoming(session, now=clock.now(), limit=2)
    assert [o.starts_at.astimezone(PARIS).time() for o in upcoming] == [time(15), time(15)]


async def test_cancel_and_move_tell_yes_and_maybe_not_no(database, clock):
    b = await boss(database, clock)
    occ = (await factories.series(database, clock.now(), b))[0]
    ppl = [await factories.person(database, clock.now(), 10 + i, n) for i, n in enumerate("ABC")]
    async with database.transaction() as session:
        for p, value in zip(ppl, ["yes", "maybe", "no"], strict=True):
            await rsvp.respond(
                session,
                occurrence_id=occ.id,
                person=await session.get(Person, p.id),
                answer=value,
                now=clock.now(),
            )
        creator = await session.get(Person, b.id)
        new_start = occ.starts_at + timedelta(days=1)
        moved = await calendar.move_occurrence(
            session, occurrence_id=occ.id, new_start=new_start, by=creator, now=clock.now()
        )
        assert moved.kind == "moved" and moved.old_start == occ.starts_at
        assert sorted(moved.person_ids) == [ppl[0].id, ppl[1].id]
        with pytest.raises(CalendarError):
            await calendar.move_occurrence(
                session,
                occurrence_id=occ.id,
                new_start=clock.now() - timedelta(hours=1),
                by=creator,
                now=clock.now(),
            )
        cancelled = await calendar.cancel_occurrence(
            session, occurrence_id=occ.id, reason="Animatrice malade", by=creator, now=clock.now()
        )
        assert sorted(cancelled.person_ids) == [ppl[0].id, ppl[1].id]
        with pytest.raises(CalendarError) as err:
            await calendar.cancel_occurrence(
                session, occurrence_id=occ.id, reason="encore", by=creator, now=clock.now()
            )
        assert err.value.code == "already_cancelled"


async def test_ending_a_series_cancels_its_future_sessions(database, clock):
    b = await boss(database, clock)
    sessions = await factories.series(database, clock.now(), b)
    async with database.transaction() as session:
        creator = await session.get(Person, b.id)
        changes = await calendar.end_series(
            session,
            series_id=sessions[0].series_id,
            by=creator,
            now=clock.now(),
            tz="Europe/Paris",
        )
        assert len(changes) == len(sessions)
        assert await calendar.upcoming(session, now=clock.now()) == []
        assert await calendar.active_series(session) == []


async def test_one_off_session_in_the_past_is_refused(database, clock):
    b = await boss(database, clock)
    async with database.transaction() as session:
        creator = await session.get(Person, b.id)
        with pytest.raises(CalendarError):
            await calendar.create_one_off(
                session,
                creator=creator,
                title="Sortie",
                place="Musée",
                starts_at=clock.now() - timedelta(hours=1),
                duration_minutes=90,
                now=clock.now(),
                tz="Europe/Paris",
            )
        occ = await calendar.create_one_off(
            session,
            creator=creator,
            title="Sortie",
            place="Musée",
            starts_at=clock.now() + timedelta(days=3),
            duration_minutes=90,
            now=clock.now(),
            tz="Europe/Paris",
        )
        assert occ.series_id is None
        assert occ.ends_at - occ.starts_at == timedelta(minutes=90)
