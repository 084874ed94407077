"""Double taps never make a request Telegram refuses.

Telegram answers 400 "message is not modified" to an edit that would leave a message as
it is, and the fake Telegram does the same (and fails the test that asked: see the `fake`
fixture). A person who taps twice quickly sends two taps that both carry the card as it
was before the first one changed it; the bot must still edit it once. Each answer is tried
twice in a row, and twice at once (the second tap in flight before the first is answered).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date

import pytest

from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.i18n import default_translator
from bot.models import Answer
from bot.sandbox.fake_telegram import FakeTelegram, FakeUser, StoredMessage
from scheduler import reminders as reminder_jobs
from tests import factories
from tests.utils import (
    FACILITATOR_ID,
    current,
    deliver,
    last_message,
    messages_starting,
    onboard,
    runtime,
    text_of,
    toast,
    workshop,
)

WORKSHOPS = default_translator().t("menu.sessions", "fr")
YES, MAYBE, NO = "✅ Je viens", "🤔 Peut-être", "❌ Je ne viens pas"
PLUS_ONE, ALONE = "➕ Je viens avec quelqu'un", "➖ Juste moi"
ANA_ID, BOB_ID = 201, 202

Tap = Callable[[FakeUser, StoredMessage, str], Awaitable[None]]


def data_of(person: FakeUser, card: StoredMessage, button: str) -> str:
    found = current(person, card).find_button(button)
    assert found is not None, f"no {button!r} on the card"
    return str(found["callback_data"])


async def twice_in_a_row(person: FakeUser, card: StoredMessage, button: str) -> None:
    """The second tap replays the first (its button may be gone from the card by then)."""
    data = data_of(person, card, button)
    await person.press_callback(data, card.message_id)
    await person.press_callback(data, card.message_id)


async def twice_at_once(person: FakeUser, card: StoredMessage, button: str) -> None:
    """Both taps leave the phone before the card changes: both carry the card as it was."""
    await asyncio.gather(
        person.tap_in(card.message_id, button), person.tap_in(card.message_id, button)
    )


TAPS: dict[str, Tap] = {"in a row": twice_in_a_row, "at once": twice_at_once}


async def card_of(person: FakeUser) -> StoredMessage:
    await person.tap(WORKSHOPS)
    return messages_starting(person, "🎨")[-1]


# (what is tapped before, the button tapped twice, the toast, a line the card then shows)
STORIES = {
    "yes": ((), YES, "✅ C'est noté : vous venez !", "✅ Vous venez."),
    "maybe": ((), MAYBE, None, "🤔 Vous venez peut-être."),
    "no": ((), NO, None, "❌ Vous ne venez pas."),
    "plus one": ((YES,), PLUS_ONE, None, "✅ Vous venez avec une personne."),
    "just me": ((YES, PLUS_ONE), ALONE, "✅ C'est noté : juste vous.", "✅ Vous venez."),
}


@pytest.mark.parametrize("how", TAPS)
@pytest.mark.parametrize("story", STORIES)
async def test_an_answer_tapped_twice_edits_the_card_once(
    app: MiroirApp,
    fake: FakeTelegram,
    database: Database,
    clock: FrozenClock,
    story: str,
    how: str,
) -> None:
    before, button, said, line = STORIES[story]
    await workshop(fake, database, clock)
    ana = await onboard(fake, ANA_ID, "Ana")
    card = await card_of(ana)
    for earlier in before:
        await ana.tap_in(card.message_id, earlier)
    edits, answers = len(current(ana, card).edits), len(ana.callback_answers)

    await TAPS[how](ana, card, button)

    assert len(current(ana, card).edits) == edits + 1
    assert line in text_of(current(ana, card))
    assert len(ana.callback_answers) == answers + 2  # both taps answered
    if said is not None:
        assert toast(ana) == said


@pytest.mark.parametrize("how", TAPS)
async def test_a_yes_on_the_waiting_list_tapped_twice_keeps_one_place_in_line(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock, how: str
) -> None:
    sessions = await workshop(fake, database, clock, capacity=1)
    bob = await factories.person(database, clock.now(), BOB_ID, "Bob")
    await factories.answer(database, clock.now(), sessions[0], bob, Answer.YES)
    ana = await onboard(fake, ANA_ID, "Ana")
    card = await card_of(ana)

    await TAPS[how](ana, card, YES)

    assert "liste d'attente" in toast(ana)
    assert len(current(ana, card).edits) == 1
    assert "1re personne sur la liste" in text_of(current(ana, card))


@pytest.mark.parametrize("how", TAPS)
async def test_the_reminder_tapped_twice_keeps_its_first_line_and_is_edited_once(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock, how: str
) -> None:
    await workshop(fake, database, clock, first=date(2026, 11, 25), weekday=2)
    ana = await onboard(fake, ANA_ID, "Ana")
    clock.set(clock.now().replace(hour=17))  # 18:00 in Dijon, the day before
    await reminder_jobs.tick(runtime(app))
    await deliver(app)
    reminder = last_message(ana)

    await TAPS[how](ana, reminder, YES)

    assert len(current(ana, reminder).edits) == 1
    assert text_of(current(ana, reminder)).startswith(text_of(reminder).split("\n\n")[0])


async def test_two_different_answers_at_once_leave_the_card_showing_the_last_one(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    """Yes then no, both in flight: the card ends on what is kept."""
    await workshop(fake, database, clock)
    ana = await onboard(fake, ANA_ID, "Ana")
    card = await card_of(ana)
    await asyncio.gather(ana.tap_in(card.message_id, YES), ana.tap_in(card.message_id, NO))
    assert "❌ Vous ne venez pas." in text_of(current(ana, card))


async def test_the_group_reminder_tapped_twice_at_once_counts_one_and_is_edited_once(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock, first=date(2026, 11, 25), weekday=2)
    claire = fake.user(FACILITATOR_ID, "Claire")
    ana = await onboard(fake, ANA_ID, "Ana")
    group = fake.group(-100999, "Miroir de soi", type="supergroup")
    for person in (claire, ana):
        group.add_member(person)
    await group.send(claire, "/lier")
    await asyncio.gather(group.tap(claire, "Art-thérapie"), group.tap(claire, "Art-thérapie"))
    clock.set(clock.now().replace(hour=17))
    await reminder_jobs.tick(runtime(app))
    await deliver(app)
    post = last_message(group)

    await asyncio.gather(group.tap(ana, YES), group.tap(ana, YES))
    clock.advance(seconds=5)
    await runtime(app).group_counts.flush()
    await runtime(app).group_counts.flush()

    assert len(current(group, post).edits) == 1
    assert "👥 1 personne vient." in text_of(current(group, post))
