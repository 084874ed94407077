"""People's rights as Ana lives them: she asks what the bot knows and gets a file and a
short summary; she asks to be forgotten, says yes, and nothing about her is left. Saying
no changes nothing; a double tap on yes is safe; it all works before agreeing too."""

from __future__ import annotations

import asyncio
import json

from bot.context import MiroirApp
from bot.db import Database
from bot.models import Person
from bot.sandbox.fake_telegram import FakeTelegram, FakeUser, StoredMessage
from tests.utils import count, current, last_message, onboard, stored_person, text_of


def sent_file(fake: FakeTelegram, ana: FakeUser) -> tuple[StoredMessage, object]:
    document = next(m for m in reversed(ana.visible) if m.kind == "document")
    assert document.file_id is not None
    return document, json.loads(fake.files[document.file_id].content)


async def test_ana_gets_her_data_as_a_file_and_a_summary(
    app: MiroirApp, fake: FakeTelegram
) -> None:
    ana = await onboard(fake, 201, "Ana")
    await ana.send("/mes_donnees")
    document, data = sent_file(fake, ana)
    assert document.payload["document"]["file_name"] == "mes-donnees.json"
    assert isinstance(data, dict)
    assert data["profile"]["display_name"] == "Ana"
    summary = text_of(last_message(ana))
    assert summary.startswith("📄 Voici tout ce que je garde sur vous.")
    assert "👤 Votre nom : Ana" in summary


async def test_the_english_name_works_before_agreeing(app: MiroirApp, fake: FakeTelegram) -> None:
    zoe = fake.user(301, "Zoé", language_code="en")
    await zoe.send("/mydata")
    _, data = sent_file(fake, zoe)
    assert isinstance(data, dict)
    assert data["profile"]["consent_at"] is None
    assert "📭 I keep nothing else." in text_of(last_message(zoe))


async def test_ana_is_forgotten_after_saying_yes(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    ana = await onboard(fake, 201, "Ana")
    await ana.send("/oublier")
    question = last_message(ana)
    assert text_of(question).startswith("🗑️ J'efface tout ce que je sais de vous ?")
    assert ana.inline_buttons(question) == [["✅ Oui, tout effacer"], ["❌ Non"]]
    await ana.tap("✅ Oui, tout effacer")
    assert await stored_person(database, ana.id) is None
    done = text_of(current(ana, question))
    assert done == "🗑️ C'est effacé.\n👋 Vous pouvez revenir quand vous voulez."
    assert ana.inline_buttons(current(ana, question)) == []


async def test_saying_no_changes_nothing(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    ana = await onboard(fake, 201, "Ana")
    await ana.send("/forget")
    question = last_message(ana)
    await ana.tap("❌ Non")
    person = await stored_person(database, ana.id)
    assert person is not None and person.consent_at is not None
    assert text_of(current(ana, question)) == "👍 D'accord, je ne change rien."


async def test_a_double_tap_on_yes_is_safe(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    ana = await onboard(fake, 201, "Ana")
    await onboard(fake, 202, "Béa")
    await ana.send("/oublier")
    question = last_message(ana)
    button = current(ana, question).find_button("✅ Oui, tout effacer")
    assert button is not None
    await asyncio.gather(
        ana.tap_in(question.message_id, "✅ Oui, tout effacer"),
        ana.press_callback(button["callback_data"], question.message_id),
    )
    assert await stored_person(database, ana.id) is None
    assert await count(database, Person) == 1  # Béa stays
    assert text_of(current(ana, question)).startswith("🗑️ C'est effacé.")


async def test_the_help_has_buttons_for_her_data(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    """No command to know: ❓ Aide offers "📄 Mes données" and "🗑️ Effacer mes données"."""
    ana = await onboard(fake, 201, "Ana")
    await ana.tap("❓ Aide")
    await ana.tap("📄 Mes données")
    _, data = sent_file(fake, ana)
    assert isinstance(data, dict) and data["profile"]["display_name"] == "Ana"
    assert text_of(last_message(ana)).startswith("📄 Voici tout ce que je garde sur vous.")

    await ana.tap("❓ Aide")
    await ana.tap("🗑️ Effacer mes données")
    question = last_message(ana)
    assert text_of(question).startswith("🗑️ J'efface tout ce que je sais de vous ?")
    await ana.tap("✅ Oui, tout effacer")
    assert await stored_person(database, ana.id) is None


async def test_the_privacy_notice_points_to_the_help(app: MiroirApp, fake: FakeTelegram) -> None:
    zoe = fake.user(301, "Zoé")
    await zoe.send("/start")
    notice = text_of((await zoe.tap("🇫🇷 Français"))[-1])
    assert "• Pour voir ou effacer vos informations : touchez « Aide »." in notice
    assert "demandez à un animateur" not in notice
