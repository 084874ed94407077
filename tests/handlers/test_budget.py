"""The participatory budget, told as people live it: Claire opens a round, Ana fills and
confirms her basket, Bob is reminded and confirms from the reminder, Claire types the paper
votes, the round ends, everyone gets the result and Ana sees the chart."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

from sqlalchemy import select

from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.models import Ballot, BudgetRound, Person, Project, ProjectStatus, RoundProject
from bot.sandbox.fake_telegram import FakeTelegram, FakeUser, StoredMessage
from bot.services import budget
from scheduler import budget as budget_jobs
from tests.unit.test_budget import new_projects
from tests.unit.test_pabulib import parse
from tests.utils import (
    count,
    current,
    deliver,
    last_message,
    last_text,
    message_starting,
    onboard,
    onboard_claire,
    runtime,
    text_of,
    toast,
)

# Tuesday 8 December 2026, 18 h in Dijon.
ENDS = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
SCREEN = "🗳️ Budget participatif"
NOTICE = "🗳️ Budget participatif : "


def nb(text: str) -> str:
    """Amounts as the bot writes them: non-breaking spaces inside "1 500 €"."""
    return re.sub(r"(?<=\d) (?=\d|€)", "\u00a0", text)


async def four_projects(database: Database, clock: FrozenClock) -> list[int]:
    """Open projects "Projet 1" to "Projet 4": 400 €, 300 €, 700 €, and one without a cost."""
    return await new_projects(database, clock.now(), 400, 300, 700, None)


async def claire_opens(claire: FakeUser) -> None:
    """Claire opens a 1 500 € round over the four projects, until Tuesday 18 h."""
    await claire.tap("💡 Projets")
    await claire.tap("🗳️ Budget participatif")
    await claire.tap("🗳️ Ouvrir un budget")
    await claire.send("1 500 €")
    for title in ("▫️ Projet 1 · 400 €", "▫️ Projet 2 · 300 €", "▫️ Projet 3 · 700 €"):
        await claire.tap(nb(title))
    await claire.tap("▫️ Projet 4 · coût à écrire")
    await claire.send("200")
    await claire.tap("➡️ Continuer")
    await claire.send("mardi 8 décembre 18 h")
    await claire.tap("✅ Ouvrir le budget")


async def round_is_open(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> tuple[FakeUser, FakeUser, FakeUser]:
    """Claire, Ana and Bob; Claire opened the round and its notice reached everyone."""
    claire = await onboard_claire(fake)
    ana = await onboard(fake, 201, "Ana")
    bob = await onboard(fake, 202, "Bob")
    await four_projects(database, clock)
    await claire_opens(claire)
    await deliver(app)
    return claire, ana, bob


def is_screen(message: StoredMessage) -> bool:
    """The round screen (the notice starts alike, but says until when in other words)."""
    text = message.text or ""
    return text.startswith(SCREEN) and "\n📅 Jusqu'à" in text


def screen(user: FakeUser) -> StoredMessage:
    """The newest round screen in this person's chat, as it reads now."""
    found = [m for m in user.visible if is_screen(m) and m.buttons]
    assert found, f"{user.first_name} has no round screen"
    return current(user, found[-1])


async def open_screen(user: FakeUser) -> StoredMessage:
    await user.tap("💡 Projets")
    await user.tap("🗳️ Budget : choisir")
    return screen(user)


async def fill(user: FakeUser, *titles: str) -> None:
    await open_screen(user)
    for title in titles:
        await user.tap(nb(title))


async def round_id_of(database: Database) -> int:
    async with database.transaction() as session:
        found = await budget.current_round(session, now=ENDS)
        assert found is not None
        return found.id


async def test_claire_opens_a_round_step_by_step_and_everyone_is_told(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    ana = await onboard(fake, 201, "Ana")
    await four_projects(database, clock)
    await claire.tap("💡 Projets")
    await claire.tap("🗳️ Budget participatif")
    assert last_text(claire) == "🗳️ Pas de budget en cours."
    await claire.tap("🗳️ Ouvrir un budget")
    assert last_text(claire).startswith("💶 Quel montant voulez-vous partager ?")
    await claire.send("beaucoup")
    assert last_text(claire) == "🤔 Je n'ai pas compris ce montant.\n✍️ Par exemple : 1 500 €"
    await claire.send("1 500 €")
    picker = last_message(claire)
    assert text_of(picker).startswith("💡 Quels projets mettez-vous dans ce budget ?")
    assert claire.inline_buttons(picker) == [
        [nb("▫️ Projet 1 · 400 €")],
        [nb("▫️ Projet 2 · 300 €")],
        [nb("▫️ Projet 3 · 700 €")],
        ["▫️ Projet 4 · coût à écrire"],
        ["➡️ Continuer"],
        ["❌ Annuler"],
    ]
    await claire.tap("➡️ Continuer")
    assert toast(claire) == "💡 Choisissez au moins 1 projet."
    await claire.tap(nb("▫️ Projet 1 · 400 €"))
    await claire.tap(nb("▫️ Projet 3 · 700 €"))
    assert nb("✅ 2 projets choisis, 1 100 € en tout.") in text_of(current(claire, picker))
    await claire.tap("▫️ Projet 4 · coût à écrire")
    assert last_text(claire).startswith(
        nb("💶 Combien coûte « Projet 4 » dans ce budget de 1 500 €")
    )
    await claire.send("2 000")
    assert last_text(claire).startswith(
        "🤔 Le coût doit être plus grand que 0 € et au plus " + nb("1 500 €.")
    )
    await claire.send("250,50")
    assert [nb("✅ Projet 4 · 250,50 €")] in claire.inline_buttons(last_message(claire))
    await claire.tap("➡️ Continuer")
    await claire.send("hier")
    assert last_text(claire).startswith("🤔 Je n'ai pas compris cette date.")
    await claire.send("aujourd'hui 8 h")
    assert last_text(claire).startswith("📅 mardi 24 novembre à 8 h est déjà passé.")
    await claire.send("mardi 8 décembre 18 h")
    preview = claire.visible[-2]
    assert text_of(preview).startswith(nb(NOTICE + "1 500 € à partager entre des projets."))
    assert "📅 Jusqu'à mardi 8 décembre à 18 h" in text_of(preview)
    assert nb("▫️ Projet 4 : 250,50 €") in text_of(preview)
    assert last_text(claire).startswith("📣 2 personnes vont recevoir ce message.")
    await claire.tap("✅ Ouvrir le budget")
    assert toast(claire) == "✅ Le budget est ouvert."
    assert last_text(claire) == "✅ Le budget est ouvert.\n📣 2 personnes reçoivent le message."
    await deliver(app)
    notice = last_message(ana)
    assert text_of(notice) == nb(
        "🗳️ Budget participatif : 1 500 € à partager entre des projets.\n"
        "💡 3 projets attendent vos choix.\n"
        "📅 Vous pouvez choisir jusqu'à mardi 8 décembre à 18 h.\n"
        "👇 Touchez « Choisir mes projets »."
    )
    assert ana.inline_buttons(notice) == [["🗳️ Choisir mes projets"]]
    # A second round cannot start while this one is open.
    await claire.tap("💡 Projets")
    await claire.tap("🗳️ Budget participatif")
    assert last_text(claire).startswith(nb("🗳️ Budget en cours : 1 500 €"))
    assert "🗳️ Ouvrir un budget" not in str(claire.inline_buttons(last_message(claire)))


async def test_ana_fills_her_basket_confirms_changes_and_confirms_again(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    _, ana, _ = await round_is_open(app, fake, database, clock)
    await ana.tap("🗳️ Choisir mes projets")
    first = screen(ana)
    assert text_of(first) == nb(
        "🗳️ Budget participatif : 1 500 €\n"
        "📅 Jusqu'à mardi 8 décembre à 18 h\n"
        "💶 Il reste 1 500 € sur 1 500 €.\n"
        "🙂 Pas besoin de tout dépenser.\n"
        "\n"
        "▫️ Projet 1 : 400 €\n"
        "▫️ Projet 2 : 300 €\n"
        "▫️ Projet 3 : 700 €\n"
        "▫️ Projet 4 : 200 €\n"
        "\n"
        "👇 Touchez ➕ pour choisir un projet."
    )
    await ana.tap(nb("➕ Projet 1 · 400 €"))
    assert toast(ana) == "➕ Projet 1 est dans votre choix."
    now = current(ana, first)
    assert nb("💶 Il reste 1 100 € sur 1 500 €.") in text_of(now)
    assert nb("✅ Projet 1 : 400 €") in text_of(now)
    assert ana.inline_buttons(now) == [
        ["➖ Projet 1"],
        [nb("➕ Projet 2 · 300 €")],
        [nb("➕ Projet 3 · 700 €")],
        [nb("➕ Projet 4 · 200 €")],
        ["✅ Valider mon choix"],
        ["⬅️ Projets"],
    ]
    await ana.tap(nb("➕ Projet 3 · 700 €"))
    await ana.tap(nb("➕ Projet 2 · 300 €"))
    assert nb("💶 Il reste 100 € sur 1 500 €.") in text_of(current(ana, first))
    # 200 € do not fit in the 100 € left: nothing changes, and she is told what is missing.
    await ana.tap(nb("➕ Projet 4 · 200 €"))
    assert toast(ana) == nb(
        "💶 Il manque 100 € pour ce projet.\n"
        "➖ Retirez un autre projet pour lui faire de la place."
    )
    assert nb("💶 Il reste 100 € sur 1 500 €.") in text_of(current(ana, first))
    await ana.tap("✅ Valider mon choix")
    assert toast(ana) == "✅ Votre choix est validé. Merci !"
    done = current(ana, first)
    assert text_of(done).endswith("✅ Choix validé.\n✏️ Vous pouvez encore le changer.")
    assert ["✅ Valider mon choix"] not in ana.inline_buttons(done)
    clock.advance(hours=1)
    await ana.tap("➖ Projet 2")
    changed = current(ana, first)
    assert "✏️ Vous avez changé votre choix." in text_of(changed)
    assert ["✅ Valider mon choix"] in ana.inline_buttons(changed)
    await ana.tap(nb("➕ Projet 4 · 200 €"))
    await ana.tap("✅ Valider mon choix")
    assert text_of(current(ana, first)).endswith(
        "✅ Choix validé.\n✏️ Vous pouvez encore le changer."
    )
    # One message all along: every tap edited it.
    assert len([m for m in ana.visible if is_screen(m)]) == 1
    assert await count(database, Ballot) == 3


async def test_bob_never_confirms_gets_two_reminders_and_confirms_from_one(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    _, ana, bob = await round_is_open(app, fake, database, clock)
    await fill(ana, "➕ Projet 1 · 400 €")
    await ana.tap("✅ Valider mon choix")
    await fill(bob, "➕ Projet 2 · 300 €", "➕ Projet 4 · 200 €")
    rt = runtime(app)
    clock.set(datetime(2026, 12, 7, 16, 59, tzinfo=UTC))
    assert (await budget_jobs.tick(rt)).reminders == 0
    clock.set(datetime(2026, 12, 7, 17, 0, tzinfo=UTC))
    assert (await budget_jobs.tick(rt)).reminders == 1
    await deliver(app)
    reminder = last_message(bob)
    assert text_of(reminder) == nb(
        "🔔 Le vote du budget finit demain à 18 h.\n"
        "🧺 Votre choix n'est pas encore validé :\n"
        "✔️ Projet 2 : 300 €\n"
        "✔️ Projet 4 : 200 €\n"
        "💶 Il reste 1 000 € sur 1 500 €.\n"
        "👇 Touchez « Valider mon choix » pour qu'il compte."
    )
    assert bob.inline_buttons(reminder) == [["✅ Valider mon choix"], ["🗳️ Choisir mes projets"]]
    assert not any((m.text or "").startswith("🔔 Le vote") for m in ana.visible)
    assert (await budget_jobs.tick(rt)).reminders == 0  # once
    clock.set(datetime(2026, 12, 8, 15, 0, tzinfo=UTC))
    await budget_jobs.tick(rt)
    await deliver(app)
    second = last_message(bob)
    assert text_of(second).startswith("⏰ Le vote du budget finit bientôt : aujourd'hui à 18 h.")
    await bob.tap_in(second.message_id, "✅ Valider mon choix")
    assert toast(bob) == "✅ Votre choix est validé. Merci !"
    assert text_of(current(bob, second)) == nb(
        "✅ Votre choix est validé. Merci !\n"
        "✅ Projet 2 : 300 €\n"
        "✅ Projet 4 : 200 €\n"
        "💶 Il reste 1 000 € sur 1 500 €.\n"
        "✏️ Vous pouvez encore le changer jusqu'à la fin."
    )
    assert bob.inline_buttons(current(bob, second)) == [["🗳️ Choisir mes projets"]]
    # The older reminder's button finds the choice confirmed already.
    await bob.tap_in(reminder.message_id, "✅ Valider mon choix")
    assert toast(bob) == "✅ Votre choix est déjà validé."


async def test_paper_votes_the_end_the_result_for_everyone_and_the_chart(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire, ana, bob = await round_is_open(app, fake, database, clock)
    await fill(ana, "➕ Projet 1 · 400 €", "➕ Projet 3 · 700 €")
    await ana.tap("✅ Valider mon choix")
    clock.advance(minutes=1)
    await fill(bob, "➕ Projet 2 · 300 €", "➕ Projet 3 · 700 €")
    await bob.tap("✅ Valider mon choix")
    # Claire types what the show of hands gave in the workshop.
    await claire.tap("💡 Projets")
    await claire.tap("🗳️ Budget participatif")
    home = last_text(claire)
    assert "✅ 2 personnes ont validé leur choix." in home
    assert "⏳ 0 personne n'a pas encore validé." in home
    await claire.tap("📝 Votes sur papier")
    await claire.tap("📝 Projet 2 : 0")
    assert last_text(claire).startswith("📝 « Projet 2 » a 0 vote sur papier.")
    await claire.send("douze")
    assert last_text(claire) == "🤔 Écrivez un nombre entre 0 et 10\u00a0000."
    await claire.send("3")
    assert claire.visible[-2].text == "✅ C'est noté : 3 votes sur papier pour « Projet 2 »."
    assert ["📝 Projet 2 : 3"] in claire.inline_buttons(last_message(claire))
    # The end: Projet 2 has 1 + 3 = 4, Projet 3 has 2, Projet 1 has 1.
    clock.set(ENDS)
    closed = await budget_jobs.tick(runtime(app))
    assert len(closed.closed) == 1
    await deliver(app)
    for person in (ana, bob, claire):
        result = message_starting(person, "🗳️ Le vote du budget participatif est fini.")
        assert person.inline_buttons(result) == [["📊 Voir les résultats"]]
    text = text_of(message_starting(ana, "🗳️ Le vote du budget participatif est fini."))
    assert nb("✅ Projet 2 : 300 €, 4 voix") in text
    assert nb("✅ Projet 3 : 700 €, 2 voix") in text
    assert nb("✅ Projet 1 : 400 €, 1 voix") in text
    assert nb("💶 Le groupe dépense 1 400 € sur 1 500 €.") in text
    assert "Ana" not in text and "Bob" not in text
    # The projects chosen move to "selected", and their followers hear of it.
    async with database.transaction() as session:
        statuses = [p.status for p in await session.scalars(select(Project).order_by(Project.id))]
        selected = list(
            await session.scalars(select(RoundProject.selected).order_by(RoundProject.id))
        )
    assert selected == [True, True, True, False]
    assert statuses == [ProjectStatus.SELECTED] * 3 + [ProjectStatus.OPEN]
    await ana.tap_in(
        message_starting(ana, "🗳️ Le vote du budget participatif est fini.").message_id,
        "📊 Voir les résultats",
    )
    picture = last_message(ana)
    assert picture.kind == "photo"
    assert (picture.caption or "").startswith("🗳️ Le vote du budget participatif est fini.")
    assert picture.file_id is not None and fake.files[picture.file_id].content.startswith(
        b"\x89PNG"
    )
    # The round screen is over: a ➕ tapped now changes nothing.
    first = screen(ana)
    await ana.tap_in(first.message_id, "➖ Projet 1")
    assert toast(ana) == "⏰ Le vote est fini.\n🔒 Votre choix ne change plus."
    assert "📊 Touchez « Voir les résultats »." in text_of(current(ana, first))
    # From the menu, the last results.
    await ana.tap("💡 Projets")
    await ana.tap("🗳️ Budget : choisir")
    assert last_text(ana).startswith("🗳️ Pas de budget en ce moment.")
    assert ana.inline_buttons(last_message(ana)) == [["📊 Voir les résultats"], ["⬅️ Projets"]]


async def test_claire_sees_the_results_and_exports_them_without_names(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire, ana, _ = await round_is_open(app, fake, database, clock)
    await fill(ana, "➕ Projet 1 · 400 €")
    await ana.tap("✅ Valider mon choix")
    clock.set(ENDS)
    await budget_jobs.tick(runtime(app))
    await claire.tap("💡 Projets")
    await claire.tap("🗳️ Budget participatif")
    await claire.tap("📊 Résultats")
    await claire.tap(nb("📊 1 500 € · mardi 8 décembre"))
    assert claire.visible[-2].kind == "photo"
    listing = last_text(claire)
    assert nb("✅ 1. Projet 1 · 400 € : 1 ici, 0 sur papier") in listing
    await claire.tap("📤 Export Pabulib")
    document = last_message(claire)
    assert document.kind == "document" and document.file_id is not None
    record = fake.files[document.file_id]
    round_id = int(re.sub(r"\D", "", record.file_name or ""))
    assert record.file_name == f"budget-{round_id}.pb"
    pb = parse(record.content.decode())
    assert pb.meta["num_votes"] == "1" and pb.meta["vote_type"] == "approval"
    assert "Ana" not in record.content.decode() and str(ana.id) not in record.content.decode()


async def test_forged_and_stale_buttons_change_nothing(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    _, ana, _ = await round_is_open(app, fake, database, clock)
    round_id = await round_id_of(database)
    await open_screen(ana)
    # A project of no round, a round that does not exist, a malformed button.
    await ana.press_callback(f"bdc:a:{round_id}:999")
    assert toast(ana) == "🤔 Ce projet n'est pas dans ce budget."
    await ana.press_callback("bdc:a:999:1")
    assert toast(ana).startswith("⌛ Ce bouton ne marche plus.")
    await ana.press_callback("bdk:abc")
    assert toast(ana).startswith("⌛ Ce bouton ne marche plus.")
    # An empty basket has nothing to confirm.
    await ana.press_callback(f"bdk:{round_id}")
    assert toast(ana) == "🧺 Votre choix est vide.\n👇 Touchez ➕ pour choisir un projet."
    # The facilitators' buttons.
    for data in ("bda:open", f"bdexp:{round_id}", f"bdcan:{round_id}:yes", f"bdpap:{round_id}:1"):
        await ana.press_callback(data)
        assert toast(ana) == "🔒 Ce bouton est pour les animateurs."
    async with database.transaction() as session:
        row = await session.get(BudgetRound, round_id)
        assert row is not None and row.status == "open"
    assert await count(database, Ballot) == 0


async def test_claire_cancels_the_round_and_those_who_started_are_told(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire, ana, bob = await round_is_open(app, fake, database, clock)
    await fill(ana, "➕ Projet 1 · 400 €")
    await claire.tap("💡 Projets")
    await claire.tap("🗳️ Budget participatif")
    await claire.tap("🛑 Annuler le budget")
    await claire.tap("❌ Non, garder")
    assert last_text(claire) == "👍 Le budget continue."
    await claire.tap("💡 Projets")
    await claire.tap("🗳️ Budget participatif")
    await claire.tap("🛑 Annuler le budget")
    await claire.tap("✅ Oui, annuler")
    assert toast(claire) == "🛑 Budget annulé."
    await deliver(app)
    assert (
        last_text(ana) == "🛑 L'équipe a annulé le budget participatif.\n🙂 Merci pour vos choix."
    )
    assert not any("annulé le budget" in (m.text or "") for m in bob.visible)
    # The opening notice's button now says so.
    notice = message_starting(ana, NOTICE)
    await ana.tap_in(notice.message_id, "🗳️ Choisir mes projets")
    assert toast(ana) == "🛑 L'équipe a annulé ce budget."


async def test_taps_at_once_and_double_taps_never_fill_the_basket_over_the_amount(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    _, ana, _ = await round_is_open(app, fake, database, clock)
    await fill(ana, "➕ Projet 3 · 700 €", "➕ Projet 1 · 400 €")
    first = screen(ana)
    # 400 € left: 300 € and 200 € tapped at the same moment, and 300 € twice.
    await asyncio.gather(
        ana.tap_in(first.message_id, nb("➕ Projet 2 · 300 €")),
        ana.tap_in(first.message_id, nb("➕ Projet 4 · 200 €")),
        ana.tap_in(first.message_id, nb("➕ Projet 2 · 300 €")),
    )
    answers = [a.get("text") for a in ana.callback_answers[-3:]]
    assert answers.count("➕ Projet 2 est dans votre choix.") == 1
    assert (
        nb("💶 Il manque 100 € pour ce projet.\n")
        + "➖ Retirez un autre projet pour lui faire de la place."
    ) in answers
    assert nb("💶 Il reste 100 € sur 1 500 €.") in text_of(current(ana, first))
    round_id = await round_id_of(database)
    async with database.transaction() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == ana.id))
        assert person is not None
        view = await budget.round_view(session, round_id=round_id, person_id=person.id)
    assert view is not None and view.spent_cents == 1400 * 100
