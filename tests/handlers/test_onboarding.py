"""Onboarding through the fake Telegram: language, privacy consent, menu, help."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Person
from tests.conftest import FACILITATOR_ID


async def _person(database, telegram_id: int) -> Person | None:
    async with database.transaction() as session:
        return await session.scalar(select(Person).where(Person.telegram_id == telegram_id))


async def onboard(fake, user_id: int = 42, name: str = "Nadia", lang: str | None = "fr"):
    """A newcomer goes through /start, language and consent; returns the user."""
    user = fake.user(user_id, name, language_code=lang)
    await user.send("/start")
    await user.tap("🇫🇷 Français" if lang != "en" else "🇬🇧 English")
    await user.tap("✅ Je suis d'accord" if lang != "en" else "✅ I agree")
    return user


async def test_newcomer_is_asked_for_a_language_in_the_guessed_one(app, fake):
    user = fake.user(1, "Nadia", language_code="fr-FR")
    replies = await user.send("/start")
    assert len(replies) == 1
    assert "Choisissez votre langue" in replies[0].text
    assert user.inline_buttons(replies[0]) == [["🇫🇷 Français", "🇬🇧 English"]]


async def test_english_telegram_gets_english_first(app, fake):
    user = fake.user(2, "John", language_code="en")
    replies = await user.send("/start")
    assert "Choose your language" in replies[0].text


async def test_full_onboarding_in_french(app, fake, database):
    user = fake.user(3, "Nadia", language_code="fr")
    await user.send("/start")
    replies = await user.tap("🇫🇷 Français")
    notice = replies[-1]
    assert "Vos informations" in notice.text
    assert user.inline_buttons(notice) == [["✅ Je suis d'accord"], ["❌ Non merci"]]
    person = await _person(database, 3)
    assert person is not None and person.consent_at is None

    replies = await user.tap("✅ Je suis d'accord")
    texts = [m.text for m in replies]
    assert any("Bienvenue, Nadia" in (t or "") for t in texts)
    assert user.reply_keyboard == [
        ["📅 Prochaines séances", "🙂 Mon humeur"],
        ["🌱 Projets", "❓ Aide"],
    ]
    person = await _person(database, 3)
    assert person is not None and person.consent_at is not None
    # The tapped notice lost its buttons: it cannot be answered twice by mistake.
    assert user.inline_buttons(notice) == []


async def test_choosing_english_switches_every_following_message(app, fake):
    user = fake.user(4, "John", language_code="fr")
    await user.send("/start")
    replies = await user.tap("🇬🇧 English")
    assert "Your information" in replies[-1].text
    await user.tap("✅ I agree")
    assert user.reply_keyboard[0] == ["📅 Next sessions", "🙂 My mood"]


async def test_nothing_works_before_consent(app, fake):
    user = fake.user(5, "Nadia")
    await user.send("/start")
    replies = await user.send("/menu")
    assert "Vos informations" in replies[-1].text
    assert user.reply_keyboard is None


async def test_refusing_consent_keeps_nothing(app, fake, database):
    user = fake.user(6, "Nadia")
    await user.send("/start")
    await user.tap("🇫🇷 Français")
    replies = await user.tap("❌ Non merci")
    assert "Je n'ai rien gardé" in replies[-1].text
    assert await _person(database, 6) is None


async def test_start_again_just_shows_the_menu(app, fake):
    user = await onboard(fake, 7)
    replies = await user.send("/start")
    assert len(replies) == 1
    assert "Voici le menu" in replies[0].text


async def test_help_lists_what_the_buttons_do(app, fake):
    user = await onboard(fake, 8)
    replies = await user.tap("❓ Aide")
    assert "Prochaines séances" in replies[-1].text
    assert "animateurs :" not in replies[-1].text
    replies = await user.send("/help")
    assert "❓ Aide" in replies[-1].text


async def test_language_can_be_switched_any_time(app, fake, database):
    user = await onboard(fake, 9)
    await user.send("/language")
    replies = await user.tap("🇬🇧 English")
    assert any("English" in (m.text or "") for m in replies)
    assert user.reply_keyboard[0] == ["📅 Next sessions", "🙂 My mood"]
    person = await _person(database, 9)
    assert person is not None and person.language == "en"
    # Their own "/" command list follows the language they chose.
    scoped = fake.commands({"type": "chat", "chat_id": 9})
    assert any(c["description"] == "Change language" for c in scoped)


async def test_menu_entries_not_built_yet_answer_kindly(app, fake):
    user = await onboard(fake, 10)
    replies = await user.tap("🙂 Mon humeur")
    assert "Bientôt" in replies[-1].text


async def test_facilitators_get_their_menu_and_commands(app, fake):
    user = await onboard(fake, FACILITATOR_ID, "Claire")
    assert user.reply_keyboard[2:] == [
        ["📣 Annonce", "🗓️ Calendrier"],
        ["📬 Envois", "🔗 Inviter un animateur"],
    ]
    scoped = fake.commands({"type": "chat", "chat_id": FACILITATOR_ID})
    assert "invite" in [c["command"] for c in scoped]


async def test_default_commands_are_set_in_both_languages(app, fake):
    fr = fake.commands(None, "fr")
    en = fake.commands(None, "en")
    assert [c["command"] for c in fr] == [c["command"] for c in en]
    assert "invite" not in [c["command"] for c in fr]
    assert any(c["description"] == "Aide" for c in fr)
    assert any(c["description"] == "Help" for c in en)


async def test_invitation_link_makes_a_facilitator_once(app, fake, database):
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    replies = await boss.tap("🔗 Inviter un animateur")
    link = replies[-1].text
    assert link.startswith("https://t.me/miroir_test_bot?start=inv_")
    payload = link.split("start=")[1]

    newcomer = fake.user(11, "Karim")
    replies = await newcomer.send(f"/start {payload}")
    assert "animateur" in replies[0].text
    await newcomer.tap("🇫🇷 Français")
    await newcomer.tap("✅ Je suis d'accord")
    assert newcomer.reply_keyboard[2] == ["📣 Annonce", "🗓️ Calendrier"]

    third = fake.user(12, "Léa")
    replies = await third.send(f"/start {payload}")
    assert "déjà servi" in replies[0].text
    person = await _person(database, 12)
    assert person is not None and not person.is_facilitator


async def test_participant_cannot_invite(app, fake):
    user = await onboard(fake, 13)
    replies = await user.send("/invite")
    assert "pour les animateurs" in replies[-1].text
    replies = await user.send("🔗 Inviter un animateur")
    assert "pour les animateurs" in replies[-1].text
