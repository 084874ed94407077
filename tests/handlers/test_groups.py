"""A workshop's Telegram group: /lier chooses the workshop, then the group's language, and
what the bot posts in the group is written in it."""

from __future__ import annotations

from sqlalchemy import select

from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.models import Series
from bot.sandbox.fake_telegram import FakeTelegram
from tests.utils import (
    FACILITATOR_ID,
    deliver,
    last_text,
    onboard,
    text_of,
    toast,
    workshop,
)


async def group_series(database: Database) -> Series:
    async with database.transaction() as session:
        (series,) = (await session.scalars(select(Series))).all()
        return series


async def test_the_group_chooses_its_language_and_is_told_in_it(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock)
    claire = fake.user(FACILITATOR_ID, "Claire")
    nadia = await onboard(fake, 101, "Nadia")
    group = fake.group(-100777, "Miroir de soi", type="supergroup")
    for person in (claire, nadia):
        group.add_member(person)

    await group.send(claire, "/lier")
    replies = await group.tap(claire, "Art-thérapie")
    question = text_of(replies[-1])
    assert "Ce groupe recevra le rappel de « Art-thérapie » la veille." in question
    assert "🌍 Dans quelle langue j'écris dans ce groupe ?" in question
    assert group.inline_buttons(replies[-1]) == [["🇫🇷 Français", "🇬🇧 English"]]
    # Linked already, in the default language until a language is chosen.
    series = await group_series(database)
    assert (series.group_chat_id, series.group_language) == (-100777, None)

    # Only a facilitator chooses.
    await group.tap(nadia, "🇬🇧 English")
    assert "Seul un animateur" in toast(nadia)
    assert (await group_series(database)).group_language is None

    await group.tap(claire, "🇬🇧 English")
    assert last_text(group) == (
        "✅ This group will get the reminder for “Art-thérapie” the day before.\n"
        "🇬🇧 I write in English in this group."
    )
    assert (await group_series(database)).group_language == "en"

    # Claire (in French) cancels a session: the group reads it in English.
    await claire.tap("🗓️ Calendrier")
    cards = await claire.tap("📋 Prochaines séances")
    await claire.tap_in(cards[1].message_id, "🚫 Annuler la séance")
    await claire.tap("🚪 Salle fermée")
    await claire.tap("👥 Prévenir les inscrits (0)")
    await deliver(app)
    assert last_text(group) == (
        "🚫 Claire cancelled the workshop.\n🎨 Art-thérapie\n"
        "📅 Tuesday 24 November at 2 pm\n💬 The room is closed."
    )


async def test_a_forged_language_button_changes_nothing(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock)
    claire = fake.user(FACILITATOR_ID, "Claire")
    group = fake.group(-100778, "Voisins", type="supergroup")
    group.add_member(claire)
    await group.send(claire, "/lier")
    await group.tap(claire, "Art-thérapie")
    series = await group_series(database)
    # Forged: a language we do not speak, or pressed outside the group it links.
    for data in (f"lkg:{series.id}:de", "lkg:999:en", f"lkg:{series.id}:en"):
        await claire.press_callback(data)
        assert "Ce bouton ne marche plus" in toast(claire)
    assert (await group_series(database)).group_language is None
