"""The participants' list of workshops: every series keeps its card, other dates a few at
a time, where and what a workshop is (one tap each), a one-off session's calendar file,
a cancelled next session, and the card a typed "oui" answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import select

from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.i18n import default_translator
from bot.models import Occurrence, Person
from bot.sandbox.fake_telegram import FakeTelegram, FakeUser, StoredMessage
from bot.services import calendar
from tests import factories
from tests.utils import (
    FACILITATOR_ID,
    current,
    last_message,
    last_text,
    messages_starting,
    onboard,
    onboard_claire,
    runtime,
    text_of,
    toast,
    workshop,
)

# The big button of the menu that opens the list ("📅 Les ateliers").
WORKSHOPS = default_translator().t("menu.sessions", "fr")
STALE = default_translator().t("errors.stale_button", "fr")


def cards(person: FakeUser) -> list[StoredMessage]:
    """The session cards the bot showed this person (they start with 🎨), oldest first."""
    return messages_starting(person, "🎨")


def names_and_days(shown: list[StoredMessage]) -> list[tuple[str, str]]:
    """The first two lines of each card: the workshop and its day."""
    lines = [text_of(m).split("\n") for m in shown]
    return [(first, second) for first, second, *_ in lines]


async def one_off(
    app: MiroirApp,
    database: Database,
    clock: FrozenClock,
    title: str,
    starts_at: datetime,
    *,
    minutes: int = 120,
    description: str | None = None,
    map_url: str | None = None,
    place: str = "Maison de quartier, Fontaine d'Ouche",
) -> Occurrence:
    """Claire adds a one-off session."""
    async with database.transaction() as session:
        claire = await session.scalar(select(Person).where(Person.telegram_id == FACILITATOR_ID))
        assert claire is not None
        return await calendar.create_one_off(
            session,
            creator=claire,
            title=title,
            place=place,
            starts_at=starts_at,
            duration_minutes=minutes,
            now=clock.now(),
            tz=runtime(app).settings.tz,
            description=description,
            map_url=map_url,
        )


async def busy_week(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    """What real use looked like: two one-off sessions and a dance class before Friday's
    "Miroir de soi" (Tuesday 24 November, 10 h in Dijon)."""
    await onboard_claire(fake)
    claire = await factories.person(
        database, clock.now(), FACILITATOR_ID, "Claire", facilitator=True
    )
    await one_off(
        app,
        database,
        clock,
        "Sortie au musée",
        datetime(2026, 11, 24, 17, 0, tzinfo=UTC),
        minutes=90,
        description="Visite guidée, gratuite.",
        map_url="https://maps.example.org/musee",
        place="Musée des Beaux-Arts, Dijon",
    )
    await factories.series(
        database,
        clock.now(),
        claire,
        title="Danse",
        weekday=2,
        start=time(10),
        first=date(2026, 11, 25),
    )
    await one_off(
        app,
        database,
        clock,
        "Théâtre : la suite / fin ?",
        datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
    )
    await factories.series(
        database, clock.now(), claire, title="Miroir de soi", weekday=4, first=date(2026, 11, 27)
    )


async def test_every_workshop_keeps_its_card_on_the_list(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await busy_week(app, fake, database, clock)
    ana = await onboard(fake, 700, "Ana")
    replies = await ana.tap(WORKSHOPS)
    assert text_of(replies[0]) == "📅 Les prochains ateliers 👇\nTouchez un bouton pour répondre."
    # The weekly "Miroir de soi" comes after three other sessions: it still has its card.
    assert names_and_days(cards(ana)) == [
        ("🎨 Sortie au musée", "📅 aujourd'hui, de 18 h à 19 h 30"),
        ("🎨 Danse", "📅 demain, de 10 h à 12 h"),
        ("🎨 Théâtre : la suite / fin ?", "📅 jeudi 26 novembre, de 10 h à 12 h"),
        ("🎨 Miroir de soi", "📅 vendredi 27 novembre, de 14 h à 16 h"),
    ]
    assert last_text(ana) == (
        "📅 Il y a d'autres dates 👇\n🔔 Vous pouvez aussi choisir vos rappels."
    )
    assert ana.inline_buttons(last_message(ana)) == [["📅 Autres dates"], ["🔔 Mes rappels"]]


async def test_other_dates_come_a_few_at_a_time(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await busy_week(app, fake, database, clock)
    ana = await onboard(fake, 701, "Ana")
    await ana.tap(WORKSHOPS)
    extras = last_message(ana)
    await ana.tap("📅 Autres dates")
    assert names_and_days(cards(ana)[4:]) == [
        ("🎨 Danse", "📅 mercredi 2 décembre, de 10 h à 12 h"),
        ("🎨 Miroir de soi", "📅 vendredi 4 décembre, de 14 h à 16 h"),
        ("🎨 Danse", "📅 mercredi 9 décembre, de 10 h à 12 h"),
    ]
    # The button tapped goes away; the reminders stay where they were.
    assert text_of(current(ana, extras)) == "🔔 Choisissez vos rappels 👇"
    assert ana.inline_buttons(current(ana, extras)) == [["🔔 Mes rappels"]]
    more = last_message(ana)
    assert text_of(more) == "📅 Il y a encore d'autres dates 👇"
    await ana.tap("📅 Autres dates")
    assert text_of(current(ana, more)) == "📅 Voici d'autres dates 👇"
    assert ana.inline_buttons(current(ana, more)) == []
    assert names_and_days(cards(ana)[7:]) == [
        ("🎨 Miroir de soi", "📅 vendredi 11 décembre, de 14 h à 16 h"),
        ("🎨 Danse", "📅 mercredi 16 décembre, de 10 h à 12 h"),
        ("🎨 Miroir de soi", "📅 vendredi 18 décembre, de 14 h à 16 h"),
    ]
    # Each of them can be answered like the first ones.
    await ana.tap_in(cards(ana)[-1].message_id, "✅ Je viens")
    assert toast(ana) == "✅ C'est noté : vous venez !"


async def test_where_and_details_are_one_tap_away(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await busy_week(app, fake, database, clock)
    ana = await onboard(fake, 702, "Ana")
    await ana.tap(WORKSHOPS)
    museum, dance = cards(ana)[:2]
    # The card itself stays short: no address, no description.
    assert text_of(museum) == (
        "🎨 Sortie au musée\n"
        "📅 aujourd'hui, de 18 h à 19 h 30\n"
        "👥 Il y a 20 places.\n"
        "❔ Vous n'avez pas encore répondu."
    )
    assert ana.inline_buttons(museum)[2:] == [
        ["📍 Où ?", "ℹ️ Détails"],
        ["📲 Ajouter à mon agenda"],
    ]
    assert ana.inline_buttons(dance)[2:] == [["📍 Où ?"], ["📲 Ajouter à mon agenda"]]

    await ana.tap_in(museum.message_id, "📍 Où ?")
    where = last_message(ana)
    assert text_of(where) == "🎨 Sortie au musée\n📍 Musée des Beaux-Arts, Dijon"
    assert where.reply_markup is not None
    assert where.reply_markup["inline_keyboard"] == [
        [{"text": "🗺️ Voir le plan", "url": "https://maps.example.org/musee"}]
    ]

    await ana.tap_in(museum.message_id, "ℹ️ Détails")
    assert last_text(ana) == (
        "🎨 Sortie au musée\n"
        "📅 aujourd'hui, de 18 h à 19 h 30\n"
        "⏱️ L'atelier dure 1 heure et demie.\n"
        "📍 Musée des Beaux-Arts, Dijon\n"
        "📝 Visite guidée, gratuite."
    )

    await ana.tap_in(dance.message_id, "📍 Où ?")
    assert last_text(ana) == "🎨 Danse\n📍 Maison de quartier, Fontaine d'Ouche"
    assert last_message(ana).reply_markup is None  # no map was given


async def test_a_one_off_session_goes_to_the_phone_calendar_by_its_name(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await busy_week(app, fake, database, clock)
    ana = await onboard(fake, 703, "Ana")
    await ana.tap(WORKSHOPS)
    theatre = cards(ana)[2]
    await ana.tap_in(theatre.message_id, "📲 Ajouter à mon agenda")
    document = last_message(ana)
    assert document.kind == "document" and document.file_id is not None
    record = fake.files[document.file_id]
    # Named after the workshop; what a phone cannot store in a file name is left out.
    assert record.file_name == "Théâtre la suite fin.ics"
    body = record.content.decode()
    assert body.count("BEGIN:VEVENT") == 1
    assert "SUMMARY:Théâtre : la suite / fin ?\r\n" in body
    assert "DTSTART:20261126T090000Z\r\n" in body


async def test_a_cancelled_next_session_says_so_and_the_following_one_is_there(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock)
    async with database.transaction() as session:
        claire = await session.scalar(select(Person).where(Person.telegram_id == FACILITATOR_ID))
        assert claire is not None
        await calendar.cancel_occurrence(
            session,
            occurrence_id=sessions[0].id,
            reason="Salle fermée",
            by=claire,
            now=clock.now(),
            translator=runtime(app).translator,
            tz=runtime(app).settings.tz,
            group_language=runtime(app).settings.default_language,
        )
    ana = await onboard(fake, 704, "Ana")
    await ana.tap(WORKSHOPS)
    cancelled, following = cards(ana)
    assert text_of(cancelled) == (
        "🎨 Art-thérapie\n📅 aujourd'hui, de 14 h à 16 h\n🚫 Atelier annulé\n💬 Salle fermée"
    )
    assert ana.inline_buttons(cancelled) == []
    assert text_of(following).startswith("🎨 Art-thérapie\n📅 mardi 1 décembre, de 14 h à 16 h")


async def test_no_workshop_yet(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    ana = await onboard(fake, 705, "Ana")
    await ana.tap(WORKSHOPS)
    assert last_text(ana) == (
        "📅 Il n'y a pas d'atelier prévu pour le moment.\n🙂 Revenez voir bientôt."
    )


async def test_old_or_forged_buttons_of_the_list_get_a_kind_answer(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock)
    ana = await onboard(fake, 706, "Ana")
    await ana.tap(WORKSHOPS)
    before = len(ana.messages)
    for forged in ("ou:999999", "info:999999", "icso:999999", "ics:999999", "dates:0", "ou:x"):
        await ana.press_callback(forged)
        assert toast(ana) == STALE, forged
    assert len(ana.messages) == before  # nothing sent, nothing lost
    # A page past the last date (an old button): said kindly.
    await ana.press_callback("dates:9")
    assert last_text(ana) == "📅 Vous avez vu toutes les dates prévues."


async def test_the_card_shown_last_is_the_one_a_typed_answer_is_about(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    sessions = await workshop(fake, database, clock)
    ana = await onboard(fake, 707, "Ana")
    state = app.user_data[ana.id]
    await ana.tap(WORKSHOPS)
    assert state.last_card == (sessions[0].id, clock.now())
    clock.advance(seconds=30)
    await ana.tap("📅 Autres dates")
    assert state.last_card == (sessions[3].id, clock.now())
    clock.advance(seconds=30)
    await ana.tap_in(cards(ana)[1].message_id, "🤔 Peut-être")
    assert state.last_card == (sessions[1].id, clock.now())


async def test_the_list_in_english(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop(fake, database, clock, capacity=2)
    john = await onboard(fake, 708, "John", language="en")
    await john.tap(default_translator().t("menu.sessions", "en"))
    card = cards(john)[0]
    assert text_of(card) == (
        "🎨 Art-thérapie\n"
        "📅 today, from 2 pm to 4 pm\n"
        "👥 There are 2 seats.\n"
        "❔ You have not answered yet."
    )
    assert john.inline_buttons(card) == [
        ["✅ I'm coming"],
        ["🤔 Maybe", "❌ I'm not coming"],
        ["📍 Where?"],
        ["📲 Add to my calendar"],
    ]
    await john.tap_in(card.message_id, "✅ I'm coming")
    assert "👥 1 person is coming. There is 1 seat left." in text_of(current(john, card))
    await john.tap_in(card.message_id, "➕ I'm bringing someone")
    assert "👥 2 people are coming. It is full." in text_of(current(john, card))
