"""Browsing and joining projects, and their life, without Telegram: pages, counts, 👍 and 🙋
(double taps included), the moves a project may make, and who hears of them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.db import Database
from bot.i18n import Translator
from bot.models import OutboxMessage, Person, Project, ProjectChange, ProjectStatus
from bot.models.projects import Support, SupportKind
from bot.services import broadcasts, project_board, project_life
from bot.services.project_board import Refusal, ToggleOutcome
from tests import factories

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


async def make_project(
    database: Database,
    title: str,
    *,
    author: Person | None = None,
    status: ProjectStatus = ProjectStatus.OPEN,
    cost_cents: int | None = None,
    published_at: datetime | None = NOW,
    leader: Person | None = None,
) -> int:
    """A project as the moderation leaves it (published when open)."""
    async with database.transaction() as session:
        project = Project(
            title=title,
            description=f"Les mots de {title}",
            cost_cents=cost_cents,
            author_id=author.id if author else None,
            leader_id=leader.id if leader else None,
            status=status,
            created_at=NOW,
            updated_at=NOW,
            submitted_at=NOW,
            published_at=published_at,
        )
        session.add(project)
        await session.flush()
        return project.id


async def tap(
    database: Database,
    project_id: int,
    person: Person,
    kind: SupportKind = SupportKind.SUPPORT,
    want: bool | None = None,
) -> ToggleOutcome:
    async with database.transaction() as session:
        return await project_board.toggle(
            session, project_id=project_id, person_id=person.id, kind=kind, now=NOW, want=want
        )


async def supports(database: Database, project_id: int, kind: SupportKind) -> int:
    async with database.transaction() as session:
        found = await session.scalar(
            select(func.count(Support.id)).where(
                Support.project_id == project_id, Support.kind == kind.value
            )
        )
        return int(found or 0)


async def move(
    database: Database,
    project_id: int,
    status: ProjectStatus,
    *,
    by: Person | None = None,
    note: str | None = None,
) -> Project | None:
    async with database.transaction() as session:
        who = await session.get(Person, by.id) if by else None
        return await project_life.change_status(
            session,
            project_id=project_id,
            status=status,
            by=who,
            note=note,
            now=NOW,
            translator=Translator(),
        )


async def notices(database: Database) -> list[OutboxMessage]:
    async with database.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == project_life.NOTICE_KIND)
            .order_by(OutboxMessage.chat_id)
        )
        return list(rows)


# --- the list -------------------------------------------------------------------------


async def test_the_list_shows_living_projects_five_a_page_newest_first(
    database: Database,
) -> None:
    ana = await factories.person(database, NOW, 201, "Ana")
    for i in range(11):
        await make_project(
            database, f"Projet {i}", author=ana, published_at=NOW + timedelta(hours=i)
        )
    await make_project(
        database, "Choisi", status=ProjectStatus.SELECTED, published_at=NOW - timedelta(hours=1)
    )
    for status in (
        ProjectStatus.PROPOSED,
        ProjectStatus.CHANGES,
        ProjectStatus.REFUSED,
        ProjectStatus.DONE,
        ProjectStatus.ARCHIVED,
    ):
        await make_project(database, f"Pas là {status}", status=status, published_at=NOW)
    async with database.transaction() as session:
        first = await project_board.open_page(session, page=1)
        last = await project_board.open_page(session, page=3)
        past_the_end = await project_board.open_page(session, page=9)
    assert (first.page, first.pages, first.total) == (1, 3, 12)
    assert [line.title for line in first.lines] == [f"Projet {i}" for i in (10, 9, 8, 7, 6)]
    assert not first.has_previous and first.has_next
    assert [line.title for line in last.lines] == ["Projet 0", "Choisi"]
    assert last.has_previous and not last.has_next
    assert past_the_end.page == 3  # closed since: the last page instead


async def test_an_empty_list_has_one_page(database: Database) -> None:
    async with database.transaction() as session:
        page = await project_board.open_page(session, page=1)
    assert (page.lines, page.page, page.pages, page.total) == ((), 1, 1, 0)


async def test_each_line_counts_supporters_and_volunteers(database: Database) -> None:
    ana = await factories.person(database, NOW, 201, "Ana")
    bob = await factories.person(database, NOW, 202, "Bob")
    garden = await make_project(database, "Jardin", cost_cents=150_000)
    outing = await make_project(database, "Sortie", published_at=NOW - timedelta(days=1))
    await tap(database, garden, ana)
    await tap(database, garden, bob)
    await tap(database, garden, bob, SupportKind.VOLUNTEER)
    async with database.transaction() as session:
        lines = (await project_board.open_page(session, page=1)).lines
    assert [(line.title, line.cost_cents, line.counts) for line in lines] == [
        ("Jardin", 150_000, project_board.Counts(2, 1)),
        ("Sortie", None, project_board.Counts(0, 0)),
    ]
    assert outing == lines[1].id


async def test_a_forgotten_person_still_counts(database: Database) -> None:
    ana = await factories.person(database, NOW, 201, "Ana")
    garden = await make_project(database, "Jardin")
    await tap(database, garden, ana)
    async with database.transaction() as session:
        await session.delete(await session.get(Person, ana.id))
    async with database.transaction() as session:
        counts = await project_board.counts(session, project_id=garden)
    assert counts == project_board.Counts(1, 0)


async def test_the_card_says_who_leads_and_what_the_viewer_did(database: Database) -> None:
    ana = await factories.person(database, NOW, 201, "Ana Martin")
    bob = await factories.person(database, NOW, 202, "Bob")
    garden = await make_project(database, "Jardin", author=ana, leader=ana)
    await tap(database, garden, bob, SupportKind.VOLUNTEER)
    async with database.transaction() as session:
        card = await project_board.card(session, project_id=garden, viewer_id=bob.id)
        seen_by_ana = await project_board.card(session, project_id=garden, viewer_id=ana.id)
    assert card is not None and seen_by_ana is not None
    assert card.leader_name == "Ana"
    assert (card.supports, card.volunteers) == (False, True)
    assert card.counts == project_board.Counts(0, 1)
    assert (seen_by_ana.supports, seen_by_ana.volunteers) == (False, False)
    assert card.joinable


async def test_no_card_for_a_project_never_published(database: Database) -> None:
    ana = await factories.person(database, NOW, 201, "Ana")
    waiting = await make_project(database, "En attente", status=ProjectStatus.PROPOSED)
    refused = await make_project(database, "Refusé", status=ProjectStatus.REFUSED)
    archived = await make_project(database, "Rangé", status=ProjectStatus.ARCHIVED)
    async with database.transaction() as session:
        assert await project_board.card(session, project_id=waiting, viewer_id=ana.id) is None
        assert await project_board.card(session, project_id=refused, viewer_id=ana.id) is None
        assert await project_board.card(session, project_id=9999, viewer_id=ana.id) is None
        card = await project_board.card(session, project_id=archived, viewer_id=ana.id)
    # A notice about its end links to an archived project: its card shows, without joining.
    assert card is not None and not card.joinable


# --- 👍 and 🙋 ------------------------------------------------------------------------


async def test_a_tap_adds_and_tapping_again_undoes_it(database: Database) -> None:
    ana = await factories.person(database, NOW, 201, "Ana")
    garden = await make_project(database, "Jardin")
    assert await tap(database, garden, ana) == ToggleOutcome(on=True, changed=True)
    assert await supports(database, garden, SupportKind.SUPPORT) == 1
    assert await tap(database, garden, ana) == ToggleOutcome(on=False, changed=True)
    assert await supports(database, garden, SupportKind.SUPPORT) == 0
    # 👍 and 🙋 are separate.
    await tap(database, garden, ana, SupportKind.VOLUNTEER)
    assert await supports(database, garden, SupportKind.VOLUNTEER) == 1
    assert await supports(database, garden, SupportKind.SUPPORT) == 0


async def test_a_double_tap_sets_the_state_asked_for_instead_of_flipping(
    database: Database,
) -> None:
    ana = await factories.person(database, NOW, 201, "Ana")
    garden = await make_project(database, "Jardin")
    assert await tap(database, garden, ana, want=True) == ToggleOutcome(on=True, changed=True)
    assert await tap(database, garden, ana, want=True) == ToggleOutcome(on=True, changed=False)
    assert await supports(database, garden, SupportKind.SUPPORT) == 1
    assert await tap(database, garden, ana, want=False) == ToggleOutcome(on=False, changed=True)
    assert await tap(database, garden, ana, want=False) == ToggleOutcome(on=False, changed=False)
    assert await supports(database, garden, SupportKind.SUPPORT) == 0


async def test_two_taps_in_flight_at_once_make_one_row(database: Database) -> None:
    """Both see no row; the second insert meets the first one's and keeps it."""
    ana = await factories.person(database, NOW, 201, "Ana")
    garden = await make_project(database, "Jardin")
    first, second = await asyncio.gather(
        tap(database, garden, ana, want=True), tap(database, garden, ana, want=True)
    )
    assert sorted([first.changed, second.changed]) == [False, True]
    assert first.on and second.on
    assert await supports(database, garden, SupportKind.SUPPORT) == 1


async def test_closed_and_unknown_projects_refuse_the_tap(database: Database) -> None:
    ana = await factories.person(database, NOW, 201, "Ana")
    archived = await make_project(database, "Rangé", status=ProjectStatus.ARCHIVED)
    done = await make_project(database, "Fini", status=ProjectStatus.DONE)
    refused = await make_project(database, "Refusé", status=ProjectStatus.REFUSED)
    waiting = await make_project(database, "En attente", status=ProjectStatus.PROPOSED)
    for project_id in (archived, done, refused):
        outcome = await tap(database, project_id, ana, want=True)
        assert outcome == ToggleOutcome(on=False, changed=False, refused=Refusal.CLOSED)
    for project_id in (waiting, 9999):
        outcome = await tap(database, project_id, ana, want=True)
        assert outcome.refused is Refusal.NOT_FOUND
    async with database.transaction() as session:
        assert await session.scalar(select(func.count(Support.id))) == 0


async def test_a_support_given_before_the_archive_stays_and_cannot_be_taken_back(
    database: Database,
) -> None:
    ana = await factories.person(database, NOW, 201, "Ana")
    garden = await make_project(database, "Jardin")
    await tap(database, garden, ana)
    await move(database, garden, ProjectStatus.ARCHIVED)
    outcome = await tap(database, garden, ana, want=False)
    assert outcome == ToggleOutcome(on=True, changed=False, refused=Refusal.CLOSED)
    assert await supports(database, garden, SupportKind.SUPPORT) == 1


# --- the life of a project ------------------------------------------------------------


async def test_allowed_moves_and_forbidden_ones(database: Database) -> None:
    garden = await make_project(database, "Jardin")
    assert await move(database, garden, ProjectStatus.DONE) is None  # skips two steps
    assert await move(database, garden, ProjectStatus.IN_PROGRESS) is None
    assert await move(database, garden, ProjectStatus.REFUSED) is None  # the moderation's
    moved = await move(database, garden, ProjectStatus.SELECTED)
    assert moved is not None and moved.status == ProjectStatus.SELECTED
    assert await move(database, garden, ProjectStatus.OPEN) is not None  # undo
    for status in (ProjectStatus.SELECTED, ProjectStatus.IN_PROGRESS, ProjectStatus.DONE):
        assert await move(database, garden, status) is not None
    for status in ProjectStatus:
        if status is not ProjectStatus.DONE:
            assert await move(database, garden, status) is None  # done is the end
    archived = await make_project(database, "Rangé")
    assert await move(database, archived, ProjectStatus.ARCHIVED) is not None
    assert await move(database, archived, ProjectStatus.OPEN) is None
    waiting = await make_project(database, "En attente", status=ProjectStatus.PROPOSED)
    assert await move(database, waiting, ProjectStatus.SELECTED) is None
    assert await move(database, 9999, ProjectStatus.SELECTED) is None
    async with database.transaction() as session:
        steps = list(
            await session.scalars(
                select(ProjectChange.status)
                .where(ProjectChange.project_id == garden)
                .order_by(ProjectChange.id)
            )
        )
    assert steps == ["selected", "open", "selected", "in_progress", "done"]


async def test_a_move_tells_author_supporters_and_volunteers_once_each(
    database: Database,
) -> None:
    claire = await factories.person(database, NOW, 9001, "Claire", facilitator=True)
    ana = await factories.person(database, NOW, 201, "Ana")  # the author
    bob = await factories.person(database, NOW, 202, "Bob")  # supports and volunteers
    cleo = await factories.person(database, NOW, 203, "Cléo", language="en")  # volunteers
    dan = await factories.person(database, NOW, 204, "Dan", consent=False)  # no consent
    eve = await factories.person(database, NOW, 205, "Eve")  # follows nothing
    garden = await make_project(database, "Jardin", author=ana, leader=ana)
    await tap(database, garden, ana)
    await tap(database, garden, bob)
    await tap(database, garden, bob, SupportKind.VOLUNTEER)
    await tap(database, garden, cleo, SupportKind.VOLUNTEER)
    await tap(database, garden, claire)  # she makes the change: she knows
    async with database.transaction() as session:
        session.add(Support(project_id=garden, person_id=dan.id, kind="support", created_at=NOW))
    moved = await move(database, garden, ProjectStatus.SELECTED, by=claire, note="Rendez-vous")
    assert moved is not None
    rows = await notices(database)
    assert [row.chat_id for row in rows] == [201, 202, 203]
    ana_row, _bob_row, cleo_row = rows
    assert ana_row.text == (
        "⭐ Bonne nouvelle : le projet « Jardin » est choisi !\n"
        "💬 Claire vous écrit :\nRendez-vous"
    )
    assert cleo_row.text == (
        "⭐ Good news: the project “Jardin” is chosen!\n💬 Claire writes to you:\nRendez-vous"
    )
    assert ana_row.buttons == [[{"text": "👀 Voir le projet", "callback_data": f"pjc:{garden}"}]]
    assert cleo_row.buttons == [[{"text": "👀 See the project", "callback_data": f"pjc:{garden}"}]]
    assert eve.id not in {row.person_id for row in rows}
    # Asked again, nothing moves and nobody is told twice.
    again = await move(database, garden, ProjectStatus.SELECTED, by=claire, note="Encore")
    assert again is not None and again.status == ProjectStatus.SELECTED
    assert len(await notices(database)) == 3


async def test_a_move_without_note_or_facilitator_says_the_step_only(
    database: Database,
) -> None:
    ana = await factories.person(database, NOW, 201, "Ana")
    garden = await make_project(database, "Jardin", author=ana)
    await move(database, garden, ProjectStatus.SELECTED)  # a budget round's end
    (row,) = await notices(database)
    assert row.text == "⭐ Bonne nouvelle : le projet « Jardin » est choisi !"
    await move(database, garden, ProjectStatus.ARCHIVED, note="  Plus de salle.  ")
    latest = (await notices(database))[-1]
    assert latest.text == (
        "📦 Le projet « Jardin » s'arrête.\n💬 L'équipe vous écrit :\nPlus de salle."
    )


async def test_followers_are_counted_once_each(database: Database) -> None:
    ana = await factories.person(database, NOW, 201, "Ana")
    bob = await factories.person(database, NOW, 202, "Bob")
    garden = await make_project(database, "Jardin", author=ana, leader=bob)
    await tap(database, garden, ana)
    await tap(database, garden, bob, SupportKind.VOLUNTEER)
    async with database.transaction() as session:
        everyone = await project_life.followers(session, project_id=garden)
        without_bob = await project_life.followers(session, project_id=garden, exclude_id=bob.id)
    assert [p.display_name for p in everyone] == ["Ana", "Bob"]
    assert [p.display_name for p in without_bob] == ["Ana"]


# --- the announcement audiences -------------------------------------------------------


async def test_a_projects_audience_is_its_consented_people_on_telegram(
    database: Database,
) -> None:
    claire = await factories.person(database, NOW, 9001, "Claire", facilitator=True)
    ana = await factories.person(database, NOW, 201, "Ana")
    bob = await factories.person(database, NOW, 202, "Bob")
    dan = await factories.person(database, NOW, 204, "Dan", consent=False)
    garden = await make_project(database, "Jardin")
    outing = await make_project(database, "Sortie")
    await make_project(database, "Personne")
    await tap(database, garden, ana)
    await tap(database, garden, claire)
    await tap(database, garden, bob, SupportKind.VOLUNTEER)
    await tap(database, outing, bob)
    async with database.transaction() as session:
        session.add(Support(project_id=garden, person_id=dan.id, kind="support", created_at=NOW))
    async with database.transaction() as session:
        supporters = await project_board.audience(
            session, project_id=garden, kind=SupportKind.SUPPORT, exclude_id=claire.id
        )
        volunteers = await broadcasts.audience_people(
            session, broadcasts.Audience.PROJECT_VOLUNTEERS, NOW, param=str(garden)
        )
        picking = await project_board.projects_for_audience(session, exclude_id=claire.id)
    assert [p.display_name for p in supporters] == ["Ana"]
    assert [p.display_name for p in volunteers] == ["Bob"]
    assert [(p.title, p.supporters, p.volunteers) for p in picking] == [
        ("Sortie", 1, 0),
        ("Jardin", 1, 1),
    ]
