"""Who no longer comes: people who came 3 times or more and not for 4 weeks, and only those
the bot may write to; "On pense à vous" goes through the outbox once per confirmation."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.clock import FrozenClock
from bot.db import Database
from bot.i18n import Translator
from bot.models import (
    Answer,
    Occurrence,
    OccurrenceStatus,
    OutboxMessage,
    Person,
    Rsvp,
)
from bot.services import lapsed, rights
from tests import factories
from tests.utils import START

TR = Translator()
WEEK = timedelta(weeks=1)


async def session_at(
    database: Database, starts_at: datetime, *, cancelled: bool = False, taken: bool = True
) -> int:
    """A one-off session, its attendance taken unless told otherwise."""
    async with database.transaction() as session:
        occurrence = Occurrence(
            local_date=starts_at.date(),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            title="Art-thérapie",
            place="Maison de quartier",
            capacity=20,
            status=OccurrenceStatus.CANCELLED if cancelled else OccurrenceStatus.SCHEDULED,
            walk_ins=0,
            attendance_taken_at=starts_at + timedelta(hours=2) if taken else None,
            created_at=starts_at - WEEK,
            scheduled_at=starts_at - WEEK,
        )
        session.add(occurrence)
        await session.flush()
        return occurrence.id


async def came(
    database: Database,
    occurrence_id: int,
    person: Person,
    *,
    present: bool | None = True,
    answer: Answer = Answer.YES,
) -> None:
    async with database.transaction() as session:
        occurrence = await session.get(Occurrence, occurrence_id)
        assert occurrence is not None
        session.add(
            Rsvp(
                occurrence_id=occurrence_id,
                person_id=person.id,
                answer=answer,
                plus_one=False,
                waitlisted=False,
                queued_at=occurrence.created_at,
                answered_at=occurrence.created_at,
                present=present,
            )
        )


async def weekly(database: Database, weeks_ago: list[int]) -> list[int]:
    return [await session_at(database, START - k * WEEK) for k in weeks_ago]


async def names(database: Database, now: datetime = START) -> list[str]:
    async with database.transaction() as session:
        return [p.name for p in await lapsed.lapsed_people(session, now=now)]


async def test_someone_who_came_three_times_and_not_for_four_weeks_is_listed(
    database: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    karim = await factories.person(database, now, 202, "Karim")
    nadia = await factories.person(database, now, 203, "Nadia")
    bob = await factories.person(database, now, 204, "Bob")
    old = await weekly(database, [9, 8, 7, 6, 5])
    recent = await weekly(database, [3, 2])
    for occurrence in old[:3]:
        await came(database, occurrence, karim)
    # Nadia came as often, and three weeks ago: she still comes.
    for occurrence in [*old[:2], recent[0]]:
        await came(database, occurrence, nadia)
    # Bob came twice only.
    for occurrence in old[:2]:
        await came(database, occurrence, bob)

    async with database.transaction() as session:
        found = await lapsed.lapsed_people(session, now=now)
    assert [p.name for p in found] == ["Karim"]
    assert found[0].times == 3
    assert found[0].last_came == START - 7 * WEEK
    assert found[0].thought_at is None


async def test_four_weeks_is_the_line_and_the_latest_visit_comes_first(
    database: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    ana = await factories.person(database, now, 201, "Ana")
    karim = await factories.person(database, now, 202, "Karim")
    sessions = await weekly(database, [12, 11, 10, 5, 4])
    for occurrence in sessions[:3]:
        await came(database, occurrence, ana)
    for occurrence in sessions[2:]:
        await came(database, occurrence, karim)
    # Karim came exactly 4 weeks ago: not yet "no longer comes".
    assert await names(database) == ["Ana"]
    assert await names(database, START + timedelta(minutes=1)) == ["Karim", "Ana"]


async def test_only_attendance_counts_not_a_yes_nor_a_cancelled_session(
    database: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    ana = await factories.person(database, now, 201, "Ana")
    unchecked = await session_at(database, START - 9 * WEEK, taken=False)
    cancelled = await session_at(database, START - 8 * WEEK, cancelled=True)
    absent = await session_at(database, START - 7 * WEEK)
    held = await weekly(database, [6, 5])
    await came(database, unchecked, ana, present=None)  # said yes, nobody checked
    await came(database, cancelled, ana)
    await came(database, absent, ana, present=False)
    for occurrence in held:
        await came(database, occurrence, ana)
    assert await names(database) == []
    # A third time, marked present without having said yes, counts.
    walked_in = await session_at(database, START - 10 * WEEK)
    await came(database, walked_in, ana, answer=Answer.NO)
    assert await names(database) == ["Ana"]


async def test_only_people_the_bot_may_write_to_are_named(
    database: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    sessions = await weekly(database, [9, 8, 7])
    ana = await factories.person(database, now, 201, "Ana")
    john = await factories.person(database, now, 205, "John", consent=False)
    sam = await factories.person(database, now, 206, "Sam")
    zoe = await factories.person(database, now, 9002, "Zoé", facilitator=True)
    async with database.transaction() as session:
        row = await session.get(Person, sam.id)
        assert row is not None
        row.reachable = False  # he blocked the bot
        offline = Person(
            telegram_id=None,
            display_name="Marie",
            language="fr",
            consent_at=now,
            created_at=now,
            last_seen_at=now,
        )
        session.add(offline)
        await session.flush()
        marie = offline
    for person in (ana, john, sam, zoe, marie):
        for occurrence in sessions:
            await came(database, occurrence, person)
    assert await names(database) == ["Ana"]


async def test_someone_coming_back_soon_is_left_out(
    database: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    ana = await factories.person(database, now, 201, "Ana")
    for occurrence in await weekly(database, [9, 8, 7]):
        await came(database, occurrence, ana)
    next_week = await session_at(database, START + WEEK, taken=False)
    await came(database, next_week, ana, present=None, answer=Answer.MAYBE)
    assert await names(database) == ["Ana"]
    async with database.transaction() as session:
        rsvp = await session.scalar(select(Rsvp).where(Rsvp.occurrence_id == next_week))
        assert rsvp is not None
        rsvp.answer = Answer.YES
    assert await names(database) == []


async def test_a_forgotten_person_is_never_named_and_their_visits_stay_counted(
    database: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    ana = await factories.person(database, now, 201, "Ana")
    sessions = await weekly(database, [9, 8, 7])
    for occurrence in sessions:
        await came(database, occurrence, ana)
    assert await names(database) == ["Ana"]
    async with database.transaction() as session:
        await rights.forget(session, person_id=ana.id, now=now)
    assert await names(database) == []
    async with database.transaction() as session:
        walk_ins = await session.scalars(
            select(Occurrence.walk_ins).where(Occurrence.id.in_(sessions))
        )
        assert list(walk_ins) == [1, 1, 1]


async def test_on_pense_a_vous_goes_once_per_confirmation_in_the_persons_language(
    database: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    claire = await factories.person(database, now, 9001, "Claire Martin", facilitator=True)
    john = await factories.person(database, now, 205, "John Smith", language="en")
    for occurrence in await weekly(database, [9, 8, 7]):
        await came(database, occurrence, john)
    text = lapsed.default_text(TR, language="en", name=john.display_name)
    assert text.startswith("🌷 Hello John, we are thinking of you.")

    async def send(key: str) -> lapsed.Sent:
        async with database.transaction() as session:
            sender = await session.get(Person, claire.id)
            assert sender is not None
            return await lapsed.send(
                session,
                sender=sender,
                person_id=john.id,
                text=text,
                request_key=key,
                now=now,
                translator=TR,
            )

    assert await send("abcdef12") is lapsed.Sent.NEW
    assert await send("abcdef12") is lapsed.Sent.ALREADY
    async with database.transaction() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
        assert len(rows) == 1
        assert rows[0].chat_id == 205
        assert rows[0].kind == lapsed.KIND
        assert rows[0].text == "💬 Claire, from the team, writes to you:\n\n" + text
        found = await lapsed.lapsed_people(session, now=now)
        assert found[0].thought_at == now  # the list says a word was sent, and when

    async with database.transaction() as session:
        row = await session.get(Person, john.id)
        assert row is not None
        row.reachable = False
    assert await send("ghijkl34") is lapsed.Sent.GONE


async def test_words_too_long_for_one_message_are_cut(
    database: Database, clock: FrozenClock
) -> None:
    text = lapsed.message_text(TR, language="fr", sender_name="Claire", text="a" * 5000)
    assert len(text) < 4096
    assert text.startswith("💬 Claire, de l'équipe, vous écrit :\n\n")
