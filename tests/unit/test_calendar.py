"""Series and sessions: local wall-clock time, edits, cancel, move, end (domain logic);
the notices each change writes, to whom, in whose language; people without Telegram."""

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
from bot.services import calendar, names, notices, people, rsvp
from bot.services import calendar_queries as queries
from bot.services.calendar import CalendarError, SeriesInput
from bot.services.notices import NoticeAudience
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
        stopped = await calendar.end_series(
            session,
            series_id=series_of(sessions[0]),
            by=creator,
            now=clock.now(),
            tz=PARIS,
            translator=TR,
            group_language="fr",
        )
        assert len(stopped.cancelled) == len(sessions)
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
    database: Database,
    clock: FrozenClock,
    occurrence: Occurrence,
    answers: list[Answer],
    *,
    language: str = "fr",
) -> list[Person]:
    """People with Telegram ids 10, 11... who answered, in order; returns them."""
    who: list[Person] = []
    for i, value in enumerate(answers):
        person = await factories.person(database, clock.now(), 10 + i, f"P{i}", language=language)
        clock.advance(seconds=1)
        await factories.answer(database, clock.now(), occurrence, person, value)
        who.append(person)
    return who


async def without_telegram(
    database: Database, clock: FrozenClock, by: Person, name: str = "Fatima"
) -> Person:
    """Someone a facilitator added by name: no Telegram, counted like anyone."""
    async with database.transaction() as session:
        return await people.add_offline_person(
            session,
            name=name,
            phone="06 12 34 56 78",
            by=await attached(session, by),
            now=clock.now(),
        )


async def outbox(session: AsyncSession) -> list[OutboxMessage]:
    return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def text_to(written: list[OutboxMessage], person: Person) -> str:
    """The one message written to this person."""
    (message,) = [m for m in written if m.chat_id == person.telegram_id]
    return message.text or ""


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
    for message in private:
        assert "🚫 Claire a annulé l'atelier." in (message.text or "")
        assert "💬 Salle fermée" in (message.text or "")
    assert all(m.urgent and m.buttons is None for m in private)
    (group,) = [m for m in written if m.chat_id == -100500]
    # In the group's language (none chosen: the default given), not a person's.
    assert "🚫 Claire cancelled the workshop." in (group.text or "")
    assert no.telegram_id not in {m.chat_id for m in written}


async def test_notices_are_easy_to_read(database: Database, clock: FrozenClock) -> None:
    """Active voice with the facilitator's first name, no words in capitals."""
    b = await factories.person(database, clock.now(), 1, "Claire Martin", facilitator=True)
    occ = (await factories.series(database, clock.now(), b))[0]
    (yes,) = await answered(database, clock, occ, [Answer.YES])
    async with database.transaction() as session:
        await calendar.cancel_occurrence(
            session,
            occurrence_id=occ.id,
            reason_key="cal.reason_sick",
            by=await attached(session, b),
            now=clock.now(),
            translator=TR,
            tz=PARIS,
            group_language="fr",
        )
        text = text_to(await outbox(session), yes)
    assert text.startswith("🚫 Claire a annulé l'atelier.\n🎨 Art-thérapie\n")
    assert "📅 aujourd'hui à 14 h" in text
    assert "ANNULÉ" not in text and "Martin" not in text


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
    text = notice.text or ""
    assert text.startswith("📆 Claire a déplacé l'atelier.")
    assert "📅 Nouvelle date : jeudi 26 novembre à 14 h" in text
    assert "📍 Maison de quartier, Fontaine d'Ouche" in text
    assert "↩️ Avant, c'était aujourd'hui à 14 h." in text
    assert "DÉPLACÉ" not in text
    assert notice.buttons  # the answer can be changed right there


async def test_a_moved_notice_says_whether_each_answer_is_kept(
    database: Database, clock: FrozenClock
) -> None:
    b = await boss(database, clock)
    occ = (await factories.series(database, clock.now(), b, capacity=1))[0]
    seated, waiting, maybe = await answered(
        database, clock, occ, [Answer.YES, Answer.YES, Answer.MAYBE]
    )
    newcomer = await factories.person(database, clock.now(), 30, "Karim")
    async with database.transaction() as session:
        await calendar.move_occurrence(
            session,
            occurrence_id=occ.id,
            new_start=occ.starts_at + timedelta(days=7, hours=1),
            by=await attached(session, b),
            now=clock.now(),
            translator=TR,
            tz=PARIS,
            group_language="fr",
            audience=NoticeAudience.EVERYONE,
        )
        written = await outbox(session)
    assert "✅ Vous venez toujours.\n👇 Vous pouvez changer" in text_to(written, seated)
    assert "🕐 Vous êtes toujours sur la liste d'attente." in text_to(written, waiting)
    assert "🤔 Vous avez dit peut-être." in text_to(written, maybe)
    # Someone who never answered is asked, with the buttons.
    assert text_to(written, newcomer).endswith("👇 Vous venez ?")
    assert all(m.buttons for m in written)
    # Seats do not change with a move: the person in line is still in line.
    async with database.transaction() as session:
        mine = await rsvp.answers_by_person(session, occ.id)
    assert mine[waiting.id].position == 1


async def test_everyone_can_be_told_since_anyone_may_come(
    database: Database, clock: FrozenClock
) -> None:
    b = await boss(database, clock)
    occ = (await factories.series(database, clock.now(), b))[0]
    (yes,) = await answered(database, clock, occ, [Answer.YES])
    never = await factories.person(database, clock.now(), 40, "Léa")
    await factories.person(database, clock.now(), 41, "Aaron", consent=False)
    fatima = await without_telegram(database, clock, b)
    async with database.transaction() as session:
        counts = await calendar.notice_counts(
            session, by=await attached(session, b), now=clock.now(), occurrence_id=occ.id
        )
        change = await calendar.cancel_occurrence(
            session,
            occurrence_id=occ.id,
            reason="Grève des bus",
            by=await attached(session, b),
            now=clock.now(),
            translator=TR,
            tz=PARIS,
            group_language="fr",
            audience=NoticeAudience.EVERYONE,
        )
        written = await outbox(session)
    # The buttons' numbers are the people told: Ana and Léa; not Claire who did it, not
    # Aaron who did not agree to the privacy notice, not Fatima who has no Telegram.
    assert (counts.answered, counts.everyone) == (1, 2)
    assert sorted(change.person_ids) == sorted([yes.id, never.id])
    assert {m.chat_id for m in written} == {yes.telegram_id, never.telegram_id}
    assert all(m.person_id != fatima.id for m in written)
    # Whoever planned to come is told at once, even in quiet hours; the others may wait.
    urgent = {m.chat_id: m.urgent for m in written}
    assert urgent == {yes.telegram_id: True, never.telegram_id: False}


async def test_quick_reasons_and_suggested_names_read_in_each_language(
    database: Database, clock: FrozenClock
) -> None:
    b = await boss(database, clock)
    async with database.transaction() as session:
        await calendar.create_series(
            session,
            data=SeriesInput(
                title="Danse",
                title_key="cal.quick_dance",
                place="Salle Bachelard",
                weekday=1,
                start_time=time(14),
                duration_minutes=90,
                first_date=date(2026, 11, 24),
            ),
            creator=await attached(session, b),
            now=clock.now(),
            tz=PARIS,
        )
        occ = (await calendar.upcoming(session, now=clock.now(), limit=1))[0]
        await calendar.link_group(
            session,
            series_id=series_of(occ),
            chat_id=-100500,
            by=await attached(session, b),
            now=clock.now(),
            language="en",
        )
    (ana,) = await answered(database, clock, occ, [Answer.YES])
    john = await factories.person(database, clock.now(), 50, "John", language="en")
    await factories.answer(database, clock.now(), occ, john, Answer.MAYBE)
    async with database.transaction() as session:
        await calendar.cancel_occurrence(
            session,
            occurrence_id=occ.id,
            reason="L'animateur est malade.",
            reason_key="cal.reason_sick",
            by=await attached(session, b),
            now=clock.now(),
            translator=TR,
            tz=PARIS,
            group_language="fr",
        )
        written = await outbox(session)
        cancelled = await session.get(Occurrence, occ.id)
    assert cancelled is not None and cancelled.cancel_reason_key == "cal.reason_sick"
    assert "🎨 Danse" in text_to(written, ana)
    assert "💬 L'animateur est malade." in text_to(written, ana)
    assert "🎨 Dance" in text_to(written, john)
    assert "💬 The facilitator is ill." in text_to(written, john)
    assert "malade" not in text_to(written, john)
    # The group chose English at /lier, whatever the default.
    (group,) = [m for m in written if m.chat_id == -100500]
    assert "💬 The facilitator is ill." in (group.text or "")


async def test_an_unknown_quick_reason_is_refused(database: Database, clock: FrozenClock) -> None:
    b = await boss(database, clock)
    occ = (await factories.series(database, clock.now(), b))[0]
    async with database.transaction() as session:
        with pytest.raises(CalendarError) as err:
            await calendar.cancel_occurrence(
                session,
                occurrence_id=occ.id,
                reason_key="cal.reason_bored",
                by=await attached(session, b),
                now=clock.now(),
                translator=TR,
                tz=PARIS,
                group_language="fr",
            )
    assert err.value.code == "reason"


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
    people_in = await answered(database, clock, first, [Answer.YES, Answer.YES])
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
    assert done.told == 2
    moved = [m for m in written if m.kind == notices.NOTICE_KIND]
    assert {m.chat_id for m in moved} == {p.telegram_id for p in people_in}
    (seat,) = [m for m in written if m.kind == notices.SEAT_KIND]
    assert seat.chat_id == people_in[1].telegram_id  # the latest yes goes back in line
    assert "Vous êtes la 1re personne sur la liste." in (seat.text or "")


async def test_a_new_time_for_a_series_can_reach_everyone_once(
    database: Database, clock: FrozenClock
) -> None:
    """The bug: "0 personne(s) prévenue(s)" when nobody had answered yet."""
    b = await boss(database, clock)
    sessions = await factories.series(database, clock.now(), b)
    (ana,) = await answered(database, clock, sessions[1], [Answer.YES])
    others = [await factories.person(database, clock.now(), 60 + i, n) for i, n in enumerate("LK")]
    async with database.transaction() as session:
        await calendar.link_group(
            session,
            series_id=series_of(sessions[0]),
            chat_id=-100500,
            by=await attached(session, b),
            now=clock.now(),
        )
        done = await calendar.update_series(
            session,
            series_id=series_of(sessions[0]),
            by=await attached(session, b),
            now=clock.now(),
            tz=PARIS,
            translator=TR,
            group_language="fr",
            start_time=time(18, 0),
            audience=NoticeAudience.EVERYONE,
        )
        written = await outbox(session)
    assert done.told == 3
    # Ana answered for one session: that session's notice, with her answer kept.
    assert "✅ Vous venez toujours." in text_to(written, ana)
    # The others get one notice about the series, not one per session.
    for person in others:
        text = text_to(written, person)
        assert text.startswith("🕐 Claire a changé l'heure de l'atelier.\n🎨 Art-thérapie")
        assert "🔁 Chaque mardi à 18 h." in text
        assert "📅 Prochain atelier : mardi 24 novembre à 18 h" in text
    # The group gets one post too.
    assert len([m for m in written if m.chat_id == -100500]) == 1


async def test_a_new_place_is_told_too(database: Database, clock: FrozenClock) -> None:
    b = await boss(database, clock)
    sessions = await factories.series(database, clock.now(), b)
    (ana,) = await answered(database, clock, sessions[0], [Answer.MAYBE])
    async with database.transaction() as session:
        done = await calendar.update_series(
            session,
            series_id=series_of(sessions[0]),
            by=await attached(session, b),
            now=clock.now(),
            tz=PARIS,
            translator=TR,
            group_language="fr",
            place="MJC Bourroches",
        )
        written = await outbox(session)
    assert done.told == 1
    text = text_to(written, ana)
    assert text.startswith("📍 Claire a changé le lieu de l'atelier.")
    assert "📍 Nouveau lieu : MJC Bourroches" in text


async def test_stopping_a_series_tells_who_answered(
    database: Database, clock: FrozenClock
) -> None:
    b = await boss(database, clock)
    sessions = await factories.series(database, clock.now(), b)
    (maybe,) = await answered(database, clock, sessions[2], [Answer.MAYBE])
    async with database.transaction() as session:
        stopped = await calendar.end_series(
            session,
            series_id=series_of(sessions[0]),
            by=await attached(session, b),
            now=clock.now(),
            tz=PARIS,
            translator=TR,
            group_language="fr",
        )
        (notice,) = await outbox(session)
    assert stopped.told == 1
    assert notice.chat_id == maybe.telegram_id
    assert (notice.text or "").startswith("⏹️ Claire a arrêté l'atelier.\n🎨 Art-thérapie")


async def test_stopping_a_series_can_tell_everyone_once_each(
    database: Database, clock: FrozenClock
) -> None:
    b = await boss(database, clock)
    sessions = await factories.series(database, clock.now(), b)
    (ana,) = await answered(database, clock, sessions[0], [Answer.YES])
    await factories.answer(database, clock.now(), sessions[1], ana, Answer.YES)
    lea = await factories.person(database, clock.now(), 70, "Léa")
    async with database.transaction() as session:
        counts = await calendar.notice_counts(
            session,
            by=await attached(session, b),
            now=clock.now(),
            series_id=series_of(sessions[0]),
        )
        stopped = await calendar.end_series(
            session,
            series_id=series_of(sessions[0]),
            by=await attached(session, b),
            now=clock.now(),
            tz=PARIS,
            translator=TR,
            group_language="fr",
            audience=NoticeAudience.EVERYONE,
        )
        written = await outbox(session)
    assert (counts.answered, counts.everyone) == (1, 2)
    assert stopped.told == 2
    # One notice each, although Ana answered two of the sessions.
    assert [m.chat_id for m in written] == [ana.telegram_id, lea.telegram_id]


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


# --- people without Telegram -------------------------------------------------------------


async def test_someone_without_telegram_takes_a_seat_and_is_never_messaged(
    database: Database, clock: FrozenClock
) -> None:
    b = await boss(database, clock)
    occ = (await factories.series(database, clock.now(), b, capacity=1))[0]
    (seated,) = await answered(database, clock, occ, [Answer.YES])
    fatima = await without_telegram(database, clock, b)
    async with database.transaction() as session:
        outcome = await calendar.answer_for(
            session,
            occurrence_id=occ.id,
            person=await attached(session, fatima),
            answer=Answer.YES,
            by=await attached(session, b),
            now=clock.now(),
            translator=TR,
            tz=PARIS,
        )
        assert outcome.waitlisted and outcome.position == 1  # counted like anyone
        # The seat frees: Fatima moves in, and nothing is written to her.
        await calendar.answer_for(
            session,
            occurrence_id=occ.id,
            person=await attached(session, seated),
            answer=Answer.NO,
            by=await attached(session, b),
            now=clock.now(),
            translator=TR,
            tz=PARIS,
        )
        seats = await rsvp.seats(session, occ)
        # Moved, then cancelled, told to everyone: still nothing for her.
        await calendar.move_occurrence(
            session,
            occurrence_id=occ.id,
            new_start=occ.starts_at + timedelta(days=1),
            by=await attached(session, b),
            now=clock.now(),
            translator=TR,
            tz=PARIS,
            group_language="fr",
            audience=NoticeAudience.EVERYONE,
        )
        await calendar.cancel_occurrence(
            session,
            occurrence_id=occ.id,
            reason_key="cal.reason_room",
            by=await attached(session, b),
            now=clock.now(),
            translator=TR,
            tz=PARIS,
            group_language="fr",
            audience=NoticeAudience.EVERYONE,
        )
        written = await outbox(session)
        to_call = await queries.offline_answered(session, now=clock.now(), occurrence_id=occ.id)
    assert (seats.taken, seats.waiting) == (1, 0)
    assert written and all(m.person_id != fatima.id for m in written)
    assert to_call == [queries.OfflinePerson(fatima.id, "Fatima", "06 12 34 56 78")]


async def test_erasing_someone_without_telegram_frees_their_seat(
    database: Database, clock: FrozenClock
) -> None:
    b = await boss(database, clock)
    occ = (await factories.series(database, clock.now(), b, capacity=1))[0]
    fatima = await without_telegram(database, clock, b)
    await factories.answer(database, clock.now(), occ, fatima, Answer.YES, by=b)
    (waiting,) = await answered(database, clock, occ, [Answer.YES])
    async with database.transaction() as session:
        # People with Telegram erase themselves: this is only for the others.
        assert not await calendar.forget_offline_person(
            session,
            person_id=waiting.id,
            by=await attached(session, b),
            now=clock.now(),
            translator=TR,
            tz=PARIS,
        )
        assert await calendar.forget_offline_person(
            session,
            person_id=fatima.id,
            by=await attached(session, b),
            now=clock.now(),
            translator=TR,
            tz=PARIS,
        )
        (notice,) = await outbox(session)
        assert await session.get(Person, fatima.id) is None
        assert (await rsvp.seats(session, occ)).taken == 1
    assert notice.chat_id == waiting.telegram_id and notice.kind == notices.SEAT_KIND


# --- names kept as keys --------------------------------------------------------------------


def test_names_fall_back_to_the_words_typed() -> None:
    occurrence = Occurrence(title="Danse", title_key="cal.quick_dance", cancel_reason="x")
    assert names.title_of(occurrence, TR, "en") == "Dance"
    assert names.title_of(occurrence, TR, "fr") == "Danse"
    typed = Occurrence(title="Argile", title_key=None, cancel_reason="Grève des bus")
    assert names.title_of(typed, TR, "en") == "Argile"
    assert names.reason_of(typed, TR, "en") == "Grève des bus"
    retired = Occurrence(title="Yoga", title_key="cal.quick_gone", cancel_reason_key="cal.gone")
    assert names.title_of(retired, TR, "en") == "Yoga"
    assert names.reason_of(retired, TR, "en") is None
    assert names.title_key_for(" danse ", TR, "fr") == "cal.quick_dance"
    assert names.title_key_for("Danse contemporaine", TR, "fr") is None


async def test_a_session_moved_back_and_forth_is_told_each_time(
    database: Database, clock: FrozenClock
) -> None:
    b = await boss(database, clock)
    occ = (await factories.series(database, clock.now(), b))[0]
    (yes,) = await answered(database, clock, occ, [Answer.YES])
    there, back = occ.starts_at + timedelta(days=1), occ.starts_at
    for new_start in (there, back, there):
        clock.advance(minutes=1)
        async with database.transaction() as session:
            await calendar.move_occurrence(
                session,
                occurrence_id=occ.id,
                new_start=new_start,
                by=await attached(session, b),
                now=clock.now(),
                translator=TR,
                tz=PARIS,
                group_language="fr",
            )
    async with database.transaction() as session:
        written = await outbox(session)
    assert [m.chat_id for m in written] == [yes.telegram_id] * 3


async def test_a_name_typed_again_is_the_facilitators_own_words(
    database: Database, clock: FrozenClock
) -> None:
    b = await boss(database, clock)
    sessions = await factories.series(database, clock.now(), b)
    async with database.transaction() as session:
        done = await calendar.update_series(
            session,
            series_id=series_of(sessions[0]),
            by=await attached(session, b),
            now=clock.now(),
            tz=PARIS,
            translator=TR,
            group_language="fr",
            title="Dance",
            title_key="cal.quick_dance",
        )
        assert done.series.title_key == "cal.quick_dance"
        done = await calendar.update_series(
            session,
            series_id=series_of(sessions[0]),
            by=await attached(session, b),
            now=clock.now(),
            tz=PARIS,
            translator=TR,
            group_language="fr",
            title="Argile et couleurs",
        )
        coming = await calendar.upcoming(session, now=clock.now(), limit=1)
        assert await outbox(session) == []  # a new name tells nobody
    assert (done.series.title_key, coming[0].title_key) == (None, None)
    assert names.title_of(coming[0], TR, "en") == "Argile et couleurs"
