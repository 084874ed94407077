"""Onboarding through the fake Telegram: language, privacy consent, menu, help."""

from __future__ import annotations

import asyncio

from bot.context import MiroirApp
from bot.db import Database
from bot.sandbox.fake_telegram import FakeTelegram
from bot.sandbox.fake_telegram.records import RequestRecord
from handlers.keyboards import LANGUAGE_CHOICE
from tests.utils import (
    FACILITATOR_ID,
    command_list,
    current,
    deliver,
    last_text,
    menu,
    messages_starting,
    onboard,
    onboard_claire,
    runtime,
    stored_person,
    text_of,
)


async def test_newcomer_is_asked_for_a_language_in_the_guessed_one(
    app: MiroirApp, fake: FakeTelegram
) -> None:
    nadia = fake.user(1, "Nadia", language_code="fr-FR")
    replies = await nadia.send("/start")
    assert len(replies) == 1
    assert "Choisissez votre langue" in text_of(replies[0])
    assert nadia.inline_buttons(replies[0]) == [["🇫🇷 Français", "🇬🇧 English"]]


async def test_english_telegram_gets_english_first(app: MiroirApp, fake: FakeTelegram) -> None:
    john = fake.user(2, "John", language_code="en")
    replies = await john.send("/start")
    assert "Choose your language" in text_of(replies[0])


async def test_full_onboarding_in_french(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    nadia = fake.user(3, "Nadia", language_code="fr")
    await nadia.send("/start")
    replies = await nadia.tap("🇫🇷 Français")
    notice = replies[-1]
    assert "Vos informations" in text_of(notice)
    assert nadia.inline_buttons(notice) == [["✅ Je suis d'accord"], ["❌ Non merci"]]
    kept = await stored_person(database, 3)
    assert kept is not None and kept.consent_at is None

    replies = await nadia.tap("✅ Je suis d'accord")
    # Welcome and menu come in one message: the big buttons with the first words.
    with_menu = [m for m in replies if m.reply_keyboard is not None]
    assert len(with_menu) == 1
    welcome = text_of(with_menu[0])
    assert welcome.startswith("🎉 Bienvenue, Nadia !")
    assert welcome.endswith("👇 Voici le menu. Touchez un bouton.")
    assert nadia.reply_keyboard == [
        ["📅 Prochains ateliers", "🙂 Mon humeur"],
        ["💡 Projets", "❓ Aide"],
    ]
    kept = await stored_person(database, 3)
    assert kept is not None and kept.consent_at is not None
    # The tapped notice lost its buttons: it cannot be answered twice by mistake.
    assert nadia.inline_buttons(notice) == []


async def test_choosing_english_switches_every_following_message(
    app: MiroirApp, fake: FakeTelegram
) -> None:
    john = fake.user(4, "John", language_code="fr")
    await john.send("/start")
    replies = await john.tap("🇬🇧 English")
    assert "Your information" in text_of(replies[-1])
    replies = await john.tap("✅ I agree")
    assert "🎉 Welcome, John!" in text_of(replies[-1])
    assert menu(john)[0] == ["📅 Next workshops", "🙂 My mood"]


async def test_nothing_works_before_consent(app: MiroirApp, fake: FakeTelegram) -> None:
    nadia = fake.user(5, "Nadia")
    await nadia.send("/start")
    replies = await nadia.send("/menu")
    assert "Vos informations" in text_of(replies[-1])
    assert nadia.reply_keyboard is None


async def test_refusing_consent_keeps_nothing(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    nadia = fake.user(6, "Nadia")
    await nadia.send("/start")
    await nadia.tap("🇫🇷 Français")
    replies = await nadia.tap("❌ Non merci")
    assert "Je n'ai rien gardé" in text_of(replies[-1])
    assert await stored_person(database, 6) is None
    # Changing her mind needs no command to type: a button starts again.
    assert "/start" not in text_of(replies[-1])
    replies = await nadia.tap("🔄 Recommencer")
    assert "Choisissez votre langue" in text_of(replies[-1])
    await nadia.tap("🇫🇷 Français")
    await nadia.tap("✅ Je suis d'accord")
    assert menu(nadia)[0] == ["📅 Prochains ateliers", "🙂 Mon humeur"]


async def test_start_again_just_shows_the_menu(app: MiroirApp, fake: FakeTelegram) -> None:
    ana = await onboard(fake, 7)
    replies = await ana.send("/start")
    assert len(replies) == 1
    assert "Voici le menu" in text_of(replies[0])


async def test_help_lists_what_the_buttons_do(app: MiroirApp, fake: FakeTelegram) -> None:
    ana = await onboard(fake, 8)
    replies = await ana.tap("❓ Aide")
    assert "Prochains ateliers" in text_of(replies[-1])
    assert "animateurs :" not in text_of(replies[-1])
    assert "/" not in text_of(replies[-1])  # nothing to type: buttons
    replies = await ana.send("/help")
    assert "❓ Aide" in text_of(replies[-1])


async def test_help_gives_a_real_way_to_reach_a_person(app: MiroirApp, fake: FakeTelegram) -> None:
    claire = await onboard_claire(fake)
    ana = await onboard(fake, 14, "Ana")
    replies = await ana.tap("❓ Aide")
    assert "👀 Claire lit vos messages." in text_of(replies[-1])
    assert "📞" not in text_of(replies[-1])  # no phone number set
    assert ana.inline_buttons(replies[-1]) == [
        ["💬 Écrire aux animateurs"],
        ["🌐 Changer de langue"],
        ["📄 Mes données"],
        ["🗑️ Effacer mes données"],
    ]
    runtime(app).settings.contact_phone = "03 80 12 34 56"
    replies = await ana.tap("❓ Aide")
    assert "📞 Vous pouvez aussi appeler le 03 80 12 34 56." in text_of(replies[-1])

    replies = await ana.tap("💬 Écrire aux animateurs")
    assert text_of(replies[-1]).startswith("✍️ Écrivez votre message ici.")
    assert "👀 Claire va le lire." in text_of(replies[-1])
    replies = await ana.send("Je serai en retard mardi")
    # She chose to write: it goes at once, and she learns who reads it.
    assert text_of(replies[-1]) == "✅ C'est envoyé.\n👀 Claire va le lire."
    await deliver(app)
    assert last_text(claire) == "💬 Message de Ana :\n\nJe serai en retard mardi"


async def test_help_changes_language_with_a_button(app: MiroirApp, fake: FakeTelegram) -> None:
    ana = await onboard(fake, 15)
    await ana.tap("❓ Aide")
    await ana.tap("🌐 Changer de langue")
    await ana.tap("🇬🇧 English")
    replies = await ana.tap("❓ Help")
    assert text_of(replies[-1]).startswith("❓ Help")


async def test_facilitators_help_names_the_group_command_in_their_language(
    app: MiroirApp, fake: FakeTelegram
) -> None:
    claire = await onboard_claire(fake)
    french = text_of((await claire.tap("❓ Aide"))[-1])
    assert "écrivez /lier dans le groupe" in french
    assert "/aide" in french
    await claire.send("/language")
    await claire.tap("🇬🇧 English")
    english = text_of((await claire.tap("❓ Help"))[-1])
    assert "type /link in the group" in english
    assert "/help" in english
    assert "/lier" not in english


async def test_language_can_be_switched_any_time(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    ana = await onboard(fake, 9)
    await ana.send("/language")
    replies = await ana.tap("🇬🇧 English")
    assert any("English" in (m.text or "") for m in replies)
    assert menu(ana)[0] == ["📅 Next workshops", "🙂 My mood"]
    kept = await stored_person(database, 9)
    assert kept is not None and kept.language == "en"
    # Her own "/" command list follows the language she chose.
    assert any(c["description"] == "Change language" for c in command_list(fake, chat_id=9))


async def test_mood_and_projects_are_in_the_menu_help_and_notice(
    app: MiroirApp, fake: FakeTelegram
) -> None:
    """Mood check-ins and projects: a button each, a line in help and in the notice."""
    ana = fake.user(10, "Ana")
    await ana.send("/start")
    notice = text_of((await ana.tap("🇫🇷 Français"))[-1])
    await ana.tap("✅ Je suis d'accord")
    shown = [label for row in menu(ana) for label in row]
    help_text = text_of((await ana.send("/aide"))[-1])
    assert "🙂 Mon humeur" in shown and "💡 Projets" in shown
    assert "🙂 Pour dire comment vous allez, touchez « Mon humeur »." in help_text
    assert "💡 Pour voir ou proposer un projet, touchez « Projets »." in help_text
    assert "• Votre humeur : je vous demande d'abord votre accord." in notice
    assert "• Vos votes pour le budget restent secrets : personne ne voit votre nom." in notice


async def test_facilitators_get_their_menu_and_commands(
    app: MiroirApp, fake: FakeTelegram
) -> None:
    claire = await onboard_claire(fake)
    assert menu(claire)[2:] == [
        ["📣 Annonce", "📬 Envois"],
        ["🗓️ Calendrier", "🔗 Inviter un animateur"],
        ["📊 Humeur du groupe", "📊 Tableau de bord"],
    ]
    her_commands = command_list(fake, chat_id=FACILITATOR_ID)
    assert "inviter" in [c["command"] for c in her_commands]


async def test_default_commands_are_set_in_both_languages(
    app: MiroirApp, fake: FakeTelegram
) -> None:
    fr = command_list(fake, language="fr")
    en = command_list(fake, language="en")
    # Each list names the commands in its own language; both names always work.
    assert [c["command"] for c in fr] == [
        "seances",
        "humeur",
        "projets",
        "proposer",
        "menu",
        "aide",
        "langue",
        "mes_donnees",
        "oublier",
        "annuler",
    ]
    assert [c["command"] for c in en] == [
        "sessions",
        "mood",
        "projects",
        "propose",
        "menu",
        "help",
        "language",
        "mydata",
        "forget",
        "cancel",
    ]
    assert any(c["description"] == "Aide" for c in fr)
    assert any(c["description"] == "Help" for c in en)


async def test_invitation_link_makes_a_facilitator_once(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    claire = await onboard_claire(fake)
    replies = await claire.tap("🔗 Inviter un animateur")
    link = text_of(replies[-1])
    assert link.startswith("https://t.me/miroir_test_bot?start=inv_")
    payload = link.split("start=")[1]

    karim = fake.user(11, "Karim")
    replies = await karim.send(f"/start {payload}")
    assert "animateur" in text_of(replies[0])
    await karim.tap("🇫🇷 Français")
    await karim.tap("✅ Je suis d'accord")
    assert menu(karim)[2] == ["📣 Annonce", "📬 Envois"]

    lea = fake.user(12, "Léa")
    replies = await lea.send(f"/start {payload}")
    assert "déjà servi" in text_of(replies[0])
    kept = await stored_person(database, 12)
    assert kept is not None and not kept.is_facilitator


async def test_participant_cannot_invite(app: MiroirApp, fake: FakeTelegram) -> None:
    ana = await onboard(fake, 13)
    replies = await ana.send("/invite")
    assert "pour les animateurs" in text_of(replies[-1])
    replies = await ana.send("🔗 Inviter un animateur")
    assert "pour les animateurs" in text_of(replies[-1])


# --- double taps on the language buttons ------------------------------------------------


def edits_of(fake: FakeTelegram, message_id: int) -> list[RequestRecord]:
    """Every request the bot made to change the text of this message."""
    return [r for r in fake.calls("editMessageText") if r.params.get("message_id") == message_id]


def refused(fake: FakeTelegram) -> list[RequestRecord]:
    """Requests Telegram would have answered with an error (400 "message is not modified"...)."""
    return [r for r in fake.requests if not r.ok]


async def test_a_replayed_language_tap_sends_no_identical_edit(
    app: MiroirApp, fake: FakeTelegram
) -> None:
    nadia = fake.user(20, "Nadia")
    question = (await nadia.send("/start"))[-1]
    await nadia.tap("🇫🇷 Français")
    assert text_of(current(nadia, question)) == "✅ Langue : français"
    # The buttons are gone; an old copy of the message (or a forged update) taps again.
    await nadia.press_callback(LANGUAGE_CHOICE.make("fr"), question.message_id)
    assert len(edits_of(fake, question.message_id)) == 1
    assert refused(fake) == []


async def test_two_language_taps_in_flight_make_one_edit(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    nadia = fake.user(21, "Nadia")
    question = (await nadia.send("/start"))[-1]
    await asyncio.gather(
        nadia.tap_in(question.message_id, "🇫🇷 Français"),
        nadia.press_callback(LANGUAGE_CHOICE.make("fr"), question.message_id),
    )
    assert len(edits_of(fake, question.message_id)) == 1
    assert refused(fake) == []
    assert text_of(current(nadia, question)) == "✅ Langue : français"
    # One privacy notice, not two: the second tap only stops its spinner.
    assert len(messages_starting(nadia, "🔒 Vos informations")) == 1
    kept = await stored_person(database, 21)
    assert kept is not None and kept.language == "fr"


async def test_a_double_tap_when_changing_language_later_makes_one_edit(
    app: MiroirApp, fake: FakeTelegram
) -> None:
    ana = await onboard(fake, 22)
    question = (await ana.send("/langue"))[-1]
    await asyncio.gather(
        ana.tap_in(question.message_id, "🇬🇧 English"),
        ana.press_callback(LANGUAGE_CHOICE.make("en"), question.message_id),
    )
    await ana.press_callback(LANGUAGE_CHOICE.make("en"), question.message_id)
    assert len(edits_of(fake, question.message_id)) == 1
    assert refused(fake) == []
    assert text_of(current(ana, question)) == "✅ Language: English"
    assert len(messages_starting(ana, "👍 I will speak English with you.")) == 1
