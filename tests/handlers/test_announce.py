"""Announcements end to end through the fake: preview, audience, time, report, replies."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time

from sqlalchemy import func, select

from bot.models import Broadcast, OutboxMessage
from scheduler.broadcasts import tick
from tests.conftest import FACILITATOR_ID
from tests.handlers.test_onboarding import onboard


def rt(app):
    return app.bot_data["runtime"]


async def deliver(app) -> None:
    """What the running bot does on its own: start due announcements, send, report."""
    await tick(rt(app), app.bot)
    await rt(app).sender.drain()
    await tick(rt(app), app.bot)
    await rt(app).sender.drain()


async def group(fake, *ids, lang="fr"):
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    members = [await onboard(fake, i, f"P{i}", lang=lang) for i in ids]
    return boss, members


async def count(database, model) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def write(boss, text: str):
    await boss.tap("📣 Annonce")
    return await boss.send(text)


async def test_announcement_reaches_everyone_with_a_live_report(app, fake, database):
    boss, (a, b, c) = await group(fake, 101, 102, 103)
    c.block()
    replies = await write(boss, "Atelier argile mardi ! Apportez un tablier.")
    texts = [m.text for m in replies]
    assert texts[0].startswith("👀 Aperçu")
    assert texts[1] == "Atelier argile mardi ! Apportez un tablier."
    assert boss.inline_buttons(replies[2])[0] == ["👥 Tout le monde (3)"]
    await boss.tap("👥 Tout le monde (3)")
    await boss.tap("⚡ Maintenant")
    assert "Annonce pour 3 personne(s), maintenant" in boss.last.text
    # Nothing leaves before the confirmation.
    assert await count(database, Broadcast) == 0
    await boss.tap("✅ Envoyer")
    await deliver(app)
    for person in (a, b):
        assert person.last.text == "Atelier argile mardi ! Apportez un tablier."
    report = next(m for m in boss.messages if (m.text or "").startswith(("📊", "✅ Annonce")))
    assert report.edits, "the report was edited as sending went on"
    assert "✅ Reçue : 2 / 3" in report.text
    summary = boss.last.text
    assert "✅ Annonce envoyée" in summary
    assert "📞 À appeler (ils ont bloqué le robot) : P103" in summary


async def test_markup_characters_are_shown_literally(app, fake):
    boss, (a,) = await group(fake, 104)
    await write(boss, "<b>Fête</b> & *goûter* _ [lien](x)")
    await boss.tap("👥 Tout le monde (1)")
    await boss.tap("⚡ Maintenant")
    await boss.tap("✅ Envoyer")
    await deliver(app)
    assert a.last.text == "<b>Fête</b> & *goûter* _ [lien](x)"


async def test_too_long_text_can_be_split(app, fake):
    boss, (a,) = await group(fake, 105)
    text = ("Une phrase assez longue pour remplir le message. " * 60 + "\n\n") * 3
    replies = await write(boss, text)
    assert "La limite est 4096" in replies[-1].text
    assert f"fait {len(text.strip())} caractères" in replies[-1].text
    await boss.tap("✂️ Couper en 3 messages")
    await boss.tap("👥 Tout le monde (1)")
    await boss.tap("⚡ Maintenant")
    await boss.tap("✅ Envoyer")
    await deliver(app)
    received = [m.text for m in a.messages if m.text and m.text.startswith("Une phrase")]
    assert len(received) == 3  # cut at the paragraphs
    assert all(len(t) <= 4096 for t in received)


async def test_empty_audience_is_said_before_confirming(app, fake, database):
    boss, _ = await group(fake, 106)
    await write(boss, "Hello")
    await boss.tap("🇬🇧 Les anglophones (0)")
    assert "Personne ne recevrait" in boss.callback_answers[-1]["text"]
    assert await count(database, Broadcast) == 0


async def test_date_not_understood_or_past_is_asked_again(app, fake, clock, database):
    boss, (a,) = await group(fake, 107)
    await write(boss, "Sortie au musée")
    await boss.tap("👥 Tout le monde (1)")
    await boss.tap("🕐 Choisir le jour et l'heure")
    replies = await boss.send("bientôt peut-être")
    assert "Exemples" in replies[-1].text
    replies = await boss.send("24/11 8h")  # this morning
    assert "déjà passé" in replies[-1].text
    replies = await boss.send("demain 9h")
    assert "mercredi 25 novembre à 09:00" in replies[-1].text
    await boss.tap("✅ Envoyer")
    assert "🕐 Annonce prévue mercredi 25 novembre à 09:00" in boss.messages[-2].text
    await deliver(app)
    assert a.last.text != "Sortie au musée"
    clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))  # 09:00 in Dijon
    await deliver(app)
    assert a.last.text == "Sortie au musée"


async def test_scheduled_announcement_can_be_cancelled_until_it_starts(app, fake, clock):
    boss, (a,) = await group(fake, 108)
    await write(boss, "Repas partagé")
    await boss.tap("👥 Tout le monde (1)")
    await boss.tap("🕐 Choisir le jour et l'heure")
    await boss.send("demain 12h")
    await boss.tap("✅ Envoyer")
    await boss.tap("📬 Envois")
    assert "Repas partagé" in boss.last.text
    await boss.tap("🗑️ Annuler cette annonce")
    assert "Annonce annulée" in boss.last.text
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    await deliver(app)
    assert "Repas partagé" not in a.texts


async def test_participants_cannot_announce_or_forge_the_buttons(app, fake, database):
    _, (a,) = await group(fake, 109)
    replies = await a.send("/annonce")
    assert "pour les animateurs" in replies[-1].text
    await a.press_callback("ank:abcdefgh:1")
    assert "pour les animateurs" in a.callback_answers[-1]["text"]
    await a.press_callback("ana:all")
    assert await count(database, Broadcast) == 0
    assert await count(database, OutboxMessage) == 0


async def test_double_tap_on_send_makes_one_announcement(app, fake, database):
    boss, (a,) = await group(fake, 110)
    await write(boss, "Une seule fois")
    await boss.tap("👥 Tout le monde (1)")
    await boss.tap("⚡ Maintenant")
    confirm = boss.last
    await asyncio.gather(
        boss.tap_in(confirm.message_id, "✅ Envoyer"),
        boss.press_callback(
            boss.fake.chats[FACILITATOR_ID]
            .find(confirm.message_id)
            .find_button("✅ Envoyer")["callback_data"],
            confirm.message_id,
        ),
    )
    await deliver(app)
    assert await count(database, Broadcast) == 1
    assert a.texts.count("Une seule fois") == 1


async def test_urgent_ignores_quiet_hours(app, fake, clock):
    settings = rt(app).settings
    settings.quiet_hours_start, settings.quiet_hours_end = time(21, 0), time(8, 0)
    boss, (a,) = await group(fake, 111)
    clock.set(datetime(2026, 11, 24, 22, 30, tzinfo=UTC))
    await write(boss, "Salle fermée demain (neige)")
    await boss.tap("👥 Tout le monde (1)")
    await boss.tap("⚡ Maintenant")
    assert "heure calme" in boss.last.text
    await boss.tap("🚨 Urgent : envoyer même la nuit")
    await deliver(app)
    assert a.last.text == "Salle fermée demain (neige)"


async def test_photo_with_caption_is_previewed_and_sent(app, fake):
    boss, (a,) = await group(fake, 112)
    await boss.tap("📣 Annonce")
    replies = await boss.send_photo(caption="Nos sculptures 🎨")
    assert replies[1].kind == "photo" and replies[1].caption == "Nos sculptures 🎨"
    await boss.tap("👥 Tout le monde (1)")
    await boss.tap("⚡ Maintenant")
    await boss.tap("✅ Envoyer")
    await deliver(app)
    assert a.last.kind == "photo"
    assert a.last.caption == "Nos sculptures 🎨"


async def test_sticker_or_empty_text_is_refused_kindly(app, fake):
    boss, _ = await group(fake)
    await boss.tap("📣 Annonce")
    replies = await boss.send_sticker()
    assert "Envoyez un texte, une photo" in replies[-1].text
    replies = await boss.send("   ")
    assert "Le message est vide" in replies[-1].text


async def test_cancel_button_drops_the_draft(app, fake, database):
    boss, _ = await group(fake, 117)
    await write(boss, "Brouillon")
    await boss.tap("👥 Tout le monde (1)")
    replies = await boss.tap("❌ Annuler")
    assert "C'est annulé" in replies[-1].text
    await deliver(app)
    assert await count(database, Broadcast) == 0


async def test_cancel_at_any_step_sends_nothing(app, fake, database):
    boss, _ = await group(fake, 113)
    await write(boss, "Brouillon")
    replies = await boss.send("/annuler")
    assert "C'est annulé" in replies[-1].text
    # The conversation is over: the next text is not taken as an announcement.
    replies = await boss.send("Brouillon 2")
    assert "Je n'ai pas compris" in replies[-1].text
    await deliver(app)
    assert await count(database, Broadcast) == 0


async def test_reply_to_an_announcement_reaches_the_facilitators(app, fake):
    boss, (a,) = await group(fake, 114)
    await write(boss, "Qui vient au repas ?")
    await boss.tap("👥 Tout le monde (1)")
    await boss.tap("⚡ Maintenant")
    await boss.tap("✅ Envoyer")
    await deliver(app)
    announcement = a.last
    replies = await a.reply_to(announcement.message_id, "Moi ! Avec un gâteau.")
    assert "transmis votre réponse" in replies[-1].text
    await deliver(app)
    assert "P114 a répondu à une annonce" in boss.last.text
    assert "Moi ! Avec un gâteau." in boss.last.text


async def test_outbox_overview_for_facilitators(app, fake):
    boss, (_a, b) = await group(fake, 115, 116)
    b.block()
    await write(boss, "Info")
    await boss.tap("👥 Tout le monde (2)")
    await boss.tap("⚡ Maintenant")
    await boss.tap("✅ Envoyer")
    await deliver(app)
    replies = await boss.tap("📬 Envois")
    text = replies[0].text
    assert "✅ Envoyés aujourd'hui :" in text
    assert "📞 À appeler : P116" in text


async def test_caption_over_the_limit_is_refused_with_the_figures(app, fake, database):
    boss, _ = await group(fake, 118)
    await boss.tap("📣 Annonce")
    replies = await boss.send_photo(caption="x" * 1100)
    assert "La légende fait 1100 caractères" in replies[-1].text
    assert "La limite est 1024" in replies[-1].text
    assert await count(database, Broadcast) == 0
