"""People's rights: the export holds every kind of data, forgetting leaves nothing that
points to the person while the group's counts stay right, and the document for the data
protection officer names every table."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.db import Database
from bot.i18n import Translator
from bot.models import (
    Answer,
    Ballot,
    Base,
    Basket,
    Broadcast,
    BudgetRound,
    CheckIn,
    ContentType,
    Occurrence,
    OutboxMessage,
    OutboxState,
    Person,
    Project,
    ProjectStatus,
    RoundProject,
    Rsvp,
    Support,
    SupportKind,
    WellbeingCheck,
)
from bot.services import mood, rights, rsvp, talk
from bot.services.mood import Contact
from bot.services.talk import Said
from tests import factories

TR = Translator()
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DOC = Path(__file__).resolve().parents[2] / "docs" / "donnees-personnelles.md"


async def seeded(database: Database) -> tuple[Person, Person, Occurrence, int, int]:
    """Ana with a bit of everything; Claire the facilitator; a past session; a project."""
    claire, session = await factories.first_session(database, NOW)
    ana = await factories.person(database, NOW, 201, "Ana")
    bea = await factories.person(database, NOW, 202, "Béa")
    await factories.answer(database, NOW, session, ana, Answer.YES)
    await factories.answer(database, NOW, session, bea, Answer.YES)
    after = session.starts_at + timedelta(hours=3)
    async with database.transaction() as s:
        await rsvp.mark_present(s, occurrence_id=session.id, person_id=ana.id, now=after)
        await rsvp.mark_present(s, occurrence_id=session.id, person_id=bea.id, now=after)
        s.add(
            CheckIn(
                person_id=ana.id,
                local_date=date(2026, 11, 24),
                mood=4,
                note="Bien",
                voice_file_id="voice-1",
                shared=True,
                created_at=after,
                updated_at=after,
            )
        )
        s.add(
            WellbeingCheck(
                person_id=ana.id, local_date=date(2026, 11, 24), score=60, created_at=after
            )
        )
        project = Project(
            title="Jardin partagé",
            author_id=ana.id,
            leader_id=ana.id,
            status=ProjectStatus.OPEN,
            created_at=after,
            updated_at=after,
            submitted_at=after,
        )
        s.add(project)
        await s.flush()
        s.add(
            Support(
                project_id=project.id, person_id=ana.id, kind=SupportKind.SUPPORT, created_at=after
            )
        )
        s.add(
            Support(
                project_id=project.id, person_id=bea.id, kind=SupportKind.SUPPORT, created_at=after
            )
        )
        s.add(
            Support(
                project_id=project.id,
                person_id=ana.id,
                kind=SupportKind.VOLUNTEER,
                created_at=after,
            )
        )
        budget = BudgetRound(
            amount_cents=50000, ends_at=after + timedelta(days=7), created_at=after
        )
        s.add(budget)
        await s.flush()
        item = RoundProject(round_id=budget.id, project_id=project.id, cost_cents=20000)
        basket = Basket(round_id=budget.id, person_id=ana.id, changed_at=after, confirmed_at=after)
        s.add_all([item, basket])
        await s.flush()
        s.add(Ballot(basket_id=basket.id, round_project_id=item.id, confirmed_at=after))
        s.add(
            OutboxMessage(
                chat_id=201,
                person_id=ana.id,
                kind="reminder",
                dedupe_key="r-ana",
                text="🔔 C'est demain",
                not_before=after,
                created_at=after,
            )
        )
        s.add(
            Broadcast(
                created_by_id=claire.id,
                text="Bonjour",
                audience="all",
                send_at=after,
                request_key="b1",
                created_at=after,
            )
        )
        project_id, round_id = project.id, budget.id
    return ana, claire, session, project_id, round_id


async def test_the_export_holds_every_kind_of_data(database: Database) -> None:
    ana, _, session, _, _ = await seeded(database)
    async with database.transaction() as s:
        data = await rights.export(s, person_id=ana.id, now=NOW)
    json.dumps(data)  # plain JSON, nothing else
    assert data["profile"]["display_name"] == "Ana"
    assert data["profile"]["consent_at"] is not None
    assert [a["answer"] for a in data["answers"]] == ["yes"]
    assert data["answers"][0]["title"] == session.title
    assert data["attendance"] == [
        {
            "session_starts_at": session.starts_at.isoformat(),
            "title": session.title,
            "present": True,
        }
    ]
    assert data["moods"][0]["note"] == "Bien"
    assert data["moods"][0]["voice_file_id"] == "voice-1"
    assert data["moods"][0]["shared"] is True
    assert data["wellbeing_scores"] == [{"local_date": "2026-11-24", "score": 60}]
    assert data["projects"][0]["title"] == "Jardin partagé"
    assert data["projects"][0]["status"] == "open"
    assert sorted(s["kind"] for s in data["supports"]) == ["support", "volunteer"]
    assert data["budget_baskets"][0]["confirmed_votes"] == 1
    assert data["messages_waiting"] == {"reminder": 1}


async def test_the_summary_counts_each_kind_in_the_persons_language(database: Database) -> None:
    ana, _, _, _, _ = await seeded(database)
    async with database.transaction() as s:
        data = await rights.export(s, person_id=ana.id, now=NOW)
    french = rights.summary(data, "fr", TR.t)
    assert "👤 Votre nom : Ana" in french
    assert "🙂 1 humeur" in french
    assert "👍 2 soutiens à des projets" in french
    assert "🙂 1 mood" in rights.summary(data, "en", TR.t)


async def test_someone_who_never_agreed_has_only_a_name_and_a_language(
    database: Database,
) -> None:
    zoe = await factories.person(database, NOW, 300, "Zoé", consent=False)
    async with database.transaction() as s:
        data = await rights.export(s, person_id=zoe.id, now=NOW)
    assert data["profile"]["consent_at"] is None
    assert rights.summary(data, "fr", TR.t).endswith("📭 Je ne garde rien d'autre.")


async def test_forgetting_leaves_no_row_pointing_to_the_person(database: Database) -> None:
    ana, claire, _, _, _ = await seeded(database)
    async with database.transaction() as s:
        done = await rights.forget(s, person_id=ana.id, now=NOW + timedelta(days=30))
    assert done.found
    links = rights.links_to_people()
    names = {f"{c.table.name}.{c.name}" for c in links}
    assert {"rsvps.person_id", "projects.author_id", "broadcasts.created_by_id"} <= names
    async with database.transaction() as s:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                points = column in links or column.name.endswith(("person_id", "_by_id"))
                points = points or column.name in ("author_id", "leader_id")
                if points:
                    left = await s.scalar(
                        select(func.count()).select_from(table).where(column == ana.id)
                    )
                    assert left == 0, f"{table.name}.{column.name} still points to Ana"
        assert await s.get(Person, ana.id) is None
        outbox = await s.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.chat_id == 201)
        )
        assert outbox == 0
        assert await s.get(Person, claire.id) is not None


async def test_forgetting_keeps_the_groups_counts_right(database: Database) -> None:
    ana, _, session, project_id, round_id = await seeded(database)
    async with database.transaction() as s:
        before = await rsvp.attendance(s, session.id)
    async with database.transaction() as s:
        done = await rights.forget(s, person_id=ana.id, now=NOW + timedelta(days=30))
    assert done.walk_ins_added == 1
    async with database.transaction() as s:
        after = await rsvp.attendance(s, session.id)
        assert after.total == before.total == 2
        supports = await s.scalar(
            select(func.count()).select_from(Support).where(Support.project_id == project_id)
        )
        assert supports == 3
        assert await s.scalar(select(func.count()).select_from(Ballot)) == 1
        basket = await s.scalar(select(Basket).where(Basket.round_id == round_id))
        assert basket is not None and basket.person_id is None
        project = await s.get(Project, project_id)
        assert project is not None
        assert (project.title, project.author_id, project.leader_id) == (
            "Jardin partagé",
            None,
            None,
        )
        assert await s.scalar(select(func.count()).select_from(CheckIn)) == 0
        assert await s.scalar(select(func.count()).select_from(WellbeingCheck)) == 0
        assert await s.scalar(select(func.count()).select_from(Rsvp)) == 1  # Béa's


async def test_a_facilitator_who_forgets_leaves_announcements_without_a_name(
    database: Database,
) -> None:
    _, claire, session, _, _ = await seeded(database)
    async with database.transaction() as s:
        await rights.forget(s, person_id=claire.id, now=NOW)
    async with database.transaction() as s:
        broadcast = await s.scalar(select(Broadcast))
        assert broadcast is not None and broadcast.created_by_id is None
        assert await s.get(Occurrence, session.id) is not None


async def test_forgetting_someone_unknown_changes_nothing(database: Database) -> None:
    async with database.transaction() as s:
        done = await rights.forget(s, person_id=999, now=NOW)
        assert not done.found
        assert await rights.export(s, person_id=999, now=NOW) == {}


def test_the_document_names_every_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [t.name for t in Base.metadata.sorted_tables if f"`{t.name}`" not in text]
    assert missing == [], f"docs/donnees-personnelles.md says nothing of {missing}"


async def test_forgetting_takes_back_her_words_waiting_for_the_facilitators(
    database: Database,
) -> None:
    """What Ana wrote to the team and her call for help leave the outbox with her; Béa's
    message and the team's own messages stay."""
    ana, claire, _, _, _ = await seeded(database)
    async with database.transaction() as s:
        ana_row = await s.get(Person, ana.id)
        bea_row = await s.scalar(select(Person).where(Person.telegram_id == 202))
        assert ana_row is not None and bea_row is not None
        text = Said(ContentType.TEXT, text="Je ne vais pas bien ce soir")
        await talk.pass_on(s, sender=ana_row, said=text, message_id=7, now=NOW, translator=TR)
        await talk.pass_on(
            s, sender=ana_row, said=text, message_id=8, now=NOW, translator=TR, about="📣 Sortie"
        )
        await mood.alert_team(
            s,
            person=ana_row,
            contact=Contact.CALL,
            request_key="41",
            now=NOW,
            translator=TR,
            phone="06 12 34 56 78",
        )
        bea_said = Said(ContentType.TEXT, text="À mardi")
        await talk.pass_on(s, sender=bea_row, said=bea_said, message_id=7, now=NOW, translator=TR)
    to_claire = (
        select(OutboxMessage)
        .where(OutboxMessage.chat_id == claire.telegram_id)
        .order_by(OutboxMessage.id)
    )
    async with database.transaction() as s:
        before = list(await s.scalars(to_claire))
        assert sum("Je ne vais pas bien" in (m.text or "") for m in before) == 2
        assert sum("06 12 34 56 78" in (m.text or "") for m in before) == 1
        # One was already delivered: its words sit in the outbox all the same.
        before[0].state = OutboxState.SENT
    async with database.transaction() as s:
        await rights.forget(s, person_id=ana.id, now=NOW)
    async with database.transaction() as s:
        left = list(await s.scalars(to_claire))
    assert [m.text for m in left] == ["💬 Message de Béa :\n\nÀ mardi"]
