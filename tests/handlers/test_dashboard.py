"""Claire's dashboard: pictures and a summary of the last months, who no longer comes, and a
kind word to one of them that reaches them once."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.i18n import Translator
from bot.models import CheckIn, Person
from bot.sandbox.fake_telegram import FakeTelegram, FakeUser, StoredMessage
from bot.services import budget, lapsed
from handlers import dashboard
from handlers.capability import Capability, Who
from tests import factories
from tests.handlers.test_access_control import (
    ACTORS,
    Action,
    Actor,
    actor_of,
    callback_data,
    others_messages,
    refusals,
    snapshot,
    world,
)
from tests.unit.test_budget import open_round
from tests.unit.test_charts import size_of
from tests.unit.test_lapsed import WEEK, came, session_at
from tests.utils import (
    current,
    deliver,
    last_message,
    last_text,
    message_starting,
    onboard,
    onboard_claire,
    outbox_rows,
    toast,
)

TR = Translator()
KARIM_ID = 202
NADIA_ID = 203


async def workshop_months(database: Database, clock: FrozenClock) -> dict[str, Person]:
    """Ten weekly sessions up to last week; Karim came to the first three only, Nadia to
    all of them, and six others to most: enough people for mood figures too."""
    now = clock.now()
    people = {
        "Karim": await factories.person(database, now, KARIM_ID, "Karim"),
        "Nadia": await factories.person(database, now, NADIA_ID, "Nadia"),
    }
    for k in range(6):
        name = f"P{k}"
        people[name] = await factories.person(database, now, 300 + k, name)
    for week in range(10, 0, -1):
        occurrence = await session_at(database, now - week * WEEK)
        if week >= 8:
            await came(database, occurrence, people["Karim"])
        await came(database, occurrence, people["Nadia"])
        for k in range(6):
            if (week + k) % 3:
                await came(database, occurrence, people[f"P{k}"])
    return people


def pictures(fake: FakeTelegram, user: FakeUser) -> list[StoredMessage]:
    return [m for m in user.messages if m.from_bot and m.kind == "photo"]


def album_bytes(fake: FakeTelegram, album: list[StoredMessage]) -> list[bytes]:
    assert all(m.file_id is not None for m in album)
    return [fake.files[m.file_id or ""].content for m in album]


async def test_claire_opens_the_dashboard_and_switches_to_12_months(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    await workshop_months(database, clock)
    await claire.tap("📊 Tableau de bord")

    album = pictures(fake, claire)
    assert len(album) == 4  # attendance, yes that came, people, projects (no mood yet)
    assert len({m.payload.get("media_group_id") for m in album}) == 1  # one album
    assert [m.caption for m in album] == [
        "Venues par atelier",
        "Sur 100 oui, combien sont venus",
        "Personnes différentes par mois",
        "Projets",
    ]
    for png in album_bytes(fake, album):
        assert png.startswith(b"\x89PNG")
        assert size_of(png)[0] == 800  # wide enough to read on a phone, small to send
    summary = last_text(claire)
    assert summary.splitlines()[0] == "📊 Tableau de bord depuis août 2026"
    assert "📅 10 ateliers, 20 heures d'atelier." in summary
    assert "✅ 53 oui comptés. Sur 100 oui, 100 sont venus." in summary
    assert "🌱 8 nouvelles personnes." in summary
    assert "🔁 7 personnes sont venues 4 fois ou plus." in summary
    assert last_message(claire).buttons == [
        ["1 mois", "📍 3 mois"],
        ["6 mois", "12 mois"],
        ["🔔 Qui ne vient plus ?"],
    ]

    await claire.tap("12 mois")
    assert len(pictures(fake, claire)) == 8
    assert last_text(claire).splitlines()[0] == "📊 Tableau de bord depuis novembre 2025"
    assert last_message(claire).buttons[1] == ["6 mois", "📍 12 mois"]


async def test_the_group_mood_and_the_last_budget_round_come_in_too(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    people = await workshop_months(database, clock)
    now = clock.now()
    async with database.transaction() as session:
        for k, person in enumerate(people.values()):
            for day in (date(2026, 10, 6), date(2026, 10, 13)):
                session.add(
                    CheckIn(
                        person_id=person.id,
                        local_date=day,
                        mood=3 + k % 3,
                        created_at=now,
                        updated_at=now,
                    )
                )
    round_id, projects = await open_round(database, now, [400, 300], ends_at=now + WEEK)
    async with database.transaction() as session:
        by = await session.scalar(select(Person).where(Person.telegram_id == 9001))
        assert by is not None
        await budget.set_paper_votes(
            session, round_id=round_id, round_project_id=projects[0], votes=7, by=by, now=now
        )
        await budget.close_due(session, now=now + 2 * WEEK, translator=TR)

    await claire.tap("📊 Tableau de bord")
    album = pictures(fake, claire)
    assert [m.caption for m in album][3] == "Humeur du groupe par mois"
    assert len(album) == 5
    summary = last_text(claire)
    assert "🙂 Humeur du groupe en octobre 2026 : 🙂 3,9." in summary
    assert "🗳️ Dernier budget : 1 projet choisi, 400\xa0€ sur 1\xa0000\xa0€, 7 voix" in summary


async def test_the_dashboard_speaks_english_and_says_when_there_is_nothing_yet(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake, language="en")
    await claire.send("/dashboard")
    summary = last_text(claire)
    assert summary.splitlines()[0] == "📊 Dashboard since August 2026"
    assert "🙂 Group mood: not enough answers yet." in summary
    assert "🗳️ No participatory budget has ended yet." in summary
    assert len(pictures(fake, claire)) == 4
    await claire.tap("🔔 Who stopped coming?")
    assert last_text(claire).startswith("🔔 Nobody has stopped coming.")


async def test_claire_sends_on_pense_a_vous_to_karim_in_her_own_words_once(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    karim = await onboard(fake, KARIM_ID, "Karim")
    await workshop_months(database, clock)
    await claire.send("/tableau")
    await claire.tap("🔔 Qui ne vient plus ?")
    listing = last_message(claire)
    assert (listing.text or "").startswith("🔔 1 personne ne vient plus.")
    assert "👤 Karim : 3 présences, la dernière le mardi 29 septembre." in (listing.text or "")
    assert "Nadia" not in (listing.text or "")

    await claire.tap("💌 Karim")
    assert message_starting(claire, "👀 Voici le message pour Karim")
    preview = last_message(claire)
    assert preview.text == (
        "💬 Claire, de l'équipe, vous écrit :\n\n"
        + lapsed.default_text(TR, language="fr", name="Karim")
    )
    await claire.tap("✏️ Changer le texte")
    assert last_text(claire).startswith("✍️ Écrivez votre message pour Karim.")
    await claire.send("Karim, la danse revient mardi. On vous garde une place !")
    preview = last_message(claire)
    assert preview.text == (
        "💬 Claire, de l'équipe, vous écrit :\n\n"
        "Karim, la danse revient mardi. On vous garde une place !"
    )
    assert await outbox_rows(database) == []  # nothing goes before ✅ Envoyer

    # Two taps at once on ✅ Envoyer: one message.
    await asyncio.gather(
        claire.tap_in(preview.message_id, "✅ Envoyer"),
        claire.tap_in(preview.message_id, "✅ Envoyer"),
    )
    rows = [r for r in await outbox_rows(database) if r.kind == lapsed.KIND]
    assert len(rows) == 1
    assert last_text(claire) == "✅ Votre message part pour Karim."
    assert current(claire, preview).buttons == []
    await deliver(app)
    received = [m for m in karim.messages if m.from_bot and "la danse revient" in (m.text or "")]
    assert len(received) == 1

    clock.advance(hours=1)
    await claire.send("/tableau")
    await claire.tap("🔔 Qui ne vient plus ?")
    assert "💌 Un message est parti : aujourd'hui." in last_text(claire)


async def test_a_kind_word_to_someone_who_blocked_the_bot_since_is_not_sent(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    await workshop_months(database, clock)
    await claire.send("/tableau")
    await claire.tap("🔔 Qui ne vient plus ?")
    await claire.tap("💌 Karim")
    async with database.transaction() as session:
        karim = await session.scalar(select(Person).where(Person.telegram_id == KARIM_ID))
        assert karim is not None
        karim.reachable = False
    await claire.tap("✅ Envoyer")
    assert toast(claire) == "🙁 Je ne peux plus écrire à cette personne."
    assert [r for r in await outbox_rows(database) if r.kind == lapsed.KIND] == []


async def test_a_facilitator_demoted_while_writing_cannot_change_the_words(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await workshop_months(database, clock)
    zoe = await factories.person(database, clock.now(), 9002, "Zoé", facilitator=True)
    user = fake.user(9002, "Zoé")
    await user.send("/tableau")
    await user.tap("🔔 Qui ne vient plus ?")
    await user.tap("💌 Karim")
    await user.tap("✏️ Changer le texte")
    async with database.transaction() as session:
        row = await session.get(Person, zoe.id)
        assert row is not None
        row.role = "participant"
    await user.send("Bonjour !")
    assert last_text(user) == TR.t("errors.facilitators_only", "fr")
    assert await outbox_rows(database) == []


# --- access control, from the capability's own declarations ------------------------------


def _actions(capability: Capability) -> list[Action]:
    found: list[Action] = []
    for command in capability.commands:
        if command.who is Who.FACILITATORS:
            found += [Action(f"/{name}", command=f"/{name}") for name in command.names]
    found += [
        Action(f"button {route.kind.prefix}", kind=route.kind)
        for route in capability.buttons
        if route.facilitators_only
    ]
    for item in capability.menu:
        if item.entry.facilitators_only:
            found += [
                Action(f"menu {lang}", label=TR.t(item.entry.key, lang)) for lang in ("fr", "en")
            ]
    return found


DASHBOARD_ACTIONS = _actions(dashboard.CAPABILITY)


def test_every_dashboard_action_is_for_facilitators() -> None:
    capability = dashboard.CAPABILITY
    assert all(c.who is Who.FACILITATORS for c in capability.commands)
    assert all(route.facilitators_only for route in capability.buttons)
    assert all(item.entry.facilitators_only for item in capability.menu)
    assert len(DASHBOARD_ACTIONS) == 2 + len(capability.buttons) + 2


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("action", DASHBOARD_ACTIONS, ids=[a.name for a in DASHBOARD_ACTIONS])
async def test_a_participant_or_a_stranger_is_refused_the_dashboard(
    app: MiroirApp,
    fake: FakeTelegram,
    database: Database,
    clock: FrozenClock,
    action: Action,
    actor: Actor,
) -> None:
    await world(database, clock, fake)
    await workshop_months(database, clock)
    user = await actor_of(fake, actor, taps=action.kind is not None)
    kind_answers = refusals(actor)
    for data in callback_data(action.kind) if action.kind is not None else [""]:
        before = await snapshot(database, user.id)
        others = others_messages(fake, user.id)
        if action.command is not None:
            await user.send(action.command)
            assert last_text(user) in kind_answers
        elif action.label is not None:
            await user.send(action.label)
            assert last_text(user) in kind_answers
        else:
            await user.press_callback(data)
            said = user.callback_answers[-1].get("text")
            assert said in kind_answers, f"{data}: answered {said!r}"
        assert not [m for m in user.messages if m.kind == "photo"]
        assert await snapshot(database, user.id) == before
        assert others_messages(fake, user.id) == others


async def test_nothing_is_written_for_a_dashboard_look(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    """Looking changes nothing: no outbox row, no figure kept."""
    claire = await onboard_claire(fake)
    await workshop_months(database, clock)
    before = await snapshot(database, claire.id)
    await claire.tap("📊 Tableau de bord")
    await claire.tap("6 mois")
    await claire.tap("🔔 Qui ne vient plus ?")
    assert await snapshot(database, claire.id) == before
    assert await outbox_rows(database) == []
