"""Answers, seats and the waitlist (domain logic)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.models import Person
from bot.services import calendar, rsvp
from tests import factories


async def setup(database, clock, capacity=3):
    boss = await factories.person(database, clock.now(), 1, "Claire", facilitator=True)
    sessions = await factories.series(database, clock.now(), boss, capacity=capacity)
    return boss, sessions[0]


async def answer(database, clock, occ, person, value, plus_one=None, by=None):
    async with database.transaction() as session:
        row = await session.get(Person, person.id)
        return await rsvp.respond(
            session,
            occurrence_id=occ.id,
            person=row,
            answer=value,
            plus_one=plus_one,
            now=clock.now(),
            by=by,
        )


async def test_yes_takes_a_seat_and_counts_show(database, clock):
    _, occ = await setup(database, clock)
    ana = await factories.person(database, clock.now(), 10, "Ana")
    out = await answer(database, clock, occ, ana, "yes")
    assert (out.answer, out.waitlisted, out.position) == ("yes", False, None)
    assert (out.seats.taken, out.seats.capacity) == (1, 3)


async def test_plus_one_takes_a_second_seat(database, clock):
    _, occ = await setup(database, clock)
    ana = await factories.person(database, clock.now(), 10, "Ana")
    out = await answer(database, clock, occ, ana, "yes", plus_one=True)
    assert out.seats.taken == 2


async def test_full_session_puts_yes_on_the_waitlist_in_order(database, clock):
    _, occ = await setup(database, clock, capacity=2)
    people = [await factories.person(database, clock.now(), 10 + i, f"P{i}") for i in range(4)]
    outs = []
    for p in people:
        outs.append(await answer(database, clock, occ, p, "yes"))
        clock.advance(seconds=1)
    assert [o.position for o in outs] == [None, None, 1, 2]
    assert outs[-1].seats.waiting == 2


async def test_freed_seat_goes_to_the_first_in_line(database, clock):
    _, occ = await setup(database, clock, capacity=1)
    a, b, c = [
        await factories.person(database, clock.now(), 20 + i, n) for i, n in enumerate("ABC")
    ]
    await answer(database, clock, occ, a, "yes")
    clock.advance(seconds=1)
    await answer(database, clock, occ, b, "yes")
    clock.advance(seconds=1)
    await answer(database, clock, occ, c, "yes")
    out = await answer(database, clock, occ, a, "no")
    assert [(m.person_id, m.promoted) for m in out.moved] == [(b.id, True)]
    assert out.seats.waiting == 1


async def test_line_is_strict_a_pair_is_not_overtaken(database, clock):
    _, occ = await setup(database, clock, capacity=2)
    a, b, c = [
        await factories.person(database, clock.now(), 30 + i, n) for i, n in enumerate("ABC")
    ]
    await answer(database, clock, occ, a, "yes", plus_one=True)  # 2 seats: full
    clock.advance(seconds=1)
    await answer(database, clock, occ, b, "yes", plus_one=True)  # waits, needs 2
    clock.advance(seconds=1)
    await answer(database, clock, occ, c, "yes")  # waits behind B
    out = await answer(database, clock, occ, a, "yes", plus_one=False)  # 1 seat frees
    assert out.moved == []  # B needs two: nobody jumps the line
    out = await answer(database, clock, occ, a, "no")
    assert [m.person_id for m in out.moved if m.promoted] == [b.id]


async def test_plus_one_refused_when_full(database, clock):
    _, occ = await setup(database, clock, capacity=1)
    a = await factories.person(database, clock.now(), 40, "A")
    await answer(database, clock, occ, a, "yes")
    with pytest.raises(rsvp.NoSeatForPlusOne):
        await answer(database, clock, occ, a, "yes", plus_one=True)


async def test_answer_can_change_until_the_start_not_after(database, clock):
    _, occ = await setup(database, clock)
    a = await factories.person(database, clock.now(), 50, "A")
    await answer(database, clock, occ, a, "maybe")
    out = await answer(database, clock, occ, a, "no")
    assert out.answer == "no" and out.changed
    clock.set(occ.starts_at)
    with pytest.raises(rsvp.SessionClosed) as closed:
        await answer(database, clock, occ, a, "yes")
    assert closed.value.why is rsvp.Closed.STARTED


async def test_cancelled_and_unknown_sessions_refuse_answers(database, clock):
    boss, occ = await setup(database, clock)
    a = await factories.person(database, clock.now(), 60, "A")
    async with database.transaction() as session:
        await calendar.cancel_occurrence(
            session, occurrence_id=occ.id, reason="Salle fermée", by=boss, now=clock.now()
        )
    with pytest.raises(rsvp.SessionClosed) as closed:
        await answer(database, clock, occ, a, "yes")
    assert closed.value.why is rsvp.Closed.CANCELLED

    class Ghost:
        id = 999_999

    with pytest.raises(rsvp.SessionClosed):
        await answer(database, clock, Ghost, a, "yes")


async def test_lowering_capacity_moves_the_latest_yes_back_to_the_line(database, clock):
    _, occ = await setup(database, clock, capacity=3)
    ppl = [await factories.person(database, clock.now(), 70 + i, f"P{i}") for i in range(4)]
    for p in ppl:
        await answer(database, clock, occ, p, "yes")
        clock.advance(seconds=1)
    async with database.transaction() as session:
        seats, moved = await rsvp.set_capacity(session, occurrence_id=occ.id, capacity=1)
    assert (seats.taken, seats.waiting) == (1, 3)
    assert [(m.person_id, m.promoted, m.position) for m in moved] == [
        (ppl[2].id, False, 2),
        (ppl[1].id, False, 1),
    ]
    async with database.transaction() as session:
        seats, moved = await rsvp.set_capacity(session, occurrence_id=occ.id, capacity=3)
    assert [m.person_id for m in moved] == [ppl[1].id, ppl[2].id]
    assert seats.taken == 3


async def test_concurrent_taps_never_overbook(database, clock):
    _, occ = await setup(database, clock, capacity=5)
    ppl = [await factories.person(database, clock.now(), 100 + i, f"P{i}") for i in range(20)]
    outs = await asyncio.gather(*(answer(database, clock, occ, p, "yes") for p in ppl))
    seated = [o for o in outs if not o.waitlisted]
    assert len(seated) == 5
    assert sorted(o.position for o in outs if o.waitlisted) == list(range(1, 16))
    async with database.transaction() as session:
        row = await calendar.get_occurrence(session, occ.id)
        assert row is not None
        assert (await rsvp.seats(session, row)).taken == 5


async def test_facilitator_answers_on_behalf_and_names_show_for_them(database, clock):
    boss, occ = await setup(database, clock)
    a = await factories.person(database, clock.now(), 80, "Awa")
    await answer(database, clock, occ, a, "yes", plus_one=True, by=boss)
    async with database.transaction() as session:
        listed = await rsvp.attendees(session, occ.id)
    assert [(x.name, x.answer, x.plus_one, x.on_behalf) for x in listed] == [
        ("Awa", "yes", True, True)
    ]


async def test_attendance_presence_and_walk_ins(database, clock):
    _, occ = await setup(database, clock)
    a, b = [await factories.person(database, clock.now(), 90 + i, n) for i, n in enumerate("AB")]
    await answer(database, clock, occ, a, "yes")
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


async def test_attendance_cannot_be_taken_before_the_session(database, clock):
    _, occ = await setup(database, clock)
    a = await factories.person(database, clock.now(), 95, "A")
    with pytest.raises(rsvp.SessionClosed):
        async with database.transaction() as session:
            await rsvp.mark_present(session, occurrence_id=occ.id, person_id=a.id, now=clock.now())
