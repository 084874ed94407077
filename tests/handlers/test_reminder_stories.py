"""Reminders as people get them through the fake Telegram: the right day in words, one
question for someone who has not answered, none for the facilitator, and the group's post
in the group's language.

Setup that other modules own (answering from the list of sessions, moving a session,
linking a group) goes straight through the services; what is checked is what the
reminders themselves say: their first line.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FrozenClock
from bot.config import Settings
from bot.context import MiroirApp
from bot.db import Database
from bot.models import Answer, Occurrence, Person, Series
from bot.sandbox.fake_telegram import FakeTelegram, FakeUser
from bot.services import calendar, cards, people, reminders, rsvp
from scheduler import reminders as reminder_jobs
from tests import factories
from tests.factories import TZ as PARIS
from tests.utils import (
    FACILITATOR_ID,
    current,
    deliver,
    last_message,
    messages_starting,
    onboard,
    runtime,
    stored_person,
    text_of,
    workshop,
)

# The reminders' own first lines start with these.
REMINDER = "🔔"
QUESTION = "👋"


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The test settings, with what a test asks through `indirect` parametrisation."""
    changes: dict[str, Any] = getattr(request, "param", {})
    return settings.model_copy(update=changes)


def at(local: str) -> datetime:
    """A moment given in Dijon's local time."""
    return datetime.fromisoformat(local).replace(tzinfo=PARIS).astimezone(UTC)


async def time_passes(app: MiroirApp, clock: FrozenClock, local: str) -> None:
    """The clock reaches `local`; the reminders job runs and the outbox is sent."""
    clock.set(at(local))
    await reminder_jobs.tick(runtime(app))
    await deliver(app)


def reminders_of(person: FakeUser) -> list[str]:
    """The first line of every reminder this person got, oldest first."""
    return [text_of(m).split("\n", 1)[0] for m in messages_starting(person, (REMINDER, QUESTION))]


async def person(database: Database, telegram_id: int) -> Person:
    found = await stored_person(database, telegram_id)
    assert found is not None
    return found


async def claire_in(session: AsyncSession) -> Person:
    """Claire, the facilitator, as the session that changes the calendar sees her."""
    claire = await people.get_by_telegram_id(session, FACILITATOR_ID)
    assert claire is not None
    return claire


async def says(
    database: Database, clock: FrozenClock, telegram_id: int, occ: Occurrence, value: Answer
) -> None:
    """Someone answers from the list of sessions (another module's screen)."""
    await factories.answer(database, clock.now(), occ, await person(database, telegram_id), value)


async def claire_moves(
    app: MiroirApp, database: Database, clock: FrozenClock, occ: Occurrence, to: datetime
) -> None:
    rt = runtime(app)
    async with database.transaction() as session:
        await calendar.move_occurrence(
            session,
            occurrence_id=occ.id,
            new_start=to,
            by=await claire_in(session),
            now=clock.now(),
            translator=rt.translator,
            tz=rt.settings.tz,
            group_language=rt.settings.default_language,
        )
    await deliver(app)


async def test_a_workshop_moved_to_later_today_is_never_called_tomorrow(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    # Claire's workshop is on Thursdays; Ana comes on Thursday 26 November.
    sessions = await workshop(fake, database, clock, weekday=3, first=date(2026, 11, 26))
    ana = await onboard(fake, 201, "Ana")
    await says(database, clock, 201, sessions[0], Answer.YES)
    # On Tuesday morning Claire moves it to this evening, 18:00. Ana is told by the move
    # notice; no "c'est demain !" follows it.
    clock.set(at("2026-11-24T11:00"))
    before = len(ana.messages)
    await claire_moves(app, database, clock, sessions[0], at("2026-11-24T18:00"))
    assert len(ana.messages) == before + 1
    await time_passes(app, clock, "2026-11-24T11:00:01")
    await time_passes(app, clock, "2026-11-24T15:59")
    assert reminders_of(ana) == []
    # Two hours before, the reminder says the real day.
    await time_passes(app, clock, "2026-11-24T16:00")
    assert reminders_of(ana) == ["🔔 L'atelier commence aujourd'hui à 18 h."]


async def test_someone_who_has_not_answered_is_asked_once(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock, weekday=2, first=date(2026, 11, 25))
    ana = await onboard(fake, 202, "Ana")
    karim = await onboard(fake, 203, "Karim")
    # Tuesday 18:00: neither has answered; both are asked about tomorrow.
    await time_passes(app, clock, "2026-11-24T18:00")
    assert reminders_of(ana) == ["👋 Vous venez à l'atelier demain ?"]
    assert reminders_of(karim) == ["👋 Vous venez à l'atelier demain ?"]
    # Ana answers yes in the question itself; the message keeps its first line.
    question = last_message(ana)
    yes = ana.inline_buttons(question)[0][0]
    await ana.tap_in(question.message_id, yes)
    assert text_of(current(ana, question)).startswith("👋 Vous venez à l'atelier demain ?")
    # Wednesday 12:00: Ana is reminded; Karim was asked once, that is enough.
    karim_before = len(karim.messages)
    await time_passes(app, clock, "2026-11-25T12:00")
    assert reminders_of(ana) == [
        "👋 Vous venez à l'atelier demain ?",
        "🔔 L'atelier commence aujourd'hui à 14 h.",
    ]
    assert len(karim.messages) == karim_before


async def test_the_facilitator_gets_no_participant_reminders(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock, weekday=2, first=date(2026, 11, 25))
    claire = fake.user(FACILITATOR_ID, "Claire")
    ana = await onboard(fake, 204, "Ana")
    await says(database, clock, FACILITATOR_ID, sessions[0], Answer.YES)
    await says(database, clock, 204, sessions[0], Answer.YES)
    await time_passes(app, clock, "2026-11-24T18:00")
    await time_passes(app, clock, "2026-11-25T12:00")
    assert len(reminders_of(ana)) == 2
    assert reminders_of(claire) == []


@pytest.mark.parametrize("settings", [{"remind_facilitators": True}], indirect=True)
async def test_the_facilitator_is_reminded_when_the_deployment_asks(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock, weekday=2, first=date(2026, 11, 25))
    claire = fake.user(FACILITATOR_ID, "Claire")
    await says(database, clock, FACILITATOR_ID, sessions[0], Answer.YES)
    await time_passes(app, clock, "2026-11-24T18:00")
    await time_passes(app, clock, "2026-11-25T12:00")
    assert reminders_of(claire) == [
        "🔔 L'atelier, c'est demain !",
        "🔔 L'atelier commence aujourd'hui à 14 h.",
    ]


async def test_the_groups_post_and_its_counts_speak_the_groups_language(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock, weekday=2, first=date(2026, 11, 25))
    occ = sessions[0]
    john = await onboard(fake, 205, "John", language="en")
    group = fake.group(-100888, "Mirror group", type="supergroup")
    group.add_member(john)
    # Claire linked the group and chose English for it (at /lier).
    async with database.transaction() as session:
        assert occ.series_id is not None
        await calendar.link_group(
            session,
            series_id=occ.series_id,
            chat_id=group.id,
            by=await claire_in(session),
            now=clock.now(),
        )
        series = await session.get(Series, occ.series_id)
        assert series is not None
        series.group_language = "en"

    await time_passes(app, clock, "2026-11-24T18:00")
    post = last_message(group)
    sent = text_of(post)
    assert sent.startswith("🔔 The workshop is tomorrow!\n👋 Who is coming?")
    translator = runtime(app).translator
    english = [[b.text for b in row] for row in cards.rsvp_buttons(translator, "en", occ.id)]
    assert group.inline_buttons(post) == english

    # John taps "yes" in the group: the counts are edited, still in English.
    await group.tap(john, english[0][0])
    await runtime(app).group_counts.flush()
    edited = current(group, post)
    assert len(edited.edits) == 1
    async with database.transaction() as session:
        fresh = await calendar.get_occurrence(session, occ.id)
        assert fresh is not None
        seats = await rsvp.seats(session, fresh)
    assert seats.taken == 1
    assert text_of(edited) != sent
    assert text_of(edited) == reminders.group_text(
        translator, "en", PARIS, fresh, seats, today=date(2026, 11, 24)
    )
    assert group.inline_buttons(edited) == english
