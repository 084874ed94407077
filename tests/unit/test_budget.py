"""The participatory budget (domain logic): results, baskets, confirmations, reminders, the end."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from PIL import Image
from sqlalchemy import select

from bot import charts
from bot.charts.drawing import BUDGET_CHAT, BUDGET_PAPER, budget_label
from bot.clock import FrozenClock
from bot.db import Database
from bot.i18n import Translator
from bot.models import (
    Ballot,
    BasketItem,
    BudgetRound,
    OutboxMessage,
    Person,
    Project,
    ProjectStatus,
    RoundProject,
    RoundStatus,
)
from bot.services import budget
from bot.services.budget import (
    OpenProblem,
    OpenRefused,
    PaperProblem,
    PaperRefused,
    Refusal,
    ReminderKind,
    Tally,
    compute_results,
)
from bot.services.money import format_euros
from tests import factories

TZ = ZoneInfo("Europe/Paris")
TR = Translator()
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
# Tuesday 8 December 2026, 18 h in Dijon.
ENDS = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
EUR = 100  # cents


# --- compute_results: a pure function over plain values -------------------------------


def tally(
    rp: int,
    cost: int,
    chat: int,
    paper: int = 0,
    first: int | None = None,
    *,
    available: bool = True,
) -> Tally:
    """A project `rp` costing `cost` euros; its first ballot confirmed `first` minutes after T0."""
    return Tally(
        round_project_id=rp,
        project_id=100 + rp,
        title=f"P{rp}",
        cost_cents=cost * EUR,
        chat_votes=chat,
        paper_votes=paper,
        first_support_at=T0 + timedelta(minutes=first) if first is not None else None,
        available=available,
    )


def order(results: budget.Results) -> list[int]:
    return [r.tally.round_project_id for r in results.ranked]


def chosen(results: budget.Results) -> list[int]:
    return [r.tally.round_project_id for r in results.selected]


def test_projects_rank_by_votes_and_are_selected_while_the_amount_allows() -> None:
    results = compute_results(
        1000 * EUR,
        [tally(1, 300, 5, first=1), tally(2, 500, 9, first=2), tally(3, 200, 7, first=3)],
    )
    assert order(results) == [2, 3, 1]
    assert chosen(results) == [2, 3, 1]
    assert results.spent_cents == 1000 * EUR and results.left_cents == 0
    assert not results.tie_mattered


def test_paper_votes_are_added_to_the_chat_ones() -> None:
    results = compute_results(
        500 * EUR, [tally(1, 500, 6, first=1), tally(2, 500, 2, paper=5, first=2)]
    )
    assert [r.tally.votes for r in results.ranked] == [7, 6]
    assert chosen(results) == [2]


def test_a_project_that_no_longer_fits_is_passed_over_and_the_next_one_taken() -> None:
    results = compute_results(
        1000 * EUR,
        [tally(1, 700, 10, first=1), tally(2, 400, 8, first=2), tally(3, 300, 6, first=3)],
    )
    assert order(results) == [1, 2, 3]
    assert chosen(results) == [1, 3]
    assert results.left_cents == 0


def test_ties_go_to_the_earlier_confirmed_support_and_the_text_says_so() -> None:
    # 2 and 3 have 5 votes each; only one fits after 1; 3 was confirmed first.
    results = compute_results(
        900 * EUR,
        [tally(1, 500, 9, first=1), tally(2, 400, 5, first=10), tally(3, 400, 5, first=5)],
    )
    assert order(results) == [1, 3, 2]
    assert chosen(results) == [1, 3]
    assert results.tie_mattered
    assert [r.tied for r in results.ranked] == [False, True, True]
    text = budget.result_text(TR, "fr", results)
    assert "⚖️ Des projets avaient autant de voix." in text
    assert "Le soutien validé le plus tôt passe devant." in text


def test_a_tie_that_changes_nothing_is_not_mentioned() -> None:
    results = compute_results(2000 * EUR, [tally(1, 500, 5, first=2), tally(2, 400, 5, first=1)])
    assert chosen(results) == [2, 1]
    assert not results.tie_mattered
    assert "⚖️" not in budget.result_text(TR, "fr", results)


def test_a_project_with_paper_votes_only_comes_after_one_with_ballots() -> None:
    results = compute_results(400 * EUR, [tally(1, 400, 0, paper=4), tally(2, 400, 4, first=30)])
    assert order(results) == [2, 1]
    assert chosen(results) == [2]
    assert results.tie_mattered


def test_nothing_is_selected_when_nothing_fits_or_nobody_voted() -> None:
    too_big = compute_results(100 * EUR, [tally(1, 300, 9, first=1), tally(2, 200, 3, first=2)])
    assert chosen(too_big) == [] and too_big.spent_cents == 0
    assert "😕 Aucun projet n'est choisi." in budget.result_text(TR, "fr", too_big)
    nobody = compute_results(1000 * EUR, [tally(1, 100, 0), tally(2, 100, 0)])
    assert chosen(nobody) == []


def test_a_project_no_longer_open_is_passed_over() -> None:
    results = compute_results(
        500 * EUR, [tally(1, 400, 9, first=1, available=False), tally(2, 300, 4, first=2)]
    )
    assert chosen(results) == [2]


def test_a_closed_round_keeps_its_selection() -> None:
    tallies = [tally(1, 400, 9, first=1), tally(2, 300, 4, first=2)]
    kept = compute_results(500 * EUR, tallies, selected={2})
    assert chosen(kept) == [2]


def test_the_result_text_lists_the_selected_projects_with_cost_and_votes() -> None:
    results = compute_results(
        1500 * EUR, [tally(1, 400, 9, paper=3, first=1), tally(2, 1200, 2, first=2)]
    )
    fr = budget.result_text(TR, "fr", results)
    assert "✅ 1 projet est choisi :" in fr
    assert "✅ P1 : 400\u00a0€, 12 voix" in fr
    assert "💶 Le groupe dépense 400\u00a0€ sur 1\u00a0500\u00a0€." in fr
    assert "papier" in fr and "🔒 Personne ne sait qui a choisi quoi." in fr
    en = budget.result_text(TR, "en", results)
    assert "✅ P1: €400, 12 votes" in en


# --- the database side ------------------------------------------------------------------


async def new_projects(database: Database, now: datetime, *costs: int | None) -> list[int]:
    """Open projects with these estimated costs (euros); returns their ids."""
    async with database.transaction() as session:
        rows = [
            Project(
                title=f"Projet {i + 1}",
                description="…",
                cost_cents=cost * EUR if cost is not None else None,
                status=ProjectStatus.OPEN,
                created_at=now,
                updated_at=now,
                submitted_at=now,
                published_at=now + timedelta(seconds=i),
            )
            for i, cost in enumerate(costs)
        ]
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]


async def claire(database: Database, now: datetime) -> Person:
    return await factories.person(database, now, 9001, "Claire", facilitator=True)


async def open_round(
    database: Database,
    now: datetime,
    costs: Sequence[int],
    *,
    amount: int = 1000,
    ends_at: datetime = ENDS,
) -> tuple[int, list[int]]:
    """A round of `amount` euros over new projects costing `costs`; (round id, its rp ids)."""
    project_ids = await new_projects(database, now, *costs)
    by = await claire(database, now)
    async with database.transaction() as session:
        opened = await budget.open_round(
            session,
            amount_cents=amount * EUR,
            project_costs={p: c * EUR for p, c in zip(project_ids, costs, strict=True)},
            ends_at=ends_at,
            by=by,
            now=now,
            translator=TR,
            tz=TZ,
        )
        rps = list(
            await session.scalars(
                select(RoundProject.id)
                .where(RoundProject.round_id == opened.id)
                .order_by(RoundProject.id)
            )
        )
        return opened.id, rps


async def add(
    database: Database, now: datetime, round_id: int, person: Person, rp: int
) -> budget.BasketOutcome:
    async with database.transaction() as session:
        return await budget.add(
            session, round_id=round_id, person_id=person.id, round_project_id=rp, now=now
        )


async def remove(
    database: Database, now: datetime, round_id: int, person: Person, rp: int
) -> budget.BasketOutcome:
    async with database.transaction() as session:
        return await budget.remove(
            session, round_id=round_id, person_id=person.id, round_project_id=rp, now=now
        )


async def confirm(
    database: Database, now: datetime, round_id: int, person: Person
) -> budget.BasketOutcome:
    async with database.transaction() as session:
        return await budget.confirm(session, round_id=round_id, person_id=person.id, now=now)


async def outbox_of(database: Database, kind: str) -> list[OutboxMessage]:
    async with database.transaction() as session:
        return list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
            )
        )


async def test_opening_a_round_tells_everyone_who_agreed_and_uses_telegram(
    database: Database, clock: FrozenClock
) -> None:
    ana = await factories.person(database, clock.now(), 201, "Ana")
    await factories.person(database, clock.now(), 202, "Bob", consent=False)
    round_id, rps = await open_round(database, clock.now(), [400, 300])
    notices = await outbox_of(database, budget.OPEN_KIND)
    assert sorted(n.chat_id for n in notices) == [201, 9001]
    assert ana.telegram_id == 201
    text = notices[0].text or ""
    assert "🗳️ Budget participatif : 1\u00a0000\u00a0€ à partager entre des projets." in text
    assert "💡 2 projets attendent vos choix." in text
    assert "📅 Vous pouvez choisir jusqu'à mardi 8 décembre à 18 h." in text
    assert notices[0].buttons == [
        [{"text": "🗳️ Choisir mes projets", "callback_data": f"bdv:{round_id}"}]
    ]
    assert len(rps) == 2


async def test_one_round_at_a_time_and_costs_must_fit(
    database: Database, clock: FrozenClock
) -> None:
    await open_round(database, clock.now(), [400])
    more = await new_projects(database, clock.now(), 100, 100)
    by = await claire(database, clock.now())

    async def attempt(costs: dict[int, int], amount: int = 1000) -> OpenProblem:
        with pytest.raises(OpenRefused) as refused:
            async with database.transaction() as session:
                await budget.open_round(
                    session,
                    amount_cents=amount * EUR,
                    project_costs=costs,
                    ends_at=ENDS,
                    by=by,
                    now=clock.now(),
                    translator=TR,
                    tz=TZ,
                )
        return refused.value.problem

    assert await attempt({more[0]: 100 * EUR}) == OpenProblem.ALREADY_OPEN
    assert await attempt({more[0]: 2000 * EUR}) == OpenProblem.BAD_COST
    assert await attempt({more[0]: 0}) == OpenProblem.BAD_COST
    assert await attempt({}) == OpenProblem.NO_PROJECTS
    assert await attempt({more[0]: 100}, amount=0) == OpenProblem.BAD_AMOUNT


async def test_a_project_not_open_cannot_go_into_a_round(
    database: Database, clock: FrozenClock
) -> None:
    (project_id,) = await new_projects(database, clock.now(), 100)
    async with database.transaction() as session:
        row = await session.get(Project, project_id)
        assert row is not None
        row.status = ProjectStatus.ARCHIVED
    by = await claire(database, clock.now())
    with pytest.raises(OpenRefused) as refused:
        async with database.transaction() as session:
            await budget.open_round(
                session,
                amount_cents=500 * EUR,
                project_costs={project_id: 100 * EUR},
                ends_at=ENDS,
                by=by,
                now=clock.now(),
                translator=TR,
                tz=TZ,
            )
    assert (refused.value.problem, refused.value.project_id) == (OpenProblem.NOT_OPEN, project_id)


async def test_the_basket_never_goes_over_the_amount(
    database: Database, clock: FrozenClock
) -> None:
    round_id, (a, b, c) = await open_round(database, clock.now(), [600, 300, 150], amount=1000)
    ana = await factories.person(database, clock.now(), 201, "Ana")
    assert (await add(database, clock.now(), round_id, ana, a)).changed
    out = await add(database, clock.now(), round_id, ana, b)
    assert out.view is not None and out.view.left_cents == 100 * EUR
    refused = await add(database, clock.now(), round_id, ana, c)
    assert (refused.refusal, refused.missing_cents, refused.changed) == (
        Refusal.DOES_NOT_FIT,
        50 * EUR,
        False,
    )
    assert refused.view is not None and refused.view.spent_cents == 900 * EUR
    # ➖ then ➕ again: now it fits.
    await remove(database, clock.now(), round_id, ana, b)
    again = await add(database, clock.now(), round_id, ana, c)
    assert again.changed and again.view is not None
    assert [ch.round_project_id for ch in again.view.chosen] == [a, c]


async def test_a_double_tap_adds_once_and_a_remove_of_nothing_is_a_no_op(
    database: Database, clock: FrozenClock
) -> None:
    round_id, (a, b) = await open_round(database, clock.now(), [100, 100])
    ana = await factories.person(database, clock.now(), 201, "Ana")
    first = await add(database, clock.now(), round_id, ana, a)
    second = await add(database, clock.now(), round_id, ana, a)
    assert (first.changed, second.changed, second.refusal) == (True, False, None)
    assert (await remove(database, clock.now(), round_id, ana, b)).changed is False
    async with database.transaction() as session:
        assert len(list(await session.scalars(select(BasketItem)))) == 1


async def test_forged_ids_are_refused_with_a_reason(
    database: Database, clock: FrozenClock
) -> None:
    round_id, (a,) = await open_round(database, clock.now(), [100])
    ana = await factories.person(database, clock.now(), 201, "Ana")
    assert (await add(database, clock.now(), round_id + 99, ana, a)).refusal == Refusal.NO_ROUND
    assert (await add(database, clock.now(), round_id, ana, a + 99)).refusal == (
        Refusal.NOT_IN_ROUND
    )


async def test_another_rounds_project_is_not_in_this_round(
    database: Database, clock: FrozenClock
) -> None:
    old_round, (old_rp,) = await open_round(database, clock.now(), [100])
    async with database.transaction() as session:
        assert await budget.cancel_round(
            session, round_id=old_round, by=None, now=clock.now(), translator=TR
        )
    round_id, _ = await open_round(database, clock.now(), [100])
    ana = await factories.person(database, clock.now(), 201, "Ana")
    assert (await add(database, clock.now(), round_id, ana, old_rp)).refusal == (
        Refusal.NOT_IN_ROUND
    )
    assert (await add(database, clock.now(), old_round, ana, old_rp)).refusal == (
        Refusal.CANCELLED
    )


async def test_taps_at_once_never_fill_a_basket_over_the_amount(
    database: Database, clock: FrozenClock
) -> None:
    """One person's ten ➕ and ➖ at once, and thirty people's ➕ at once (PostgreSQL runs them
    side by side; SQLite one after the other)."""
    costs = [300, 250, 200, 400, 150, 350, 100, 500, 450, 50]
    round_id, rps = await open_round(database, clock.now(), costs, amount=1000)
    ana = await factories.person(database, clock.now(), 201, "Ana")
    outcomes = await asyncio.gather(
        *(add(database, clock.now(), round_id, ana, rp) for rp in rps),
        *(remove(database, clock.now(), round_id, ana, rp) for rp in rps[:3]),
    )
    assert any(o.refusal == Refusal.DOES_NOT_FIT for o in outcomes)
    others = [await factories.person(database, clock.now(), 300 + i, f"P{i}") for i in range(30)]
    await asyncio.gather(
        *(add(database, clock.now(), round_id, p, rp) for p in others for rp in rps[:4])
    )
    async with database.transaction() as session:
        for person in [ana, *others]:
            view = await budget.round_view(session, round_id=round_id, person_id=person.id)
            assert view is not None
            assert view.spent_cents <= 1000 * EUR
            assert view.left_cents >= 0


async def test_a_batch_of_taps_is_applied_in_order_as_the_taps_before_left_it(
    database: Database, clock: FrozenClock
) -> None:
    """Taps written together (bot.batching) see each other: the third ➕ finds the first two."""
    round_id, (a, b, c) = await open_round(database, clock.now(), [500, 400, 300], amount=1000)
    ana = await factories.person(database, clock.now(), 201, "Ana")
    bob = await factories.person(database, clock.now(), 202, "Bob")
    taps = [
        budget.Change(round_id, ana.id, a, True),
        budget.Change(round_id, bob.id, c, True),
        budget.Change(round_id, ana.id, b, True),
        budget.Change(round_id, ana.id, c, True),  # 500 + 400 + 300: does not fit
        budget.Change(round_id, ana.id, b, False),
        budget.Change(round_id, ana.id, c, True),  # now it does
        budget.Change(round_id, bob.id, c, False),  # added and removed in the same batch
        budget.Change(round_id, bob.id, a + 99, True),
        budget.Change(round_id + 99, bob.id, a, True),
    ]
    async with database.transaction() as session:
        outcomes = await budget.change_many(session, taps, now=clock.now())
    assert [o.changed for o in outcomes] == [
        True,
        True,
        True,
        False,
        True,
        True,
        True,
        False,
        False,
    ]
    assert [o.refusal for o in outcomes][3] == Refusal.DOES_NOT_FIT
    assert outcomes[3].missing_cents == 200 * EUR
    assert [o.refusal for o in outcomes][7:] == [Refusal.NOT_IN_ROUND, Refusal.NO_ROUND]
    last = outcomes[5].view
    assert last is not None and [ch.round_project_id for ch in last.chosen] == [a, c]
    async with database.transaction() as session:
        ana_view = await budget.round_view(session, round_id=round_id, person_id=ana.id)
        bob_view = await budget.round_view(session, round_id=round_id, person_id=bob.id)
    assert ana_view is not None and ana_view.spent_cents == 800 * EUR
    assert bob_view is not None and bob_view.chosen == ()


async def test_confirming_copies_the_basket_and_a_change_needs_confirming_again(
    database: Database, clock: FrozenClock
) -> None:
    round_id, (a, b, c) = await open_round(database, clock.now(), [100, 100, 100])
    ana = await factories.person(database, clock.now(), 201, "Ana")
    empty = await confirm(database, clock.now(), round_id, ana)
    assert empty.refusal == Refusal.EMPTY
    await add(database, clock.now(), round_id, ana, a)
    await add(database, clock.now(), round_id, ana, b)
    first_at = clock.advance(minutes=1)
    done = await confirm(database, clock.now(), round_id, ana)
    assert done.changed and done.view is not None and done.view.confirmed
    assert not (await confirm(database, clock.now(), round_id, ana)).changed  # a double tap
    # A change, even in the same instant: the screen says it needs confirming again.
    changed = await remove(database, clock.now(), round_id, ana, b)
    assert changed.view is not None
    assert changed.view.changed_since_confirmed and changed.view.needs_confirmation
    await add(database, clock.now(), round_id, ana, c)
    clock.advance(minutes=5)
    again = await confirm(database, clock.now(), round_id, ana)
    assert again.view is not None and again.view.confirmed
    async with database.transaction() as session:
        ballots = {
            b.round_project_id: b.confirmed_at for b in await session.scalars(select(Ballot))
        }
    # a was kept: its first confirmation stays (ties go to the earlier support).
    assert ballots == {a: first_at, c: clock.now()}


async def test_an_emptied_confirmed_basket_can_be_confirmed_to_withdraw(
    database: Database, clock: FrozenClock
) -> None:
    round_id, (a,) = await open_round(database, clock.now(), [100])
    ana = await factories.person(database, clock.now(), 201, "Ana")
    await add(database, clock.now(), round_id, ana, a)
    await confirm(database, clock.now(), round_id, ana)
    clock.advance(minutes=1)
    await remove(database, clock.now(), round_id, ana, a)
    out = await confirm(database, clock.now(), round_id, ana)
    assert out.changed and out.view is not None and out.view.confirmed
    async with database.transaction() as session:
        assert list(await session.scalars(select(Ballot))) == []


async def test_nothing_changes_after_the_end(database: Database, clock: FrozenClock) -> None:
    round_id, (a, b) = await open_round(database, clock.now(), [100, 100])
    ana = await factories.person(database, clock.now(), 201, "Ana")
    await add(database, clock.now(), round_id, ana, a)
    clock.set(ENDS)
    assert (await confirm(database, clock.now(), round_id, ana)).refusal == Refusal.ENDED
    assert (await add(database, clock.now(), round_id, ana, b)).refusal == Refusal.ENDED
    assert (await remove(database, clock.now(), round_id, ana, a)).refusal == Refusal.ENDED


async def test_paper_votes_are_a_count_from_0_to_10_000_before_the_end(
    database: Database, clock: FrozenClock
) -> None:
    round_id, (a,) = await open_round(database, clock.now(), [100])
    by = await claire(database, clock.now())
    ana = await factories.person(database, clock.now(), 201, "Ana")

    async def paper(votes: int, who: Person = by, rp: int = a) -> int:
        async with database.transaction() as session:
            row = await budget.set_paper_votes(
                session, round_id=round_id, round_project_id=rp, votes=votes, by=who,
                now=clock.now(),
            )  # fmt: skip
            return row.paper_votes

    assert await paper(12) == 12
    assert await paper(7) == 7  # replaces, does not add
    for votes, who, rp, problem in (
        (-1, by, a, PaperProblem.OUT_OF_RANGE),
        (10_001, by, a, PaperProblem.OUT_OF_RANGE),
        (3, ana, a, PaperProblem.NOT_ALLOWED),
        (3, by, a + 50, PaperProblem.NOT_IN_ROUND),
    ):
        with pytest.raises(PaperRefused) as refused:
            await paper(votes, who, rp)
        assert refused.value.problem == problem
    clock.set(ENDS)
    with pytest.raises(PaperRefused) as late:
        await paper(3)
    assert late.value.problem == PaperProblem.ENDED


# --- reminders ----------------------------------------------------------------------------


def test_the_reminders_come_the_day_before_at_the_same_local_time_and_2_hours_before() -> None:
    times = budget.reminder_times(ENDS, TZ)
    assert times[ReminderKind.DAY_BEFORE] == datetime(2026, 12, 7, 17, 0, tzinfo=UTC)
    assert times[ReminderKind.HOURS_BEFORE] == datetime(2026, 12, 8, 15, 0, tzinfo=UTC)
    # The clocks go forward in the night of 27 to 28 March 2027: 18 h stays 18 h.
    sunday = datetime(2027, 3, 28, 16, 0, tzinfo=UTC)  # 18 h in Dijon, summer time
    assert budget.reminder_times(sunday, TZ)[ReminderKind.DAY_BEFORE] == datetime(
        2027, 3, 27, 17, 0, tzinfo=UTC
    )


async def remind(database: Database, now: datetime) -> int:
    async with database.transaction() as session:
        return await budget.enqueue_reminders(session, now=now, translator=TR, tz=TZ)


async def test_reminders_go_to_unconfirmed_baskets_once_each(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(T0)
    round_id, (a, b) = await open_round(database, clock.now(), [400, 300], amount=1500)
    ana = await factories.person(database, clock.now(), 201, "Ana")  # confirms
    bob = await factories.person(database, clock.now(), 202, "Bob")  # never confirms
    eve = await factories.person(database, clock.now(), 203, "Eve")  # confirms, then changes
    await factories.person(database, clock.now(), 204, "Zoé")  # never opens the round
    dan = await factories.person(database, clock.now(), 205, "Dan")  # adds then removes
    for person in (ana, bob, eve):
        await add(database, clock.now(), round_id, person, a)
    await confirm(database, clock.now(), round_id, ana)
    await confirm(database, clock.now(), round_id, eve)
    clock.advance(minutes=1)
    await add(database, clock.now(), round_id, eve, b)
    await add(database, clock.now(), round_id, dan, b)
    await remove(database, clock.now(), round_id, dan, b)

    clock.set(datetime(2026, 12, 7, 16, 59, tzinfo=UTC))
    assert await remind(database, clock.now()) == 0
    clock.set(datetime(2026, 12, 7, 17, 0, tzinfo=UTC))
    assert await remind(database, clock.now()) == 2
    assert await remind(database, clock.now()) == 0  # once
    day = await outbox_of(database, budget.REMINDER_KIND)
    assert sorted(m.chat_id for m in day) == [202, 203]
    bob_text = next(m.text for m in day if m.chat_id == 202) or ""
    assert bob_text.startswith("🔔 Le vote du budget finit demain à 18 h.")
    assert "🧺 Votre choix n'est pas encore validé :" in bob_text
    assert "✔️ Projet 1 : 400\u00a0€" in bob_text
    assert "💶 Il reste 1\u00a0100\u00a0€ sur 1\u00a0500\u00a0€." in bob_text
    eve_text = next(m.text for m in day if m.chat_id == 203) or ""
    assert "✏️ Vous avez changé votre choix sans le valider :" in eve_text
    assert "📌 Pour le moment, votre ancien choix compte." in eve_text
    buttons = day[0].buttons
    assert buttons == [
        [{"text": "✅ Valider mon choix", "callback_data": f"bdk:{round_id}"}],
        [{"text": "🗳️ Choisir mes projets", "callback_data": f"bdv:{round_id}"}],
    ]
    assert all(m.expires_at == ENDS for m in day)

    await confirm(database, clock.now(), round_id, bob)  # Bob confirms from the reminder
    clock.set(datetime(2026, 12, 8, 15, 0, tzinfo=UTC))
    assert await remind(database, clock.now()) == 1
    assert await remind(database, clock.now()) == 0
    hours = (await outbox_of(database, budget.REMINDER_KIND))[2:]
    assert [m.chat_id for m in hours] == [203]
    assert (hours[0].text or "").startswith(
        "⏰ Le vote du budget finit bientôt : aujourd'hui à 18 h."
    )


async def test_a_round_opened_late_skips_the_reminders_whose_time_had_passed(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 12, 8, 9, 0, tzinfo=UTC))  # the day of the end
    round_id, (a,) = await open_round(database, clock.now(), [100])
    ana = await factories.person(database, clock.now(), 201, "Ana")
    await add(database, clock.now(), round_id, ana, a)
    assert await remind(database, clock.now()) == 0  # no day-before reminder, it was open after
    clock.set(datetime(2026, 12, 8, 15, 30, tzinfo=UTC))
    assert await remind(database, clock.now()) == 1


async def test_a_bot_down_over_the_day_before_sends_only_the_2_hour_reminder(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(T0)
    round_id, (a,) = await open_round(database, clock.now(), [100])
    ana = await factories.person(database, clock.now(), 201, "Ana")
    await add(database, clock.now(), round_id, ana, a)
    clock.set(datetime(2026, 12, 8, 16, 0, tzinfo=UTC))
    assert await remind(database, clock.now()) == 1
    assert await remind(database, clock.now()) == 0
    (only,) = await outbox_of(database, budget.REMINDER_KIND)
    assert (only.text or "").startswith("⏰")


# --- the end ------------------------------------------------------------------------------


async def close(database: Database, now: datetime) -> list[budget.Result]:
    async with database.transaction() as session:
        return await budget.close_due(session, now=now, translator=TR)


async def test_the_round_closes_at_its_end_selects_and_announces(
    database: Database, clock: FrozenClock
) -> None:
    clock.set(T0)
    round_id, (a, b, c) = await open_round(database, clock.now(), [600, 500, 300], amount=1000)
    people = [await factories.person(database, clock.now(), 300 + i, f"P{i}") for i in range(4)]
    picks = [[a, c], [a], [b, c], [b]]
    for person, chosen_rps in zip(people, picks, strict=True):
        for rp in chosen_rps:
            await add(database, clock.now(), round_id, person, rp)
        clock.advance(minutes=1)
        await confirm(database, clock.now(), round_id, person)
    by = await claire(database, clock.now())
    async with database.transaction() as session:
        await budget.set_paper_votes(
            session, round_id=round_id, round_project_id=c, votes=3, by=by, now=clock.now()
        )
    clock.set(ENDS - timedelta(seconds=1))
    assert await close(database, clock.now()) == []
    clock.set(ENDS)
    (result,) = await close(database, clock.now())
    assert await close(database, clock.now()) == []  # once
    # c: 2 + 3 = 5; a: 2 (first at minute 1); b: 2 (first at minute 3): a before b.
    assert [r.tally.round_project_id for r in result.results.ranked] == [c, a, b]
    assert [r.tally.round_project_id for r in result.results.selected] == [c, a]
    assert result.results.tie_mattered
    async with database.transaction() as session:
        row = await session.get(BudgetRound, round_id)
        assert row is not None and row.status == RoundStatus.CLOSED and row.closed_at == ENDS
        flags = {
            rp: selected
            for rp, selected in await session.execute(
                select(RoundProject.id, RoundProject.selected)
            )
        }
        assert flags == {a: True, b: False, c: True}
        statuses = {
            p.id: p.status for p in await session.scalars(select(Project).order_by(Project.id))
        }
    assert list(statuses.values()) == [
        ProjectStatus.SELECTED,
        ProjectStatus.OPEN,
        ProjectStatus.SELECTED,
    ]
    announced = await outbox_of(database, budget.RESULT_KIND)
    assert len(announced) == 5  # the 4 participants and Claire
    text = announced[0].text or ""
    assert (
        "✅ Projet 3 : 300\u00a0€, 5 voix" in text and "✅ Projet 1 : 600\u00a0€, 2 voix" in text
    )
    assert "⚖️" in text
    assert announced[0].buttons == [
        [{"text": "📊 Voir les résultats", "callback_data": f"bdv:{round_id}"}]
    ]
    # Counts only: no name of anyone in what everyone receives.
    assert not any(f"P{i}" in text for i in range(4))
    async with database.transaction() as session:
        again = await budget.round_results(session, round_id=round_id)
    assert again is not None and [r.selected for r in again.ranked] == [True, True, False]


async def test_a_cancelled_round_never_closes_and_tells_those_who_started(
    database: Database, clock: FrozenClock
) -> None:
    round_id, (a,) = await open_round(database, clock.now(), [100])
    ana = await factories.person(database, clock.now(), 201, "Ana")
    await factories.person(database, clock.now(), 202, "Bob")
    await add(database, clock.now(), round_id, ana, a)
    async with database.transaction() as session:
        assert await budget.cancel_round(
            session, round_id=round_id, by=None, now=clock.now(), translator=TR
        )
        assert not await budget.cancel_round(
            session, round_id=round_id, by=None, now=clock.now(), translator=TR
        )
    told = await outbox_of(database, budget.CANCEL_KIND)
    assert [m.chat_id for m in told] == [201]
    clock.set(ENDS + timedelta(hours=1))
    assert await close(database, clock.now()) == []


async def test_figures_count_confirmed_and_waiting_baskets(
    database: Database, clock: FrozenClock
) -> None:
    round_id, (a, b) = await open_round(database, clock.now(), [100, 100])
    ana = await factories.person(database, clock.now(), 201, "Ana")
    bob = await factories.person(database, clock.now(), 202, "Bob")
    eve = await factories.person(database, clock.now(), 203, "Eve")
    await add(database, clock.now(), round_id, ana, a)
    await confirm(database, clock.now(), round_id, ana)
    await add(database, clock.now(), round_id, bob, a)
    await add(database, clock.now(), round_id, eve, a)
    await remove(database, clock.now(), round_id, eve, a)  # nothing left, never confirmed
    by = await claire(database, clock.now())
    async with database.transaction() as session:
        await budget.set_paper_votes(
            session, round_id=round_id, round_project_id=b, votes=4, by=by, now=clock.now()
        )
        figures = await budget.figures(session, round_id=round_id)
    assert figures == budget.RoundFigures(confirmed=1, waiting=1, paper_votes=4)


# --- the results chart ------------------------------------------------------------------


def chart_of(results: budget.Results) -> charts.BudgetChart:
    return charts.BudgetChart(
        bars=tuple(
            charts.BudgetBar(
                r.tally.title,
                format_euros(r.tally.cost_cents, "fr"),
                r.tally.chat_votes,
                r.tally.paper_votes,
                r.selected,
            )
            for r in results.ranked
        ),
        chat_label="Telegram",
        paper_label="Papier",
        selected_label="Choisi",
    )


def painted(png: bytes, colour: str) -> int:
    """How many pixels show exactly this colour."""
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        picture = np.asarray(image.convert("RGB")).astype(int)
    rgb = np.array([round(c * 255) for c in to_rgb(colour)])
    return int((np.abs(picture - rgb).sum(axis=2) <= 3).sum())


async def test_the_results_chart_is_a_phone_wide_png_taller_with_more_projects() -> None:
    few = compute_results(1000 * EUR, [tally(1, 400, 9, 3, first=1), tally(2, 300, 4, first=2)])
    many = compute_results(
        5000 * EUR, [tally(i, 100 + i * 10, i % 13, i % 5, first=i) for i in range(1, 41)]
    )
    small, big = await asyncio.gather(
        charts.budget_results(chart_of(few)), charts.budget_results(chart_of(many))
    )
    with Image.open(io.BytesIO(small)) as a, Image.open(io.BytesIO(big)) as b:
        assert a.size[0] == b.size[0] == 800
        assert b.size[1] > a.size[1] > 200
    # Chat and paper votes of a selected project in their own shades (paper also hatched).
    assert painted(small, BUDGET_CHAT[True]) > 0 and painted(small, BUDGET_PAPER[True]) > 0
    assert painted(small, BUDGET_CHAT[False]) == 0  # both projects are selected


def test_a_long_title_is_cut_but_its_cost_is_always_shown() -> None:
    label = budget_label("Un très très long titre de projet " * 3, "1\u00a0500\u00a0€", True, 300)
    assert label.startswith("✔ Un très") and label.endswith("… · 1\u00a0500\u00a0€")
    assert budget_label("Jardin", "400\u00a0€", False, 300) == "Jardin · 400\u00a0€"
