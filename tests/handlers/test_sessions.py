"""Participants and the calendar through the fake: list, one-tap answers, waitlist,
.ics, reminder choices, reminders, and the group's live counts.

The list of workshops itself (every series keeps its card, other dates, where and
details) has its own stories in test_workshop_list.py."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlalchemy import select

from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.i18n import default_translator
from bot.models import Person, Rsvp
from bot.sandbox.fake_telegram import FakeTelegram, FakeUser, StoredMessage
from bot.services import calendar
from scheduler import reminders as reminder_jobs
from tests.utils import (
    FACILITATOR_ID,
    current,
    deliver,
    last_message,
    last_text,
    messages_starting,
    onboard,
    runtime,
    stored_person,
    text_of,
    toast,
    workshop,
)

# The big button of the menu that opens the list of workshops ("📅 Les ateliers").
WORKSHOPS = default_translator().t("menu.sessions", "fr")
CARD_BUTTONS = [
    ["✅ Je viens"],
    ["🤔 Peut-être", "❌ Je ne viens pas"],
    ["📍 Où ?"],
    ["📲 Ajouter à mon agenda"],
]


def cards(person: FakeUser) -> list[StoredMessage]:
    """The session cards the bot showed this person (they start with 🎨), oldest first."""
    return messages_starting(person, "🎨")


async def test_a_card_is_short_with_counts_in_words_and_buttons(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock)
    ana = await onboard(fake, 200)
    replies = await ana.tap(WORKSHOPS)
    shown = [m for m in replies if (m.text or "").startswith("🎨")]
    assert len(shown) == 1  # one weekly workshop: its next session, other dates behind a button
    assert text_of(shown[0]) == (
        "🎨 Art-thérapie\n"
        "📅 aujourd'hui, de 14 h à 16 h\n"
        "👥 Il y a 20 places.\n"
        "❔ Vous n'avez pas encore répondu."
    )
    assert ana.inline_buttons(shown[0]) == CARD_BUTTONS
    assert ana.inline_buttons(replies[-1]) == [["📅 Autres dates"], ["🔔 Mes rappels"]]
    assert text_of((await ana.send("/seances"))[1]) == text_of(shown[0])


async def test_one_tap_answer_updates_the_card(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock)
    ana = await onboard(fake, 201)
    await ana.tap(WORKSHOPS)
    card = cards(ana)[0]

    await ana.tap_in(card.message_id, "✅ Je viens")
    assert toast(ana) == "✅ C'est noté : vous venez !"
    card_text = text_of(current(ana, card))
    assert "👥 1 personne vient. Il reste 19 places." in card_text
    assert "✅ Vous venez." in card_text
    # The answer buttons change; where, details and the calendar file stay.
    assert ana.inline_buttons(current(ana, card)) == [
        *CARD_BUTTONS[:2],
        ["➕ Je viens avec quelqu'un"],
        *CARD_BUTTONS[2:],
    ]

    await ana.tap_in(card.message_id, "➕ Je viens avec quelqu'un")
    card_text = text_of(current(ana, card))
    assert "👥 2 personnes viennent. Il reste 18 places." in card_text
    assert "✅ Vous venez avec une personne." in card_text
    assert ["➖ Juste moi"] in ana.inline_buttons(current(ana, card))

    await ana.tap_in(card.message_id, "➖ Juste moi")
    assert toast(ana) == "✅ C'est noté : juste vous."
    assert "👥 1 personne vient. Il reste 19 places." in text_of(current(ana, card))

    await ana.tap_in(card.message_id, "❌ Je ne viens pas")
    card_text = text_of(current(ana, card))
    assert "👥 Il y a 20 places." in card_text and "❌ Vous ne venez pas." in card_text
    assert ana.inline_buttons(current(ana, card)) == CARD_BUTTONS


async def test_same_tap_twice_changes_nothing_and_breaks_nothing(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock)
    ana = await onboard(fake, 202)
    await ana.tap(WORKSHOPS)
    card = cards(ana)[0]
    await ana.tap_in(card.message_id, "✅ Je viens")
    await ana.tap_in(card.message_id, "✅ Je viens")
    assert toast(ana) == "✅ C'est noté : vous venez !"
    assert "👥 1 personne vient. Il reste 19 places." in text_of(current(ana, card))


async def test_waitlist_and_the_first_in_line_is_told_when_a_seat_frees(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock, capacity=1)
    ana = await onboard(fake, 203, "Ana")
    bob = await onboard(fake, 204, "Bob")
    chloe = await onboard(fake, 212, "Chloé")
    for person in (ana, bob):
        await person.tap(WORKSHOPS)
        await person.tap_in(cards(person)[0].message_id, "✅ Je viens")
    assert toast(bob) == ("🕐 C'est complet. Vous êtes la 1re personne sur la liste d'attente.")
    bob_card = text_of(current(bob, cards(bob)[0]))
    assert "👥 1 personne vient. C'est complet.\n🕐 1 personne attend une place." in bob_card
    assert "🕐 Vous êtes la 1re personne sur la liste d'attente." in bob_card
    assert "🔔 Je vous préviens si une place se libère." in bob_card
    # Bob waits for one seat: no "+1" for him; Ana, who has her seat, may bring someone.
    assert bob.inline_buttons(current(bob, cards(bob)[0])) == CARD_BUTTONS
    assert ["➕ Je viens avec quelqu'un"] in ana.inline_buttons(current(ana, cards(ana)[0]))

    # Chloé sees it is full, kindly, and what to do; she is second in line.
    await chloe.tap(WORKSHOPS)
    assert "🕐 Touchez « Je viens » pour attendre une place." in text_of(cards(chloe)[0])
    await chloe.tap_in(cards(chloe)[0].message_id, "✅ Je viens")
    assert "la 2e personne sur la liste d'attente" in toast(chloe)

    await ana.tap_in(cards(ana)[0].message_id, "❌ Je ne viens pas")
    await deliver(app)
    assert last_text(bob).startswith("🎉 Une place s'est libérée !")


async def test_participants_see_counts_never_names(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock)
    ana = await onboard(fake, 205, "Anastasia")
    await ana.tap(WORKSHOPS)
    await ana.tap_in(cards(ana)[0].message_id, "✅ Je viens")
    bob = await onboard(fake, 206, "Bob")
    replies = await bob.tap(WORKSHOPS)
    assert "👥 1 personne vient. Il reste 19 places." in text_of(replies[1])
    assert all("Anastasia" not in (m.text or "") for m in bob.messages)


async def test_buttons_of_cancelled_or_started_sessions_change_nothing(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock)
    ana = await onboard(fake, 207)
    await ana.tap(WORKSHOPS)
    await ana.tap("📅 Autres dates")
    first, second = cards(ana)[:2]
    async with database.transaction() as session:
        claire = await session.scalar(select(Person).where(Person.telegram_id == FACILITATOR_ID))
        assert claire is not None
        await calendar.cancel_occurrence(
            session,
            occurrence_id=sessions[1].id,
            reason="Salle fermée",
            by=claire,
            now=clock.now(),
            translator=runtime(app).translator,
            tz=runtime(app).settings.tz,
            group_language=runtime(app).settings.default_language,
        )
    await ana.tap_in(second.message_id, "✅ Je viens")
    assert toast(ana) == "🚫 Cet atelier est annulé. Rien n'a changé."
    clock.set(sessions[0].starts_at + timedelta(minutes=5))
    await ana.tap_in(first.message_id, "✅ Je viens")
    assert "déjà commencé" in toast(ana)
    async with database.transaction() as session:
        assert (await session.scalars(select(Rsvp))).all() == []


async def test_forged_answer_buttons_are_refused(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock)
    ana = await onboard(fake, 208)
    await ana.press_callback("rv:y:999999")
    assert "Je ne trouve pas cet atelier" in toast(ana)
    await ana.press_callback("rv:z:1")
    assert "ne marche plus" in toast(ana)


async def test_calendar_file_for_the_phone(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock)
    async with database.transaction() as session:
        claire = await session.scalar(select(Person).where(Person.telegram_id == FACILITATOR_ID))
        assert claire is not None
        await calendar.cancel_occurrence(
            session,
            occurrence_id=sessions[2].id,
            reason="Salle fermée",
            by=claire,
            now=clock.now(),
            translator=runtime(app).translator,
            tz=runtime(app).settings.tz,
            group_language=runtime(app).settings.default_language,
        )
    ana = await onboard(fake, 209)
    await ana.tap(WORKSHOPS)
    await ana.tap_in(cards(ana)[0].message_id, "📲 Ajouter à mon agenda")
    document = last_message(ana)
    assert document.kind == "document"
    assert document.caption == (
        "📲 Touchez ce fichier.\n📅 Votre téléphone propose de l'ajouter à votre agenda."
    )
    assert document.file_id is not None
    record = fake.files[document.file_id]
    assert record.file_name == "Art-thérapie.ics"
    body = record.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert body.count("BEGIN:VEVENT") == 8
    assert body.count("SUMMARY:Art-thérapie\r\n") == 7
    # The cancelled session is marked, and calls nobody to come.
    assert body.count("SUMMARY:🚫 Annulé : Art-thérapie\r\n") == 1
    assert body.count("STATUS:CANCELLED") == 1 and body.count("BEGIN:VALARM") == 7


async def test_reminder_choices(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock)
    ana = await onboard(fake, 210)
    await ana.tap(WORKSHOPS)
    await ana.tap("🔔 Mes rappels")
    assert last_text(ana) == "🔔 Vos rappels\nTouchez un rappel pour dire oui ou non 👇"
    assert ana.inline_buttons() == [
        ["🔔 La veille à 18 h : oui"],
        ["🔔 2 heures avant : oui"],
    ]
    await ana.tap("🔔 La veille à 18 h : oui")
    assert toast(ana) == "✅ C'est noté."
    assert ana.inline_buttons() == [
        ["🔕 La veille à 18 h : non"],
        ["🔔 2 heures avant : oui"],
    ]
    await ana.tap("🔔 2 heures avant : oui")
    assert ana.inline_buttons() == [
        ["🔕 La veille à 18 h : non"],
        ["🔕 2 heures avant : non"],
    ]
    kept = await stored_person(database, 210)
    assert kept is not None
    assert kept.remind_day_before is False and kept.remind_hours_before is False


async def test_reminder_choices_in_english(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock)
    john = await onboard(fake, 213, "John", language="en")
    await john.tap(default_translator().t("menu.sessions", "en"))
    await john.tap("🔔 My reminders")
    assert john.inline_buttons() == [
        ["🔔 The day before at 6 pm: yes"],
        ["🔔 2 hours before: yes"],
    ]
    await john.tap("🔔 2 hours before: yes")
    assert john.inline_buttons() == [
        ["🔔 The day before at 6 pm: yes"],
        ["🔕 2 hours before: no"],
    ]


async def test_reminder_arrives_with_buttons_and_an_answer_keeps_its_first_line(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock, first=date(2026, 11, 25), weekday=2)
    ana = await onboard(fake, 211)
    clock.set(clock.now().replace(hour=17))  # 18:00 in Dijon
    await reminder_jobs.tick(runtime(app))
    await deliver(app)
    reminder = last_message(ana)
    intro, card = text_of(reminder).split("\n\n", 1)
    assert intro.startswith("👋") and card.startswith("🎨 Art-thérapie")
    await ana.tap_in(reminder.message_id, "✅ Je viens")
    reminder_text = text_of(current(ana, reminder))
    assert reminder_text.startswith(intro + "\n\n🎨 Art-thérapie")
    assert "👥 1 personne vient. Il reste 19 places." in reminder_text
    assert "✅ Vous venez." in reminder_text


async def test_concurrent_taps_through_the_bot_never_overbook(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock, capacity=3)
    participants = [await onboard(fake, 300 + i, f"P{i}") for i in range(10)]
    for person in participants:
        await person.tap(WORKSHOPS)
    await asyncio.gather(*(p.tap_in(cards(p)[0].message_id, "✅ Je viens") for p in participants))
    toasts = [toast(p) for p in participants]
    assert sum(t == "✅ C'est noté : vous venez !" for t in toasts) == 3
    assert sum("liste d'attente" in t for t in toasts) == 7
    async with database.transaction() as session:
        seated = (await session.scalars(select(Rsvp).where(Rsvp.waitlisted.is_(False)))).all()
        assert len(seated) == 3


async def test_group_linking_reminder_and_coalesced_counts(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock, first=date(2026, 11, 25), weekday=2)
    claire = fake.user(FACILITATOR_ID, "Claire")
    members = [await onboard(fake, 400 + i, f"M{i}") for i in range(20)]
    group = fake.group(-100777, "Miroir de soi", type="supergroup")
    for person in (claire, *members):
        group.add_member(person)
    replies = await group.send(members[0], "/lier")
    assert "Seul un animateur" in text_of(replies[-1])
    await group.send(claire, "/lier")
    await group.tap(claire, "Art-thérapie")
    assert "Ce groupe recevra le rappel" in last_text(group)

    clock.set(clock.now().replace(hour=17))
    await reminder_jobs.tick(runtime(app))
    await deliver(app)
    post = last_message(group)
    assert text_of(post).startswith("🔔") and "\n\n🎨 Art-thérapie" in text_of(post)
    assert "👥 Il y a 20 places." in text_of(post)

    stranger = fake.user(499, "Inconnu")
    group.add_member(stranger)
    await group.tap(stranger, "✅ Je viens")
    assert toast(stranger) == (
        "👋 Pour répondre, venez d'abord me voir.\nTouchez mon nom, puis Démarrer."
    )

    editor = runtime(app).group_counts
    for member in members:  # 20 taps in 10 seconds
        await group.tap(member, "✅ Je viens")
        clock.advance(seconds=0.5)
        await editor.flush()
    await editor.flush()
    assert len(current(group, post).edits) <= 3
    clock.advance(seconds=5)
    await editor.flush()
    assert "👥 20 personnes viennent. C'est complet." in text_of(current(group, post))
    assert len(current(group, post).edits) <= 4


async def test_announcement_to_people_coming_to_the_next_session(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock)
    claire = fake.user(FACILITATOR_ID, "Claire")
    oui = await onboard(fake, 500, "Oui")
    await onboard(fake, 501, "Rien")
    await oui.tap(WORKSHOPS)
    await oui.tap_in(cards(oui)[0].message_id, "🤔 Peut-être")
    await claire.tap("📣 Annonce")
    await claire.send("N'oubliez pas vos tabliers")
    # The audience "people coming to the next session" (📅) counts Oui, who said maybe.
    audiences = [label for row in claire.inline_buttons() for label in row]
    next_session = [label for label in audiences if label.startswith("📅")]
    assert len(next_session) == 1 and next_session[0].endswith("(1)")


async def test_a_tap_before_consent_leads_back_to_the_privacy_notice(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock)
    newcomer = fake.user(600, "Nouveau")
    await newcomer.send("/start")
    await newcomer.press_callback(f"rv:y:{sessions[0].id}")
    assert toast(newcomer) == default_translator().t("consent.needed_toast", "fr")
    assert "Vos informations" in last_text(newcomer)
    async with database.transaction() as session:
        assert (await session.scalars(select(Rsvp))).all() == []
