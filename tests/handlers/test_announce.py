"""Announcements end to end through the fake: preview, audience, time, report, replies."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time

from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.models import Broadcast, OutboxMessage
from scheduler import broadcasts
from tests.fake_telegram import FakeTelegram, FakeUser, StoredMessage
from tests.utils import (
    Language,
    count,
    current,
    deliver,
    last_message,
    last_text,
    message_starting,
    onboard,
    onboard_claire,
    runtime,
    text_of,
    toast,
)


async def run_announcements(app: MiroirApp) -> None:
    """What the running bot does on its own: start due announcements, send, report."""
    await broadcasts.tick(runtime(app), app.bot)
    await deliver(app)
    await broadcasts.tick(runtime(app), app.bot)
    await deliver(app)


async def claire_and_participants(
    fake: FakeTelegram, *telegram_ids: int, language: Language = "fr"
) -> tuple[FakeUser, list[FakeUser]]:
    """Claire and participants who opened the bot, each named after their id (P101...)."""
    claire = await onboard_claire(fake)
    participants = [await onboard(fake, i, f"P{i}", language=language) for i in telegram_ids]
    return claire, participants


async def write(claire: FakeUser, text: str) -> list[StoredMessage]:
    """Claire starts an announcement and writes its text; returns the bot's replies."""
    await claire.tap("📣 Annonce")
    return await claire.send(text)


async def send_now_to_everyone(claire: FakeUser, audience: int) -> None:
    """Claire picks everyone (`audience` people), now, and confirms."""
    await claire.tap(f"👥 Tout le monde ({audience})")
    await claire.tap("⚡ Maintenant")
    await claire.tap("✅ Envoyer")


async def test_announcement_reaches_everyone_with_a_live_report(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    claire, (p101, p102, p103) = await claire_and_participants(fake, 101, 102, 103)
    p103.block()
    replies = await write(claire, "Atelier argile mardi ! Apportez un tablier.")
    preview, body, audience = replies[0], replies[1], replies[2]
    assert text_of(preview).startswith("👀 Aperçu")
    assert text_of(body) == "Atelier argile mardi ! Apportez un tablier."
    assert claire.inline_buttons(audience)[0] == ["👥 Tout le monde (3)"]
    await claire.tap("👥 Tout le monde (3)")
    await claire.tap("⚡ Maintenant")
    assert "Annonce pour 3 personne(s), maintenant" in last_text(claire)
    # Nothing leaves before the confirmation.
    assert await count(database, Broadcast) == 0
    await claire.tap("✅ Envoyer")
    await run_announcements(app)
    for participant in (p101, p102):
        assert last_text(participant) == "Atelier argile mardi ! Apportez un tablier."
    report = message_starting(claire, ("📊", "✅ Annonce"))
    assert report.edits, "the report was edited as sending went on"
    assert "✅ Reçue : 2 / 3" in text_of(report)
    summary = last_text(claire)
    assert "✅ Annonce envoyée" in summary
    assert "📞 À appeler (ils ont bloqué le robot) : P103" in summary


async def test_markup_characters_are_shown_literally(app: MiroirApp, fake: FakeTelegram) -> None:
    claire, (p104,) = await claire_and_participants(fake, 104)
    await write(claire, "<b>Fête</b> & *goûter* _ [lien](x)")
    await send_now_to_everyone(claire, 1)
    await run_announcements(app)
    assert last_text(p104) == "<b>Fête</b> & *goûter* _ [lien](x)"


async def test_too_long_text_can_be_split(app: MiroirApp, fake: FakeTelegram) -> None:
    claire, (p105,) = await claire_and_participants(fake, 105)
    text = ("Une phrase assez longue pour remplir le message. " * 60 + "\n\n") * 3
    replies = await write(claire, text)
    assert "La limite est 4096" in text_of(replies[-1])
    assert f"fait {len(text.strip())} caractères" in text_of(replies[-1])
    await claire.tap("✂️ Couper en 3 messages")
    await send_now_to_everyone(claire, 1)
    await run_announcements(app)
    received = [m.text for m in p105.messages if m.text and m.text.startswith("Une phrase")]
    assert len(received) == 3  # cut at the paragraphs
    assert all(len(t) <= 4096 for t in received)


async def test_empty_audience_is_said_before_confirming(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    claire, _ = await claire_and_participants(fake, 106)
    await write(claire, "Hello")
    await claire.tap("🇬🇧 Les anglophones (0)")
    assert "Personne ne recevrait" in toast(claire)
    assert await count(database, Broadcast) == 0


async def test_date_not_understood_or_past_is_asked_again(
    app: MiroirApp, fake: FakeTelegram, clock: FrozenClock, database: Database
) -> None:
    claire, (p107,) = await claire_and_participants(fake, 107)
    await write(claire, "Sortie au musée")
    await claire.tap("👥 Tout le monde (1)")
    await claire.tap("🕐 Choisir le jour et l'heure")
    replies = await claire.send("bientôt peut-être")
    assert "Exemples" in text_of(replies[-1])
    replies = await claire.send("24/11 8h")  # this morning
    assert "déjà passé" in text_of(replies[-1])
    replies = await claire.send("demain 9h")
    assert "mercredi 25 novembre à 09:00" in text_of(replies[-1])
    await claire.tap("✅ Envoyer")
    assert "🕐 Annonce prévue mercredi 25 novembre à 09:00" in text_of(claire.messages[-2])
    await run_announcements(app)
    assert last_text(p107) != "Sortie au musée"
    clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))  # 09:00 in Dijon
    await run_announcements(app)
    assert last_text(p107) == "Sortie au musée"


async def test_scheduled_announcement_can_be_cancelled_until_it_starts(
    app: MiroirApp, fake: FakeTelegram, clock: FrozenClock
) -> None:
    claire, (p108,) = await claire_and_participants(fake, 108)
    await write(claire, "Repas partagé")
    await claire.tap("👥 Tout le monde (1)")
    await claire.tap("🕐 Choisir le jour et l'heure")
    await claire.send("demain 12h")
    await claire.tap("✅ Envoyer")
    await claire.tap("📬 Envois")
    assert "Repas partagé" in last_text(claire)
    await claire.tap("🗑️ Annuler cette annonce")
    assert "Annonce annulée" in last_text(claire)
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    await run_announcements(app)
    assert "Repas partagé" not in p108.texts


async def test_participants_cannot_announce_or_forge_the_buttons(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    _, (p109,) = await claire_and_participants(fake, 109)
    replies = await p109.send("/annonce")
    assert "pour les animateurs" in text_of(replies[-1])
    await p109.press_callback("ank:abcdefgh:1")
    assert "pour les animateurs" in toast(p109)
    await p109.press_callback("ana:all")
    assert await count(database, Broadcast) == 0
    assert await count(database, OutboxMessage) == 0


async def test_double_tap_on_send_makes_one_announcement(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    claire, (p110,) = await claire_and_participants(fake, 110)
    await write(claire, "Une seule fois")
    await claire.tap("👥 Tout le monde (1)")
    await claire.tap("⚡ Maintenant")
    confirm = last_message(claire)
    send_button = current(claire, confirm).find_button("✅ Envoyer")
    assert send_button is not None
    await asyncio.gather(
        claire.tap_in(confirm.message_id, "✅ Envoyer"),
        claire.press_callback(send_button["callback_data"], confirm.message_id),
    )
    await run_announcements(app)
    assert await count(database, Broadcast) == 1
    assert p110.texts.count("Une seule fois") == 1


async def test_urgent_ignores_quiet_hours(
    app: MiroirApp, fake: FakeTelegram, clock: FrozenClock
) -> None:
    settings = runtime(app).settings
    settings.quiet_hours_start, settings.quiet_hours_end = time(21, 0), time(8, 0)
    claire, (p111,) = await claire_and_participants(fake, 111)
    clock.set(datetime(2026, 11, 24, 22, 30, tzinfo=UTC))
    await write(claire, "Salle fermée demain (neige)")
    await claire.tap("👥 Tout le monde (1)")
    await claire.tap("⚡ Maintenant")
    assert "heure calme" in last_text(claire)
    await claire.tap("🚨 Urgent : envoyer même la nuit")
    await run_announcements(app)
    assert last_text(p111) == "Salle fermée demain (neige)"


async def test_photo_with_caption_is_previewed_and_sent(
    app: MiroirApp, fake: FakeTelegram
) -> None:
    claire, (p112,) = await claire_and_participants(fake, 112)
    await claire.tap("📣 Annonce")
    replies = await claire.send_photo(caption="Nos sculptures 🎨")
    assert replies[1].kind == "photo" and replies[1].caption == "Nos sculptures 🎨"
    await send_now_to_everyone(claire, 1)
    await run_announcements(app)
    assert last_message(p112).kind == "photo"
    assert last_message(p112).caption == "Nos sculptures 🎨"


async def test_sticker_or_empty_text_is_refused_kindly(app: MiroirApp, fake: FakeTelegram) -> None:
    claire, _ = await claire_and_participants(fake)
    await claire.tap("📣 Annonce")
    replies = await claire.send_sticker()
    assert "Envoyez un texte, une photo" in text_of(replies[-1])
    replies = await claire.send("   ")
    assert "Le message est vide" in text_of(replies[-1])


async def test_cancel_button_drops_the_draft(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    claire, _ = await claire_and_participants(fake, 117)
    await write(claire, "Brouillon")
    await claire.tap("👥 Tout le monde (1)")
    replies = await claire.tap("❌ Annuler")
    assert "C'est annulé" in text_of(replies[-1])
    await run_announcements(app)
    assert await count(database, Broadcast) == 0


async def test_cancel_at_any_step_sends_nothing(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    claire, _ = await claire_and_participants(fake, 113)
    await write(claire, "Brouillon")
    replies = await claire.send("/annuler")
    assert "C'est annulé" in text_of(replies[-1])
    # The conversation is over: the next text is not taken as an announcement.
    replies = await claire.send("Brouillon 2")
    assert "Je n'ai pas compris" in text_of(replies[-1])
    await run_announcements(app)
    assert await count(database, Broadcast) == 0


async def test_reply_to_an_announcement_reaches_the_facilitators(
    app: MiroirApp, fake: FakeTelegram
) -> None:
    claire, (p114,) = await claire_and_participants(fake, 114)
    await write(claire, "Qui vient au repas ?")
    await send_now_to_everyone(claire, 1)
    await run_announcements(app)
    announcement = last_message(p114)
    replies = await p114.reply_to(announcement.message_id, "Moi ! Avec un gâteau.")
    assert "transmis votre réponse" in text_of(replies[-1])
    await run_announcements(app)
    assert "P114 a répondu à une annonce" in last_text(claire)
    assert "Moi ! Avec un gâteau." in last_text(claire)


async def test_outbox_overview_for_facilitators(app: MiroirApp, fake: FakeTelegram) -> None:
    claire, (_p115, p116) = await claire_and_participants(fake, 115, 116)
    p116.block()
    await write(claire, "Info")
    await send_now_to_everyone(claire, 2)
    await run_announcements(app)
    replies = await claire.tap("📬 Envois")
    overview = text_of(replies[0])
    assert "✅ Envoyés aujourd'hui :" in overview
    assert "📞 À appeler : P116" in overview


async def test_caption_over_the_limit_is_refused_with_the_figures(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    claire, _ = await claire_and_participants(fake, 118)
    await claire.tap("📣 Annonce")
    replies = await claire.send_photo(caption="x" * 1100)
    assert "La légende fait 1100 caractères" in text_of(replies[-1])
    assert "La limite est 1024" in text_of(replies[-1])
    assert await count(database, Broadcast) == 0
