"""Proposals as domain logic: the limits, a resend after a change asked, the facilitators'
decisions and what each person finds in the outbox, and the card everyone reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy import select, update

from bot.callback_data import PROJECT_CARD, PROJECT_EDIT, PROJECT_REVIEW
from bot.clock import FrozenClock
from bot.db import Database
from bot.i18n import Translator
from bot.models import ContentType, OutboxMessage, Person, Project, ProjectChange, ProjectStatus
from bot.services import projects
from bot.services.projects import (
    Decision,
    ProjectError,
    ProjectProblem,
    ProposalInput,
    Reviewed,
    ReviewOutcome,
)
from tests import factories
from tests.utils import outbox_rows

TR = Translator()
NBSP = "\u00a0"

GARDEN = ProposalInput(
    title="Jardin partagé",
    description="Des bacs à légumes devant le centre social.",
    cost_cents=150_000,
    leads=True,
)


async def _people(database: Database, clock: FrozenClock) -> tuple[Person, Person, Person]:
    """Ana, a participant; Claire and Karim, facilitators."""
    now = clock.now()
    ana = await factories.person(database, now, 201, "Ana")
    claire = await factories.person(database, now, 9001, "Claire Dupont", facilitator=True)
    karim = await factories.person(database, now, 9002, "Karim", facilitator=True, language="en")
    return ana, claire, karim


async def _submit(
    database: Database,
    author: Person,
    now: datetime,
    proposal: ProposalInput = GARDEN,
    project_id: int | None = None,
) -> Project:
    async with database.transaction() as session:
        return await projects.submit(
            session,
            author=author,
            proposal=proposal,
            now=now,
            translator=TR,
            project_id=project_id,
        )


async def _review(
    database: Database,
    project: Project,
    by: Person,
    now: datetime,
    decision: Decision = Decision.PUBLISH,
    reason: str | None = None,
    shown: tuple[int, int] | None = None,
) -> ReviewOutcome:
    async with database.transaction() as session:
        return await projects.review(
            session,
            project_id=project.id,
            decision=decision,
            reason=reason,
            by=by,
            now=now,
            translator=TR,
            shown=shown,
        )


async def _stored(database: Database, project_id: int) -> Project:
    async with database.transaction() as session:
        project = await session.get(Project, project_id)
        assert project is not None
        return project


async def _changes(database: Database, project_id: int) -> list[tuple[str, str | None]]:
    async with database.transaction() as session:
        rows = await session.scalars(
            select(ProjectChange)
            .where(ProjectChange.project_id == project_id)
            .order_by(ProjectChange.id)
        )
        return [(c.status, c.note) for c in rows]


async def _of_kind(database: Database, kind: str) -> list[OutboxMessage]:
    return [r for r in await outbox_rows(database) if r.kind == kind]


# --- the card -----------------------------------------------------------------------------


def test_the_card_shows_the_project_as_typed_with_its_cost_and_leader() -> None:
    card = projects.card_text(GARDEN, lang="fr", translator=TR, leader="Ana")
    assert card == (
        "💡 Jardin partagé\n"
        "📝 Des bacs à légumes devant le centre social.\n"
        f"💶 Coût : environ 1{NBSP}500{NBSP}€\n"
        "👤 Ana porte ce projet."
    )


def test_the_card_says_a_voice_note_an_unknown_cost_and_counts() -> None:
    spoken = ProposalInput(title="<b>Sortie</b> *mer*", voice_file_id="VOICE", voice_seconds=40)
    card = projects.card_text(
        spoken, lang="fr", translator=TR, leader=None, supporters=1, volunteers=3
    )
    assert card.splitlines() == [
        "💡 <b>Sortie</b> *mer*",
        "🎤 Description en message vocal",
        "💶 Coût : pas encore connu",
        "👤 Personne ne porte ce projet pour l'instant.",
        "👍 1 personne soutient ce projet.",
        "🙋 3 personnes participent.",
    ]
    free = replace(GARDEN, cost_cents=0)
    english = projects.card_text(free, lang="en", translator=TR, leader="Ana", supporters=2)
    assert "💶 Cost: free" in english
    assert "👍 2 people support this project." in english


# --- proposing ----------------------------------------------------------------------------


async def test_a_proposal_waits_for_every_facilitator_with_the_three_buttons(
    database: Database, clock: FrozenClock
) -> None:
    ana, _claire, _karim = await _people(database, clock)
    project = await _submit(database, ana, clock.now())
    stored = await _stored(database, project.id)
    assert stored.status == ProjectStatus.PROPOSED
    assert stored.leader_id == ana.id
    assert stored.submitted_at == clock.now()
    assert await _changes(database, project.id) == [(ProjectStatus.PROPOSED, None)]
    rows = await _of_kind(database, projects.REVIEW_KIND)
    assert [r.chat_id for r in rows] == [9001, 9002]
    assert rows[0].text == (
        "🆕 Nouveau projet proposé par Ana\n\n"
        + projects.card_text(GARDEN, lang="fr", translator=TR, leader="Ana")
    )
    assert rows[1].text is not None
    assert rows[1].text.startswith("🆕 New project proposed by Ana")
    assert rows[0].buttons == [
        [{"text": "✅ Publier", "callback_data": PROJECT_REVIEW.make("pub", project.id)}],
        [
            {
                "text": "✏️ Demander une modification",
                "callback_data": PROJECT_REVIEW.make("chg", project.id),
            }
        ],
        [{"text": "❌ Refuser", "callback_data": PROJECT_REVIEW.make("ref", project.id)}],
    ]
    assert await _of_kind(database, projects.REVIEW_VOICE_KIND) == []


async def test_a_spoken_description_reaches_the_facilitators_as_a_voice_note_first(
    database: Database, clock: FrozenClock
) -> None:
    ana, _claire, _karim = await _people(database, clock)
    spoken = ProposalInput(title="Sortie au lac", voice_file_id="VOICE-1", voice_seconds=95)
    await _submit(database, ana, clock.now(), spoken)
    claire_rows = [r for r in await outbox_rows(database) if r.chat_id == 9001]
    assert [(r.kind, r.content_type, r.file_id) for r in claire_rows] == [
        (projects.REVIEW_VOICE_KIND, ContentType.VOICE, "VOICE-1"),
        (projects.REVIEW_KIND, ContentType.TEXT, None),
    ]
    assert claire_rows[0].text == "🎤 Sortie au lac"
    assert "🎤 Description en message vocal" in (claire_rows[1].text or "")


@pytest.mark.parametrize(
    "proposal",
    [
        replace(GARDEN, title="   "),
        replace(GARDEN, title="x" * 81),
        replace(GARDEN, description="x" * 1001),
        replace(GARDEN, description=None),
        replace(GARDEN, description=None, voice_file_id="V", voice_seconds=181),
        replace(GARDEN, cost_cents=-1),
    ],
)
async def test_a_proposal_out_of_bounds_is_refused_and_nothing_is_kept(
    database: Database, clock: FrozenClock, proposal: ProposalInput
) -> None:
    ana, _claire, _karim = await _people(database, clock)
    with pytest.raises(ProjectError) as caught:
        await _submit(database, ana, clock.now(), proposal)
    assert caught.value.problem is ProjectProblem.INVALID
    assert await outbox_rows(database) == []


async def test_three_projects_waiting_or_open_at_once_and_no_more(
    database: Database, clock: FrozenClock
) -> None:
    ana, claire, _karim = await _people(database, clock)
    first = await _submit(database, ana, clock.now())
    await _submit(database, ana, clock.advance(minutes=1), replace(GARDEN, title="Sortie"))
    third = await _submit(database, ana, clock.advance(minutes=1), replace(GARDEN, title="Fête"))
    await _review(database, first, claire, clock.now())  # open: still counts
    await _review(database, third, claire, clock.now(), Decision.CHANGES, "Quelle date ?")
    async with database.transaction() as session:
        assert await projects.active_count(session, author_id=ana.id) == 3
    with pytest.raises(ProjectError) as caught:
        await _submit(database, ana, clock.now(), replace(GARDEN, title="Quatrième"))
    assert caught.value.problem is ProjectProblem.TOO_MANY
    # Resending the one sent back is not a new project.
    await _submit(database, ana, clock.advance(minutes=1), replace(GARDEN, title="Fête"), third.id)
    # A refused project frees its place.
    second = (await _mine(database, ana))[1]
    await _review(database, second, claire, clock.now(), Decision.REFUSE, "Déjà prévu")
    await _submit(database, ana, clock.advance(minutes=1), replace(GARDEN, title="Quatrième"))
    assert [p.title for p in await _mine(database, ana)] == [
        "Quatrième",
        "Fête",
        "Sortie",
        "Jardin partagé",
    ]


async def _mine(database: Database, person: Person) -> list[Project]:
    async with database.transaction() as session:
        return await projects.mine(session, author_id=person.id)


async def test_a_resend_edits_the_same_project_and_goes_back_to_the_facilitators(
    database: Database, clock: FrozenClock
) -> None:
    ana, claire, _karim = await _people(database, clock)
    project = await _submit(database, ana, clock.now())
    await _review(database, project, claire, clock.advance(hours=1), Decision.CHANGES, "Le prix ?")
    assert (await _stored(database, project.id)).note == "Le prix ?"
    resent = replace(GARDEN, cost_cents=80_000, leads=False)
    await _submit(database, ana, clock.advance(hours=1), resent, project.id)
    stored = await _stored(database, project.id)
    assert (stored.status, stored.cost_cents, stored.leader_id, stored.note) == (
        ProjectStatus.PROPOSED,
        80_000,
        None,
        None,
    )
    assert stored.submitted_at == clock.now()
    assert await _changes(database, project.id) == [
        (ProjectStatus.PROPOSED, None),
        (ProjectStatus.CHANGES, "Le prix ?"),
        (ProjectStatus.PROPOSED, None),
    ]
    to_claire = [r for r in await _of_kind(database, projects.REVIEW_KIND) if r.chat_id == 9001]
    assert len(to_claire) == 2
    assert (to_claire[1].text or "").startswith("🔁 Ana a modifié son projet\n\n💡 Jardin partagé")
    assert f"800{NBSP}€" in (to_claire[1].text or "")


async def test_only_the_author_resends_and_only_while_it_waits_or_was_sent_back(
    database: Database, clock: FrozenClock
) -> None:
    ana, claire, _karim = await _people(database, clock)
    leo = await factories.person(database, clock.now(), 202, "Léo")
    project = await _submit(database, ana, clock.now())
    with pytest.raises(ProjectError) as caught:
        await _submit(database, leo, clock.now(), GARDEN, project.id)
    assert caught.value.problem is ProjectProblem.NOT_FOUND
    with pytest.raises(ProjectError) as caught:
        await _submit(database, ana, clock.now(), GARDEN, 999_999)
    assert caught.value.problem is ProjectProblem.NOT_FOUND
    # Still waiting: the author may improve it before anyone reads it.
    await _submit(database, ana, clock.now(), replace(GARDEN, title="Jardin"), project.id)
    await _review(database, project, claire, clock.now())
    with pytest.raises(ProjectError) as caught:
        await _submit(database, ana, clock.now(), GARDEN, project.id)
    assert caught.value.problem is ProjectProblem.NOT_EDITABLE
    assert (await _stored(database, project.id)).title == "Jardin"


# --- checking -----------------------------------------------------------------------------


async def test_publishing_opens_the_project_and_tells_the_author(
    database: Database, clock: FrozenClock
) -> None:
    ana, claire, _karim = await _people(database, clock)
    project = await _submit(database, ana, clock.now())
    outcome = await _review(database, project, claire, clock.advance(hours=2))
    assert (outcome.result, outcome.status, outcome.by_name) == (
        Reviewed.DONE,
        ProjectStatus.OPEN,
        "Claire",
    )
    stored = await _stored(database, project.id)
    assert (stored.status, stored.published_at) == (ProjectStatus.OPEN, clock.now())
    assert (await _changes(database, project.id))[-1] == (ProjectStatus.OPEN, None)
    (notice,) = await _of_kind(database, projects.OUTCOME_KIND)
    assert notice.chat_id == 201
    assert notice.text == (
        "🎉 Claire a publié votre projet !\n"
        "💡 Jardin partagé\n"
        "👥 Tout le monde peut le voir et le soutenir."
    )
    assert notice.buttons == [
        [{"text": "👀 Voir le projet", "callback_data": PROJECT_CARD.make(project.id)}]
    ]


async def test_a_change_asked_reaches_the_author_with_the_reason_and_modifier(
    database: Database, clock: FrozenClock
) -> None:
    ana, claire, _karim = await _people(database, clock)
    project = await _submit(database, ana, clock.now())
    outcome = await _review(
        database, project, claire, clock.now(), Decision.CHANGES, "  Quel budget ?  "
    )
    assert (outcome.status, outcome.note) == (ProjectStatus.CHANGES, "Quel budget ?")
    (notice,) = await _of_kind(database, projects.OUTCOME_KIND)
    assert notice.text == (
        "✏️ Claire a lu votre projet.\n"
        "💡 Jardin partagé\n"
        "🔁 Claire vous demande une modification.\n"
        "💬 Claire dit : Quel budget ?\n"
        "👇 Touchez « Modifier » pour changer votre projet."
    )
    assert notice.buttons == [
        [{"text": "✏️ Modifier", "callback_data": PROJECT_EDIT.make(project.id)}]
    ]


async def test_a_refusal_is_said_kindly_with_the_reason(
    database: Database, clock: FrozenClock
) -> None:
    ana, _claire, karim = await _people(database, clock)
    project = await _submit(database, ana, clock.now())
    await _review(database, project, karim, clock.now(), Decision.REFUSE, "Trop cher pour nous.")
    stored = await _stored(database, project.id)
    assert (stored.status, stored.note, stored.published_at) == (
        ProjectStatus.REFUSED,
        "Trop cher pour nous.",
        None,
    )
    (notice,) = await _of_kind(database, projects.OUTCOME_KIND)
    assert notice.text == (
        "🙏 Karim a lu votre projet.\n"
        "💡 Jardin partagé\n"
        "❌ Karim ne peut pas publier ce projet.\n"
        "💬 Karim dit : Trop cher pour nous.\n"
        "💛 Merci pour votre idée.\n"
        "✍️ Vous pouvez proposer un autre projet."
    )
    assert notice.buttons is None


async def test_the_second_facilitator_learns_who_decided_and_nothing_changes(
    database: Database, clock: FrozenClock
) -> None:
    ana, claire, karim = await _people(database, clock)
    project = await _submit(database, ana, clock.now())
    await _review(database, project, claire, clock.now(), Decision.CHANGES, "Quand ?")
    later = await _review(database, project, karim, clock.advance(minutes=5))
    assert (later.result, later.by_name, later.status) == (
        Reviewed.ALREADY,
        "Claire",
        ProjectStatus.CHANGES,
    )
    assert (await _stored(database, project.id)).status == ProjectStatus.CHANGES
    assert len(await _changes(database, project.id)) == 2
    assert len(await _of_kind(database, projects.OUTCOME_KIND)) == 1


async def test_a_copy_of_an_earlier_sending_does_not_decide_on_the_new_version(
    database: Database, clock: FrozenClock
) -> None:
    ana, claire, karim = await _people(database, clock)
    project = await _submit(database, ana, clock.now())
    await _sent(database, first_message_id=500)
    await _review(database, project, claire, clock.now(), Decision.CHANGES, "Le lieu ?")
    await _submit(database, ana, clock.advance(hours=1), GARDEN, project.id)
    await _sent(database, first_message_id=600)
    # Karim taps his copy of the first sending (message 501).
    old = await _review(database, project, karim, clock.now(), shown=(9002, 501))
    assert old.result is Reviewed.OUTDATED
    assert (await _stored(database, project.id)).status == ProjectStatus.PROPOSED
    # His copy of the new one (message 601) decides, and both copies are to update.
    new = await _review(database, project, karim, clock.now(), shown=(9002, 601))
    assert new.result is Reviewed.DONE
    assert sorted((c.chat_id, c.message_id, c.lang) for c in new.copies) == [
        (9001, 600, "fr"),
        (9002, 601, "en"),
    ]


async def _sent(database: Database, *, first_message_id: int) -> None:
    """The outbox sent the proposals waiting: message ids from `first_message_id` on."""
    async with database.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.kind == projects.REVIEW_KIND,
                OutboxMessage.telegram_message_id.is_(None),
            )
            .order_by(OutboxMessage.id)
        )
        for offset, row in enumerate(list(rows)):
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(telegram_message_id=first_message_id + offset)
            )


async def test_waiting_proposals_oldest_first_and_an_unknown_project(
    database: Database, clock: FrozenClock
) -> None:
    ana, claire, _karim = await _people(database, clock)
    first = await _submit(database, ana, clock.now())
    second = await _submit(database, ana, clock.advance(minutes=1), replace(GARDEN, title="B"))
    third = await _submit(database, ana, clock.advance(minutes=1), replace(GARDEN, title="C"))
    await _review(database, second, claire, clock.now())
    async with database.transaction() as session:
        assert [p.id for p in await projects.waiting(session)] == [first.id, third.id]
        assert [p.id for p in await projects.waiting(session, limit=1)] == [first.id]
        assert await projects.waiting_count(session) == 2
        assert await projects.get(session, first.id) is not None
    missing = Project(id=999_999)
    with pytest.raises(ProjectError) as caught:
        await _review(database, missing, claire, clock.now())
    assert caught.value.problem is ProjectProblem.NOT_FOUND
