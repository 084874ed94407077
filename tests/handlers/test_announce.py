"""Announcements end to end through the fake: preview, audience, time, report, replies.

Every announcement says who writes ("📣 Message de Claire") and carries "💬 Répondre";
the preview Claire sees is exactly that.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time

from sqlalchemy import select

from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.models import Broadcast, OutboxMessage, Project, ProjectStatus
from bot.models.projects import SupportKind
from bot.sandbox.fake_telegram import FakeTelegram, FakeUser, StoredMessage
from bot.services import project_board
from scheduler import broadcasts
from tests.utils import (
    START,
    Language,
    count,
    current,
    deliver,
    last_message,
    last_text,
    message_starting,
    messages_starting,
    onboard,
    onboard_claire,
    outbox_rows,
    runtime,
    stored_person,
    text_of,
    toast,
)

# What every announcement of Claire's starts with, in French.
FROM_CLAIRE = "📣 Message de Claire\n\n"


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


def received(person: FakeUser, text: str) -> list[StoredMessage]:
    """The messages of this person's chat (text or caption) that hold `text`."""
    return [m for m in person.messages if text in (m.content or "")]


async def reply_with_voice(person: FakeUser, message_id: int) -> tuple[str, list[StoredMessage]]:
    """A voice note sent with Telegram's Reply (the fake's send_voice has no reply_to):
    Telegram's id of the file, and the bot's replies."""
    fake = person.fake
    record = fake._new_file("voice", b"OggS-fake-voice", mime_type="audio/ogg")
    voice = fake._file_object(record, "voice", {"duration": 4})
    return record.file_id, await fake._post_user(
        person.chat,
        person,
        "voice",
        payload={"voice": voice},
        file_id=record.file_id,
        reply_to=message_id,
    )


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
    # The preview is what participants get: who writes, the text, and "💬 Répondre".
    assert text_of(body) == FROM_CLAIRE + "Atelier argile mardi ! Apportez un tablier."
    assert claire.inline_buttons(body) == [["💬 Répondre"]]
    assert claire.inline_buttons(audience)[0] == ["👥 Tout le monde (3)"]
    await claire.tap("👥 Tout le monde (3)")
    await claire.tap("⚡ Maintenant")
    assert "Annonce pour 3 personnes, maintenant" in last_text(claire)
    # Nothing leaves before the confirmation.
    assert await count(database, Broadcast) == 0
    await claire.tap("✅ Envoyer")
    await run_announcements(app)
    for participant in (p101, p102):
        announcement = last_message(participant)
        assert text_of(announcement) == text_of(body)
        assert participant.inline_buttons(announcement) == [["💬 Répondre"]]
    report = message_starting(claire, ("📊", "✅ Annonce"))
    assert report.edits, "the report was edited as sending went on"
    final = text_of(report)
    assert "✅ Reçue : 2 / 3" in final
    assert "✅ Annonce envoyée" in final
    assert "📞 À appeler (ils ont bloqué le robot) : P103" in final


async def test_the_final_report_comes_once(app: MiroirApp, fake: FakeTelegram) -> None:
    """The report message is edited to the final figures; no second, identical message."""
    claire, (_p119, p120) = await claire_and_participants(fake, 119, 120)
    p120.block()
    await write(claire, "Goûter vendredi")
    await send_now_to_everyone(claire, 2)
    for _ in range(3):  # the scheduler goes on ticking after the end
        await run_announcements(app)
    reports = messages_starting(claire, ("📊", "✅ Annonce"))
    assert len(reports) == 1
    assert text_of(reports[0]).startswith("✅ Annonce envoyée")
    assert len(received(claire, "📞 À appeler (ils ont bloqué le robot) : P120")) == 1


async def test_english_participants_read_who_writes_in_english(
    app: MiroirApp, fake: FakeTelegram
) -> None:
    claire, (john,) = await claire_and_participants(fake, 121, language="en")
    await write(claire, "Clay workshop on Tuesday")
    await send_now_to_everyone(claire, 1)
    await run_announcements(app)
    assert last_text(john) == "📣 Message from Claire\n\nClay workshop on Tuesday"
    assert john.inline_buttons(last_message(john)) == [["💬 Reply"]]


async def test_markup_characters_are_shown_literally(app: MiroirApp, fake: FakeTelegram) -> None:
    claire, (p104,) = await claire_and_participants(fake, 104)
    await write(claire, "<b>Fête</b> & *goûter* _ [lien](x)")
    await send_now_to_everyone(claire, 1)
    await run_announcements(app)
    assert last_text(p104) == FROM_CLAIRE + "<b>Fête</b> & *goûter* _ [lien](x)"


async def test_too_long_text_can_be_split(app: MiroirApp, fake: FakeTelegram) -> None:
    claire, (p105,) = await claire_and_participants(fake, 105)
    text = ("Une phrase assez longue pour remplir le message. " * 60 + "\n\n") * 3
    replies = await write(claire, text)
    # The limit leaves room for the header ("📣 Message de Claire").
    assert "La limite est 3996" in text_of(replies[-1])
    assert f"fait {len(text.strip())} caractères" in text_of(replies[-1])
    await claire.tap("✂️ Couper en 3 messages")
    await send_now_to_everyone(claire, 1)
    await run_announcements(app)
    parts = received(p105, "Une phrase")
    assert len(parts) == 3  # cut at the paragraphs
    assert all(len(text_of(part)) <= 4096 for part in parts)
    # Who writes comes first, "💬 Répondre" under the last part only.
    assert text_of(parts[0]).startswith(FROM_CLAIRE + "Une phrase")
    assert [p105.inline_buttons(part) for part in parts] == [[], [], [["💬 Répondre"]]]


async def test_empty_audience_is_said_before_confirming(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    claire, _ = await claire_and_participants(fake, 106)
    await write(claire, "Hello")
    await claire.tap("🇬🇧 Les anglophones (0)")
    assert "Personne n'est dans ce groupe" in toast(claire)
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
    assert "Annonce pour 1 personne, mercredi 25 novembre à 9 h" in text_of(replies[-1])
    await claire.tap("✅ Envoyer")
    assert "🕐 Annonce prévue mercredi 25 novembre à 9 h" in text_of(claire.messages[-2])
    await run_announcements(app)
    assert received(p107, "Sortie au musée") == []
    clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))  # 9 h in Dijon
    await run_announcements(app)
    assert last_text(p107) == FROM_CLAIRE + "Sortie au musée"


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
    assert "Vous avez annulé l'annonce" in last_text(claire)
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    await run_announcements(app)
    assert received(p108, "Repas partagé") == []


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
    assert len(received(p110, "Une seule fois")) == 1


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
    assert "l'annonce part à 8 h" in last_text(claire)
    await claire.tap("🚨 Urgent : envoyer même la nuit")
    await run_announcements(app)
    assert last_text(p111) == FROM_CLAIRE + "Salle fermée demain (neige)"


async def test_photo_with_caption_is_previewed_and_sent(
    app: MiroirApp, fake: FakeTelegram
) -> None:
    claire, (p112,) = await claire_and_participants(fake, 112)
    await claire.tap("📣 Annonce")
    replies = await claire.send_photo(caption="Nos sculptures 🎨")
    preview = replies[1]
    assert preview.kind == "photo" and preview.caption == FROM_CLAIRE + "Nos sculptures 🎨"
    assert claire.inline_buttons(preview) == [["💬 Répondre"]]
    await send_now_to_everyone(claire, 1)
    await run_announcements(app)
    photo = last_message(p112)
    assert photo.kind == "photo"
    assert photo.caption == FROM_CLAIRE + "Nos sculptures 🎨"
    assert p112.inline_buttons(photo) == [["💬 Répondre"]]


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
    assert text_of(replies[-1]) == "✅ C'est envoyé.\n👀 Claire va le lire."
    await run_announcements(app)
    assert last_text(claire) == (
        "💬 P114 répond à une annonce :\n📣 « Qui vient au repas ? »\n\nMoi ! Avec un gâteau."
    )


async def test_a_voice_note_in_reply_to_an_announcement_is_passed_on(
    app: MiroirApp, fake: FakeTelegram
) -> None:
    claire, (p122,) = await claire_and_participants(fake, 122)
    await write(claire, "Qui vient au repas ?")
    await send_now_to_everyone(claire, 1)
    await run_announcements(app)
    file_id, replies = await reply_with_voice(p122, last_message(p122).message_id)
    assert "C'est envoyé" in text_of(replies[-1])
    await run_announcements(app)
    voice = last_message(claire)
    assert voice.kind == "voice"
    assert voice.file_id == file_id  # Telegram's file, passed on as is
    assert voice.caption == "💬 P122 répond à une annonce :\n📣 « Qui vient au repas ? »"


async def test_the_reply_button_asks_for_the_answer(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    claire, (p123,) = await claire_and_participants(fake, 123)
    await write(claire, "Sortie au lac samedi")
    await send_now_to_everyone(claire, 1)
    await run_announcements(app)
    replies = await p123.tap("💬 Répondre")
    assert text_of(replies[-1]).startswith("💬 Écrivez votre réponse ici.")
    assert "👀 Claire va le lire." in text_of(replies[-1])
    replies = await p123.send_photo(caption="Mon maillot est prêt")
    assert "C'est envoyé" in text_of(replies[-1])
    await run_announcements(app)
    photo = last_message(claire)
    assert photo.kind == "photo"
    assert photo.caption == (
        "💬 P123 répond à une annonce :\n📣 « Sortie au lac samedi »\n\nMon maillot est prêt"
    )
    # The answer is sent: the next message is not taken as another answer.
    before = len(await outbox_rows(database))
    replies = await p123.send("Merci !")
    assert "Je l'envoie aux animateurs ?" in text_of(replies[-1])
    assert len(await outbox_rows(database)) == before


async def test_the_reply_button_can_be_left(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    claire, (p124,) = await claire_and_participants(fake, 124)
    await write(claire, "Sortie au lac samedi")
    await send_now_to_everyone(claire, 1)
    await run_announcements(app)
    await p124.tap("💬 Répondre")
    replies = await p124.tap("❌ Annuler")
    assert "Je n'ai rien envoyé" in text_of(replies[-1])
    before = len(await outbox_rows(database))
    await p124.send("Finalement non")  # not an answer any more: the bot asks first
    assert "Je l'envoie aux animateurs ?" in last_text(p124)
    assert len(await outbox_rows(database)) == before


async def test_the_reply_button_of_the_preview_says_what_it_is(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    claire, _ = await claire_and_participants(fake, 125)
    await write(claire, "Essai")
    await claire.tap("💬 Répondre")
    assert "C'est un aperçu" in toast(claire)
    await claire.tap("❌ Annuler")
    assert await count(database, Broadcast) == 0


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
    replies = await claire.send_photo(caption="x" * 1000)
    assert "La légende fait 1000 caractères" in text_of(replies[-1])
    # The limit leaves room for the header ("📣 Message de Claire").
    assert "La limite est 924" in text_of(replies[-1])
    assert await count(database, Broadcast) == 0


# --- a project's supporters or volunteers ---------------------------------------------


async def project_with(
    database: Database,
    title: str,
    *,
    supporters: tuple[FakeUser, ...] = (),
    volunteers: tuple[FakeUser, ...] = (),
) -> int:
    """An open project, and the people who tapped 👍 or 🙋 on its card."""
    async with database.transaction() as session:
        project = Project(
            title=title,
            description="Des mots",
            status=ProjectStatus.OPEN,
            created_at=START,
            updated_at=START,
            submitted_at=START,
            published_at=START,
        )
        session.add(project)
        await session.flush()
        project_id = project.id
    await join(database, project_id, SupportKind.SUPPORT, *supporters)
    await join(database, project_id, SupportKind.VOLUNTEER, *volunteers)
    return project_id


async def join(database: Database, project_id: int, kind: SupportKind, *people: FakeUser) -> None:
    for person in people:
        row = await stored_person(database, person.id)
        assert row is not None
        async with database.transaction() as session:
            await project_board.toggle(
                session, project_id=project_id, person_id=row.id, kind=kind, now=START
            )


async def test_an_announcement_to_a_projects_volunteers_reaches_only_them(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    claire, (p131, p132, p133, p134) = await claire_and_participants(fake, 131, 132, 133, 134)
    await project_with(database, "Jardin", supporters=(p133,), volunteers=(p131, p132))
    await project_with(database, "Sortie", volunteers=(p134,))
    await project_with(database, "Chorale", supporters=(p134,))
    replies = await write(claire, "Rendez-vous au jardin samedi")
    audiences = claire.inline_buttons(replies[-1])
    assert ["👍 Soutiens d'un projet"] in audiences
    assert ["🙋 Volontaires d'un projet"] in audiences
    await claire.tap("🙋 Volontaires d'un projet")
    picker = last_message(claire)
    assert claire.inline_buttons(picker) == [
        ["Sortie (1)"],
        ["Jardin (2)"],
        ["⬅️ Retour"],
        ["❌ Annuler"],
    ]
    await claire.tap("Jardin (2)")
    assert text_of(current(claire, picker)) == "👥 Public : 🙋 Volontaires de « Jardin » (2)"
    await claire.tap("⚡ Maintenant")
    assert "Annonce pour 2 personnes, maintenant" in last_text(claire)
    await claire.tap("✅ Envoyer")
    await run_announcements(app)
    for volunteer in (p131, p132):
        assert last_text(volunteer) == FROM_CLAIRE + "Rendez-vous au jardin samedi"
    for other in (p133, p134):
        assert received(other, "Rendez-vous au jardin") == []


async def test_the_projects_list_leads_back_to_the_audiences(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    claire, (p135,) = await claire_and_participants(fake, 135)
    await project_with(database, "Jardin", supporters=(p135,))
    replies = await write(claire, "Bonjour")
    # Nobody volunteers yet: only the supporters' audience is offered.
    assert ["🙋 Volontaires d'un projet"] not in claire.inline_buttons(replies[-1])
    await claire.tap("👍 Soutiens d'un projet")
    await claire.tap("⬅️ Retour")
    assert claire.inline_buttons(last_message(claire))[0] == ["👥 Tout le monde (1)"]
    await claire.tap("👥 Tout le monde (1)")
    assert "👥 Public : 👥 Tout le monde (1)" in text_of(claire.messages[-2])


async def test_a_scheduled_announcement_to_supporters_takes_them_when_it_starts(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire, (p136, p137, p138) = await claire_and_participants(fake, 136, 137, 138)
    project_id = await project_with(database, "Fresque", supporters=(p136,))
    await write(claire, "Peinture jeudi")
    await claire.tap("👍 Soutiens d'un projet")
    await claire.tap("Fresque (1)")
    await claire.tap("🕐 Choisir le jour et l'heure")
    await claire.send("demain 9h")
    await claire.tap("✅ Envoyer")
    async with database.transaction() as session:
        broadcast = await session.scalar(select(Broadcast))
        assert broadcast is not None
        assert (broadcast.audience, broadcast.audience_param) == ("pjs", str(project_id))
    await join(database, project_id, SupportKind.SUPPORT, p137)  # supports in the meantime
    clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))  # 9 h in Dijon
    await run_announcements(app)
    for supporter in (p136, p137):
        assert last_text(supporter) == FROM_CLAIRE + "Peinture jeudi"
    assert received(p138, "Peinture jeudi") == []


async def test_a_forged_project_audience_is_stale(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    claire, (p139,) = await claire_and_participants(fake, 139)
    await project_with(database, "Jardin", supporters=(p139,))
    await write(claire, "Bonjour")
    await claire.press_callback("anp:pjs:99999")
    assert toast(claire).startswith("⌛ Ce bouton ne marche plus.")
    await claire.press_callback("anp:pjv:1")  # nobody volunteers
    assert "Personne n'est dans ce groupe" in toast(claire)
    assert await count(database, Broadcast) == 0
