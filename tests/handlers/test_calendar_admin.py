"""The facilitators' calendar through the fake Telegram: series, one-off sessions, who
comes, answering for someone (with or without Telegram), cancelling, moving, attendance,
and what people are told: by whom, to whom, in their own language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, select

from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.models import (
    Answer,
    Base,
    Occurrence,
    OccurrenceStatus,
    OutboxMessage,
    Person,
    Rsvp,
    Series,
)
from bot.sandbox.fake_telegram import FakeTelegram, FakeUser, StoredMessage
from bot.services import calendar, people, rsvp
from tests.factories import TZ as PARIS
from tests.utils import (
    FACILITATOR_ID,
    count,
    current,
    deliver,
    last_text,
    onboard,
    text_of,
    toast,
)

Model = TypeVar("Model", bound=Base)


async def rows(database: Database, model: type[Model], *where: ColumnElement[bool]) -> list[Model]:
    """The rows of `model` that match every condition."""
    async with database.transaction() as session:
        return list(await session.scalars(select(model).where(*where)))


async def sessions(database: Database) -> list[Occurrence]:
    """Every session in the database, soonest first."""
    async with database.transaction() as session:
        return list(await session.scalars(select(Occurrence).order_by(Occurrence.starts_at)))


async def answer(
    database: Database,
    clock: FrozenClock,
    telegram_id: int,
    occurrence_id: int,
    value: Answer,
    *,
    plus_one: bool | None = None,
) -> rsvp.Outcome:
    """A participant's own answer, through the service (the participants' list is
    another module's work); each answer a second after the previous, so the line is
    in the order of the calls."""
    clock.advance(seconds=1)
    async with database.transaction() as session:
        person = await people.get_by_telegram_id(session, telegram_id)
        assert person is not None
        return await rsvp.respond(
            session,
            occurrence_id=occurrence_id,
            person=person,
            answer=value,
            now=clock.now(),
            plus_one=plus_one,
        )


async def one_off(
    database: Database,
    clock: FrozenClock,
    *,
    title: str = "Atelier",
    hours: int = 1,
    capacity: int = 20,
) -> Occurrence:
    """A session created straight in the database, `hours` from now."""
    async with database.transaction() as session:
        boss = await people.get_by_telegram_id(session, FACILITATOR_ID)
        assert boss is not None
        return await calendar.create_one_off(
            session,
            creator=boss,
            title=title,
            place="Salle Bachelard",
            starts_at=clock.now() + timedelta(hours=hours),
            duration_minutes=90,
            now=clock.now(),
            tz=PARIS,
            capacity=capacity,
        )


def message_with(user: FakeUser, *parts: str) -> StoredMessage:
    """The newest visible bot message whose text holds every part."""
    for message in reversed(user.visible):
        if message.text and all(part in message.text for part in parts):
            return message
    raise AssertionError(f"no message with {parts}: {user.texts[-5:]}")


def button_starting(user: FakeUser, message: StoredMessage, prefix: str) -> str:
    labels = [label for row in user.inline_buttons(message) for label in row]
    return next(label for label in labels if label.startswith(prefix))


async def new_series(
    boss: FakeUser, *, title: str = "Danse", capacity: str = "20", first: str = "mardi 1 décembre"
) -> list[StoredMessage]:
    """The wizard with buttons only: Tuesdays 14:00, 1 h 30, from 1 December, no end."""
    await boss.tap("🗓️ Calendrier")
    await boss.tap("➕ Nouvelle série")
    await boss.tap(title)
    await boss.tap("Mardi")
    await boss.tap("14 h")
    await boss.tap("1 h 30")
    await boss.tap("Chaque semaine")
    await boss.send("Maison de quartier")
    await boss.tap("⏭️ Passer")
    await boss.tap(capacity)
    await boss.tap("⏭️ Passer")
    await boss.tap(first)
    await boss.tap("♾️ Sans fin")
    return await boss.tap("✅ Créer")


async def upcoming(boss: FakeUser) -> list[StoredMessage]:
    await boss.tap("🗓️ Calendrier")
    return await boss.tap("📋 Prochaines séances")


# --- creating ----------------------------------------------------------------------


async def test_series_wizard_with_buttons_and_typing(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    replies = await boss.tap("🗓️ Calendrier")
    assert "pas encore d'atelier" in text_of(replies[-1])
    replies = await boss.tap("➕ Nouvelle série")
    assert boss.inline_buttons(replies[-1])[0] == ["Art-thérapie", "Danse"]
    assert ["❌ Annuler"] in boss.inline_buttons(replies[-1])
    await boss.tap("Danse")
    assert boss.inline_buttons()[0] == ["Lundi", "Mardi"]
    await boss.tap("Mardi")
    replies = await boss.send("vers le goûter")
    assert "Je n'ai pas compris cette heure" in text_of(replies[-1])
    assert "Exemples : 14h, 14:30, 2pm" in text_of(replies[-1])
    replies = await boss.send("14h")
    assert "Combien de temps" in text_of(replies[-1])
    await boss.tap("1 h 30")
    await boss.tap("Chaque semaine")
    await boss.send("Maison de quartier, 4 rue du Tire-Pesseau")
    replies = await boss.send("le plan est affiché à l'accueil")
    assert "Ce n'est pas un lien" in text_of(replies[-1])
    await boss.send("https://maps.example.org/mq")
    replies = await boss.send("beaucoup")
    assert "entre 1 et 500" in text_of(replies[-1])
    await boss.tap("15")
    await boss.send("Tenue confortable.")
    # Today is a Tuesday; 14:00 is still ahead, so today is offered first.
    assert boss.inline_buttons()[:3] == [
        ["mardi 24 novembre"],
        ["mardi 1 décembre"],
        ["mardi 8 décembre"],
    ]
    replies = await boss.send("3/12")
    assert "n'est pas un mardi" in text_of(replies[-1])
    await boss.tap("mardi 1 décembre")
    replies = await boss.send("30/11")
    assert "⚠️ La fin, lundi 30 novembre, est avant la première séance" in text_of(replies[-1])
    replies = await boss.send("30/6/2027")
    summary = text_of(replies[-1])
    assert "🎨 Danse" in summary
    assert "🔁 Chaque mardi à 14 h, pendant 1 h 30" in summary
    assert "📍 Maison de quartier, 4 rue du Tire-Pesseau" in summary
    assert "🗺️ https://maps.example.org/mq" in summary
    assert "👥 15 places" in summary
    assert "▶️ Première séance : mardi 1 décembre" in summary
    assert "mercredi 30 juin" in summary
    # Nothing is written before "Créer".
    assert await count(database, Series) == 0

    replies = await boss.tap("✅ Créer")
    assert any("La série est créée" in (m.text or "") for m in replies)
    assert ["🔁 Danse · mardi 14 h"] in boss.inline_buttons(replies[-1])
    created = await sessions(database)
    assert len(created) >= 7
    assert created[0].starts_at == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)  # 14:00 Dijon
    assert {o.capacity for o in created} == {15}

    # The facilitator's list shows them, with the seats.
    replies = await boss.tap("📋 Prochaines séances")
    first = text_of(replies[1])
    assert "Danse" in first and "mardi 1 décembre" in first
    assert "🤔 Peut-être : 0 · ❌ Non : 0" in first
    assert boss.inline_buttons(replies[1]) == [
        ["👥 Qui vient ?"],
        ["🚫 Annuler la séance", "📆 Déplacer"],
    ]


async def test_every_other_week_typed_in_english_style(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    await boss.tap("🗓️ Calendrier")
    await boss.tap("➕ Nouvelle série")
    await boss.send("Atelier argile")
    await boss.tap("Jeudi")
    await boss.send("2pm")
    replies = await boss.send("longtemps")
    assert "Je n'ai pas compris cette durée" in text_of(replies[-1])
    await boss.send("2h")
    replies = await boss.send("tous les jeudis")
    assert "Touchez un des boutons" in text_of(replies[-1])
    await boss.tap("Une semaine sur deux")
    await boss.send("MJC Bourroches")
    await boss.tap("⏭️ Passer")
    await boss.send("12")
    await boss.tap("⏭️ Passer")
    replies = await boss.send("n'importe quand")
    assert "Je n'ai pas compris cette date" in text_of(replies[-1])
    await boss.send("jeudi 3 décembre")
    replies = await boss.tap("♾️ Sans fin")
    assert "🔁 Un jeudi sur deux à 14 h, pendant 2 h" in text_of(replies[-1])
    await boss.tap("✅ Créer")
    created = await sessions(database)
    assert [o.starts_at.date().isoformat() for o in created[:3]] == [
        "2026-12-03",
        "2026-12-17",
        "2026-12-31",
    ]
    assert created[0].capacity == 12


async def test_one_off_session(app: MiroirApp, fake: FakeTelegram, database: Database) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    await boss.tap("🗓️ Calendrier")
    await boss.tap("➕ Séance unique")
    await boss.tap("Théâtre")
    replies = await boss.send("bientôt")
    assert "Je n'ai pas compris le jour et l'heure" in text_of(replies[-1])
    assert "Exemples : mardi 14h, 3/12 18:00" in text_of(replies[-1])
    replies = await boss.send("24/11 8h")
    assert "c'est déjà passé" in text_of(replies[-1])
    await boss.send("jeudi 18h")
    await boss.tap("2 h")
    await boss.send("Théâtre des Feuillants")
    replies = await boss.tap("10")
    assert "📅 jeudi 26 novembre à 18 h\n⏳ 2 h" in text_of(replies[-1])
    replies = await boss.tap("✅ Créer")
    assert any("La séance est créée : jeudi 26 novembre à 18 h" in (m.text or "") for m in replies)
    (created,) = await sessions(database)
    assert created.series_id is None
    assert (created.title, created.capacity) == ("Théâtre", 10)


async def test_cancel_button_and_command_leave_the_wizard(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    await boss.tap("🗓️ Calendrier")
    await boss.tap("➕ Nouvelle série")
    await boss.tap("Danse")
    replies = await boss.tap("❌ Annuler")
    assert "C'est annulé" in text_of(replies[-1])
    await boss.send("/calendar")
    await boss.tap("➕ Séance unique")
    await boss.send("Yoga")
    replies = await boss.send("/annuler")
    assert "C'est annulé" in text_of(replies[-1])
    replies = await boss.send("mardi 14h")
    assert "Je n'ai pas compris" in text_of(replies[-1])  # no longer part of a wizard
    assert await count(database, Series) == 0
    assert await count(database, Occurrence) == 0


# --- changing a series -------------------------------------------------------------


async def test_time_change_tells_people_who_said_yes(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    yes, no = await onboard(fake, 101, "Nadia"), await onboard(fake, 102, "Karim")
    await new_series(boss)
    first = (await sessions(database))[0]
    await answer(database, clock, 101, first.id, Answer.YES)
    await answer(database, clock, 102, first.id, Answer.NO)

    await boss.tap("🗓️ Calendrier")
    await boss.tap("🔁 Danse · mardi 14 h")
    await boss.tap("✏️ Heure")
    replies = await boss.send("2pm")
    assert "C'est déjà comme ça" in text_of(replies[0])
    await boss.tap("✏️ Heure")
    replies = await boss.tap("18 h")
    assert "🕐 Nouvelle heure pour les séances à venir : 18 h" in text_of(replies[-1])
    assert boss.inline_buttons(replies[-1])[:2] == [
        ["📢 Prévenir tout le monde (2)"],
        ["👥 Prévenir les inscrits (1)"],
    ]
    assert await rows(database, Occurrence, Occurrence.starts_at == first.starts_at)  # not yet
    replies = await boss.tap("👥 Prévenir les inscrits (1)")
    done = message_with(boss, "✅ C'est changé")
    assert "🕐 7 séances changent d'heure.\n📣 1 personne prévenue." in text_of(done)
    assert "🔁 Chaque mardi à 18 h, pendant 1 h 30" in text_of(replies[-1])  # the series again

    await deliver(app)
    assert last_text(yes).startswith("📆 Claire a déplacé l'atelier.")
    assert "mardi 1 décembre à 18 h" in last_text(yes)
    assert "✅ Vous venez toujours." in last_text(yes)
    assert not any("déplacé" in (t or "") for t in no.texts)
    moved = await sessions(database)
    assert all(o.starts_at.hour == 17 for o in moved)  # 18:00 in Dijon


async def test_fewer_seats_puts_the_latest_back_in_line_and_tells_them(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    members = [await onboard(fake, i, f"P{i}") for i in (101, 102, 103)]
    await new_series(boss)
    first = (await sessions(database))[0]
    for member in members:
        await answer(database, clock, member.id, first.id, Answer.YES)

    await boss.tap("🗓️ Calendrier")
    await boss.tap("🔁 Danse · mardi 14 h")
    await boss.tap("✏️ Places")
    replies = await boss.send("0")
    assert "entre 1 et 500" in text_of(replies[-1])
    await boss.send("2")
    assert "1 personne repasse sur la liste d'attente" in text_of(
        message_with(boss, "C'est changé")
    )

    await deliver(app)
    assert "Vous êtes la 1re personne sur la liste." in last_text(members[2])
    assert not any("liste d'attente" in (t or "") for t in members[0].texts)
    (line,) = await rows(database, Rsvp, Rsvp.waitlisted.is_(True))
    assert line.occurrence_id == first.id

    # More seats again, a moment later: the person in line moves in, and is told.
    clock.advance(minutes=5)
    await boss.tap("✏️ Places")
    await boss.tap("10")
    await deliver(app)
    assert "Une place s'est libérée" in last_text(members[2])


async def test_stopping_a_series_cancels_what_is_to_come(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    yes = await onboard(fake, 101, "Nadia")
    await new_series(boss)
    first = (await sessions(database))[0]
    await answer(database, clock, 101, first.id, Answer.YES)
    await boss.tap("🗓️ Calendrier")
    await boss.tap("🔁 Danse · mardi 14 h")
    replies = await boss.tap("⏹️ Arrêter la série")
    assert "🚫 7 séances à venir seront annulées." in text_of(replies[-1])
    await boss.tap("⬅️ Non, retour")
    assert await count(database, Occurrence) == len(
        await rows(database, Occurrence, Occurrence.status == OccurrenceStatus.SCHEDULED)
    )
    await boss.tap("⏹️ Arrêter la série")
    replies = await boss.tap("👥 Prévenir les inscrits (1)")
    assert "est arrêtée" in text_of(replies[-2])
    assert "📣 1 personne prévenue." in text_of(replies[-2])
    assert ["🔁 Danse · mardi 14 h"] not in boss.inline_buttons(replies[-1])
    left = await rows(database, Occurrence, Occurrence.status == OccurrenceStatus.SCHEDULED)
    assert left == []
    await deliver(app)
    assert last_text(yes).startswith("⏹️ Claire a arrêté l'atelier.\n🎨 Danse")


# --- upcoming sessions: who comes, answering for someone ---------------------------


async def test_who_comes_and_answering_on_behalf(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    names = ["Zoé", "Émilie", "Bruno", "Alice", "Damien", "Farid"]
    names += ["Gaëlle", "Hugo", "Inès", "Jules", "Karim"]
    users = {name: await onboard(fake, 200 + i, name) for i, name in enumerate(names)}
    session = await one_off(database, clock, title="Argile", hours=30, capacity=3)
    await answer(database, clock, users["Zoé"].id, session.id, Answer.YES, plus_one=True)
    await answer(database, clock, users["Bruno"].id, session.id, Answer.YES)
    await answer(database, clock, users["Alice"].id, session.id, Answer.YES)  # full: waits
    await answer(database, clock, users["Émilie"].id, session.id, Answer.MAYBE)
    await answer(database, clock, users["Hugo"].id, session.id, Answer.NO)

    await upcoming(boss)
    replies = await boss.tap("👥 Qui vient ?")
    text = text_of(replies[-1])
    assert "✅ Viennent : 3 places prises sur 3\n• Zoé +1\n• Bruno" in text
    assert "🕐 Liste d'attente :\n1. Alice" in text
    assert "🤔 Peut-être :\n• Émilie" in text
    assert "❌ Ne viennent pas : 1" in text
    who = replies[-1]

    # Paged names, sorted without regard to accents; the facilitator is a person too.
    await boss.tap("✍️ Répondre pour quelqu'un")
    assert "Page 1 sur 2" in text_of(current(boss, who))
    assert boss.inline_buttons(who)[:2] == [["Alice", "Bruno"], ["Claire", "Damien"]]
    assert boss.inline_buttons(who)[2] == ["Émilie", "Farid"]
    assert ["▶️"] in boss.inline_buttons(who)
    await boss.tap("▶️")
    assert boss.inline_buttons(who)[:2] == [["Karim", "Zoé"], ["◀️"]]
    await boss.tap("◀️")
    await boss.tap("Inès")
    assert "Inès vient ?" in text_of(current(boss, who))
    assert "Pas encore de réponse" in text_of(current(boss, who))
    await boss.tap("✅ Je viens")
    assert "Inès est la 2e personne sur la liste d'attente" in toast(boss)
    assert "2. Inès ✍️" in text_of(current(boss, who))

    before = {name: len(user.texts) for name, user in users.items()}
    # Zoé cannot come after all: her two seats go to the first in line.
    await boss.tap("✍️ Répondre pour quelqu'un")
    await boss.tap("▶️")
    await boss.tap("Zoé")
    await boss.tap("❌ Je ne viens pas")
    text = text_of(current(boss, who))
    assert "✅ Viennent : 3 places prises sur 3\n• Bruno\n• Alice\n• Inès ✍️" in text
    assert "Liste d'attente" not in text
    assert "❌ Ne viennent pas : 2" in text
    await deliver(app)
    assert "Une place s'est libérée" in last_text(users["Alice"])
    assert "Une place s'est libérée" in last_text(users["Inès"])
    # Zoé is not messaged about what the facilitator noted for her.
    assert len(users["Zoé"].texts) == before["Zoé"]


# --- cancel, move ------------------------------------------------------------------


async def test_cancel_with_a_reason_tells_yes_and_maybe_only(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    yes, maybe, no = [await onboard(fake, i, f"P{i}") for i in (101, 102, 103)]
    await new_series(boss)
    first, second = (await sessions(database))[:2]
    await answer(database, clock, 101, first.id, Answer.YES)
    await answer(database, clock, 102, first.id, Answer.MAYBE)
    await answer(database, clock, 103, first.id, Answer.NO)

    await upcoming(boss)
    first_card = message_with(boss, "mardi 1 décembre")
    replies = await boss.tap_in(first_card.message_id, "🚫 Annuler la séance")
    assert "Pourquoi ?" in text_of(replies[-1])
    replies = await boss.tap("🌧️ Météo")
    assert "💬 Il fait trop mauvais temps." in text_of(replies[-1])
    assert "📣 Qui prévenir ?" in text_of(replies[-1])
    assert boss.inline_buttons(replies[-1]) == [
        ["📢 Prévenir tout le monde (3)"],
        ["👥 Prévenir les inscrits (2)"],
        ["↩️ Non, ne rien changer"],
    ]
    await boss.tap("👥 Prévenir les inscrits (2)")
    done = text_of(current(boss, replies[-1]))
    assert "Séance annulée" in done and "📣 2 personnes prévenues." in done
    await deliver(app)
    for person in (yes, maybe):
        assert last_text(person).startswith("🚫 Claire a annulé l'atelier.")
        assert "💬 Il fait trop mauvais temps." in last_text(person)
    assert not any("annulé" in (t or "") for t in no.texts)
    (cancelled,) = await rows(database, Occurrence, Occurrence.id == first.id)
    assert cancelled.status == OccurrenceStatus.CANCELLED

    # A typed reason works too.
    card = message_with(boss, "mardi 8 décembre")
    await boss.tap_in(card.message_id, "🚫 Annuler la séance")
    replies = await boss.send("Grève des bus")
    assert "💬 Grève des bus" in text_of(replies[-1])
    await boss.tap("👥 Prévenir les inscrits (0)")
    (cancelled,) = await rows(database, Occurrence, Occurrence.id == second.id)
    assert cancelled.cancel_reason == "Grève des bus"

    # The old card's buttons now get a clear answer, and nothing changes.
    await boss.tap_in(first_card.message_id, "📆 Déplacer")
    assert "Cette séance est annulée" in toast(boss)
    await boss.tap_in(first_card.message_id, "👥 Qui vient ?")
    assert "Cette séance est annulée" in toast(boss)


async def test_keeping_the_session_changes_nothing(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    await new_series(boss)
    await upcoming(boss)
    await boss.tap_in(message_with(boss, "mardi 1 décembre").message_id, "🚫 Annuler la séance")
    await boss.tap("🤒 Animateur malade")
    replies = await boss.tap("↩️ Non, ne rien changer")
    assert "Rien n'a changé" in text_of(replies[-1])
    assert await rows(database, Occurrence, Occurrence.status == OccurrenceStatus.CANCELLED) == []
    await deliver(app)
    assert await count(database, OutboxMessage) == 0


async def test_move_a_session(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    yes = await onboard(fake, 101, "Nadia")
    await new_series(boss)
    first = (await sessions(database))[0]
    await answer(database, clock, 101, first.id, Answer.YES)

    await upcoming(boss)
    card = message_with(boss, "mardi 1 décembre")
    await boss.tap_in(card.message_id, "📆 Déplacer")
    replies = await boss.send("plus tard")
    assert "Je n'ai pas compris" in text_of(replies[-1])
    assert "Exemples : jeudi 14h, 3/12 18:00" in text_of(replies[-1])
    replies = await boss.send("24/11 8h")  # this morning
    assert "c'est déjà passé" in text_of(replies[-1])
    replies = await boss.send("3/12 18:00")
    assert "Nouvelle date : jeudi 3 décembre à 18 h" in text_of(replies[-1])
    assert "↩️ Avant : mardi 1 décembre à 14 h" in text_of(replies[-1])
    await boss.tap("👥 Prévenir les inscrits (1)")
    await deliver(app)
    notice = last_text(yes)
    assert notice.startswith("📆 Claire a déplacé l'atelier.\n🎨 Danse\n")
    assert "📅 Nouvelle date : jeudi 3 décembre à 18 h" in notice
    assert "📍 Maison de quartier" in notice
    assert "✅ Vous venez toujours." in notice
    (moved,) = await rows(database, Occurrence, Occurrence.id == first.id)
    assert moved.starts_at == datetime(2026, 12, 3, 17, 0, tzinfo=UTC)

    # The card still shows the old time: its buttons say the session moved.
    await boss.tap_in(card.message_id, "🚫 Annuler la séance")
    assert "déplacée au jeudi 3 décembre à 18 h" in toast(boss)
    (still,) = await rows(database, Occurrence, Occurrence.id == first.id)
    assert still.status == OccurrenceStatus.SCHEDULED


async def test_buttons_of_a_past_session_change_nothing(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    session = await one_off(database, clock, hours=2)
    await upcoming(boss)
    card = message_with(boss, "Atelier")
    clock.advance(hours=3)
    await boss.tap_in(card.message_id, "🚫 Annuler la séance")
    assert "déjà commencé" in toast(boss)
    await boss.tap_in(card.message_id, "📆 Déplacer")
    assert "déjà commencé" in toast(boss)
    (same,) = await rows(database, Occurrence, Occurrence.id == session.id)
    assert same.status == OccurrenceStatus.SCHEDULED
    assert same.starts_at == session.starts_at


# --- attendance --------------------------------------------------------------------


async def test_attendance_taps_and_walk_ins(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    for i, name in ((101, "Nadia"), (102, "Karim"), (103, "Léa")):
        await onboard(fake, i, name)
    session = await one_off(database, clock, title="Relaxation", hours=1)
    await answer(database, clock, 101, session.id, Answer.YES)
    await answer(database, clock, 102, session.id, Answer.MAYBE)
    await answer(database, clock, 103, session.id, Answer.NO)

    await boss.tap("🗓️ Calendrier")
    replies = await boss.tap("✅ Présences")
    assert "Aucune séance" in text_of(replies[-1])
    clock.advance(hours=2)
    await boss.send("/calendrier")
    sheet = (await boss.tap("✅ Présences"))[-1]
    await boss.tap(button_starting(boss, sheet, "Relaxation"))
    sheet = current(boss, sheet)
    assert "🙋 Présent : 0, dont 0 sans inscription" in text_of(sheet)
    assert boss.inline_buttons(sheet)[0] == ["⬜ Nadia", "⬜ Karim"]  # yes first, then maybe

    await boss.tap("⬜ Nadia")
    assert "✅ Nadia est là" in toast(boss)
    assert boss.inline_buttons(sheet)[0] == ["✅ Nadia", "⬜ Karim"]
    await boss.tap("➕ Sans inscription")
    await boss.tap("➕ Sans inscription")
    assert "🙋 Présents : 3, dont 2 sans inscription" in text_of(current(boss, sheet))
    for _ in range(3):
        await boss.tap("➖ Sans inscription")
    assert "Déjà 0" in toast(boss)
    assert "🙋 Présent : 1, dont 0 sans inscription" in text_of(current(boss, sheet))

    # Léa said no but came: found through "Autre personne".
    await boss.tap("👤 Autre personne")
    await boss.tap("Léa")
    text = text_of(current(boss, sheet))
    assert "🙋 Présents : 2, dont 0 sans inscription" in text
    assert ["✅ Léa"] in boss.inline_buttons(sheet)
    await boss.tap("✅ Nadia")
    assert "🙋 Présent : 1, dont 0 sans inscription" in text_of(current(boss, sheet))
    # Always the same message, edited in place.
    assert len(current(boss, sheet).edits) >= 8
    async with database.transaction() as db:
        figures = await rsvp.attendance(db, session.id)
    assert (figures.present, figures.walk_ins, figures.said_yes) == (1, 0, 1)


async def test_attendance_is_not_taken_before_the_start(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    session = await one_off(database, clock, hours=1)
    await boss.send("/calendrier")
    await boss.press_callback(f"cat:{session.id}")
    assert "pas encore commencé" in toast(boss)
    await boss.press_callback(f"caj:{session.id}:u")
    (same,) = await rows(database, Occurrence, Occurrence.id == session.id)
    assert same.walk_ins == 0


# --- who may do what ---------------------------------------------------------------


async def test_participants_are_refused_and_nothing_changes(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    member = await onboard(fake, 101, "Nadia")
    await new_series(boss)
    first = (await sessions(database))[0]
    (series,) = await rows(database, Series)
    stamp = int(first.starts_at.timestamp()) // 60

    replies = await member.send("/calendrier")
    assert "pour les animateurs" in text_of(replies[-1])
    for data in (
        "cam:new",
        f"caz:{series.id}:e",
        f"cav:{series.id}:cp:10",
        f"cao:{first.id}:c:{stamp}",
        f"cak:{first.id}:c:e:{stamp}",
        f"caa:{first.id}:1:y",
        f"cai:{first.id}:1",
        f"caj:{first.id}:u",
        "caw:ok:abcdefgh",
        f"cau:{series.id}:e",
        f"can:{first.id}:r",
        "cay:ok",
        f"caf:{first.id}:1:yes",
    ):
        await member.press_callback(data)
        assert "pour les animateurs" in toast(member), data
    (same,) = await rows(database, Series)
    assert same.ended_at is None and same.capacity == 20
    assert await rows(database, Occurrence, Occurrence.status == OccurrenceStatus.CANCELLED) == []
    assert await count(database, Rsvp) == 0
    await deliver(app)
    assert await count(database, OutboxMessage) == 0


async def test_forged_or_old_buttons_from_a_facilitator_are_answered(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    await boss.send("/calendrier")
    await boss.press_callback("cas:999")
    assert "série est arrêtée ou n'existe plus" in toast(boss)
    await boss.press_callback("cao:999:c:1")
    assert "Je ne trouve pas cette séance" in toast(boss)
    await boss.press_callback("caw:pl:0")  # no wizard going on
    assert "Ce bouton ne marche plus" in toast(boss)
    await boss.press_callback("cak:1:c:1")
    assert "Ce bouton ne marche plus" in toast(boss)


async def test_one_off_whose_time_went_by_asks_only_the_time_again(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    await boss.tap("🗓️ Calendrier")
    await boss.tap("➕ Séance unique")
    await boss.send("Sortie au musée")
    await boss.send("aujourd'hui 11h")
    await boss.tap("1 h")
    await boss.send("Musée des Beaux-Arts")
    await boss.tap("20")
    clock.advance(hours=1)  # 11:00 in Dijon: too late now
    replies = await boss.tap("✅ Créer")
    assert "Cette heure est passée" in text_of(replies[-1])
    assert await count(database, Occurrence) == 0
    replies = await boss.send("demain 11h")
    assert "📅 mercredi 25 novembre à 11 h\n⏳ 1 h" in text_of(replies[-1])  # the summary again
    await boss.tap("✅ Créer")
    (created,) = await sessions(database)
    assert created.place == "Musée des Beaux-Arts"


async def test_calendar_speaks_english_to_an_english_facilitator(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire", language="en")
    await boss.send("/calendar")
    replies = await boss.tap("➕ New series")
    assert boss.inline_buttons(replies[-1])[0] == ["Art therapy", "Dance"]
    await boss.tap("Dance")
    assert boss.inline_buttons()[0] == ["Monday", "Tuesday"]
    await boss.tap("Wednesday")
    replies = await boss.send("teatime")
    assert "I did not understand that time" in text_of(replies[-1])
    await boss.send("2:30 pm")
    await boss.tap("2 h")
    await boss.tap("Every other week")
    await boss.send("Community centre")
    await boss.tap("⏭️ Skip")
    await boss.tap("10")
    await boss.tap("⏭️ Skip")
    await boss.tap("Wednesday 2 December")
    replies = await boss.tap("♾️ No end date")
    assert "🔁 Every other Wednesday at 2:30 pm, for 2 h" in text_of(replies[-1])
    await boss.tap("✅ Create")
    assert ["🔁 Dance · Wednesday 2:30 pm, every 2 weeks"] in boss.inline_buttons()
    assert len(await sessions(database)) >= 4


# --- whom to tell: the group is open ----------------------------------------------------


async def test_a_change_can_be_told_to_everyone_since_anyone_may_come(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    nadia, karim, lea = [
        await onboard(fake, i, n) for i, n in ((101, "Nadia"), (102, "Karim"), (103, "Léa"))
    ]
    await new_series(boss)
    first = (await sessions(database))[0]
    await answer(database, clock, 101, first.id, Answer.YES)

    await upcoming(boss)
    await boss.tap_in(message_with(boss, "mardi 1 décembre").message_id, "📆 Déplacer")
    await boss.send("jeudi 3/12 18h")
    # Each button says how many it tells: Claire, who makes the change, is not counted.
    replies = await boss.tap("📢 Prévenir tout le monde (3)")
    assert "📣 3 personnes prévenues." in text_of(current(boss, replies[-1]))
    await deliver(app)
    assert "✅ Vous venez toujours." in last_text(nadia)
    for person in (karim, lea):  # they never answered: the new date, and a question
        assert last_text(person).startswith("📆 Claire a déplacé l'atelier.")
        assert last_text(person).endswith("👇 Vous venez ?")
        assert person.inline_buttons()[0] == ["✅ Je viens"]


async def test_a_new_time_for_the_series_reaches_people_even_before_anyone_answered(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    """It used to say "0 personne(s) prévenue(s)": only people who answered were told."""
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    nadia, karim = await onboard(fake, 101, "Nadia"), await onboard(fake, 102, "Karim")
    await new_series(boss)
    await boss.tap("🗓️ Calendrier")
    await boss.tap("🔁 Danse · mardi 14 h")
    await boss.tap("✏️ Heure")
    await boss.send("10h")
    await boss.tap("📢 Prévenir tout le monde (2)")
    assert "📣 2 personnes prévenues." in text_of(message_with(boss, "✅ C'est changé"))
    await deliver(app)
    for person in (nadia, karim):
        notice = last_text(person)
        assert notice.startswith("🕐 Claire a changé l'heure de l'atelier.\n🎨 Danse")
        assert "🔁 Chaque mardi à 10 h." in notice
        assert "📅 Prochain atelier : mardi 1 décembre à 10 h" in notice
        assert len([t for t in person.texts if t and "Claire a changé" in t]) == 1

    # A new place asks too; "Ne rien changer" keeps everything as it was.
    await boss.tap("✏️ Lieu")
    replies = await boss.send("MJC Bourroches")
    assert "📍 Nouveau lieu pour les séances à venir : MJC Bourroches" in text_of(replies[-1])
    await boss.tap("❌ Annuler")
    (series,) = await rows(database, Series)
    assert series.place == "Maison de quartier"
    await boss.tap("✏️ Lieu")
    await boss.send("MJC Bourroches")
    await boss.tap("📢 Prévenir tout le monde (2)")
    assert "📣 2 personnes prévenues." in text_of(message_with(boss, "✅ C'est changé"))
    await deliver(app)
    assert last_text(karim).startswith("📍 Claire a changé le lieu de l'atelier.")
    assert "📍 Nouveau lieu : MJC Bourroches" in last_text(karim)

    # Stopping it, told to everyone: one message each, not one per session.
    await boss.tap("🗓️ Calendrier")
    await boss.tap("🔁 Danse · mardi 10 h")
    await boss.tap("⏹️ Arrêter la série")
    replies = await boss.tap("📢 Prévenir tout le monde (2)")
    assert "📣 2 personnes prévenues." in text_of(replies[-2])
    await deliver(app)
    assert last_text(nadia).startswith("⏹️ Claire a arrêté l'atelier.")
    assert len([t for t in karim.texts if t and "arrêté" in t]) == 1


async def test_each_participant_reads_the_name_and_the_reason_in_their_language(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    """An English participant got "💬 Animateur malade": the facilitator's words."""
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    john = await onboard(fake, 101, "John", language="en")
    nadia = await onboard(fake, 102, "Nadia")
    await new_series(boss)  # "Danse", a suggested name
    first = (await sessions(database))[0]
    await answer(database, clock, 101, first.id, Answer.YES)
    await answer(database, clock, 102, first.id, Answer.YES)
    await upcoming(boss)
    await boss.tap_in(message_with(boss, "mardi 1 décembre").message_id, "🚫 Annuler la séance")
    await boss.tap("🤒 Animateur malade")
    await boss.tap("👥 Prévenir les inscrits (2)")
    await deliver(app)
    assert last_text(john) == (
        "🚫 Claire cancelled the workshop.\n🎨 Dance\n"
        "📅 Tuesday 1 December at 2 pm\n💬 The facilitator is ill."
    )
    assert "💬 L'animateur est malade." in last_text(nadia)
    assert "🎨 Danse" in last_text(nadia)
    (cancelled,) = await rows(database, Occurrence, Occurrence.id == first.id)
    assert (cancelled.cancel_reason_key, cancelled.title_key) == (
        "cal.reason_sick",
        "cal.quick_dance",
    )


# --- people without Telegram ------------------------------------------------------------


async def test_answering_for_someone_without_telegram(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    nadia = await onboard(fake, 101, "Nadia")
    session = await one_off(database, clock, title="Argile", hours=30, capacity=1)

    await upcoming(boss)
    who = (await boss.tap("👥 Qui vient ?"))[-1]
    await boss.tap("✍️ Répondre pour quelqu'un")
    assert boss.inline_buttons(who)[-2:] == [["➕ Personne sans Telegram"], ["⬅️ Retour"]]
    replies = await boss.tap("➕ Personne sans Telegram")
    assert "✍️ Écrivez son prénom" in text_of(replies[-1])
    replies = await boss.send("🙂🙂")
    assert "🤔 Écrivez un prénom, 40 lettres au plus." in text_of(replies[-1])
    replies = await boss.send("Fatima")
    assert "📞 Le numéro de téléphone de Fatima ?" in text_of(replies[-1])
    replies = await boss.send("demain matin")
    assert "🤔 Je n'ai pas compris ce numéro. Exemple : 06 12 34 56 78" in text_of(replies[-1])
    replies = await boss.send("06.12.34.56.78")
    consent = text_of(replies[-1])
    assert consent.startswith("📵 Fatima\n📞 06 12 34 56 78\n\n🤝 Avant de l'ajouter, dites-lui :")
    assert consent.endswith("Cette personne est d'accord ?")
    assert await rows(database, Person, Person.telegram_id.is_(None)) == []  # not yet
    await boss.tap("✅ Oui, ajouter")
    assert toast(boss) == "✅ C'est noté : Fatima est dans la liste."
    screen = text_of(message_with(boss, "Fatima vient ?"))
    assert "📵 Fatima n'a pas Telegram" in screen and "📞 06 12 34 56 78" in screen
    (fatima,) = await rows(database, Person, Person.telegram_id.is_(None))
    assert fatima.consent_at == clock.now() and fatima.added_by_id is not None

    # She takes the only seat, like anyone; Nadia then waits in line.
    await boss.tap("✅ Je viens")
    view = message_with(boss, "👥 Qui vient ?")
    assert "• Fatima 📵" in text_of(view)
    assert "📵 = sans Telegram, pas de message : appelez la personne." in text_of(view)
    outcome = await answer(database, clock, 101, session.id, Answer.YES)
    assert outcome.position == 1

    # In the picker she is marked too; cancelling lists her to phone, and writes her nothing.
    await boss.tap("✍️ Répondre pour quelqu'un")
    assert ["Claire", "Fatima 📵"] in boss.inline_buttons(current(boss, view))
    await upcoming(boss)
    await boss.tap_in(message_with(boss, "Argile").message_id, "🚫 Annuler la séance")
    await boss.send("Grève des bus")
    replies = await boss.tap("📢 Prévenir tout le monde (1)")
    done = text_of(current(boss, replies[-1]))
    assert "📣 1 personne prévenue." in done
    assert "📞 Sans Telegram, à prévenir vous-même :\n• Fatima 📞 06 12 34 56 78" in done
    outbox = await rows(database, OutboxMessage)
    assert outbox and all(m.person_id != fatima.id for m in outbox)
    await deliver(app)
    assert "Grève des bus" in last_text(nadia)


async def test_someone_without_telegram_who_came_and_asked_to_be_erased(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    today = await one_off(database, clock, title="Relaxation", hours=1)
    later = await one_off(database, clock, title="Argile", hours=50)
    clock.advance(hours=2)

    # Mohamed came today without Telegram: added from the attendance sheet, present.
    await boss.send("/calendrier")
    sheet = (await boss.tap("✅ Présences"))[-1]
    await boss.tap(button_starting(boss, sheet, "Relaxation"))
    await boss.tap("👤 Autre personne")
    await boss.tap("➕ Personne sans Telegram")
    await boss.send("Mohamed")
    await boss.tap("⏭️ Pas de numéro")
    await boss.tap("✅ Oui, ajouter")
    sheet = message_with(boss, "🙋 Présent")
    assert "🙋 Présent : 1, dont 0 sans inscription" in text_of(sheet)
    assert "📵 = sans Telegram" in text_of(sheet)
    assert ["✅ Mohamed 📵"] in boss.inline_buttons(sheet)

    # Next time, the same name is offered rather than added twice.
    await upcoming(boss)
    await boss.tap_in(message_with(boss, "Argile").message_id, "👥 Qui vient ?")
    await boss.tap("✍️ Répondre pour quelqu'un")
    await boss.tap("➕ Personne sans Telegram")
    replies = await boss.send("mohamed")
    assert "📵 mohamed est déjà dans la liste." in text_of(replies[-1])
    await boss.tap("👤 Mohamed 📵")
    await boss.tap("✅ Je viens")
    assert len(await rows(database, Person, Person.telegram_id.is_(None))) == 1

    # He asks to be erased: his name and answers go.
    await boss.tap("✍️ Répondre pour quelqu'un")
    await boss.tap("Mohamed 📵")
    replies = await boss.tap("🗑️ Effacer cette personne")
    assert "🗑️ Effacer Mohamed de Miroir ?" in text_of(current(boss, replies[-1]))
    await boss.tap("⬅️ Retour")  # not now: nothing is erased
    assert len(await rows(database, Person, Person.telegram_id.is_(None))) == 1
    await boss.tap("🗑️ Effacer cette personne")
    await boss.tap("✅ Oui, effacer")
    assert toast(boss) == "🗑️ C'est effacé."
    assert await rows(database, Person, Person.telegram_id.is_(None)) == []
    assert await rows(database, Rsvp, Rsvp.occurrence_id.in_([today.id, later.id])) == []


async def test_adding_someone_without_telegram_can_be_left(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    boss = await onboard(fake, FACILITATOR_ID, "Claire")
    await one_off(database, clock, title="Argile", hours=30)
    await upcoming(boss)
    await boss.tap("👥 Qui vient ?")
    await boss.tap("✍️ Répondre pour quelqu'un")
    await boss.tap("➕ Personne sans Telegram")
    await boss.send("Fatima")
    await boss.tap("⏭️ Pas de numéro")
    await boss.send("elle est d'accord")  # a typed answer: the question again
    replies = await boss.tap("❌ Annuler")
    assert "C'est annulé" in text_of(replies[-1])
    await boss.press_callback("cay:ok")  # the old "✅ Oui, ajouter"
    assert "Ce bouton ne marche plus" in toast(boss)
    assert await rows(database, Person, Person.telegram_id.is_(None)) == []
