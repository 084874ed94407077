"""Answers to a session: yes (with an optional +1), maybe, no; seats and the waitlist.

Seats go first come, first served. A yes that does not fit waits in line; when a seat
frees, the first in line moves in (strict order: nobody overtakes a person who needs
two seats). Every change locks the session row, so taps that arrive together never
overbook (SQLite serialises writers anyway; PostgreSQL uses SELECT ... FOR UPDATE).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Answer, Occurrence, OccurrenceStatus, Person, Rsvp


class Closed(enum.Enum):
    UNKNOWN = "unknown"
    CANCELLED = "cancelled"
    STARTED = "started"


class SessionClosed(Exception):
    """The session cannot take answers any more; nothing was changed."""

    def __init__(self, why: Closed) -> None:
        super().__init__(why.value)
        self.why = why


class NoSeatForPlusOne(Exception):
    """A confirmed person asked for a second seat and none is free."""


@dataclass(frozen=True)
class Seats:
    taken: int  # confirmed people plus their +1s
    capacity: int
    yes: int
    maybe: int
    no: int
    waiting: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken)


@dataclass(frozen=True)
class Moved:
    """Someone whose place changed without their own tap (to be told)."""

    person_id: int
    promoted: bool  # True: got a seat; False: back on the waitlist
    position: int | None = None


@dataclass(frozen=True)
class Outcome:
    answer: Answer
    plus_one: bool
    waitlisted: bool
    position: int | None
    seats: Seats
    changed: bool
    moved: list[Moved] = field(default_factory=list)


def _seats_of(rsvp: Rsvp) -> int:
    return 2 if rsvp.plus_one else 1


async def lock_occurrence(session: AsyncSession, occurrence_id: int) -> Occurrence | None:
    return await session.scalar(
        select(Occurrence).where(Occurrence.id == occurrence_id).with_for_update()
    )


def check_open(occurrence: Occurrence | None, now: datetime) -> Occurrence:
    if occurrence is None:
        raise SessionClosed(Closed.UNKNOWN)
    if occurrence.status == OccurrenceStatus.CANCELLED:
        raise SessionClosed(Closed.CANCELLED)
    if occurrence.starts_at <= now:
        raise SessionClosed(Closed.STARTED)
    return occurrence


async def _answers(session: AsyncSession, occurrence_id: int) -> list[Rsvp]:
    rows = await session.scalars(
        select(Rsvp).where(Rsvp.occurrence_id == occurrence_id).order_by(Rsvp.queued_at, Rsvp.id)
    )
    return list(rows)


def _tally(answers: list[Rsvp], capacity: int) -> Seats:
    yes = [r for r in answers if r.answer == Answer.YES]
    return Seats(
        taken=sum(_seats_of(r) for r in yes if not r.waitlisted),
        capacity=capacity,
        yes=sum(1 for r in yes if not r.waitlisted),
        maybe=sum(1 for r in answers if r.answer == Answer.MAYBE),
        no=sum(1 for r in answers if r.answer == Answer.NO),
        waiting=sum(1 for r in yes if r.waitlisted),
    )


def _position(answers: list[Rsvp], rsvp: Rsvp) -> int | None:
    if not (rsvp.answer == Answer.YES and rsvp.waitlisted):
        return None
    line = [r for r in answers if r.answer == Answer.YES and r.waitlisted]
    return line.index(rsvp) + 1


def _order(rsvp: Rsvp) -> tuple[datetime, float]:
    # Rows added in this transaction have no id yet: they come last, in the order added.
    return (rsvp.queued_at, rsvp.id if rsvp.id is not None else float("inf"))


def rebalance(answers: list[Rsvp], capacity: int) -> list[Moved]:
    """Fit confirmed people into `capacity`, then fill free seats from the line, in order."""
    answers.sort(key=_order)
    yes = [r for r in answers if r.answer == Answer.YES]
    confirmed = [r for r in yes if not r.waitlisted]
    taken = sum(_seats_of(r) for r in confirmed)
    demoted: list[Rsvp] = []
    promoted: list[Rsvp] = []
    # Fewer seats than people: the latest confirmations go back to the head of the line.
    for rsvp in reversed(confirmed):
        if taken <= capacity:
            break
        rsvp.waitlisted = True
        taken -= _seats_of(rsvp)
        demoted.append(rsvp)
    for rsvp in [r for r in yes if r.waitlisted]:
        if rsvp in demoted or taken + _seats_of(rsvp) > capacity:
            break  # strict order: nobody overtakes the first in line
        rsvp.waitlisted = False
        taken += _seats_of(rsvp)
        promoted.append(rsvp)
    line = [r for r in yes if r.waitlisted]
    return [Moved(r.person_id, promoted=False, position=line.index(r) + 1) for r in demoted] + [
        Moved(r.person_id, promoted=True) for r in promoted
    ]


def _apply(
    occurrence: Occurrence,
    answers: list[Rsvp],
    new_rows: list[Rsvp],
    *,
    person_id: int,
    answer: Answer,
    now: datetime,
    plus_one: bool | None,
    by_id: int | None,
    seats: Seats | None = None,
) -> Outcome:
    """One answer applied to the session's answers in memory.

    `seats` is the current tally when the caller knows it (a batch carries it from one
    tap to the next), so a first answer costs no pass over the others.

    A first answer is a new Rsvp kept out of the ORM session (`new_rows`, inserted in
    bulk by the caller); changes to existing answers are tracked by the session.
    """
    if answer not in (Answer.YES, Answer.MAYBE, Answer.NO):
        raise ValueError(f"unknown answer {answer!r}")
    rsvp = next((r for r in answers if r.person_id == person_id), None)
    by = by_id if by_id is not None and by_id != person_id else None
    if rsvp is None:
        rsvp = Rsvp(
            occurrence_id=occurrence.id,
            person_id=person_id,
            answer=answer,
            plus_one=bool(plus_one),
            waitlisted=False,
            queued_at=now,
            answered_at=now,
            answered_by_id=by,
            present=None,
        )
        before = seats or _tally(answers, occurrence.capacity)
        after = before
        position = None
        if answer == Answer.YES:
            # A newcomer frees no seat: they fit now, or they wait at the end of the line.
            rsvp.waitlisted = before.waiting > 0 or before.free < _seats_of(rsvp)
            if rsvp.waitlisted:
                position = before.waiting + 1
                after = replace(before, waiting=before.waiting + 1)
            else:
                after = replace(before, taken=before.taken + _seats_of(rsvp), yes=before.yes + 1)
        elif answer == Answer.MAYBE:
            after = replace(before, maybe=before.maybe + 1)
        else:
            after = replace(before, no=before.no + 1)
        answers.append(rsvp)
        new_rows.append(rsvp)
        return Outcome(
            answer=Answer(rsvp.answer),
            plus_one=rsvp.plus_one,
            waitlisted=rsvp.waitlisted,
            position=position,
            seats=after,
            changed=True,
            moved=[],
        )
    previous = (rsvp.answer, rsvp.plus_one)
    if answer == Answer.YES and rsvp.answer != Answer.YES:
        rsvp.waitlisted = True
        rsvp.queued_at = now  # joins the end of the line
    if answer != Answer.YES:
        rsvp.waitlisted = False
    if plus_one is not None and plus_one != rsvp.plus_one:
        if (
            plus_one
            and rsvp.answer == Answer.YES
            and answer == Answer.YES
            and not rsvp.waitlisted
            and _tally(answers, occurrence.capacity).free < 1
        ):
            raise NoSeatForPlusOne()
        rsvp.plus_one = plus_one
    rsvp.answer = answer
    rsvp.answered_at = now
    rsvp.answered_by_id = by
    moved = rebalance(answers, occurrence.capacity)
    return Outcome(
        answer=rsvp.answer,
        plus_one=rsvp.plus_one,
        waitlisted=rsvp.waitlisted,
        position=_position(answers, rsvp),
        seats=_tally(answers, occurrence.capacity),
        changed=previous != (rsvp.answer, rsvp.plus_one),
        moved=[m for m in moved if m.person_id != person_id],
    )


async def _insert(session: AsyncSession, rows: list[Rsvp]) -> None:
    if not rows:
        return
    columns = (
        "occurrence_id",
        "person_id",
        "answer",
        "plus_one",
        "waitlisted",
        "queued_at",
        "answered_at",
        "answered_by_id",
        "present",
    )
    await session.execute(insert(Rsvp), [{c: getattr(r, c) for c in columns} for r in rows])


async def respond(
    session: AsyncSession,
    *,
    occurrence_id: int,
    person: Person,
    answer: Answer,
    now: datetime,
    plus_one: bool | None = None,
    by: Person | None = None,
) -> Outcome:
    """Record a person's answer (or a facilitator's on their behalf)."""
    if answer not in (Answer.YES, Answer.MAYBE, Answer.NO):
        raise ValueError(f"unknown answer {answer!r}")
    occurrence = check_open(await lock_occurrence(session, occurrence_id), now)
    answers = await _answers(session, occurrence.id)
    new_rows: list[Rsvp] = []
    outcome = _apply(
        occurrence,
        answers,
        new_rows,
        person_id=person.id,
        answer=answer,
        now=now,
        plus_one=plus_one,
        by_id=by.id if by is not None else None,
    )
    await _insert(session, new_rows)
    await session.flush()
    return outcome


@dataclass(frozen=True)
class Tap:
    """One answer in a batch (see respond_many)."""

    occurrence_id: int
    person_id: int
    answer: Answer
    plus_one: bool | None = None


async def respond_many(
    session: AsyncSession, taps: list[Tap], *, now: datetime
) -> list[Outcome | SessionClosed | NoSeatForPlusOne]:
    """Apply many answers in one transaction, in order: each session is locked and read once.

    Taps that arrive together are answered together: the time a burst takes grows with
    the statements per batch, not per tap.
    """
    results: list[Outcome | SessionClosed | NoSeatForPlusOne] = []
    loaded: dict[int, tuple[Occurrence | SessionClosed, list[Rsvp]]] = {}
    tallies: dict[int, Seats] = {}
    new_rows: list[Rsvp] = []
    for tap in taps:
        if tap.occurrence_id not in loaded:
            try:
                occurrence = check_open(await lock_occurrence(session, tap.occurrence_id), now)
            except SessionClosed as closed:
                loaded[tap.occurrence_id] = (closed, [])
            else:
                loaded[tap.occurrence_id] = (occurrence, await _answers(session, occurrence.id))
        target, answers = loaded[tap.occurrence_id]
        if isinstance(target, SessionClosed):
            results.append(target)
            continue
        try:
            outcome = _apply(
                target,
                answers,
                new_rows,
                person_id=tap.person_id,
                answer=tap.answer,
                now=now,
                plus_one=tap.plus_one,
                by_id=None,
                seats=tallies.get(target.id),
            )
        except NoSeatForPlusOne as refused:
            results.append(refused)
            continue
        tallies[target.id] = outcome.seats
        results.append(outcome)
    await _insert(session, new_rows)
    await session.flush()
    return results


async def set_capacity(
    session: AsyncSession, *, occurrence_id: int, capacity: int
) -> tuple[Seats, list[Moved]]:
    """Change a session's seats; the line is recomputed and the people moved returned."""
    if capacity < 1 or capacity > 500:
        raise ValueError("capacity must be between 1 and 500")
    occurrence = await lock_occurrence(session, occurrence_id)
    if occurrence is None:
        raise SessionClosed(Closed.UNKNOWN)
    occurrence.capacity = capacity
    answers = await _answers(session, occurrence.id)
    moved = rebalance(answers, capacity)
    return _tally(answers, capacity), moved


async def seats(session: AsyncSession, occurrence: Occurrence) -> Seats:
    return _tally(await _answers(session, occurrence.id), occurrence.capacity)


async def seats_many(session: AsyncSession, occurrences: list[Occurrence]) -> dict[int, Seats]:
    ids = [o.id for o in occurrences]
    if not ids:
        return {}
    rows = await session.scalars(
        select(Rsvp).where(Rsvp.occurrence_id.in_(ids)).order_by(Rsvp.queued_at, Rsvp.id)
    )
    grouped: dict[int, list[Rsvp]] = {i: [] for i in ids}
    for row in rows:
        grouped[row.occurrence_id].append(row)
    return {o.id: _tally(grouped[o.id], o.capacity) for o in occurrences}


@dataclass(frozen=True)
class MyAnswer:
    answer: Answer | None
    plus_one: bool = False
    position: int | None = None


async def my_answers(
    session: AsyncSession, *, person_id: int, occurrences: list[Occurrence]
) -> dict[int, MyAnswer]:
    """The person's own answer for each session (and their place in line)."""
    result: dict[int, MyAnswer] = {o.id: MyAnswer(None) for o in occurrences}
    ids = [o.id for o in occurrences]
    if not ids:
        return result
    rows = list(
        await session.scalars(
            select(Rsvp)
            .where(Rsvp.occurrence_id.in_(ids), Rsvp.answer == Answer.YES, Rsvp.waitlisted)
            .order_by(Rsvp.queued_at, Rsvp.id)
        )
    )
    mine = await session.scalars(
        select(Rsvp).where(Rsvp.occurrence_id.in_(ids), Rsvp.person_id == person_id)
    )
    for rsvp in mine:
        line = [r for r in rows if r.occurrence_id == rsvp.occurrence_id]
        position = line.index(rsvp) + 1 if rsvp in line else None
        result[rsvp.occurrence_id] = MyAnswer(Answer(rsvp.answer), rsvp.plus_one, position)
    return result


async def answers_by_person(session: AsyncSession, occurrence_id: int) -> dict[int, MyAnswer]:
    """Everyone's answer for one session, with their place in line (one query)."""
    answers = await _answers(session, occurrence_id)
    return {
        r.person_id: MyAnswer(Answer(r.answer), r.plus_one, _position(answers, r)) for r in answers
    }


@dataclass(frozen=True)
class Attendee:
    person_id: int
    name: str
    answer: str
    plus_one: bool
    waitlisted: bool
    present: bool | None
    on_behalf: bool
    # False for someone without Telegram a facilitator added: counted, never messaged.
    uses_telegram: bool = True


async def attendees(session: AsyncSession, occurrence_id: int) -> list[Attendee]:
    """Names and answers, for facilitators only: confirmed, then the line, maybe, no."""
    rows = (
        await session.execute(
            select(Rsvp, Person.display_name, Person.telegram_id)
            .join(Person, Person.id == Rsvp.person_id)
            .where(Rsvp.occurrence_id == occurrence_id)
            .order_by(Rsvp.queued_at, Rsvp.id)
        )
    ).all()
    return [
        Attendee(
            person_id=r.person_id,
            name=name,
            answer=r.answer,
            plus_one=r.plus_one,
            waitlisted=r.waitlisted,
            present=r.present,
            on_behalf=r.answered_by_id is not None,
            uses_telegram=telegram_id is not None,
        )
        for r, name, telegram_id in rows
    ]


async def mark_present(
    session: AsyncSession, *, occurrence_id: int, person_id: int, now: datetime
) -> bool:
    """Toggle a person's presence after the session; returns the new value."""
    occurrence = await session.get(Occurrence, occurrence_id)
    if occurrence is None or occurrence.starts_at > now:
        raise SessionClosed(Closed.UNKNOWN)
    rsvp = await session.scalar(
        select(Rsvp).where(Rsvp.occurrence_id == occurrence_id, Rsvp.person_id == person_id)
    )
    if rsvp is None:
        rsvp = Rsvp(
            occurrence_id=occurrence_id,
            person_id=person_id,
            answer=Answer.NO,  # came without answering yes: keep their answer honest
            queued_at=now,
            answered_at=now,
        )
        session.add(rsvp)
    rsvp.present = not bool(rsvp.present)
    occurrence.attendance_taken_at = now
    await session.flush()
    return bool(rsvp.present)


async def add_walk_ins(
    session: AsyncSession, *, occurrence_id: int, delta: int, now: datetime
) -> int:
    """People who came without answering (the group is open); never below zero."""
    occurrence = await lock_occurrence(session, occurrence_id)
    if occurrence is None or occurrence.starts_at > now:
        raise SessionClosed(Closed.UNKNOWN)
    occurrence.walk_ins = max(0, occurrence.walk_ins + delta)
    occurrence.attendance_taken_at = now
    return occurrence.walk_ins


@dataclass(frozen=True)
class Attendance:
    present: int
    walk_ins: int
    said_yes: int
    yes_and_came: int

    @property
    def total(self) -> int:
        return self.present + self.walk_ins


async def attendance(session: AsyncSession, occurrence_id: int) -> Attendance:
    occurrence = await session.get(Occurrence, occurrence_id)
    answers = await _answers(session, occurrence_id)
    present = [r for r in answers if r.present]
    return Attendance(
        present=len(present),
        walk_ins=occurrence.walk_ins if occurrence else 0,
        said_yes=sum(1 for r in answers if r.answer == Answer.YES and not r.waitlisted),
        yes_and_came=sum(1 for r in present if r.answer == Answer.YES),
    )
