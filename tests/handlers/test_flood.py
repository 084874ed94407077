"""Someone taps far too fast: one gentle word, a pause for them alone, then all is normal.

The limits are the defaults (20 updates in 10 seconds, a 30-second pause), set here so a
test-wide setting cannot change them. Time only moves when the story moves the clock.
"""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.config import Settings
from bot.context import MiroirApp
from bot.db import Database
from bot.i18n import default_translator
from bot.logs import configure_logging
from bot.models import Series
from bot.sandbox.fake_telegram import FakeTelegram, FakeUser, StoredMessage
from tests import factories
from tests.utils import (
    FACILITATOR_ID,
    Language,
    message_starting,
    messages_starting,
    onboard,
    workshop,
)

TR = default_translator()
SLOW_DOWN = {lang: TR.t("flood.slow_down", lang, count=30) for lang in ("fr", "en")}
TURTLE = "🐢"
WHERE = {"fr": "📍 Où ?", "en": "📍 Where?"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"flood_updates": 20, "flood_window_seconds": 10.0, "flood_pause_seconds": 30.0}
    )


async def with_card(
    fake: FakeTelegram, telegram_id: int, name: str, lang: Language = "fr"
) -> tuple[FakeUser, StoredMessage]:
    """Someone opens the bot and the list of workshops: the card they will tap on."""
    person = await onboard(fake, telegram_id, name, language=lang)
    await person.tap(TR.t("menu.sessions", lang))
    return person, message_starting(person, "🎨")


def addresses(person: FakeUser) -> int:
    """How many times the bot told this person where the workshop is."""
    return sum(1 for m in person.messages if m.from_bot and "\n📍 " in (m.text or ""))


def turtles(person: FakeUser) -> list[StoredMessage]:
    return messages_starting(person, TURTLE)


async def taps(
    person: FakeUser, card: StoredMessage, count: int, clock: FrozenClock, label: str
) -> None:
    """`count` taps on the card, a tenth of a second apart."""
    for _ in range(count):
        await person.tap_in(card.message_id, label)
        clock.advance(seconds=0.1)


async def test_nadia_taps_25_times_fast_and_only_she_waits(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock)
    nadia, nadias_card = await with_card(fake, 201, "Nadia")
    karim, karims_card = await with_card(fake, 202, "Karim")
    clock.advance(minutes=1)
    before = addresses(nadia)

    await taps(nadia, nadias_card, 20, clock, WHERE["fr"])
    assert addresses(nadia) - before == 20
    assert turtles(nadia) == []

    # The 21st: one gentle word, in her chat, and nothing else.
    await taps(nadia, nadias_card, 1, clock, WHERE["fr"])
    assert [m.text for m in turtles(nadia)] == [SLOW_DOWN["fr"]]
    assert addresses(nadia) - before == 20

    # Karim, meanwhile, is answered at once.
    await taps(karim, karims_card, 3, clock, WHERE["fr"])
    assert addresses(karim) == 3

    # Nadia's next taps do nothing, but each one stops her phone's spinner.
    await taps(nadia, nadias_card, 4, clock, WHERE["fr"])
    assert addresses(nadia) - before == 20
    assert len(turtles(nadia)) == 1
    answers = nadia.callback_answers[-5:]
    assert len(answers) == 5 and all(not a.get("text") for a in answers)

    # After the pause she is answered again, with no second warning.
    clock.advance(seconds=30)
    await taps(nadia, nadias_card, 1, clock, WHERE["fr"])
    assert addresses(nadia) - before == 21
    assert len(turtles(nadia)) == 1


async def test_the_gentle_word_is_in_the_persons_language(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock)
    john, card = await with_card(fake, 203, "John", "en")
    clock.advance(minutes=1)
    await taps(john, card, 22, clock, WHERE["en"])
    assert [m.text for m in turtles(john)] == [SLOW_DOWN["en"]]


async def test_typed_messages_count_too(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    nadia = await onboard(fake, 201, "Nadia")
    clock.advance(minutes=1)
    for n in range(24):
        await nadia.send(f"message {n}")
    assert [m.text for m in turtles(nadia)] == [SLOW_DOWN["fr"]]
    # Nothing she typed after the 20th was answered.
    assert nadia.messages[-1].text == SLOW_DOWN["fr"]


async def test_a_flood_in_a_group_posts_nothing_there_and_others_go_on(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock)
    claire = fake.user(FACILITATOR_ID, "Claire")
    nadia = await onboard(fake, 201, "Nadia")
    group = fake.group(-100777, "Miroir de soi", type="supergroup")
    for person in (claire, nadia):
        group.add_member(person)
    await group.send(claire, "/lier")
    await group.tap(claire, "Art-thérapie")
    clock.advance(minutes=1)
    in_group = len(group.messages)
    in_private = len(nadia.messages)

    # Nadia (not a facilitator) taps the group's language button 25 times.
    for _ in range(25):
        await group.tap(nadia, "🇬🇧 English")
        clock.advance(seconds=0.1)
    answers = nadia.callback_answers[-25:]
    assert all("Seul un animateur" in (a.get("text") or "") for a in answers[:20])
    # The 21st: the gentle word as a notice only she sees; then empty answers.
    assert answers[20].get("text") == SLOW_DOWN["fr"]
    assert all(not a.get("text") for a in answers[21:])
    assert len(group.messages) == in_group
    assert len(nadia.messages) == in_private

    # Claire, in the same group at the same moment, is not slowed.
    await group.tap(claire, "🇬🇧 English")
    assert claire.callback_answers[-1].get("text") != SLOW_DOWN["fr"]
    assert "I write in English in this group." in (group.messages[-1].text or "")
    async with database.transaction() as session:
        (series,) = (await session.scalars(select(Series))).all()
    assert series.group_language == "en"


async def test_a_facilitator_marking_many_names_is_not_paused(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    """Claire (named in the settings) and Inès (invited, known by the database) tap in
    bursts; a stuck phone of a facilitator still stops at three times the limit."""
    await workshop(fake, database, clock)
    await factories.person(database, clock.now(), 204, "Inès", facilitator=True)
    for telegram_id, name in ((FACILITATOR_ID, "Claire"), (204, "Inès")):
        person = fake.user(telegram_id, name, language_code="fr")
        await person.send(TR.t("menu.sessions", "fr"))
        card = message_starting(person, "🎨")
        clock.advance(minutes=1)
        before = addresses(person)
        await taps(person, card, 40, clock, WHERE["fr"])
        assert addresses(person) - before == 40
        assert turtles(person) == []
        clock.advance(minutes=1)
        await taps(person, card, 61, clock, WHERE["fr"])
        assert len(turtles(person)) == 1


async def test_others_are_answered_during_a_pause(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    """Five people tap while Nadia is paused: every one of their taps is answered."""
    await workshop(fake, database, clock)
    nadia, nadias_card = await with_card(fake, 201, "Nadia")
    others = [await with_card(fake, 300 + n, f"P{n}") for n in range(5)]
    clock.advance(minutes=1)
    await taps(nadia, nadias_card, 21, clock, WHERE["fr"])
    for _ in range(4):
        for person, card in others:
            await taps(person, card, 1, clock, WHERE["fr"])
        await taps(nadia, nadias_card, 1, clock, WHERE["fr"])
    assert all(addresses(person) == 4 for person, _ in others)
    assert all(turtles(person) == [] for person, _ in others)


async def test_chatting_in_the_group_is_not_counted(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    """The bot sees every message of a group where it is an admin; chatting there is not
    talking to the bot, and never pauses anyone."""
    await workshop(fake, database, clock)
    nadia, card = await with_card(fake, 201, "Nadia")
    group = fake.group(-100777, "Miroir de soi", type="supergroup")
    group.add_member(nadia)
    group.set_bot_admin()
    clock.advance(minutes=1)
    for n in range(30):
        await group.send(nadia, f"coucou {n}")
    await taps(nadia, card, 1, clock, WHERE["fr"])
    assert addresses(nadia) == 1
    assert turtles(nadia) == []


async def test_the_log_line_of_a_dropped_update_names_the_guard(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock)
    nadia, card = await with_card(fake, 201, "Nadia")
    clock.advance(minutes=1)  # her first steps are out of the window
    output = io.StringIO()
    configure_logging(fmt="json", stream=output, token="")

    await taps(nadia, card, 22, clock, WHERE["fr"])

    handlers = [
        line["handler"]
        for line in map(json.loads, output.getvalue().splitlines())
        if line["logger"] == "miroir.updates"
    ]
    assert len(handlers) == 22
    # Answered taps name their handler; the 21st and 22nd were stopped by the guard.
    assert not any("flood" in h for h in handlers[:20])
    assert all("flood" in h for h in handlers[20:])
