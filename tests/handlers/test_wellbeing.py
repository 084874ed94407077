"""The WHO-5 questionnaire, as people live it: saying yes on "🔒 Mes réponses", the prompt
every two weeks, 5 statements answered with buttons, the score and the earlier ones, and
the care offer or a gentle word when the score is low. Old, double and forged taps
change nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.callback_data import WELLBEING_START
from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.models import Person, WellbeingCheck
from bot.sandbox.fake_telegram import FakeTelegram, FakeUser, StoredMessage
from bot.services import wellbeing
from handlers.mood.buttons import MINE
from scheduler import wellbeing as wellbeing_jobs
from tests.utils import (
    count,
    current,
    deliver,
    last_message,
    last_text,
    onboard,
    runtime,
    stored_person,
    text_of,
    toast,
)

ANSWERS = [
    ["Tout le temps"],
    ["La plupart du temps"],
    ["Plus de la moitié du temps"],
    ["Moins de la moitié du temps"],
    ["De temps en temps"],
    ["Jamais"],
]
TOGGLE_NO = "📝 Bilan toutes les 2 semaines : non"
TOGGLE_YES = "📝 Bilan toutes les 2 semaines : oui"
CREDIT = (
    "📚 Questionnaire WHO-5 de l'Organisation mondiale de la santé. "
    "© Psychiatric Centre North Zealand."
)


async def with_mood_consent(
    fake: FakeTelegram, database: Database, clock: FrozenClock, telegram_id: int, name: str
) -> tuple[FakeUser, int]:
    """Someone who opened the bot and gave the mood consent; returns them and their id."""
    user = await onboard(fake, telegram_id, name)
    async with database.transaction() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
        assert person is not None
        person.mood_consent_at = clock.now()
        return user, person.id


async def opted_in(database: Database, clock: FrozenClock, person_id: int) -> None:
    async with database.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        await wellbeing.opt_in(session, person=person, now=clock.now())


def answers_for(score: int) -> list[int]:
    """Five answers whose score is `score` (a multiple of 4)."""
    raw = score // 4
    return [raw // 5 + (1 if i < raw % 5 else 0) for i in range(5)]


async def earlier_scores(database: Database, person_id: int, *scores: tuple[date, int]) -> None:
    async with database.transaction() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        for day, value in scores:
            await wellbeing.record(
                session,
                person=person,
                answers=answers_for(value),
                today=day,
                now=person.created_at,
            )


async def stored_scores(database: Database) -> list[tuple[int, int]]:
    async with database.transaction() as session:
        rows = await session.execute(select(WellbeingCheck.person_id, WellbeingCheck.score))
        return sorted((p, s) for p, s in rows)


async def prompt_arrives(app: MiroirApp, clock: FrozenClock, user: FakeUser) -> StoredMessage:
    """Two weeks after saying yes, the prompt leaves through the outbox."""
    clock.advance(days=14)
    assert await wellbeing_jobs.tick(runtime(app)) == 1
    await deliver(app)
    prompt = last_message(user)
    assert text_of(prompt).startswith("📝 Voici votre bilan des 2 semaines.")
    return prompt


async def answer_all(user: FakeUser, *answers: str) -> None:
    for answer in answers:
        await user.tap(answer)


async def test_ana_says_yes_answers_5_statements_and_sees_her_score_and_the_earlier_ones(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana, ana_id = await with_mood_consent(fake, database, clock, 201, "Ana")
    await earlier_scores(database, ana_id, (date(2026, 10, 27), 52), (date(2026, 11, 10), 60))
    await ana.press_callback(MINE.make())
    screen = last_message(ana)
    assert [TOGGLE_NO] in screen.buttons

    await ana.tap(TOGGLE_NO)
    assert [TOGGLE_YES] in current(ana, screen).buttons
    explained = last_message(ana)
    assert text_of(explained).startswith("📝 C'est noté : un bilan toutes les 2 semaines.")
    assert "🔒 Je garde seulement le score, pas vos réponses." in text_of(explained)
    assert text_of(explained).endswith(CREDIT)
    assert explained.buttons == [["▶️ Commencer maintenant"]]

    await ana.tap("▶️ Commencer maintenant")
    question = current(ana, explained)
    assert text_of(question) == (
        "📝 Question 1 sur 5\n\n"
        "Au cours des deux dernières semaines :\n"
        "Je me suis senti(e) bien et de bonne humeur"
    )
    assert question.buttons == ANSWERS

    await ana.tap("La plupart du temps")
    assert text_of(current(ana, explained)).startswith("📝 Question 2 sur 5")
    assert "Je me suis senti(e) calme et tranquille" in text_of(current(ana, explained))
    await answer_all(ana, *["Plus de la moitié du temps"] * 4)

    result = current(ana, explained)
    assert text_of(result) == (
        "📝 Votre score : 64 sur 100.\n📈 Avant : 52, puis 60.\n\n" + CREDIT
    )
    assert result.buttons == []
    assert last_message(ana).message_id == explained.message_id  # one message, in place
    assert await stored_scores(database) == [(ana_id, 52), (ana_id, 60), (ana_id, 64)]


async def test_the_prompt_every_2_weeks_starts_it_and_a_score_of_0_brings_the_care_offer(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana, ana_id = await with_mood_consent(fake, database, clock, 201, "Ana")
    await opted_in(database, clock, ana_id)
    prompt = await prompt_arrives(app, clock, ana)
    assert prompt.buttons == [["▶️ Commencer"]]

    await ana.tap("▶️ Commencer")
    assert text_of(current(ana, prompt)).startswith("📝 Question 1 sur 5")
    await answer_all(ana, *["Jamais"] * 5)

    assert text_of(current(ana, prompt)).startswith(
        "📝 Votre score : 0 sur 100.\n📈 C'est votre 1er bilan."
    )
    care = last_text(ana)
    assert "3114" in care
    assert last_message(ana).message_id != prompt.message_id
    assert await stored_scores(database) == [(ana_id, 0)]


async def test_a_middle_score_brings_a_gentle_word_and_no_care_offer(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana, ana_id = await with_mood_consent(fake, database, clock, 201, "Ana")
    await opted_in(database, clock, ana_id)
    prompt = await prompt_arrives(app, clock, ana)
    await ana.tap("▶️ Commencer")
    await answer_all(ana, *["Moins de la moitié du temps"] * 5)

    assert text_of(current(ana, prompt)).startswith("📝 Votre score : 40 sur 100.")
    gentle = last_text(ana)
    assert gentle.startswith("💛 Merci d'avoir répondu.")
    assert all("3114" not in (m.text or "") for m in ana.messages)


async def test_a_double_tap_or_an_old_answer_button_changes_nothing(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana, ana_id = await with_mood_consent(fake, database, clock, 201, "Ana")
    await opted_in(database, clock, ana_id)
    prompt = await prompt_arrives(app, clock, ana)
    await ana.tap("▶️ Commencer")
    await ana.tap("Tout le temps")
    # The same button again, as a slow phone sends it twice: statement 1 is answered.
    await ana.press_callback("whoa:1:5", prompt.message_id)
    assert toast(ana) == "✅ C'est déjà noté."
    assert text_of(current(ana, prompt)).startswith("📝 Question 2 sur 5")

    # A button of statement 4 before statement 2 is answered.
    await ana.press_callback("whoa:4:0", prompt.message_id)
    assert toast(ana) == "⌛ Ce bouton est ancien. Répondez à la dernière question."

    await answer_all(ana, *["Tout le temps"] * 4)
    assert text_of(current(ana, prompt)).startswith("📝 Votre score : 100 sur 100.")
    # The last answer tapped twice: it is finished, and counted once.
    await ana.press_callback("whoa:5:5", prompt.message_id)
    assert toast(ana) == "⌛ Ce questionnaire est fini."
    assert text_of(current(ana, prompt)).startswith("📝 Votre score : 100 sur 100.")
    assert await stored_scores(database) == [(ana_id, 100)]


async def test_a_questionnaire_left_for_another_one_is_not_answered_from_the_old_message(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana, ana_id = await with_mood_consent(fake, database, clock, 201, "Ana")
    await opted_in(database, clock, ana_id)
    first = await prompt_arrives(app, clock, ana)
    await ana.tap("▶️ Commencer")
    second = await prompt_arrives(app, clock, ana)
    await ana.tap_in(second.message_id, "▶️ Commencer")
    await ana.tap_in(first.message_id, "Jamais")
    assert toast(ana) == "⌛ Ce bouton est ancien. Répondez à la dernière question."
    assert text_of(current(ana, second)).startswith("📝 Question 1 sur 5")


async def test_forged_answers_are_refused_and_nothing_is_kept(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana, ana_id = await with_mood_consent(fake, database, clock, 201, "Ana")
    await opted_in(database, clock, ana_id)
    prompt = await prompt_arrives(app, clock, ana)
    await ana.tap("▶️ Commencer")
    before = text_of(current(ana, prompt))
    for forged in ("whoa:1:6", "whoa:9:3", "whoa:1:beaucoup", "whoa:1", "whot:peut-etre"):
        await ana.press_callback(forged, prompt.message_id)
        assert toast(ana).startswith("⌛ Ce bouton ne marche plus.")
    assert text_of(current(ana, prompt)) == before
    await ana.send("Tout le temps, je crois")
    assert last_text(ana).startswith("👆 Touchez une réponse sous la question 1.")
    assert await count(database, WellbeingCheck) == 0


async def test_a_prompt_forwarded_to_bob_does_not_open_anas_questionnaire(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    _ana, ana_id = await with_mood_consent(fake, database, clock, 201, "Ana")
    bob, _bob_id = await with_mood_consent(fake, database, clock, 202, "Bob")
    before = last_message(bob)
    await bob.press_callback(WELLBEING_START.make(ana_id))
    assert toast(bob) == "🙂 Ce bouton est pour une autre personne."
    assert bob.callback_answers[-1].get("show_alert") is True
    assert current(bob, before).text == before.text
    assert last_message(bob).message_id == before.message_id


async def test_without_the_mood_consent_the_questionnaire_waits_and_nothing_is_kept(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await onboard(fake, 201, "Ana")
    person = await stored_person(database, 201)
    assert person is not None
    await ana.press_callback(WELLBEING_START.make(person.id))
    assert last_text(ana).startswith("🔒 Ce bilan parle de votre santé.")
    assert "« 🙂 Mon humeur »" in last_text(ana)
    await ana.press_callback("whot:on")
    assert last_text(ana).startswith("🔒 Ce bilan parle de votre santé.")
    await ana.press_callback("whoa:1:5")
    assert toast(ana) == "⌛ Ce questionnaire est fini."
    person = await stored_person(database, 201)
    assert person is not None
    assert person.wellbeing_since is None
    assert await count(database, WellbeingCheck) == 0


async def test_ana_says_no_more_and_the_prompts_stop(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana, ana_id = await with_mood_consent(fake, database, clock, 201, "Ana")
    await opted_in(database, clock, ana_id)
    await ana.press_callback(MINE.make())
    screen = last_message(ana)
    await ana.tap(TOGGLE_YES)
    assert last_text(ana) == "🔕 C'est noté : plus de bilan toutes les 2 semaines."
    assert [TOGGLE_NO] in current(ana, screen).buttons
    # The same tap again (a double tap) only says it is done.
    await ana.press_callback("whot:off", screen.message_id)
    assert toast(ana) == "✅ C'est déjà noté."
    clock.advance(days=30)
    assert await wellbeing_jobs.tick(runtime(app)) == 0
    person = await stored_person(database, 201)
    assert person is not None
    assert person.wellbeing_since is None


async def test_the_questionnaire_in_english(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    emma = await onboard(fake, 203, "Emma", language="en")
    async with database.transaction() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == 203))
        assert person is not None
        person.mood_consent_at = clock.now()
        emma_id = person.id
    await opted_in(database, clock, emma_id)
    clock.advance(days=14)
    await wellbeing_jobs.tick(runtime(app))
    await deliver(app)
    await emma.tap("▶️ Start")
    assert text_of(last_message(emma)) == (
        "📝 Question 1 of 5\n\nOver the last two weeks:\nI have felt cheerful and in good spirits"
    )
    assert last_message(emma).buttons == [
        ["All of the time"],
        ["Most of the time"],
        ["More than half of the time"],
        ["Less than half of the time"],
        ["Some of the time"],
        ["At no time"],
    ]
    await answer_all(emma, *["Most of the time"] * 5)
    assert text_of(last_message(emma)).startswith(
        "📝 Your score: 80 out of 100.\n📈 This is your first check."
    )
    assert await count(database, WellbeingCheck) == 1
