"""Answers, seats and the waitlist (domain logic)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.clock import FrozenClock
from bot.db import Database
from bot.i18n import Translator
from bot.models import Answer, Occurrence, Person
from bot.services import calendar, people, rsvp
from tests import factories


async def test_yes_takes_a_seat_and_counts_show(database: Database, clock: FrozenClock) -> None:
    _, occ = await factories.first_session(database, clock.now(), capacity=3)
    ana = await factories.person(database, clock.now(), 10, "Ana")
    out = await factories.answer(database, clock.now(), occ, ana, Answer.YES)
    assert (out.answer, out.waitlisted, out.position) == ("yes", False, None)
    assert (out.seats.taken, out.seats.capacity) == (1, 3)


async def test_plus_one_takes_a_second_seat(database: Database, clock: FrozenClock) -> None:
    _, occ = await factories.first_session(database, clock.now(), capacity=3)
    ana = await factories.person(database, clock.now(), 10, "Ana")
    out = await factories.answer(database, clock.now(), occ, ana, Answer.YES, plus_one=True)
    assert out.seats.taken == 2


async def test_full_session_puts_yes_on_the_waitlist_in_order(
    database: Database, clock: FrozenClock
) -> None:
    _, occ = await factories.first_session(database, clock.now(), capacity=2)
    people = [await factories.person(database, clock.now(), 10 + i, f"P{i}") for i in range(4)]
    outs: list[rsvp.Outcome] = []
    for p in people:
        outs.append(await factories.answer(database, clock.now(), occ, p, Answer.YES))
        clock.advance(seconds=1)
    assert [o.position for o in outs] == [None, None, 1, 2]
    assert outs[-1].seats.waiting == 2


async def test_freed_seat_goes_to_the_first_in_line(
    database: Database, clock: FrozenClock
) -> None:
    _, occ = await factories.first_session(database, clock.now(), capacity=1)
    a, b, c = [
        await factories.person(database, clock.now(), 20 + i, n) for i, n in enumerate("ABC")
    ]
    await factories.answer(database, clock.now(), occ, a, Answer.YES)
    clock.advance(seconds=1)
    await factories.answer(database, clock.now(), occ, b, Answer.YES)
    clock.advance(seconds=1)
    await factories.answer(database, clock.now(), occ, c, Answer.YES)
    out = await factories.answer(database, clock.now(), occ, a, Answer.NO)
    assert [(m.person_id, m.promoted) for m in out.moved] == [(b.id, True)]
    assert out.seats.waiting == 1


async def test_line_is_strict_a_pair_is_not_overtaken(
    database: Database, clock: FrozenClock
) -> None:
    _, occ = await factories.first_session(database, clock.now(), capacity=2)
    a, b, c = [
        await factories.person(database, clock.now(), 30 + i, n) for i, n in enumerate("ABC")
    ]
    # A comes with someone: both seats are taken.
    await factories.answer(database, clock.now(), occ, a, Answer.YES, plus_one=True)
    clock.advance(seconds=1)
    # B would come with someone too, and waits for two seats.
    await factories.answer(database, clock.now(), occ, b, Answer.YES, plus_one=True)
    clock.advance(seconds=1)
    await factories.answer(database, clock.now(), occ, c, Answer.YES)  # waits behind B
    # A comes alone after all: one seat frees.
    out = await factories.answer(database, clock.now(), occ, a, Answer.YES, plus_one=False)
    assert out.moved == []  # B needs two: nobody jumps the line
    out = await factories.answer(database, clock.now(), occ, a, Answer.NO)
    assert [m.person_id for m in out.moved if m.promoted] == [b.id]


async def test_plus_one_refused_when_full(database: Database, clock: FrozenClock) -> None:
    _, occ = await factories.first_session(database, clock.now(), capacity=1)
    a = await factories.person(database, clock.now(), 40, "A")
    await factories.answer(database, clock.now(), occ, a, Answer.YES)
    with pytest.raises(rsvp.NoSeatForPlusOne):
        await factories.answer(database, clock.now(), occ, a, Answer.YES, plus_one=True)


async def test_answer_can_change_until_the_start_not_after(
    database: Database, clock: FrozenClock
) -> None:
    _, occ = await factories.first_session(database, clock.now(), capacity=3)
    a = await factories.person(database, clock.now(), 50, "A")
    await factories.answer(database, clock.now(), occ, a, Answer.MAYBE)
    out = await factories.answer(database, clock.now(), occ, a, Answer.NO)
    assert out.answer == "no" and out.changed
    clock.set(occ.starts_at)
    with pytest.raises(rsvp.SessionClosed) as closed:
        await factories.answer(database, clock.now(), occ, a, Answer.YES)
    assert closed.value.why is rsvp.Closed.STARTED


async def test_cancelled_and_unknown_sessions_refuse_answers(
    database: Database, clock: FrozenClock
) -> None:
    claire, occ = await factories.first_session(database, clock.now(), capacity=3)
    a = await factories.person(database, clock.now(), 60, "A")
    async with database.transaction() as session:
        await calendar.cancel_occurrence(
            session,
            occurrence_id=occ.id,
            reason="Salle fermée",
            by=claire,
            now=clock.now(),
            translator=Translator(),
            tz=factories.TZ,
            group_language="fr",
        )
    with pytest.raises(rsvp.SessionClosed) as closed:
        await factories.answer(database, clock.now(), occ, a, Answer.YES)
    assert closed.value.why is rsvp.Closed.CANCELLED

    unknown = Occurrence(id=999_999)
    with pytest.raises(rsvp.SessionClosed):
        await factories.answer(database, clock.now(), unknown, a, Answer.YES)


async def test_lowering_capacity_moves_the_latest_yes_back_to_the_line(
    database: Database, clock: FrozenClock
) -> None:
    _, occ = await factories.first_session(database, clock.now(), capacity=3)
    people = [await factories.person(database, clock.now(), 70 + i, f"P{i}") for i in range(4)]
    for p in people:
        await factories.answer(database, clock.now(), occ, p, Answer.YES)
        clock.advance(seconds=1)
    async with database.transaction() as session:
        seats, moved = await rsvp.set_capacity(session, occurrence_id=occ.id, capacity=1)
    assert (seats.taken, seats.waiting) == (1, 3)
    assert [(m.person_id, m.promoted, m.position) for m in moved] == [
        (people[2].id, False, 2),
        (people[1].id, False, 1),
    ]
    async with database.transaction() as session:
        seats, moved = await rsvp.set_capacity(session, occurrence_id=occ.id, capacity=3)
    assert [m.person_id for m in moved] == [people[1].id, people[2].id]
    assert seats.taken == 3


async def test_concurrent_taps_never_overbook(database: Database, clock: FrozenClock) -> None:
    _, occ = await factories.first_session(database, clock.now(), capacity=5)
    people = [await factories.person(database, clock.now(), 100 + i, f"P{i}") for i in range(20)]
    outs = await asyncio.gather(
        *(factories.answer(database, clock.now(), occ, p, Answer.YES) for p in people)
    )
    seated = [o for o in outs if not o.waitlisted]
    assert len(seated) == 5
    assert sorted(o.position for o in outs if o.position is not None) == list(range(1, 16))
    async with database.transaction() as session:
        row = await calendar.get_occurrence(session, occ.id)
        assert row is not None
        assert (await rsvp.seats(session, row)).taken == 5


async def test_facilitator_answers_on_behalf_and_names_show_for_them(
    database: Database, clock: FrozenClock
) -> None:
    claire, occ = await factories.first_session(database, clock.now(), capacity=3)
    a = await factories.person(database, clock.now(), 80, "Awa")
    await factories.answer(database, clock.now(), occ, a, Answer.YES, plus_one=True, by=claire)
    async with database.transaction() as session:
        listed = await rsvp.attendees(session, occ.id)
    assert [(x.name, x.answer, x.plus_one, x.on_behalf) for x in listed] == [
        ("Awa", "yes", True, True)
    ]


async def test_attendance_presence_and_walk_ins(database: Database, clock: FrozenClock) -> None:
    _, occ = await factories.first_session(database, clock.now(), capacity=3)
    a, b = [await factories.person(database, clock.now(), 90 + i, n) for i, n in enumerate("AB")]
    await factories.answer(database, clock.now(), occ, a, Answer.YES)
    clock.set(occ.starts_at + timedelta(hours=3))
    async with database.transaction() as session:
        assert await rsvp.mark_present(
            session, occurrence_id=occ.id, person_id=a.id, now=clock.now()
        )
        assert await rsvp.mark_present(
            session, occurrence_id=occ.id, person_id=b.id, now=clock.now()
        )
        assert (
            await rsvp.add_walk_ins(session, occurrence_id=occ.id, delta=3, now=clock.now()) == 3
        )
        assert (
            await rsvp.add_walk_ins(session, occurrence_id=occ.id, delta=-5, now=clock.now()) == 0
        )
        await rsvp.add_walk_ins(session, occurrence_id=occ.id, delta=2, now=clock.now())
        figures = await rsvp.attendance(session, occ.id)
    assert (figures.present, figures.walk_ins, figures.total, figures.yes_and_came) == (2, 2, 4, 1)


async def test_attendance_cannot_be_taken_before_the_session(
    database: Database, clock: FrozenClock
) -> None:
    _, occ = await factories.first_session(database, clock.now(), capacity=3)
    a = await factories.person(database, clock.now(), 95, "A")
    with pytest.raises(rsvp.SessionClosed):
        async with database.transaction() as session:
            await rsvp.mark_present(session, occurrence_id=occ.id, person_id=a.id, now=clock.now())


async def test_someone_without_telegram_is_counted_and_marked(
    database: Database, clock: FrozenClock
) -> None:
    claire, occ = await factories.first_session(database, clock.now(), capacity=1)
    ana = await factories.person(database, clock.now(), 10, "Ana")
    async with database.transaction() as session:
        by = await session.get(Person, claire.id)
        assert by is not None
        fatima = await people.add_offline_person(
            session, name="Fatima", phone=None, by=by, now=clock.now()
        )
    await factories.answer(database, clock.now(), occ, fatima, Answer.YES, by=claire)
    clock.advance(seconds=1)
    out = await factories.answer(database, clock.now(), occ, ana, Answer.YES)
    assert (out.waitlisted, out.position) == (True, 1)  # Fatima holds the only seat
    async with database.transaction() as session:
        listed = {a.name: a for a in await rsvp.attendees(session, occ.id)}
        answers = await rsvp.answers_by_person(session, occ.id)
    assert listed["Fatima"].uses_telegram is False and listed["Ana"].uses_telegram is True
    assert answers[fatima.id] == rsvp.MyAnswer(Answer.YES, False, None)
    assert answers[ana.id] == rsvp.MyAnswer(Answer.YES, False, 1)
