"""Buttons of a private conversation pressed in a group change nothing and say nothing there.

Telegram lets a tap carry any callback data from any message, so a forged or replayed tap
can arrive from the workshop's group with the data of a private button (the language, the
consent, the reminders, the calendar file, a mood face...). The table is every button kind
of the assembled bot, each with every choice it carries: pressed in the group by Ana (a
participant) or Sam (who never opened the bot), each gets a small pop-up only they see,
the database stays as it was and the bot writes in no chat. The buttons that belong in a
group (the reminder's answers, the /lier choices) keep working there.
"""

from __future__ import annotations

import itertools
import re
from datetime import date
from typing import cast

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.callback_data import ButtonKind
from bot.clock import FrozenClock
from bot.context import MiroirApp, MiroirContext
from bot.db import Database
from bot.i18n import Translator
from bot.models import Answer, Person, Rsvp
from bot.sandbox.fake_telegram import FakeGroup, FakeTelegram, FakeUser
from handlers import CAPABILITIES, assemble
from handlers.ctx import Ctx
from scheduler import reminders as reminder_jobs
from tests.handlers.test_access_control import CANDIDATES, MAX_TAPS, snapshot, world
from tests.utils import (
    FACILITATOR_ID,
    START,
    current,
    deliver,
    last_message,
    onboard,
    runtime,
    stored_person,
    text_of,
    toast,
    workshop,
)

TR = Translator()
ANA_ID = 201
SAM_ID = 301
GROUP_ID = -100555
PRIVATE_ONLY = {TR.t("buttons.private_only", lang) for lang in ("fr", "en")}

ROUTES = [route for capability in CAPABILITIES for route in capability.buttons]
PRIVATE_KINDS = [route.kind for route in ROUTES if not route.in_groups]
GROUP_KINDS = [route.kind for route in ROUTES if route.in_groups]


def test_every_button_kind_is_private_unless_it_says_so() -> None:
    """The table is the assembled surface; only the group's own buttons work there."""
    assert {k.prefix for k in PRIVATE_KINDS} | {k.prefix for k in GROUP_KINDS} == {
        k.prefix for k in assemble(TR).button_kinds
    }
    # The group reminder's answers, and the facilitator's /lier choices.
    assert {k.prefix for k in GROUP_KINDS} == {"rv", "lk", "lkg"}


# Private buttons also carry days (a mood prompt's "20261124"): the world's days.
VALUES = (*CANDIDATES, "20261124", "20261125")


def choices(pattern: str) -> list[str]:
    """Each alternative of a plain choice ("d|h|show"), else the first three values of
    VALUES it accepts (ids of the world's first rows, words, days)."""
    alternatives = pattern.split("|")
    if all(re.fullmatch(r"[A-Za-z0-9_]+", a) for a in alternatives):
        return alternatives
    found = [v for v in VALUES if re.fullmatch(pattern, v)][:3]
    assert found, f"no value matches {pattern!r}"
    return found


def callback_data(kind: ButtonKind) -> list[str]:
    """Valid callback data for this kind: every combination of choices, up to MAX_TAPS."""
    combos = itertools.islice(itertools.product(*(choices(p) for p in kind.args)), MAX_TAPS)
    return [kind.make(*combo) for combo in combos]


def bot_messages(fake: FakeTelegram) -> dict[int, int]:
    """How many messages (and edits) the bot made in every chat."""
    return {
        chat_id: sum(1 + len(m.edits) for m in chat.messages if m.from_bot)
        for chat_id, chat in fake.chats.items()
    }


async def linked_group(fake: FakeTelegram, *members: FakeUser) -> FakeGroup:
    """The workshop's group, linked by Claire with /lier (its bot messages carry buttons)."""
    claire = fake.user(FACILITATOR_ID, "Claire")
    group = fake.group(GROUP_ID, "Miroir de soi", type="supergroup")
    for person in (claire, *members):
        group.add_member(person)
    await group.send(claire, "/lier")
    await group.tap(claire, "Art-thérapie")
    await group.tap(claire, "🇫🇷 Français")
    return group


async def press_everything(
    fake: FakeTelegram,
    database: Database,
    clock: FrozenClock,
    group: FakeGroup,
    user: FakeUser,
    kind: ButtonKind,
) -> None:
    """Every choice of this kind, pressed in the group: a pop-up, and nothing else."""
    before = await snapshot(database, 0)  # every row, the presser's own included
    written = bot_messages(fake)
    for data in callback_data(kind):
        answers = len(user.callback_answers)
        clock.advance(seconds=1)  # a person's pace: no flood protection in the way
        await group.press_callback(user, data)
        assert len(user.callback_answers) == answers + 1, f"{data}: not answered"
        assert toast(user) in PRIVATE_ONLY, f"{data}: answered {toast(user)!r}"
        assert user.callback_answers[-1].get("show_alert") is True
    assert await snapshot(database, 0) == before, f"{kind.prefix} changed data"
    assert bot_messages(fake) == written, f"{kind.prefix} wrote somewhere"


@pytest.mark.parametrize("kind", PRIVATE_KINDS, ids=[k.prefix for k in PRIVATE_KINDS])
async def test_a_private_button_pressed_in_the_group_changes_nothing(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock, kind: ButtonKind
) -> None:
    await world(database, clock, fake)
    ana = await onboard(fake, ANA_ID, "Ana")
    group = await linked_group(fake, ana)
    await press_everything(fake, database, clock, group, ana, kind)


async def test_a_stranger_pressing_private_buttons_in_the_group_leaves_no_trace(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    """Sam never opened the bot: nothing about him is kept, nothing is sent to him."""
    await world(database, clock, fake)
    sam = fake.user(SAM_ID, "Sam", language_code="en")
    group = await linked_group(fake, sam)
    before = await snapshot(database, 0)
    written = bot_messages(fake)
    for kind in PRIVATE_KINDS:
        data = callback_data(kind)[0]
        clock.advance(seconds=1)
        await group.press_callback(sam, data)
        assert toast(sam) == TR.t("buttons.private_only", "en"), data
    # Unknown and malformed data too (the fallback for buttons nobody answers).
    for data in ("zz:1", "", "lang", "rv:x:1"):
        clock.advance(seconds=1)
        await group.press_callback(sam, data)
    assert await stored_person(database, SAM_ID) is None
    assert await snapshot(database, 0) == before
    assert bot_messages(fake) == written


async def test_the_group_reminder_answers_still_work_in_the_group(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    """Ana answers on the group's reminder: her answer is kept, the pop-up is hers, and
    the group's post changes only its counts (never her name)."""
    sessions = await workshop(fake, database, clock, first=date(2026, 11, 25), weekday=2)
    ana = await onboard(fake, ANA_ID, "Ana")
    group = await linked_group(fake, ana)
    clock.set(clock.now().replace(hour=17))  # 18:00 in Dijon, the day before
    await reminder_jobs.tick(runtime(app))
    await deliver(app)
    post = last_message(group)
    await group.tap(ana, "✅ Je viens")
    assert toast(ana) == "✅ C'est noté : vous venez !"
    async with database.transaction() as session:
        answer = await session.scalar(
            select(Rsvp.answer)
            .join(Person, Person.id == Rsvp.person_id)
            .where(Person.telegram_id == ANA_ID, Rsvp.occurrence_id == sessions[0].id)
        )
    assert answer == Answer.YES
    clock.advance(seconds=5)
    await runtime(app).group_counts.flush()
    shown = text_of(current(group, post))
    assert "👥 1 personne vient." in shown and "Ana" not in shown
    assert last_message(group).message_id == post.message_id  # nothing new in the group


# --- where the bot answers a tap --------------------------------------------------------


def tap_update(app: MiroirApp, chat: dict[str, object]) -> Update:
    user = {"id": ANA_ID, "is_bot": False, "first_name": "Ana"}
    message = {"message_id": 7, "date": 0, "chat": chat, "text": "📅"}
    query = {"id": "1", "from": user, "chat_instance": "1", "message": message, "data": "x"}
    return Update.de_json({"update_id": 1, "callback_query": query}, app.bot)


def ctx_for(app: MiroirApp, update: Update) -> Ctx:
    """A Ctx only to ask where it answers (no transaction, no person behind it)."""
    return Ctx(
        update,
        cast(MiroirContext, None),
        runtime(app),
        cast(AsyncSession, None),
        Person(telegram_id=ANA_ID),
        START,
    )


async def test_what_the_bot_says_after_a_tap_in_a_group_goes_to_the_private_chat(
    app: MiroirApp,
) -> None:
    group = {"id": GROUP_ID, "type": "supergroup", "title": "Miroir de soi"}
    private = {"id": ANA_ID, "type": "private", "first_name": "Ana"}
    assert ctx_for(app, tap_update(app, group)).chat_id == ANA_ID
    assert ctx_for(app, tap_update(app, private)).chat_id == ANA_ID
