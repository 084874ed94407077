"""Browsing and joining projects, and the facilitators moving them along, through the fake.

Ana browses the open projects a page at a time, opens a card, supports and volunteers
(tapping again undoes it); an old or doubled tap changes nothing unexpected; Claire
moves a project along its life and the people who follow it hear of it.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.context import MiroirApp
from bot.db import Database
from bot.models import OutboxMessage, Project, ProjectChange, ProjectStatus
from bot.models.projects import Support, SupportKind
from bot.sandbox.fake_telegram import FakeTelegram, FakeUser, StoredMessage
from tests.utils import (
    START,
    count,
    current,
    deliver,
    last_message,
    last_text,
    onboard,
    onboard_claire,
    stored_person,
    text_of,
    toast,
)

NBSP = "\u00a0"


async def make_project(
    database: Database,
    title: str,
    *,
    author: FakeUser | None = None,
    status: ProjectStatus = ProjectStatus.OPEN,
    cost_cents: int | None = None,
    published_at: datetime = START,
    voice_file_id: str | None = None,
) -> int:
    """A project as the moderation leaves it; its author (a person who opened the bot)."""
    author_row = await stored_person(database, author.id) if author else None
    async with database.transaction() as session:
        project = Project(
            title=title,
            description=f"Les mots de {title}",
            voice_file_id=voice_file_id,
            voice_seconds=20 if voice_file_id else None,
            cost_cents=cost_cents,
            author_id=author_row.id if author_row else None,
            leader_id=author_row.id if author_row else None,
            status=status,
            created_at=START,
            updated_at=START,
            submitted_at=START,
            published_at=published_at,
        )
        session.add(project)
        await session.flush()
        return project.id


async def supports(database: Database, kind: SupportKind = SupportKind.SUPPORT) -> int:
    async with database.transaction() as session:
        found = await session.scalar(
            select(func.count(Support.id)).where(Support.kind == kind.value)
        )
        return int(found or 0)


async def open_board(person: FakeUser) -> StoredMessage:
    """💡 Projets, then 📋 Voir les projets: the list's message."""
    await person.tap("💡 Projets")
    replies = await person.tap("📋 Voir les projets")
    return replies[-1]


async def open_card(person: FakeUser, title: str) -> StoredMessage:
    """The list, then the project's card (the same message, edited)."""
    board = await open_board(person)
    await person.tap_in(board.message_id, f"👀 {title}")
    return current(person, board)


# --- browsing -------------------------------------------------------------------------


async def test_ana_browses_the_pages_back_and_forth(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    ana = await onboard(fake, 201, "Ana")
    for i in range(1, 8):
        await make_project(
            database,
            f"Projet {i}",
            cost_cents=150_000 if i == 7 else None,
            published_at=START + timedelta(hours=i),
        )
    await make_project(database, "En attente", status=ProjectStatus.PROPOSED)
    board = await open_board(ana)
    first = text_of(board)
    assert first.startswith("📋 Projets ouverts\n📄 Page 1 sur 2\n\n")
    assert f"🔹 Projet 7\n💶 1{NBSP}500{NBSP}€   👍 0   🙋 0" in first
    assert "🔹 Projet 3\n💶 prix à voir   👍 0   🙋 0" in first
    assert "Projet 2" not in first and "En attente" not in first
    assert ana.inline_buttons(board) == [
        *([f"👀 Projet {i}"] for i in (7, 6, 5, 4, 3)),
        ["▶️ Après"],
        ["⬅️ Projets"],
    ]
    sent = len(ana.messages)
    await ana.tap_in(board.message_id, "▶️ Après")
    second = current(ana, board)
    assert text_of(second).startswith("📋 Projets ouverts\n📄 Page 2 sur 2")
    assert "Projet 2" in text_of(second) and "Projet 7" not in text_of(second)
    assert ana.inline_buttons(second) == [
        ["👀 Projet 2"],
        ["👀 Projet 1"],
        ["◀️ Avant"],
        ["⬅️ Projets"],
    ]
    await ana.tap_in(board.message_id, "◀️ Avant")
    assert text_of(current(ana, board)) == first
    assert len(ana.messages) == sent  # edited in place, no new message


async def test_an_empty_board_invites_to_propose(app: MiroirApp, fake: FakeTelegram) -> None:
    ana = await onboard(fake, 201, "Ana")
    board = await open_board(ana)
    assert text_of(board) == "📋 Il n'y a pas encore de projet ouvert.\n✍️ Proposez le premier !"
    assert ana.inline_buttons(board) == [["✍️ Proposer un projet"], ["⬅️ Projets"]]


async def test_selected_and_started_projects_say_so(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    ana = await onboard(fake, 201, "Ana")
    await make_project(database, "Fresque", status=ProjectStatus.SELECTED)
    await make_project(
        database,
        "Potager",
        status=ProjectStatus.IN_PROGRESS,
        published_at=START - timedelta(days=1),
    )
    text = text_of(await open_board(ana))
    assert "⭐ Fresque\n💶 prix à voir   👍 0   🙋 0\n⭐ Ce projet est choisi." in text
    assert "🚧 Potager\n💶 prix à voir   👍 0   🙋 0\n🚧 Ce projet a commencé." in text


# --- joining --------------------------------------------------------------------------


async def test_ana_supports_then_stops_supporting(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    ana = await onboard(fake, 201, "Ana")
    await make_project(database, "Jardin")
    card = await open_card(ana, "Jardin")
    assert "Jardin" in text_of(card)
    assert ana.inline_buttons(card) == [["👍 Je soutiens"], ["🙋 Je participe"], ["⬅️ Retour"]]
    await ana.tap_in(card.message_id, "👍 Je soutiens")
    assert toast(ana) == "👍 Merci pour votre soutien !"
    assert await supports(database) == 1
    assert ana.inline_buttons(current(ana, card))[0] == ["👍 Je ne soutiens plus"]
    await ana.tap_in(card.message_id, "👍 Je ne soutiens plus")
    assert toast(ana) == "👍 C'est noté : vous ne soutenez plus ce projet."
    assert await supports(database) == 0
    assert ana.inline_buttons(current(ana, card))[0] == ["👍 Je soutiens"]


async def test_ana_volunteers_and_the_list_counts_her(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    ana = await onboard(fake, 201, "Ana")
    bob = await onboard(fake, 202, "Bob")
    await make_project(database, "Jardin")
    bob_card = await open_card(bob, "Jardin")
    await bob.tap_in(bob_card.message_id, "👍 Je soutiens")
    card = await open_card(ana, "Jardin")
    await ana.tap_in(card.message_id, "🙋 Je participe")
    assert toast(ana) == "🙋 Merci ! Vous participez à ce projet."
    assert ana.inline_buttons(current(ana, card))[:2] == [
        ["👍 Je soutiens"],
        ["🙋 Je ne participe plus"],
    ]
    await ana.tap_in(card.message_id, "⬅️ Retour")
    assert "🔹 Jardin\n💶 prix à voir   👍 1   🙋 1" in text_of(current(ana, card))
    assert await supports(database, SupportKind.VOLUNTEER) == 1


async def test_a_stale_double_tap_changes_nothing_more(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    ana = await onboard(fake, 201, "Ana")
    await make_project(database, "Jardin")
    card = await open_card(ana, "Jardin")
    button = current(ana, card).find_button("👍 Je soutiens")
    assert button is not None
    # Two taps in flight at once, then the same old button a third time.
    await asyncio.gather(
        ana.tap_in(card.message_id, "👍 Je soutiens"),
        ana.press_callback(button["callback_data"], card.message_id),
    )
    await ana.press_callback(button["callback_data"], card.message_id)
    assert toast(ana) == "👍 Merci pour votre soutien !"
    assert await supports(database) == 1
    assert ana.inline_buttons(current(ana, card))[0] == ["👍 Je ne soutiens plus"]


async def test_an_old_button_on_an_archived_project_changes_nothing(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    ana = await onboard(fake, 201, "Ana")
    project_id = await make_project(database, "Jardin")
    card = await open_card(ana, "Jardin")
    async with database.transaction() as session:
        project = await session.get(Project, project_id)
        assert project is not None
        project.status = ProjectStatus.ARCHIVED
    await ana.tap_in(card.message_id, "👍 Je soutiens")
    assert toast(ana) == "🔒 Ce projet est fermé.\n✅ Rien n'a changé."
    assert ana.callback_answers[-1].get("show_alert") is True
    assert await supports(database) == 0
    now = current(ana, card)
    assert "📦 Ce projet est arrêté." in text_of(now)
    assert ana.inline_buttons(now) == [["⬅️ Retour"]]


async def test_forged_or_unknown_projects_are_stale(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    ana = await onboard(fake, 201, "Ana")
    hidden = await make_project(database, "En attente", status=ProjectStatus.PROPOSED)
    await open_board(ana)
    for data in (f"pjt:s:1:{hidden}:1", "pjt:v:1:99999:1", f"pjo:{hidden}:1", "pjc:99999"):
        await ana.press_callback(data)
        assert toast(ana).startswith("⌛ Ce bouton ne marche plus.")
    assert await supports(database) == 0


async def test_the_spoken_description_plays_from_the_card(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    ana = await onboard(fake, 201, "Ana")
    voice = fake._new_file("voice", b"OggS-fake-voice", mime_type="audio/ogg")
    await make_project(database, "Chorale", voice_file_id=voice.file_id)
    card = await open_card(ana, "Chorale")
    assert ["🎤 Écouter"] in ana.inline_buttons(card)
    await ana.tap_in(card.message_id, "🎤 Écouter")
    played = last_message(ana)
    assert played.kind == "voice" and played.file_id == voice.file_id
    assert played.caption == "🎤 Chorale"


# --- the facilitators move a project --------------------------------------------------


async def test_claire_selects_a_project_with_a_word_and_its_people_hear_of_it(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    claire = await onboard_claire(fake)
    ana = await onboard(fake, 201, "Ana")  # the author
    bob = await onboard(fake, 202, "Bob")  # volunteers
    eve = await onboard(fake, 205, "Eve")  # follows nothing
    await make_project(database, "Jardin", author=ana)
    bob_card = await open_card(bob, "Jardin")
    await bob.tap_in(bob_card.message_id, "🙋 Je participe")
    await claire.tap("💡 Projets")
    replies = await claire.tap("🔁 Suivre les projets")
    screen = replies[-1]
    assert text_of(screen).startswith("🔁 Suivre les projets\n🔹 Ouverts : 1\n⭐ Choisis : 0")
    await claire.tap_in(screen.message_id, "🔹 Jardin")
    assert "👥 2 personnes suivent ce projet." in text_of(current(claire, screen))
    await claire.tap_in(screen.message_id, "⭐ Choisir ce projet")
    assert "✍️ Écrivez un mot pour les personnes qui suivent le projet" in text_of(
        current(claire, screen)
    )
    replies = await claire.send("Rendez-vous samedi à 10 h au jardin.")
    confirm = text_of(replies[-1])
    assert "📨 2 personnes recevront un message." in confirm
    assert confirm.endswith("💬 Votre mot :\nRendez-vous samedi à 10 h au jardin.")
    assert await count(database, ProjectChange) == 0  # nothing before the confirmation
    replies = await claire.tap("✅ Confirmer")
    assert text_of(replies[-1]).startswith(
        "✅ C'est fait : « Jardin » est maintenant choisi.\n"
        "📨 2 personnes vont recevoir le message."
    )
    await deliver(app)
    expected = (
        "⭐ Bonne nouvelle : le projet « Jardin » est choisi !\n"
        "💬 Claire vous écrit :\nRendez-vous samedi à 10 h au jardin."
    )
    for person in (ana, bob):
        assert last_text(person) == expected
        assert person.inline_buttons(last_message(person)) == [["👀 Voir le projet"]]
    assert expected not in (last_text(eve), last_text(claire))
    replies = await bob.tap("👀 Voir le projet")
    new_card = replies[-1]
    assert "⭐ Ce projet est choisi." in text_of(new_card)
    assert bob.inline_buttons(new_card)[1] == ["🙋 Je ne participe plus"]


async def test_claire_archives_without_a_word_and_a_double_confirm_tells_once(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    claire = await onboard_claire(fake)
    ana = await onboard(fake, 201, "Ana")
    await make_project(database, "Jardin", author=ana)
    await claire.tap("💡 Projets")
    screen = (await claire.tap("🔁 Suivre les projets"))[-1]
    await claire.tap_in(screen.message_id, "🔹 Jardin")
    await claire.tap_in(screen.message_id, "📦 Archiver")
    await claire.tap_in(screen.message_id, "⏭️ Sans mot")
    confirm = current(claire, screen)
    assert "📨 1 personne recevra un message." in text_of(confirm)
    assert "💬 Sans mot." in text_of(confirm)
    button = confirm.find_button("✅ Confirmer")
    assert button is not None
    await asyncio.gather(
        claire.tap_in(screen.message_id, "✅ Confirmer"),
        claire.press_callback(button["callback_data"], screen.message_id),
    )
    await deliver(app)
    assert await count(database, ProjectChange) == 1
    async with database.transaction() as session:
        told = await session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "project_status")
        )
    assert told == 1
    assert last_text(ana) == "📦 Le projet « Jardin » s'arrête."


async def test_cancelling_a_move_changes_nothing(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    claire = await onboard_claire(fake)
    await make_project(database, "Jardin")
    await claire.tap("💡 Projets")
    screen = (await claire.tap("🔁 Suivre les projets"))[-1]
    await claire.tap_in(screen.message_id, "🔹 Jardin")
    await claire.tap_in(screen.message_id, "⭐ Choisir ce projet")
    await claire.tap_in(screen.message_id, "❌ Annuler")
    assert text_of(current(claire, screen)) == "❌ C'est annulé. Le projet ne change pas."
    replies = await claire.send("Un mot quand même")
    assert "Un mot quand même" not in text_of(replies[-1])
    assert await count(database, ProjectChange) == 0


async def test_participants_cannot_move_projects(
    app: MiroirApp, fake: FakeTelegram, database: Database
) -> None:
    ana = await onboard(fake, 201, "Ana")
    project_id = await make_project(database, "Jardin")
    await open_board(ana)
    await ana.press_callback(f"pjmv:selected:{project_id}")
    assert "pour les animateurs" in toast(ana)
    assert await count(database, ProjectChange) == 0
