"""People want to talk: a message nobody asked for is offered to the facilitators, and a
typed "oui" just after a session card or a reminder is the answer to that session."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlalchemy import select

from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.models import Answer, Occurrence, OutboxMessage, Person, Rsvp
from bot.sandbox.fake_telegram import FakeTelegram, FakeUser, StoredMessage
from bot.services import rsvp, talk
from scheduler import reminders as reminder_jobs
from tests import factories
from tests.utils import (
    current,
    deliver,
    last_message,
    last_text,
    menu,
    onboard,
    onboard_claire,
    outbox_rows,
    runtime,
    text_of,
    toast,
    workshop,
)

KARIM_ID = 9002


async def claire_and_karim(fake: FakeTelegram, database: Database, clock: FrozenClock) -> None:
    """Claire (named in the settings) and Karim, whom she invited: two facilitators."""
    await onboard_claire(fake)
    await onboard(fake, KARIM_ID, "Karim")
    await factories.person(database, clock.now(), KARIM_ID, "Karim", facilitator=True)


async def passed_on(database: Database) -> list[OutboxMessage]:
    """What the outbox holds for the facilitators from people who wrote to them."""
    return [r for r in await outbox_rows(database) if r.kind == talk.TALK_KIND]


def sent_by(person: FakeUser) -> list[StoredMessage]:
    """The messages this person sent in their chat with the bot, in order."""
    return [m for m in person.chat.messages if not m.from_bot]


async def answer_of(database: Database, telegram_id: int, occurrence: Occurrence) -> Rsvp | None:
    async with database.transaction() as session:
        return await session.scalar(
            select(Rsvp)
            .join(Person, Person.id == Rsvp.person_id)
            .where(Rsvp.occurrence_id == occurrence.id, Person.telegram_id == telegram_id)
        )


# --- 1. a message nobody asked for ------------------------------------------------------


async def test_a_thank_you_is_offered_to_the_facilitators_and_sent_on_yes(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await claire_and_karim(fake, database, clock)
    ana = await onboard(fake, 301, "Ana")
    replies = await ana.send("Merci Claire, à demain")
    question = replies[-1]
    assert text_of(question) == (
        "📨 Je l'envoie aux animateurs ?\n👀 Claire et Karim vont le lire."
    )
    assert ana.inline_buttons(question) == [["✅ Oui, envoyer"], ["❌ Non merci"]]
    assert await passed_on(database) == []  # nothing leaves before her yes
    await ana.tap("✅ Oui, envoyer")
    assert toast(ana) == "Envoyé ✅"
    assert text_of(current(ana, question)) == "✅ C'est envoyé.\n👀 Claire et Karim vont le lire."
    assert ana.inline_buttons(current(ana, question)) == []
    await deliver(app)
    for name, telegram_id in (("Claire", 9001), ("Karim", KARIM_ID)):
        facilitator = fake.user(telegram_id, name)
        assert last_text(facilitator) == "💬 Message de Ana :\n\nMerci Claire, à demain"


async def test_no_keeps_nothing(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await claire_and_karim(fake, database, clock)
    ana = await onboard(fake, 302, "Ana")
    question = (await ana.send("Coucou"))[-1]
    await ana.tap("❌ Non merci")
    assert text_of(current(ana, question)) == "👌 D'accord. Je n'ai rien envoyé."
    assert ana.inline_buttons(current(ana, question)) == []
    # Nothing was kept: the old button, forged again, finds nothing to send.
    await ana.press_callback(f"tks:{sent_by(ana)[-1].message_id}", question.message_id)
    assert "Je n'ai plus ce message" in toast(ana)
    await deliver(app)
    assert await passed_on(database) == []


async def test_a_voice_note_is_passed_on_as_telegram_keeps_it(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    ana = await onboard(fake, 303, "Ana")
    replies = await ana.send_voice(duration=12)
    assert text_of(replies[-1]) == "📨 Je l'envoie aux animateurs ?\n👀 Claire va le lire."
    await ana.tap("✅ Oui, envoyer")
    await deliver(app)
    voice = last_message(claire)
    assert voice.kind == "voice"
    assert voice.file_id == sent_by(ana)[-1].file_id
    assert voice.caption == "💬 Message de Ana :"


async def test_a_photo_keeps_its_caption(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    ana = await onboard(fake, 304, "Ana")
    await ana.send_photo(caption="Mon dessin de mardi")
    await ana.tap("✅ Oui, envoyer")
    await deliver(app)
    photo = last_message(claire)
    assert photo.kind == "photo"
    assert photo.caption == "💬 Message de Ana :\n\nMon dessin de mardi"


async def test_a_second_message_replaces_the_first(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    ana = await onboard(fake, 305, "Ana")
    first = (await ana.send("Bonjour"))[-1]
    second = (await ana.send("Je serai en retard mardi"))[-1]
    assert text_of(second).startswith("✏️ Votre nouveau message remplace l'autre.\n📨")
    assert ana.inline_buttons(current(ana, first)) == []  # one question to answer, not two
    await ana.tap_in(second.message_id, "✅ Oui, envoyer")
    await deliver(app)
    assert [r.text for r in await passed_on(database)] == [
        "💬 Message de Ana :\n\nJe serai en retard mardi"
    ]
    assert "Bonjour" not in " ".join(t or "" for t in claire.texts)


async def test_a_double_tap_on_yes_sends_once(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await onboard_claire(fake)
    ana = await onboard(fake, 306, "Ana")
    question = (await ana.send("Merci pour tout"))[-1]
    yes = question.find_button("✅ Oui, envoyer")
    assert yes is not None
    await asyncio.gather(
        ana.tap_in(question.message_id, "✅ Oui, envoyer"),
        ana.press_callback(yes["callback_data"], question.message_id),
    )
    await ana.press_callback(yes["callback_data"], question.message_id)
    assert toast(ana) == "C'est déjà envoyé ✅"
    assert len(await passed_on(database)) == 1


async def test_menu_buttons_and_commands_still_win(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await onboard_claire(fake)
    ana = await onboard(fake, 307, "Ana")
    replies = await ana.send("❓ Aide")
    assert text_of(replies[-1]).startswith("❓ Aide")
    replies = await ana.send("/frobnicate")
    assert "Je ne connais pas cette commande" in text_of(replies[-1])
    # A question is pending; the menu leaves it, and nothing is sent.
    await ana.send("Coucou")
    replies = await ana.tap("❓ Aide")
    assert text_of(replies[-1]).startswith("❓ Aide")
    await deliver(app)
    assert await passed_on(database) == []


async def test_a_participant_alone_with_the_bot_gets_the_menu(
    app: MiroirApp, fake: FakeTelegram
) -> None:
    """No facilitator has opened the bot yet: nobody to pass the message to."""
    ana = await onboard(fake, 308, "Ana")
    replies = await ana.send("Bonjour")
    assert "Je n'ai pas compris" in text_of(replies[-1])
    assert menu(ana)


# --- 3. "oui" just after a card or a reminder -------------------------------------------


async def test_oui_after_a_reminder_answers_its_session(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock, first=date(2026, 11, 25), weekday=2)
    ana = await onboard(fake, 310, "Ana")
    clock.set(clock.now().replace(hour=17))  # 18 h in Dijon, the day before
    await reminder_jobs.tick(runtime(app))
    await deliver(app)
    clock.advance(timedelta(hours=15))  # the next morning
    replies = await ana.send("Oui !")
    confirmation = text_of(replies[-1])
    assert confirmation.startswith("👍 C'est noté. Voici votre réponse 👇")
    assert "Art-thérapie" in confirmation
    assert ana.inline_buttons(replies[-1])  # the answer buttons, to change it
    answer = await answer_of(database, 310, sessions[0])
    assert answer is not None and answer.answer == Answer.YES and not answer.waitlisted
    assert await passed_on(database) == []


async def test_non_and_peut_etre_after_the_card(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock)
    ana = await onboard(fake, 311, "Ana")
    await ana.tap("📅 Prochains ateliers")
    await ana.send("non")
    answer = await answer_of(database, 311, sessions[0])
    assert answer is not None and answer.answer == Answer.NO
    await ana.send("Peut-être")
    answer = await answer_of(database, 311, sessions[0])
    assert answer is not None and answer.answer == Answer.MAYBE


async def test_im_coming_in_english(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock)
    john = await onboard(fake, 312, "John", language="en")
    await john.tap("📅 Next workshops")
    replies = await john.send("I'm coming")
    assert text_of(replies[-1]).startswith("👍 Noted. Here is your answer 👇")
    answer = await answer_of(database, 312, sessions[0])
    assert answer is not None and answer.answer == Answer.YES


async def test_a_typed_yes_keeps_the_waiting_list_right(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock, capacity=1)
    lea = await factories.person(database, clock.now(), 320, "Léa")
    async with database.transaction() as session:
        await rsvp.respond(
            session, occurrence_id=sessions[0].id, person=lea, answer=Answer.YES, now=clock.now()
        )
    ana = await onboard(fake, 313, "Ana")
    await ana.tap("📅 Prochains ateliers")
    await ana.send("je viens")
    answer = await answer_of(database, 313, sessions[0])
    assert answer is not None and answer.answer == Answer.YES and answer.waitlisted
    async with database.transaction() as session:
        occurrence = await session.get(Occurrence, sessions[0].id)
        assert occurrence is not None
        assert (await rsvp.seats(session, occurrence)).taken == 1  # Léa keeps her seat


async def test_oui_long_after_the_card_is_a_message(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock, first=date(2026, 11, 25), weekday=2)
    ana = await onboard(fake, 314, "Ana")
    await ana.tap("📅 Prochains ateliers")
    clock.advance(timedelta(hours=5))
    replies = await ana.send("oui")
    assert text_of(replies[-1]).startswith("📨 Je l'envoie aux animateurs ?")
    assert await answer_of(database, 314, sessions[0]) is None


async def test_a_sentence_after_the_card_is_a_message(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock)
    ana = await onboard(fake, 315, "Ana")
    await ana.tap("📅 Prochains ateliers")
    replies = await ana.send("Oui mais je serai en retard")
    assert text_of(replies[-1]).startswith("📨 Je l'envoie aux animateurs ?")
    assert await answer_of(database, 315, sessions[0]) is None


async def test_oui_after_the_reminder_of_a_started_session_is_a_message(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock, first=date(2026, 11, 25), weekday=2)
    ana = await onboard(fake, 316, "Ana")
    clock.set(clock.now().replace(hour=17))
    await reminder_jobs.tick(runtime(app))
    await deliver(app)
    clock.advance(timedelta(hours=21))  # 15 h the next day: the workshop has started
    replies = await ana.send("oui")
    assert text_of(replies[-1]).startswith("📨 Je l'envoie aux animateurs ?")
    assert await answer_of(database, 316, sessions[0]) is None
