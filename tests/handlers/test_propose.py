"""Ana proposes a common project and the facilitators check it: the guided conversation,
its wrong answers asked again, the preview, sending once, and Claire's decisions as Ana
and the other facilitators see them."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.callback_data import PROJECT_REVIEW
from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.models import Project, ProjectStatus
from bot.sandbox.fake_telegram import FakeTelegram, FakeUser, StoredMessage
from bot.services import projects
from tests import factories
from tests.utils import (
    FACILITATOR_ID,
    count,
    current,
    deliver,
    last_message,
    last_text,
    messages_starting,
    onboard,
    onboard_claire,
    text_of,
    toast,
)

NBSP = "\u00a0"
KARIM_ID = 9002

GARDEN_CARD = (
    "💡 Jardin partagé\n"
    "📝 Des bacs à légumes devant le centre social.\n"
    f"💶 Coût : environ 1{NBSP}500{NBSP}€\n"
    "👤 Ana porte ce projet."
)


async def _karim(fake: FakeTelegram, database: Database, clock: FrozenClock) -> FakeUser:
    """Karim, a second facilitator (Claire invited him)."""
    karim = await onboard(fake, KARIM_ID, "Karim")
    await factories.person(database, clock.now(), KARIM_ID, "Karim", facilitator=True)
    return karim


async def _propose(
    ana: FakeUser,
    title: str = "Jardin partagé",
    description: str = "Des bacs à légumes devant le centre social.",
    cost: str = "1 500 €",
    *,
    lead: bool = True,
    send: bool = True,
) -> None:
    await ana.tap("💡 Projets")
    await ana.tap("✍️ Proposer un projet")
    await ana.send(title)
    await ana.send(description)
    await ana.send(cost)
    await ana.tap("✅ Oui, je le porte" if lead else "❌ Non")
    if send:
        await ana.tap("✅ Envoyer")


async def _projects(database: Database) -> list[Project]:
    async with database.transaction() as session:
        return list(await session.scalars(select(Project).order_by(Project.id)))


def _proposals(facilitator: FakeUser) -> list[StoredMessage]:
    return messages_starting(facilitator, ("🆕", "🔁"))


# --- proposing ----------------------------------------------------------------------------


async def test_ana_proposes_a_project_in_words_and_the_facilitators_get_it(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    ana = await onboard(fake, 201, "Ana")
    await ana.tap("💡 Projets")
    await ana.tap("✍️ Proposer un projet")
    assert last_text(ana).startswith("✍️ Proposer un projet\n👣 Je vais vous poser 4 questions.")
    assert "📝 Quel est le titre de votre projet ?" in last_text(ana)
    assert ana.inline_buttons(last_message(ana)) == [["❌ Annuler"]]
    await ana.send("Jardin partagé")
    assert last_text(ana).startswith("🗒️ Décrivez votre projet.")
    await ana.send("Des bacs à légumes devant le centre social.")
    assert last_text(ana).startswith("💶 Combien ça coûte, à peu près ?")
    assert ana.inline_buttons(last_message(ana)) == [["⏭️ Je ne sais pas"], ["❌ Annuler"]]
    await ana.send("1500€")
    assert last_text(ana) == (
        f"💶 C'est noté : 1{NBSP}500{NBSP}€.\n\n"
        "🙋 Voulez-vous le porter ?\n"
        "👉 Porter un projet, c'est l'organiser avec le groupe."
    )
    assert ana.inline_buttons(last_message(ana)) == [
        ["✅ Oui, je le porte"],
        ["❌ Non"],
        ["❌ Annuler"],
    ]
    before = len(ana.messages)
    await ana.tap("✅ Oui, je le porte")
    preview = [m.text for m in ana.messages[before:]]
    assert preview == [
        "👀 Voici votre projet.\n👥 Les autres le verront comme ça :",
        GARDEN_CARD,
        "📨 Je l'envoie aux animateurs ?",
    ]
    assert ana.inline_buttons(last_message(ana)) == [
        ["✅ Envoyer"],
        ["✏️ Recommencer"],
        ["❌ Annuler"],
    ]
    assert await count(database, Project) == 0  # nothing is kept before ✅ Envoyer
    await ana.tap("✅ Envoyer")
    assert toast(ana) == "✅ Envoyé"
    assert last_text(ana) == "✅ C'est envoyé aux animateurs.\n🔔 Je vous dis quand c'est lu."
    (project,) = await _projects(database)
    assert (project.status, project.cost_cents) == (ProjectStatus.PROPOSED, 150_000)
    await deliver(app)
    (proposal,) = _proposals(claire)
    assert text_of(proposal) == "🆕 Nouveau projet proposé par Ana\n\n" + GARDEN_CARD
    assert claire.inline_buttons(proposal) == [
        ["✅ Publier"],
        ["✏️ Demander une modification"],
        ["❌ Refuser"],
    ]


async def test_the_propose_command_starts_the_same_conversation(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await onboard_claire(fake)
    ana = await onboard(fake, 201, "Ana")
    await ana.send("/proposer")
    assert "📝 Quel est le titre de votre projet ?" in last_text(ana)


async def test_ana_describes_her_project_with_a_voice_note(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    ana = await onboard(fake, 201, "Ana")
    await ana.tap("💡 Projets")
    await ana.tap("✍️ Proposer un projet")
    await ana.send("Sortie au lac Kir")
    await ana.send_voice(duration=95)
    voice_note = [m for m in ana.chat.messages if not m.from_bot and m.kind == "voice"][-1]
    assert last_text(ana).startswith("💶 Combien ça coûte")
    await ana.tap("⏭️ Je ne sais pas")
    assert last_text(ana).startswith("💶 C'est noté : le coût n'est pas encore connu.")
    before = len(ana.messages)
    await ana.tap("❌ Non")
    shown = ana.messages[before:]
    assert shown[1].text == (
        "💡 Sortie au lac Kir\n"
        "🎤 Description en message vocal\n"
        "💶 Coût : pas encore connu\n"
        "👤 Personne ne porte ce projet pour l'instant."
    )
    # Ana hears her own voice note in the preview.
    assert (shown[2].kind, shown[2].file_id) == ("voice", voice_note.file_id)
    await ana.tap("✅ Envoyer")
    (project,) = await _projects(database)
    assert (project.voice_file_id, project.voice_seconds) == (voice_note.file_id, 95)
    assert (project.description, project.cost_cents, project.leader_id) == (None, None, None)
    await deliver(app)
    voices = [m for m in claire.messages if m.kind == "voice"]
    assert [(m.file_id, m.caption) for m in voices] == [
        (voice_note.file_id, "🎤 Sortie au lac Kir")
    ]
    assert claire.messages.index(voices[0]) < claire.messages.index(_proposals(claire)[0])


async def test_wrong_answers_are_asked_again_and_nothing_is_lost(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await onboard_claire(fake)
    ana = await onboard(fake, 201, "Ana")
    await ana.tap("💡 Projets")
    await ana.tap("✍️ Proposer un projet")
    await ana.send("   ")
    assert last_text(ana).startswith("🤔 Je n'ai pas reçu de titre.")
    await ana.send("Un très long titre " * 5)
    assert last_text(ana) == (
        "✂️ Ce titre fait 94 lettres.\n"
        "📏 Le maximum est 80 lettres.\n"
        "✏️ Écrivez un titre plus court."
    )
    await ana.send_sticker()
    assert last_text(ana) == "✏️ Écrivez le titre avec des mots, s'il vous plaît."
    await ana.send("Fête des voisins")
    assert last_text(ana).startswith("🗒️ Décrivez votre projet.")
    await ana.send_sticker()
    assert last_text(ana).startswith("🙂 Merci !\n✏️ Pour décrire le projet")
    await ana.send_photo()
    assert last_text(ana).startswith("🙂 Merci !")
    await ana.send_voice(duration=200)
    assert last_text(ana).startswith("⏱️ Ce message vocal dure plus de 3 minutes.")
    await ana.send("x" * 1001)
    assert last_text(ana).startswith("✂️ Ce texte fait 1001 lettres.")
    await ana.send("Un repas dans la cour, chacun apporte un plat.")
    assert last_text(ana).startswith("💶 Combien ça coûte")
    await ana.send("beaucoup")
    assert last_text(ana) == (
        f"🤔 Je n'ai pas compris ce montant.\n✏️ Écrivez un nombre, par exemple 1{NBSP}500{NBSP}€."
    )
    # The question's buttons stay within reach.
    assert ana.inline_buttons(last_message(ana)) == [["⏭️ Je ne sais pas"], ["❌ Annuler"]]
    await ana.send("-3")
    assert last_text(ana).startswith(f"🤔 Un coût commence à 0{NBSP}€.")
    await ana.send("2 000 000 €")
    assert last_text(ana).startswith("😮 Ce montant est très grand.")
    await ana.send_voice(duration=3)
    assert last_text(ana).startswith("✏️ Écrivez le coût avec des chiffres")
    await ana.send("1.500,50")
    assert last_text(ana).startswith(f"💶 C'est noté : 1{NBSP}500,50{NBSP}€.")
    before = len(ana.messages)
    await ana.tap("❌ Non")
    assert ana.messages[before + 1].text == (
        "💡 Fête des voisins\n"
        "📝 Un repas dans la cour, chacun apporte un plat.\n"
        f"💶 Coût : environ 1{NBSP}500,50{NBSP}€\n"
        "👤 Personne ne porte ce projet pour l'instant."
    )


async def test_titles_and_descriptions_are_shown_as_typed(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    ana = await onboard(fake, 201, "Ana")
    await _propose(ana, "<b>Fête</b> *plage*", "_Soleil_ & <i>sable</i> `code`", "0", send=False)
    card = [m for m in ana.messages if (m.text or "").startswith("💡")][-1]
    assert card.parse_mode is None
    assert card.entities == []
    assert text_of(card) == (
        "💡 <b>Fête</b> *plage*\n"
        "📝 _Soleil_ & <i>sable</i> `code`\n"
        "💶 Coût : gratuit\n"
        "👤 Ana porte ce projet."
    )
    await ana.tap("✅ Envoyer")
    await deliver(app)
    (proposal,) = _proposals(claire)
    assert "💡 <b>Fête</b> *plage*" in text_of(proposal)
    assert proposal.entities == []


async def test_restart_keeps_the_answers_and_cancel_keeps_nothing(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await onboard_claire(fake)
    ana = await onboard(fake, 201, "Ana")
    await _propose(ana, send=False)
    await ana.tap("✏️ Recommencer")
    assert "📌 Titre actuel : Jardin partagé" in last_text(ana)
    await ana.tap("✅ Garder")
    assert "📌 Description actuelle :\nDes bacs à légumes" in last_text(ana)
    await ana.tap("✅ Garder")
    assert f"📌 Coût actuel : 1{NBSP}500{NBSP}€" in last_text(ana)
    await ana.send("300")
    assert "📌 Pour l'instant, vous portez ce projet." in last_text(ana)
    await ana.tap("✅ Oui, je le porte")
    assert f"💶 Coût : environ 300{NBSP}€" in text_of(ana.messages[-2])
    await ana.tap("❌ Annuler")
    assert last_text(ana) == "👌 D'accord, j'oublie ce projet."
    assert await count(database, Project) == 0
    await ana.tap("⬅️ Projets")
    assert last_text(ana).startswith("💡 Les projets du groupe")


async def test_a_double_tap_on_send_makes_one_project(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await onboard_claire(fake)
    ana = await onboard(fake, 201, "Ana")
    await _propose(ana, send=False)
    question = last_message(ana)
    send = question.find_button("✅ Envoyer")
    assert send is not None
    await asyncio.gather(
        ana.tap_in(question.message_id, "✅ Envoyer"),
        ana.press_callback(send["callback_data"], question.message_id),
    )
    await ana.press_callback(send["callback_data"], question.message_id)
    assert toast(ana) == "C'est déjà envoyé ✅"
    assert await count(database, Project) == 1
    await deliver(app)
    assert len(_proposals(fake.user(FACILITATOR_ID, "Claire"))) == 1


async def test_a_fourth_project_is_refused_kindly(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await onboard_claire(fake)
    ana = await onboard(fake, 201, "Ana")
    for title in ("Jardin", "Sortie", "Fête"):
        await _propose(ana, title)
    await ana.tap("💡 Projets")
    await ana.tap("✍️ Proposer un projet")
    assert last_text(ana).startswith(
        "🙂 Vous avez déjà 3 projets en cours. C'est le maximum.\n"
        "⏳ Attendez qu'un de vos projets avance."
    )
    assert ana.inline_buttons(last_message(ana)) == [["📝 Mes propositions"], ["⬅️ Projets"]]
    await ana.send("Quatrième")  # not a title: nothing waits for one
    assert await count(database, Project) == 3


# --- checking -----------------------------------------------------------------------------


async def test_claire_publishes_and_ana_is_told(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    karim = await _karim(fake, database, clock)
    ana = await onboard(fake, 201, "Ana")
    await _propose(ana)
    await deliver(app)
    (proposal,) = _proposals(claire)
    (karims,) = _proposals(karim)
    await claire.tap_in(proposal.message_id, "✅ Publier")
    assert toast(claire) == "✅ Publié"
    shown = current(claire, proposal)
    assert text_of(shown).endswith(GARDEN_CARD + "\n\n✅ Publié par Claire")
    assert claire.inline_buttons(shown) == []
    # Karim's copy says it too, and his late tap changes nothing.
    assert text_of(current(karim, karims)).endswith("✅ Publié par Claire")
    await karim.press_callback(PROJECT_REVIEW.make("ref", (await _projects(database))[0].id))
    assert toast(karim) == "👌 Déjà fait par Claire."
    (project,) = await _projects(database)
    assert project.status == ProjectStatus.OPEN
    await deliver(app)
    assert last_text(ana) == (
        "🎉 Claire a publié votre projet !\n"
        "💡 Jardin partagé\n"
        "👥 Tout le monde peut le voir et le soutenir."
    )
    assert ana.inline_buttons(last_message(ana)) == [["👀 Voir le projet"]]


async def test_claire_asks_a_change_and_ana_edits_and_resends(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    ana = await onboard(fake, 201, "Ana")
    await _propose(ana)
    await deliver(app)
    (proposal,) = _proposals(claire)
    await claire.tap_in(proposal.message_id, "✏️ Demander une modification")
    assert last_text(claire) == (
        "✏️ Que faut-il changer dans « Jardin partagé » ?\n"
        "✍️ Écrivez-le en quelques mots.\n"
        "👀 Ana lira votre message."
    )
    await claire.send_sticker()
    assert last_text(claire).startswith("✍️ Écrivez la raison avec des mots")
    await claire.send("Le coût paraît haut. Pouvez-vous le revoir ?")
    assert last_text(claire) == "✅ C'est fait. J'ai prévenu Ana."
    assert text_of(current(claire, proposal)).endswith(
        "✏️ Modification demandée par Claire\n💬 Le coût paraît haut. Pouvez-vous le revoir ?"
    )
    await deliver(app)
    assert "💬 Claire dit : Le coût paraît haut. Pouvez-vous le revoir ?" in last_text(ana)
    await ana.tap("✏️ Modifier")
    assert last_text(ana).startswith("✏️ Modifiez votre projet.")
    assert "📌 Titre actuel : Jardin partagé" in last_text(ana)
    await ana.tap("✅ Garder")
    await ana.tap("✅ Garder")
    await ana.send("800")
    await ana.tap("✅ Oui, je le porte")
    await ana.tap("✅ Envoyer")
    (project,) = await _projects(database)
    assert (project.status, project.cost_cents, project.note) == (
        ProjectStatus.PROPOSED,
        80_000,
        None,
    )
    await deliver(app)
    resent = _proposals(claire)[-1]
    assert text_of(resent).startswith("🔁 Ana a modifié son projet\n\n💡 Jardin partagé")
    assert f"💶 Coût : environ 800{NBSP}€" in text_of(resent)
    # The first copy no longer decides: it is about the old version.
    await claire.press_callback(PROJECT_REVIEW.make("pub", project.id), proposal.message_id)
    assert toast(claire) == (
        "🔁 Ana a envoyé une nouvelle version.\n👀 Lisez-la dans le dernier message."
    )
    await claire.tap_in(resent.message_id, "✅ Publier")
    assert (await _projects(database))[0].status == ProjectStatus.OPEN


async def test_a_reason_typed_after_another_facilitator_decided_changes_nothing(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    karim = await _karim(fake, database, clock)
    ana = await onboard(fake, 201, "Ana")
    await _propose(ana)
    await deliver(app)
    await claire.tap_in(_proposals(claire)[0].message_id, "❌ Refuser")
    await karim.tap_in(_proposals(karim)[0].message_id, "✅ Publier")
    await claire.send("Pas pour cette année.")
    assert last_text(claire) == "👌 Déjà fait par Karim."
    (project,) = await _projects(database)
    assert (project.status, project.note) == (ProjectStatus.OPEN, None)
    assert text_of(current(claire, _proposals(claire)[0])).endswith("✅ Publié par Karim")
    await deliver(app)
    assert not any("ne peut pas publier" in (text or "") for text in ana.texts)


async def test_claire_refuses_with_a_reason_or_goes_back(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    ana = await onboard(fake, 201, "Ana")
    await _propose(ana)
    await deliver(app)
    (proposal,) = _proposals(claire)
    await claire.tap_in(proposal.message_id, "❌ Refuser")
    assert last_text(claire).startswith("❌ Pourquoi refuser « Jardin partagé » ?")
    await claire.tap("❌ Annuler")
    assert last_text(claire) == "👌 D'accord. Rien n'a changé."
    assert (await _projects(database))[0].status == ProjectStatus.PROPOSED
    await claire.tap_in(proposal.message_id, "❌ Refuser")
    await claire.send("Le centre social a déjà un jardin.")
    assert (await _projects(database))[0].status == ProjectStatus.REFUSED
    assert text_of(current(claire, proposal)).endswith(
        "❌ Refusé par Claire\n💬 Le centre social a déjà un jardin."
    )
    await deliver(app)
    assert last_text(ana).endswith(
        "💬 Claire dit : Le centre social a déjà un jardin.\n"
        "💛 Merci pour votre idée.\n"
        "✍️ Vous pouvez proposer un autre projet."
    )
    assert ana.inline_buttons(last_message(ana)) == []


async def test_a_participant_forging_a_moderation_tap_changes_nothing(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    await onboard_claire(fake)
    ana = await onboard(fake, 201, "Ana")
    await _propose(ana)
    (project,) = await _projects(database)
    for decision in ("pub", "chg", "ref"):
        await ana.press_callback(PROJECT_REVIEW.make(decision, project.id))
        assert ana.callback_answers[-1].get("show_alert") is True
    assert (await _projects(database))[0].status == ProjectStatus.PROPOSED
    await ana.send("Je le publie moi-même")  # no reason was asked of her
    assert (await _projects(database))[0].note is None
    await deliver(app)
    assert not any("a publié votre projet" in (text or "") for text in ana.texts)


async def test_waiting_proposals_for_the_facilitators(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    ana = await onboard(fake, 201, "Ana")
    await claire.tap("💡 Projets")
    await claire.tap("🛠️ À valider")
    assert last_text(claire).startswith("🛠️ Rien à valider.")
    await _propose(ana, "Jardin")
    clock.advance(minutes=5)
    await _propose(ana, "Sortie")
    await claire.tap("💡 Projets")
    before = len(claire.messages)
    await claire.tap("🛠️ À valider")
    shown = [m.text for m in claire.messages[before:]]
    assert shown[0] == "🛠️ 2 projets attendent votre avis :"
    assert (shown[1] or "").startswith("🆕 Nouveau projet proposé par Ana\n\n💡 Jardin")
    assert (shown[2] or "").startswith("🆕 Nouveau projet proposé par Ana\n\n💡 Sortie")
    assert shown[3] == "👆 C'est tout pour l'instant."
    await claire.tap_in(claire.messages[before + 1].message_id, "✅ Publier")
    assert text_of(current(claire, claire.messages[before + 1])).endswith("✅ Publié par Claire")


async def test_ana_follows_her_proposals(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    ana = await onboard(fake, 201, "Ana")
    await ana.tap("💡 Projets")
    await ana.tap("📝 Mes propositions")
    assert last_text(ana).startswith("📝 Vous n'avez pas encore proposé de projet.")
    await _propose(ana, "Jardin")
    clock.advance(minutes=1)
    await _propose(ana, "Sortie")
    await deliver(app)
    (garden, _outing) = _proposals(claire)
    await claire.tap_in(garden.message_id, "✏️ Demander une modification")
    await claire.send("Où mettre les bacs ?")
    await ana.tap("💡 Projets")
    before = len(ana.messages)
    await ana.tap("📝 Mes propositions")
    shown = ana.messages[before:]
    assert [m.text for m in shown] == [
        "📝 Vos propositions : 2 projets.",
        "💡 Sortie\n⏳ Les animateurs vont le lire.",
        "💡 Jardin\n✏️ Les animateurs demandent une modification.\n"
        "💬 Claire dit : Où mettre les bacs ?",
        "👆 Voilà tous vos projets.",
    ]
    assert ana.inline_buttons(shown[2]) == [["✏️ Modifier"]]
    await ana.tap_in(shown[2].message_id, "✏️ Modifier")
    assert "📌 Titre actuel : Jardin" in last_text(ana)


async def test_an_old_edit_button_after_publication_is_refused(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    ana = await onboard(fake, 201, "Ana")
    await _propose(ana)
    await deliver(app)
    (proposal,) = _proposals(claire)
    await claire.tap_in(proposal.message_id, "✏️ Demander une modification")
    await claire.send("Plus de détails ?")
    await deliver(app)
    notice = last_message(ana)
    # Ana starts editing, then the project is published anyway (Claire changed her mind).
    async with database.transaction() as session:
        project = (await session.scalars(select(Project))).one()
        project.status = ProjectStatus.OPEN
    await ana.tap_in(notice.message_id, "✏️ Modifier")
    assert ana.callback_answers[-1]["text"].startswith("🙂 Ce projet ne peut plus être modifié.")
    assert await count(database, Project) == 1
    assert projects.MAX_ACTIVE == 3


async def test_an_english_speaker_proposes_in_english(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
) -> None:
    claire = await onboard_claire(fake)
    sam = await onboard(fake, 203, "Sam", language="en")
    await sam.send("/propose")
    assert "📝 What is the title of your project?" in last_text(sam)
    await sam.send("Community garden")
    await sam.send("Vegetable boxes by the social centre.")
    await sam.send("€1,500.50")
    assert last_text(sam).startswith("💶 Noted: €1,500.50.")
    before = len(sam.messages)
    await sam.tap("✅ Yes, I lead it")
    assert sam.messages[before + 1].text == (
        "💡 Community garden\n"
        "📝 Vegetable boxes by the social centre.\n"
        "💶 Cost: about €1,500.50\n"
        "👤 Sam leads this project."
    )
    await sam.tap("✅ Send")
    assert last_text(sam).startswith("✅ It is sent to the facilitators.")
    await deliver(app)
    # Claire reads it in French, amounts the French way.
    assert f"💶 Coût : environ 1{NBSP}500,50{NBSP}€" in text_of(_proposals(claire)[0])
