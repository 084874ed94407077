"""Series and sessions: local wall-clock time, edits, cancel, move, end (domain logic)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FrozenClock
from bot.db import Database
from bot.i18n import Translator
from bot.models import Answer, Occurrence, OutboxMessage, Person
from bot.services import calendar, notices, rsvp
from bot.services.calendar import CalendarError, SeriesInput
from tests import factories

PARIS = ZoneInfo("Europe/Paris")
TR = Translator()


async def boss(database: Database, clock: FrozenClock) -> Person:
    return await factories.person(database, clock.now(), 1, "Claire", facilitator=True)


async def attached(session: AsyncSession, person: Person) -> Person:
    """`person` as this session knows it (it was loaded in another one)."""
    row = await session.get(Person, person.id)
    assert row is not None, f"no person {person.id}"
    return row


def series_of(occurrence: Occurrence) -> int:
    """The series a session belongs to (it must not be a one-off)."""
    assert occurrence.series_id is not None, "a one-off session"
    return occurrence.series_id


class SeriesChanges(TypedDict, total=False):
    """The fields a refused series has wrong."""

    title: str
    place: str
    capacity: int


async def test_a_14h_workshop_stays_at_14h_across_both_daylight_saving_changes(
    database: Database, clock: FrozenClock
) -> None:
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


async def test_every_other_week_and_an_end_date(database: Database, clock: FrozenClock) -> None:
    b = await boss(database, clock)
    sessions = await factories.series(
        database, clock.now(), b, interval_weeks=2, until=date(2026, 12, 22)
    )
    assert [o.local_date for o in sessions] == [
        date(2026, 11, 24),
        date(2026, 12, 8),
        date(2026, 12, 22),
    ]


async def test_a_series_ending_before_it_starts_is_refused(
    database: Database, clock: FrozenClock
) -> None:
    b = await boss(database, clock)
    with pytest.raises(CalendarError) as err:
        await factories.series(database, clock.now(), b, until=date(2026, 11, 1))
    assert err.value.code == "ends_before_start"


@pytest.mark.parametrize(
    ("changes", "code"),
    [({"title": ""}, "title"), ({"place": " "}, "place"), ({"capacity": 0}, "capacity")],
)
async def test_bad_series_fields_are_refused(
    database: Database, clock: FrozenClock, changes: SeriesChanges, code: str
) -> None:
    b = await boss(database, clock)
    data = SeriesInput(
        title="Danse",
        place="Salle",
        weekday=1,
        start_time=time(14),
        duration_minutes=60,
        first_date=date(2026, 11, 24),
    )
    async with database.transaction() as session:
        creator = await attached(session, b)
        with pytest.raises(CalendarError) as err:
            await calendar.create_series(
                session,
                data=replace(data, **changes),
                creator=creator,
                now=clock.now(),
                tz=PARIS,
            )
    assert err.value.code == code


async def test_materializing_twice_adds_nothing(database: Database, clock: FrozenClock) -> None:
    b = await boss(database, clock)
    sessions = await factories.series(database, clock.now(), b)
    async with database.transaction() as session:
        assert await calendar.materialize_all(session, now=clock.now(), tz=PARIS) == 0
        clock.advance(timedelta(weeks=1))
        assert await calendar.materialize_all(session, now=clock.now(), tz=PARIS) == 1
    assert len(sessions) == 8  # eight weeks ahead


async def test_participants_cannot_manage_the_calendar(
    database: Database, clock: FrozenClock
) -> None:
    ana = await factories.person(database, clock.now(), 5, "Ana")
    with pytest.raises(PermissionError):
        await factories.series(database, clock.now(), ana)


async def test_editing_the_time_moves_future_sessions_and_lists_who_to_tell(
    database: Database, clock: FrozenClock
) -> None:
    b = await boss(database, clock)
    sessions = await factories.series(database, clock.now(), b)
    ana = await factories.person(database, clock.now(), 5, "Ana")
    async with database.transaction() as session:
        await rsvp.respond(
            session,
            occurrence_id=sessions[1].id,
            person=await attached(session, ana),
            answer=Answer.YES,
            now=clock.now(),
        )
        creator = await attached(session, b)
        done = await calendar.update_series(
            session,
            series_id=series_of(sessions[0]),
            by=creator,
            now=clock.now(),
            tz=PARIS,
            translator=TR,
            group_language="fr",
            start_time=time(15, 0),
        )
    series, changes = done.series, done.moved
    assert series.start_time == time(15, 0)
    assert len(changes) == 8
    assert changes[1].person_ids == [ana.id]
    async with database.transaction() as session:
        upcoming = await calendar.upcoming(session, now=clock.now(), limit=2)
    assert [o.starts_at.astimezone(PARIS).time() for o in upcoming] == [time(15), time(15)]


async def test_cancel_and_move_tell_yes_and_maybe_not_no(
    database: Database, clock: FrozenClock
) -> None:
    b = await boss(database, clock)
    occ = (await factories.series(database, clock.now(), b))[0]
    ppl = [await factories.person(database, clock.now(), 10 + i, n) for i, n in enumerate("ABC")]
    async with database.transaction() as session:
        for p, value in zip(ppl, [Answer.YES, Answer.MAYBE, Answer.NO], strict=True):
            await rsvp.respond(
                session,
                occurrence_id=occ.id,
                person=await attached(session, p),
                answer=value,
                now=clock.now(),
            )
        creator = await attached(session, b)
        new_start = occ.starts_at + timedelta(days=1)
        moved = await calendar.move_occurrence(
            session,
            occurrence_id=occ.id,
            new_start=new_start,
            by=creator,
            now=clock.now(),
            translator=TR,
            tz=PARIS,
            group_language="fr",
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
                translator=TR,
                tz=PARIS,
                group_language="fr",
            )
        cancelled = await calendar.cancel_occurrence(
            session,
            occurrence_id=occ.id,
            reason="Animatrice malade",
            by=creator,
            now=clock.now(),
            translator=TR,
            tz=PARIS,
            group_language="fr",
        )
        assert sorted(cancelled.person_ids) == [ppl[0].id, ppl[1].id]
        with pytest.raises(CalendarError) as err:
            await calendar.cancel_occurrence(
                session,
                occurrence_id=occ.id,
                reason="encore",
                by=creator,
                now=clock.now(),
                translator=TR,
                tz=PARIS,
                group_language="fr",
            )
        assert err.value.code == "already_cancelled"


async def test_ending_a_series_cancels_its_future_sessions(
    database: Database, clock: FrozenClock
) -> None:
    b = await boss(database, clock)
    sessions = await factories.series(database, clock.now(), b)
    async with database.transaction() as session:
        creator = await attached(session, b)
        changes = await calendar.end_series(
            session,
            series_id=series_of(sessions[0]),
            by=creator,
            now=clock.now(),
            tz=PARIS,
            translator=TR,
            group_language="fr",
        )
        assert len(changes) == len(sessions)
        assert await calendar.upcoming(session, now=clock.now()) == []
        assert await calendar.active_series(session) == []


async def test_one_off_session_in_the_past_is_refused(
    database: Database, clock: FrozenClock
) -> None:
    b = await boss(database, clock)
    async with database.transaction() as session:
        creator = await attached(session, b)
        with pytest.raises(CalendarError):
            await calendar.create_one_off(
                session,
                creator=creator,
                title="Sortie",
                place="Musée",
                starts_at=clock.now() - timedelta(hours=1),
                duration_minutes=90,
                now=clock.now(),
                tz=PARIS,
            )
        occ = await calendar.create_one_off(
            session,
            creator=creator,
            title="Sortie",
            place="Musée",
            starts_at=clock.now() + timedelta(days=3),
            duration_minutes=90,
            now=clock.now(),
            tz=PARIS,
        )
        assert occ.series_id is None
        assert occ.ends_at - occ.starts_at == timedelta(minutes=90)


# --- the notices a change writes itself ------------------------------------------------


async def answered(
    database: Database, clock: FrozenClock, occurrence: Occurrence, answers: list[Answer]
) -> list[Person]:
    """People with Telegram ids 10, 11... who answered, in order; returns them."""
    who: list[Person] = []
    for i, value in enumerate(answers):
        person = await factories.person(database, clock.now(), 10 + i, f"P{i}")
        clock.advance(seconds=1)
        await factories.answer(database, clock.now(), occurrence, person, value)
        who.append(person)
    return who


async def outbox(session: AsyncSession) -> list[OutboxMessage]:
    return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_cancelling_writes_its_notices_in_the_same_call(
    database: Database, clock: FrozenClock
) -> None:
    b = await boss(database, clock)
    occ = (await factories.series(database, clock.now(), b))[0]
    yes, maybe, no = await answered(database, clock, occ, [Answer.YES, Answer.MAYBE, Answer.NO])
    async with database.transaction() as session:
        creator = await attached(session, b)
        await calendar.link_group(
            session, series_id=series_of(occ), chat_id=-100500, by=creator, now=clock.now()
        )
        change = await calendar.cancel_occurrence(
            session,
            occurrence_id=occ.id,
            reason="Salle fermée",
            by=creator,
            now=clock.now(),
            translator=TR,
            tz=PARIS,
            group_language="en",
        )
        # Written before the caller commits: the change and its notices go together.
        written = await outbox(session)
    assert notices.people_concerned([change]) == 2
    assert {m.chat_id for m in written} == {yes.telegram_id, maybe.telegram_id, -100500}
    assert {m.kind for m in written} == {notices.NOTICE_KIND}
    private = [m for m in written if m.chat_id != -100500]
    assert all("ANNULÉ" in (m.text or "") and "Salle fermée" in (m.text or "") for m in private)
    assert all(m.urgent and m.buttons is None for m in private)
    (group,) = [m for m in written if m.chat_id == -100500]
    assert "CANCELLED" in (group.text or "")  # in the group's language, not a person's
    assert no.telegram_id not in {m.chat_id for m in written}


async def test_moving_writes_its_notices_with_the_answer_buttons(
    database: Database, clock: FrozenClock
) -> None:
    b = await boss(database, clock)
    occ = (await factories.series(database, clock.now(), b))[0]
    yes, _no = await answered(database, clock, occ, [Answer.YES, Answer.NO])
    async with database.transaction() as session:
        await calendar.move_occurrence(
            session,
            occurrence_id=occ.id,
            new_start=occ.starts_at + timedelta(days=2),
            by=await attached(session, b),
            now=clock.now(),
            translator=TR,
            tz=PARIS,
            group_language="fr",
        )
        (notice,) = await outbox(session)
    assert notice.chat_id == yes.telegram_id
    assert "DÉPLACÉ" in (notice.text or "") and "jeudi 26 novembre à 14:00" in (notice.text or "")
    assert notice.buttons  # the answer can be changed right there


async def test_a_refused_change_writes_nothing(database: Database, clock: FrozenClock) -> None:
    b = await boss(database, clock)
    occ = (await factories.series(database, clock.now(), b))[0]
    await answered(database, clock, occ, [Answer.YES])
    async with database.transaction() as session:
        with pytest.raises(CalendarError):
            await calendar.move_occurrence(
                session,
                occurrence_id=occ.id,
                new_start=occ.starts_at,
                by=await attached(session, b),
                now=clock.now(),
                translator=TR,
                tz=PARIS,
                group_language="fr",
            )
        assert await outbox(session) == []


async def test_a_series_change_tells_whom_it_moves_and_counts_seats(
    database: Database, clock: FrozenClock
) -> None:
    b = await boss(database, clock)
    sessions = await factories.series(database, clock.now(), b, capacity=2)
    first = sessions[0]
    people = await answered(database, clock, first, [Answer.YES, Answer.YES])
    async with database.transaction() as session:
        done = await calendar.update_series(
            session,
            series_id=series_of(first),
            by=await attached(session, b),
            now=clock.now(),
            tz=PARIS,
            translator=TR,
            group_language="fr",
            start_time=time(16, 0),
            capacity=1,
        )
        written = await outbox(session)
    assert (done.promoted, done.demoted) == (0, 1)
    assert notices.people_concerned(done.moved) == 2
    moved = [m for m in written if m.kind == notices.NOTICE_KIND]
    assert {m.chat_id for m in moved} == {p.telegram_id for p in people}
    (seat,) = [m for m in written if m.kind == notices.SEAT_KIND]
    assert seat.chat_id == people[1].telegram_id  # the latest yes goes back in line
    assert "n°1" in (seat.text or "")


async def test_stopping_a_series_tells_who_answered(
    database: Database, clock: FrozenClock
) -> None:
    b = await boss(database, clock)
    sessions = await factories.series(database, clock.now(), b)
    (maybe,) = await answered(database, clock, sessions[2], [Answer.MAYBE])
    async with database.transaction() as session:
        changes = await calendar.end_series(
            session,
            series_id=series_of(sessions[0]),
            by=await attached(session, b),
            now=clock.now(),
            tz=PARIS,
            translator=TR,
            group_language="fr",
        )
        (notice,) = await outbox(session)
    assert notices.people_concerned(changes) == 1
    assert notice.chat_id == maybe.telegram_id and "ANNULÉ" in (notice.text or "")


async def test_answering_for_someone_tells_whom_a_seat_moves_not_them(
    database: Database, clock: FrozenClock
) -> None:
    b = await boss(database, clock)
    occ = (await factories.series(database, clock.now(), b, capacity=1))[0]
    seated, waiting = await answered(database, clock, occ, [Answer.YES, Answer.YES])
    async with database.transaction() as session:
        outcome = await calendar.answer_for(
            session,
            occurrence_id=occ.id,
            person=await attached(session, seated),
            answer=Answer.NO,
            by=await attached(session, b),
            now=clock.now(),
            translator=TR,
            tz=PARIS,
        )
        (notice,) = await outbox(session)
    assert outcome.answer == "no"
    assert notice.chat_id == waiting.telegram_id and notice.kind == notices.SEAT_KIND
