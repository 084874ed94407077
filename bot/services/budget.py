"""The participatory budget: rounds, baskets, confirmed choices, paper votes and results.

A facilitator opens a round (an amount, open projects with their cost for the round, an
end). Each participant fills a basket; "✅ Valider mon choix" copies it into ballots, which
are what count. A basket changed after it was confirmed is "changed since confirmed"
(changed_at > confirmed_at): the ballots keep the last confirmed choice until the person
confirms again. Rules decided here:

- The basket never goes over the amount: each change locks the basket row (FOR UPDATE on
  PostgreSQL; SQLite runs one writer at a time) and checks the total under the lock.
- A never-confirmed empty basket cannot be confirmed (there is nothing to confirm); an
  emptied basket that was confirmed before can: it withdraws that person's choice.
- Reminders go to baskets never confirmed (with at least one project) or changed since
  confirmed, not to people who never tapped ➕: they had the opening notice, and nobody is
  chased. The day-before one leaves at the end's local time the day before, the other 2
  hours before the end; each once per round, and only if the round was open before it.
- Results: votes = confirmed ballots + paper votes. Rank by votes; at equal votes the
  project whose earliest confirmed ballot is older comes first; a project with paper votes
  only comes after those with ballots, then the order the projects had in the round.
  Selected greedily in that order while the amount allows, passing over a project that no
  longer fits; a project with no vote, or no longer open (archived meanwhile), is never
  selected.
- The result text goes to everyone through the outbox with "📊 Voir les résultats"; the
  chart is drawn when someone opens that screen (the outbox sends file ids, not uploads).
- Votes are never linked to a name anywhere: counts only.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, func, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callback_data import BASKET_CONFIRM, ROUND_VIEW
from bot.i18n import N_, Translator
from bot.models import (
    Ballot,
    Basket,
    BasketItem,
    BudgetRound,
    Person,
    Project,
    ProjectStatus,
    RoundProject,
    RoundStatus,
)
from bot.services import outbox, people, project_life
from bot.services.money import format_euros
from bot.services.outbox import Button, Outgoing
from bot.services.recurrence import local_to_utc

OPEN_KIND = "budget_open"
REMINDER_KIND = "budget_reminder"
RESULT_KIND = "budget_result"
CANCEL_KIND = "budget_cancelled"
MAX_PAPER_VOTES = 10_000
HOURS_BEFORE = timedelta(hours=2)
# Any number identifies the "one open round" lock on PostgreSQL; this one spells "budget".
_OPEN_LOCK = 0x62756467


class Refusal(enum.StrEnum):
    """Why a basket change or a confirmation did not happen."""

    NO_ROUND = "no_round"  # no such round (a forged button)
    ENDED = "ended"  # the round is over (or its end has passed)
    CANCELLED = "cancelled"
    NOT_IN_ROUND = "not_in_round"  # the project is not in this round (a forged button)
    DOES_NOT_FIT = "does_not_fit"  # more than what is left: `missing_cents` says how much
    EMPTY = "empty"  # confirming nothing, with nothing confirmed before


class OpenProblem(enum.StrEnum):
    ALREADY_OPEN = "already_open"
    BAD_AMOUNT = "bad_amount"
    NO_PROJECTS = "no_projects"
    NOT_OPEN = "not_open"  # a project is not open (any more)
    BAD_COST = "bad_cost"  # a cost of 0, or more than the whole amount
    IN_THE_PAST = "in_the_past"


class OpenRefused(ValueError):
    def __init__(self, problem: OpenProblem, project_id: int | None = None) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.project_id = project_id


class PaperProblem(enum.StrEnum):
    NO_ROUND = "no_round"
    ENDED = "ended"
    NOT_IN_ROUND = "not_in_round"
    OUT_OF_RANGE = "out_of_range"
    NOT_ALLOWED = "not_allowed"


class PaperRefused(ValueError):
    def __init__(self, problem: PaperProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


# --- what a participant sees ----------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """A project of the round, and whether it is in this person's basket."""

    round_project_id: int
    project_id: int
    title: str
    cost_cents: int
    chosen: bool


@dataclass(frozen=True)
class RoundView:
    round_id: int
    amount_cents: int
    ends_at: datetime
    status: RoundStatus
    choices: tuple[Choice, ...]
    changed_at: datetime | None = None  # None: this person has no basket yet
    confirmed_at: datetime | None = None

    @property
    def chosen(self) -> tuple[Choice, ...]:
        return tuple(c for c in self.choices if c.chosen)

    @property
    def spent_cents(self) -> int:
        return sum(c.cost_cents for c in self.choices if c.chosen)

    @property
    def left_cents(self) -> int:
        return self.amount_cents - self.spent_cents

    @property
    def confirmed(self) -> bool:
        """Confirmed, and not changed since."""
        return (
            self.confirmed_at is not None
            and self.changed_at is not None
            and self.changed_at <= self.confirmed_at
        )

    @property
    def changed_since_confirmed(self) -> bool:
        return (
            self.confirmed_at is not None
            and self.changed_at is not None
            and self.changed_at > self.confirmed_at
        )

    @property
    def needs_confirmation(self) -> bool:
        """Something on screen is not what counts yet."""
        return self.changed_since_confirmed or (self.confirmed_at is None and bool(self.chosen))

    def accepting(self, now: datetime) -> bool:
        """Baskets may still change."""
        return self.status == RoundStatus.OPEN and now < self.ends_at

    def choice(self, round_project_id: int) -> Choice | None:
        return next((c for c in self.choices if c.round_project_id == round_project_id), None)


@dataclass(frozen=True)
class BasketOutcome:
    """What a ➕, ➖ or ✅ did; `view` is the screen after it (None for an unknown round)."""

    view: RoundView | None
    changed: bool = False
    refusal: Refusal | None = None
    missing_cents: int = 0
    title: str | None = None  # the project tapped


# --- results (pure) -------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """A project's votes at the end of a round, as plain values."""

    round_project_id: int
    project_id: int
    title: str
    cost_cents: int
    chat_votes: int
    paper_votes: int
    first_support_at: datetime | None = None  # its earliest confirmed ballot
    available: bool = True  # still open: a closed or archived project cannot be funded

    @property
    def votes(self) -> int:
        return self.chat_votes + self.paper_votes


@dataclass(frozen=True)
class Ranked:
    tally: Tally
    rank: int  # 1 for the most votes; projects with equal votes get different ranks
    selected: bool
    tied: bool  # another project has as many votes


@dataclass(frozen=True)
class Results:
    amount_cents: int
    ranked: tuple[Ranked, ...]
    tie_mattered: bool  # the tie-break changed which projects are selected

    @property
    def selected(self) -> tuple[Ranked, ...]:
        return tuple(r for r in self.ranked if r.selected)

    @property
    def spent_cents(self) -> int:
        return sum(r.tally.cost_cents for r in self.selected)

    @property
    def left_cents(self) -> int:
        return self.amount_cents - self.spent_cents


_NEVER = datetime.max.replace(tzinfo=None)


def _rank_key(tally: Tally) -> tuple[int, bool, datetime, int]:
    first = tally.first_support_at
    # Naive for comparison: every stored time is UTC.
    moment = first.replace(tzinfo=None) if first is not None else _NEVER
    return (-tally.votes, first is None, moment, tally.round_project_id)


def rank(tallies: Sequence[Tally]) -> list[Tally]:
    """Most votes first; at equal votes the earlier confirmed support, then paper only."""
    return sorted(tallies, key=_rank_key)


def greedy(amount_cents: int, ordered: Sequence[Tally]) -> set[int]:
    """Round project ids selected in this order while the amount allows."""
    left = amount_cents
    chosen: set[int] = set()
    for tally in ordered:
        if tally.available and tally.votes > 0 and tally.cost_cents <= left:
            chosen.add(tally.round_project_id)
            left -= tally.cost_cents
    return chosen


def tie_mattered(amount_cents: int, ordered: Sequence[Tally], selected: set[int]) -> bool:
    """Whether another order among equal votes would have selected other projects.

    It would exactly when, in a group of equal votes, one project was selected and
    another one, passed over, would have fitted in what was left when the group began.
    """
    left = amount_cents
    for votes, group_iter in itertools.groupby(ordered, key=lambda t: t.votes):
        group = list(group_iter)
        if votes > 0 and len(group) > 1:
            taken = [t for t in group if t.round_project_id in selected]
            passed = [
                t
                for t in group
                if t.available and t.round_project_id not in selected and t.cost_cents <= left
            ]
            if taken and passed:
                return True
        left -= sum(t.cost_cents for t in group if t.round_project_id in selected)
    return False


def compute_results(
    amount_cents: int, tallies: Sequence[Tally], *, selected: set[int] | None = None
) -> Results:
    """Rank and select; `selected` gives the selection kept by a round already closed."""
    ordered = rank(tallies)
    chosen = greedy(amount_cents, ordered) if selected is None else selected
    counts: dict[int, int] = {}
    for tally in ordered:
        counts[tally.votes] = counts.get(tally.votes, 0) + 1
    ranked = tuple(
        Ranked(tally, index, tally.round_project_id in chosen, counts[tally.votes] > 1)
        for index, tally in enumerate(ordered, start=1)
    )
    return Results(amount_cents, ranked, tie_mattered(amount_cents, ordered, chosen))


@dataclass(frozen=True)
class Result:
    """A round that closed: its results, as announced."""

    round_id: int
    results: Results


# --- rounds ---------------------------------------------------------------------------


def _insert_basket(session: AsyncSession) -> Any:
    insert = postgresql.insert if _is_postgresql(session) else sqlite.insert
    return insert(Basket)


def _is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def current_round(session: AsyncSession, *, now: datetime) -> BudgetRound | None:
    """The open round (its end may have passed: it closes at the scheduler's next tick)."""
    del now  # a round stays the current one until it is closed
    return await session.scalar(
        select(BudgetRound)
        .where(BudgetRound.status == RoundStatus.OPEN)
        .order_by(BudgetRound.id.desc())
        .limit(1)
    )


async def get_round(session: AsyncSession, round_id: int) -> BudgetRound | None:
    return await session.get(BudgetRound, round_id)


async def latest_closed(session: AsyncSession) -> BudgetRound | None:
    return await session.scalar(
        select(BudgetRound)
        .where(BudgetRound.status == RoundStatus.CLOSED)
        .order_by(BudgetRound.closed_at.desc(), BudgetRound.id.desc())
        .limit(1)
    )


async def closed_rounds(session: AsyncSession, *, limit: int = 6) -> list[BudgetRound]:
    return list(
        await session.scalars(
            select(BudgetRound)
            .where(BudgetRound.status == RoundStatus.CLOSED)
            .order_by(BudgetRound.closed_at.desc(), BudgetRound.id.desc())
            .limit(limit)
        )
    )


async def latest_exportable(session: AsyncSession) -> BudgetRound | None:
    """The newest round that was not cancelled (open or closed)."""
    return await session.scalar(
        select(BudgetRound)
        .where(BudgetRound.status != RoundStatus.CANCELLED)
        .order_by(BudgetRound.id.desc())
        .limit(1)
    )


async def open_projects(session: AsyncSession) -> list[Project]:
    """The projects a round may hold: the open ones, oldest published first."""
    return list(
        await session.scalars(
            select(Project)
            .where(Project.status == ProjectStatus.OPEN)
            .order_by(Project.published_at, Project.id)
        )
    )


async def _everyone(session: AsyncSession) -> list[Person]:
    """Who hears about a round: everyone who agreed to the privacy notice, on Telegram."""
    return list(
        await session.scalars(
            select(Person)
            .where(Person.consent_at.is_not(None), Person.telegram_id.is_not(None))
            .order_by(Person.id)
        )
    )


async def audience_count(session: AsyncSession) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Person)
            .where(Person.consent_at.is_not(None), Person.telegram_id.is_not(None))
        )
        or 0
    )


async def open_round(
    session: AsyncSession,
    *,
    amount_cents: int,
    project_costs: Mapping[int, int],
    ends_at: datetime,
    by: Person | None,
    now: datetime,
    translator: Translator,
    tz: ZoneInfo,
) -> BudgetRound:
    """Open a round and tell everyone; raises OpenRefused when it cannot be opened."""
    if amount_cents <= 0:
        raise OpenRefused(OpenProblem.BAD_AMOUNT)
    if not project_costs:
        raise OpenRefused(OpenProblem.NO_PROJECTS)
    if ends_at <= now:
        raise OpenRefused(OpenProblem.IN_THE_PAST)
    for project_id, cost in project_costs.items():
        if not 0 < cost <= amount_cents:
            raise OpenRefused(OpenProblem.BAD_COST, project_id)
    if _is_postgresql(session):
        # Two facilitators confirming at once: the second waits, then finds the first.
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _OPEN_LOCK})
    if await current_round(session, now=now) is not None:
        raise OpenRefused(OpenProblem.ALREADY_OPEN)
    projects = {
        p.id: p
        for p in await session.scalars(
            select(Project).where(Project.id.in_(list(project_costs))).with_for_update()
        )
    }
    for project_id in project_costs:
        project = projects.get(project_id)
        if project is None or project.status != ProjectStatus.OPEN:
            raise OpenRefused(OpenProblem.NOT_OPEN, project_id)
    budget_round = BudgetRound(
        amount_cents=amount_cents,
        ends_at=ends_at,
        status=RoundStatus.OPEN,
        created_by_id=by.id if by is not None else None,
        created_at=now,
    )
    session.add(budget_round)
    await session.flush()
    session.add_all(
        RoundProject(
            round_id=budget_round.id, project_id=project_id, cost_cents=cost, paper_votes=0
        )
        for project_id, cost in project_costs.items()
    )
    await session.flush()
    await outbox.enqueue_many(
        session,
        [
            Outgoing(
                chat_id=person.telegram_id,
                person_id=person.id,
                kind=OPEN_KIND,
                dedupe_key=f"budget-open:{budget_round.id}:{person.id}",
                text=opening_text(
                    translator,
                    person.language,
                    tz,
                    amount_cents=amount_cents,
                    ends_at=ends_at,
                    projects=len(project_costs),
                    now=now,
                ),
                buttons=((view_button(translator, person.language, budget_round.id),),),
                expires_at=ends_at,
                reachable=person.reachable,
            )
            for person in await _everyone(session)
            if person.telegram_id is not None
        ],
        now=now,
    )
    return budget_round


def view_button(translator: Translator, lang: str, round_id: int) -> Button:
    return Button(translator.t("budget.button_choose", lang), ROUND_VIEW.make(round_id))


def results_button(translator: Translator, lang: str, round_id: int) -> Button:
    return Button(translator.t("budget.button_results", lang), ROUND_VIEW.make(round_id))


def opening_text(
    translator: Translator,
    lang: str,
    tz: ZoneInfo,
    *,
    amount_cents: int,
    ends_at: datetime,
    projects: int,
    now: datetime,
) -> str:
    t = translator.t
    today = now.astimezone(tz).date()
    return "\n".join(
        [
            t("budget.opened", lang, amount=format_euros(amount_cents, lang)),
            t("budget.opened_projects", lang, count=projects),
            t(
                "budget.opened_until",
                lang,
                when=translator.format_datetime(ends_at, lang, tz, today=today),
            ),
            t("budget.opened_how", lang),
        ]
    )


async def cancel_round(
    session: AsyncSession,
    *,
    round_id: int,
    by: Person | None,
    now: datetime,
    translator: Translator,
) -> bool:
    """Cancel an open round; the people who had started a basket are told. False when the
    round is not open any more (closed meanwhile, or cancelled by a double tap)."""
    budget_round = await session.get(BudgetRound, round_id, with_for_update=True)
    if budget_round is None or budget_round.status != RoundStatus.OPEN:
        return False
    budget_round.status = RoundStatus.CANCELLED
    budget_round.closed_at = now
    people = await session.scalars(
        select(Person)
        .join(Basket, Basket.person_id == Person.id)
        .where(
            Basket.round_id == round_id,
            Person.consent_at.is_not(None),
            Person.telegram_id.is_not(None),
        )
        .order_by(Person.id)
    )
    await outbox.enqueue_many(
        session,
        [
            Outgoing(
                chat_id=person.telegram_id,
                person_id=person.id,
                kind=CANCEL_KIND,
                dedupe_key=f"budget-cancel:{round_id}:{person.id}",
                text=translator.t("budget.cancelled_notice", person.language),
                reachable=person.reachable,
            )
            for person in people
            if person.telegram_id is not None and (by is None or person.id != by.id)
        ],
        now=now,
    )
    return True


# --- the basket ------------------------------------------------------------------------


async def _choices(session: AsyncSession, round_id: int, chosen: set[int]) -> tuple[Choice, ...]:
    rows = await session.execute(
        select(RoundProject.id, RoundProject.project_id, Project.title, RoundProject.cost_cents)
        .join(Project, Project.id == RoundProject.project_id)
        .where(RoundProject.round_id == round_id)
        .order_by(RoundProject.id)
    )
    return tuple(
        Choice(rp_id, project_id, title, cost, rp_id in chosen)
        for rp_id, project_id, title, cost in rows
    )


async def _items(session: AsyncSession, basket_id: int) -> set[int]:
    return set(
        await session.scalars(
            select(BasketItem.round_project_id).where(BasketItem.basket_id == basket_id)
        )
    )


def _view(
    budget_round: BudgetRound, choices: tuple[Choice, ...], basket: Basket | None
) -> RoundView:
    return RoundView(
        round_id=budget_round.id,
        amount_cents=budget_round.amount_cents,
        ends_at=budget_round.ends_at,
        status=RoundStatus(budget_round.status),
        choices=choices,
        changed_at=basket.changed_at if basket is not None else None,
        confirmed_at=basket.confirmed_at if basket is not None else None,
    )


async def _basket(
    session: AsyncSession, round_id: int, person_id: int, *, lock: bool
) -> Basket | None:
    query = select(Basket).where(Basket.round_id == round_id, Basket.person_id == person_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(query)


async def round_view(session: AsyncSession, *, round_id: int, person_id: int) -> RoundView | None:
    """The round as this person sees it: the projects, what is in the basket, what is left."""
    budget_round = await session.get(BudgetRound, round_id)
    if budget_round is None:
        return None
    basket = await _basket(session, round_id, person_id, lock=False)
    chosen = await _items(session, basket.id) if basket is not None else set()
    return _view(budget_round, await _choices(session, round_id, chosen), basket)


async def _lock_round(session: AsyncSession, round_id: int) -> BudgetRound | None:
    """The round, share-locked: baskets change together, and the closing waits for them."""
    return await session.scalar(
        select(BudgetRound)
        .where(BudgetRound.id == round_id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    )


async def _locked_basket(
    session: AsyncSession, round_id: int, person_id: int, now: datetime, *, create: bool
) -> Basket | None:
    """This person's basket, locked until the transaction ends (created if asked)."""
    if create:
        # Two first taps at once: one inserts, the other finds its row under the lock.
        await session.execute(
            _insert_basket(session)
            .values(round_id=round_id, person_id=person_id, changed_at=now)
            .on_conflict_do_nothing(index_elements=["round_id", "person_id"])
        )
    return await _basket(session, round_id, person_id, lock=True)


def _touch(basket: Basket, now: datetime) -> None:
    # Strictly after the confirmation, even when the clock has not moved since (tests,
    # two taps within a microsecond): "changed since confirmed" must show.
    confirmed = basket.confirmed_at
    basket.changed_at = (
        confirmed + timedelta(microseconds=1)
        if confirmed is not None and now <= confirmed
        else now
    )


def _closed_refusal(budget_round: BudgetRound, now: datetime) -> Refusal | None:
    if budget_round.status == RoundStatus.CANCELLED:
        return Refusal.CANCELLED
    if budget_round.status != RoundStatus.OPEN or now >= budget_round.ends_at:
        return Refusal.ENDED
    return None


@dataclass(frozen=True)
class Change:
    """One ➕ or ➖ tap."""

    round_id: int
    person_id: int
    round_project_id: int
    adding: bool


@dataclass
class _Basket:
    """A basket while a batch of taps is applied: its row and its items (id None: new)."""

    row: Basket
    items: dict[int, int | None]  # round project id -> item id


def _with_chosen(choices: tuple[Choice, ...], chosen: Collection[int]) -> tuple[Choice, ...]:
    return tuple(
        Choice(
            c.round_project_id, c.project_id, c.title, c.cost_cents, c.round_project_id in chosen
        )
        for c in choices
    )


async def change_many(
    session: AsyncSession, changes: Sequence[Change], *, now: datetime
) -> list[BasketOutcome]:
    """Apply taps in order, with a handful of statements whatever their number.

    Fifty people tapping at once are written in one transaction (see bot.batching): the
    rounds are share-locked, the baskets locked (FOR UPDATE, in id order), and each tap
    is checked against its basket as the taps before it in the batch left it.
    """
    if not changes:
        return []
    round_ids = sorted({c.round_id for c in changes})
    rounds = {
        r.id: r
        for r in await session.scalars(
            select(BudgetRound)
            .where(BudgetRound.id.in_(round_ids))
            .order_by(BudgetRound.id)
            .with_for_update(read=True)
            .execution_options(populate_existing=True)
        )
    }
    choices = {round_id: await _choices(session, round_id, set()) for round_id in rounds}
    in_round = {
        round_id: {c.round_project_id: c for c in found} for round_id, found in choices.items()
    }
    accepting = {rid for rid, r in rounds.items() if _closed_refusal(r, now) is None}
    created = sorted(
        {
            (c.round_id, c.person_id)
            for c in changes
            if c.adding and c.round_id in accepting and c.round_project_id in in_round[c.round_id]
        }
    )
    if created:
        # Two first taps at once: one inserts, the other finds its row under the lock.
        await session.execute(
            _insert_basket(session).on_conflict_do_nothing(
                index_elements=["round_id", "person_id"]
            ),
            [{"round_id": r, "person_id": p, "changed_at": now} for r, p in created],
        )
    baskets: dict[tuple[int, int], _Basket] = {}
    people = sorted({c.person_id for c in changes})
    if rounds:
        for row in await session.scalars(
            select(Basket)
            .where(Basket.round_id.in_(list(rounds)), Basket.person_id.in_(people))
            .order_by(Basket.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ):
            if row.person_id is not None:
                baskets[(row.round_id, row.person_id)] = _Basket(row, {})
    by_id = {b.row.id: b for b in baskets.values()}
    if by_id:
        for item_id, basket_id, rp_id in await session.execute(
            select(BasketItem.id, BasketItem.basket_id, BasketItem.round_project_id).where(
                BasketItem.basket_id.in_(list(by_id))
            )
        ):
            by_id[basket_id].items[rp_id] = item_id

    gone: list[int] = []
    outcomes: list[BasketOutcome] = []
    for change in changes:
        budget_round = rounds.get(change.round_id)
        if budget_round is None:
            outcomes.append(BasketOutcome(None, refusal=Refusal.NO_ROUND))
            continue
        basket = baskets.get((change.round_id, change.person_id))
        chosen = set(basket.items) if basket is not None else set()
        view = _view(
            budget_round,
            _with_chosen(choices[change.round_id], chosen),
            basket.row if basket is not None else None,
        )
        closed = _closed_refusal(budget_round, now)
        target = in_round[change.round_id].get(change.round_project_id)
        if closed is not None:
            outcomes.append(BasketOutcome(view, refusal=closed))
            continue
        if target is None:
            outcomes.append(BasketOutcome(view, refusal=Refusal.NOT_IN_ROUND))
            continue
        if basket is None or change.adding == (change.round_project_id in chosen):
            outcomes.append(BasketOutcome(view, title=target.title))  # a double tap
            continue
        if change.adding:
            missing = view.spent_cents + target.cost_cents - budget_round.amount_cents
            if missing > 0:
                outcomes.append(
                    BasketOutcome(
                        view,
                        refusal=Refusal.DOES_NOT_FIT,
                        missing_cents=missing,
                        title=target.title,
                    )
                )
                continue
            basket.items[change.round_project_id] = None
        else:
            dropped = basket.items.pop(change.round_project_id)
            if dropped is not None:
                gone.append(dropped)
        _touch(basket.row, now)
        outcomes.append(
            BasketOutcome(
                _view(
                    budget_round,
                    _with_chosen(choices[change.round_id], basket.items),
                    basket.row,
                ),
                changed=True,
                title=target.title,
            )
        )
    if gone:
        await session.execute(delete(BasketItem).where(BasketItem.id.in_(gone)))
    new_items = [
        {"basket_id": b.row.id, "round_project_id": rp_id, "added_at": now}
        for b in baskets.values()
        for rp_id, item_id in b.items.items()
        if item_id is None
    ]
    if new_items:
        await session.execute(insert(BasketItem), new_items)
    await session.flush()
    return outcomes


async def add(
    session: AsyncSession, *, round_id: int, person_id: int, round_project_id: int, now: datetime
) -> BasketOutcome:
    """➕ a project: refused when it does not fit what is left (with the amount missing)."""
    change = Change(round_id, person_id, round_project_id, adding=True)
    (outcome,) = await change_many(session, [change], now=now)
    return outcome


async def remove(
    session: AsyncSession, *, round_id: int, person_id: int, round_project_id: int, now: datetime
) -> BasketOutcome:
    """➖ a project."""
    change = Change(round_id, person_id, round_project_id, adding=False)
    (outcome,) = await change_many(session, [change], now=now)
    return outcome


async def confirm(
    session: AsyncSession, *, round_id: int, person_id: int, now: datetime
) -> BasketOutcome:
    """✅ Valider mon choix: the basket becomes what counts.

    A project kept from the last confirmation keeps its confirmation time (ties go to the
    earlier confirmed support); `changed` is False when it was confirmed already.
    """
    budget_round = await _lock_round(session, round_id)
    if budget_round is None:
        return BasketOutcome(None, refusal=Refusal.NO_ROUND)
    closed = _closed_refusal(budget_round, now)
    if closed is not None:
        return BasketOutcome(
            await round_view(session, round_id=round_id, person_id=person_id), refusal=closed
        )
    basket = await _locked_basket(session, round_id, person_id, now, create=False)
    items = await _items(session, basket.id) if basket is not None else set()
    choices = await _choices(session, round_id, items)
    view = _view(budget_round, choices, basket)
    if view.confirmed:
        return BasketOutcome(view)
    if basket is None or (not items and basket.confirmed_at is None):
        return BasketOutcome(view, refusal=Refusal.EMPTY)
    ballots = set(
        await session.scalars(select(Ballot.round_project_id).where(Ballot.basket_id == basket.id))
    )
    gone = ballots - items
    if gone:
        await session.execute(
            delete(Ballot).where(Ballot.basket_id == basket.id, Ballot.round_project_id.in_(gone))
        )
    session.add_all(
        Ballot(basket_id=basket.id, round_project_id=rp_id, confirmed_at=now)
        for rp_id in sorted(items - ballots)
    )
    basket.confirmed_at = max(now, basket.changed_at)
    await session.flush()
    return BasketOutcome(_view(budget_round, choices, basket), changed=True)


# --- paper votes -----------------------------------------------------------------------


async def set_paper_votes(
    session: AsyncSession,
    *,
    round_id: int,
    round_project_id: int,
    votes: int,
    by: Person,
    now: datetime,
) -> RoundProject:
    """The votes cast on paper or by a show of hands for one project (replaces the last
    number typed: it is a count, not an addition)."""
    if not by.is_facilitator:
        raise PaperRefused(PaperProblem.NOT_ALLOWED)
    if not 0 <= votes <= MAX_PAPER_VOTES:
        raise PaperRefused(PaperProblem.OUT_OF_RANGE)
    budget_round = await _lock_round(session, round_id)
    if budget_round is None:
        raise PaperRefused(PaperProblem.NO_ROUND)
    if _closed_refusal(budget_round, now) is not None:
        raise PaperRefused(PaperProblem.ENDED)
    row = await session.get(RoundProject, round_project_id, with_for_update=True)
    if row is None or row.round_id != round_id:
        raise PaperRefused(PaperProblem.NOT_IN_ROUND)
    row.paper_votes = votes
    await session.flush()
    return row


@dataclass(frozen=True)
class PaperLine:
    round_project_id: int
    title: str
    paper_votes: int


async def paper_lines(session: AsyncSession, *, round_id: int) -> list[PaperLine]:
    rows = await session.execute(
        select(RoundProject.id, Project.title, RoundProject.paper_votes)
        .join(Project, Project.id == RoundProject.project_id)
        .where(RoundProject.round_id == round_id)
        .order_by(RoundProject.id)
    )
    return [PaperLine(rp_id, title, votes) for rp_id, title, votes in rows]


# --- facilitators' figures --------------------------------------------------------------


@dataclass(frozen=True)
class RoundFigures:
    confirmed: int  # baskets confirmed and not changed since
    waiting: int  # baskets started but not confirmed, or changed since
    paper_votes: int


def _unconfirmed() -> ColumnElement[bool]:
    return or_(Basket.confirmed_at.is_(None), Basket.changed_at > Basket.confirmed_at)


async def figures(session: AsyncSession, *, round_id: int) -> RoundFigures:
    has_items = select(BasketItem.id).where(BasketItem.basket_id == Basket.id).exists()
    confirmed = await session.scalar(
        select(func.count())
        .select_from(Basket)
        .where(
            Basket.round_id == round_id,
            Basket.confirmed_at.is_not(None),
            Basket.changed_at <= Basket.confirmed_at,
        )
    )
    waiting = await session.scalar(
        select(func.count())
        .select_from(Basket)
        .where(
            Basket.round_id == round_id,
            or_(
                Basket.changed_at > Basket.confirmed_at,
                Basket.confirmed_at.is_(None) & has_items,
            ),
        )
    )
    paper = await session.scalar(
        select(func.coalesce(func.sum(RoundProject.paper_votes), 0)).where(
            RoundProject.round_id == round_id
        )
    )
    return RoundFigures(int(confirmed or 0), int(waiting or 0), int(paper or 0))


# --- reminders -------------------------------------------------------------------------


class ReminderKind(enum.StrEnum):
    DAY_BEFORE = "day"
    HOURS_BEFORE = "hours"


def reminder_times(ends_at: datetime, tz: ZoneInfo) -> dict[ReminderKind, datetime]:
    """The day before at the end's local time (the clock may change overnight), and 2 hours
    before the end."""
    local = ends_at.astimezone(tz)
    day_before = local_to_utc(local.date() - timedelta(days=1), local.time(), tz)
    return {
        ReminderKind.DAY_BEFORE: day_before,
        ReminderKind.HOURS_BEFORE: ends_at - HOURS_BEFORE,
    }


@dataclass
class _Waiting:
    person: Person
    basket: Basket
    items: list[tuple[str, int]] = field(default_factory=list)  # title, cost


async def _waiting_baskets(session: AsyncSession, round_id: int) -> list[_Waiting]:
    """Baskets to remind: never confirmed with something in, or changed since confirmed."""
    rows = (
        await session.execute(
            select(Person, Basket)
            .join(Basket, Basket.person_id == Person.id)
            .where(
                Basket.round_id == round_id,
                Person.consent_at.is_not(None),
                Person.telegram_id.is_not(None),
                _unconfirmed(),
            )
            .order_by(Person.id)
        )
    ).all()
    waiting = {basket.id: _Waiting(person, basket) for person, basket in rows}
    if not waiting:
        return []
    items = await session.execute(
        select(BasketItem.basket_id, Project.title, RoundProject.cost_cents)
        .join(RoundProject, RoundProject.id == BasketItem.round_project_id)
        .join(Project, Project.id == RoundProject.project_id)
        .where(BasketItem.basket_id.in_(list(waiting)))
        .order_by(BasketItem.basket_id, RoundProject.id)
    )
    for basket_id, title, cost in items:
        waiting[basket_id].items.append((title, cost))
    return [w for w in waiting.values() if w.items or w.basket.confirmed_at is not None]


def reminder_text(
    translator: Translator,
    lang: str,
    tz: ZoneInfo,
    *,
    kind: ReminderKind,
    ends_at: datetime,
    amount_cents: int,
    items: Sequence[tuple[str, int]],
    changed_since_confirmed: bool,
    now: datetime,
) -> str:
    t = translator.t
    today = now.astimezone(tz).date()
    when = translator.format_datetime(ends_at, lang, tz, today=today)
    key = N_("budget.remind_day") if kind == ReminderKind.DAY_BEFORE else N_("budget.remind_hours")
    lines = [t(key, lang, when=when)]
    if changed_since_confirmed:
        lines.append(t("budget.remind_changed", lang))
    else:
        lines.append(t("budget.remind_unconfirmed", lang))
    if items:
        lines += [
            t("budget.remind_item", lang, title=title, cost=format_euros(cost, lang))
            for title, cost in items
        ]
    else:
        lines.append(t("budget.remind_empty", lang))
    spent = sum(cost for _, cost in items)
    lines.append(
        t(
            "budget.left",
            lang,
            left=format_euros(amount_cents - spent, lang),
            amount=format_euros(amount_cents, lang),
        )
    )
    if changed_since_confirmed:
        lines.append(t("budget.remind_old_counts", lang))
    lines.append(t("budget.remind_how", lang))
    return "\n".join(lines)


async def enqueue_reminders(
    session: AsyncSession, *, now: datetime, translator: Translator, tz: ZoneInfo
) -> int:
    """The basket reminders that are due, each once per round; returns how many were new."""
    rounds = list(
        await session.scalars(
            select(BudgetRound)
            .where(
                BudgetRound.status == RoundStatus.OPEN,
                BudgetRound.ends_at > now,
                or_(
                    BudgetRound.day_before_sent_at.is_(None),
                    BudgetRound.hours_before_sent_at.is_(None),
                ),
            )
            .order_by(BudgetRound.id)
            .with_for_update()
        )
    )
    added = 0
    for budget_round in rounds:
        times = reminder_times(budget_round.ends_at, tz)
        due: ReminderKind | None = None
        if budget_round.hours_before_sent_at is None and now >= times[ReminderKind.HOURS_BEFORE]:
            # Past the 2-hour time, the day-before one is late: only this one leaves.
            budget_round.hours_before_sent_at = now
            budget_round.day_before_sent_at = budget_round.day_before_sent_at or now
            due = ReminderKind.HOURS_BEFORE
        elif budget_round.day_before_sent_at is None and now >= times[ReminderKind.DAY_BEFORE]:
            budget_round.day_before_sent_at = now
            due = ReminderKind.DAY_BEFORE
        # A round opened after a reminder's time gets no such reminder: it just began.
        if due is None or budget_round.created_at >= times[due]:
            continue
        added += await outbox.enqueue_many(
            session,
            [
                Outgoing(
                    chat_id=w.person.telegram_id,
                    person_id=w.person.id,
                    kind=REMINDER_KIND,
                    dedupe_key=f"budget-remind:{budget_round.id}:{due.value}:{w.basket.id}",
                    text=reminder_text(
                        translator,
                        w.person.language,
                        tz,
                        kind=due,
                        ends_at=budget_round.ends_at,
                        amount_cents=budget_round.amount_cents,
                        items=w.items,
                        changed_since_confirmed=w.basket.confirmed_at is not None,
                        now=now,
                    ),
                    buttons=(
                        (
                            Button(
                                translator.t("budget.button_confirm", w.person.language),
                                BASKET_CONFIRM.make(budget_round.id),
                            ),
                        ),
                        (view_button(translator, w.person.language, budget_round.id),),
                    ),
                    expires_at=budget_round.ends_at,
                    reachable=w.person.reachable,
                )
                for w in await _waiting_baskets(session, budget_round.id)
                if w.person.telegram_id is not None
            ],
            now=now,
        )
    return added


# --- the end of a round ----------------------------------------------------------------


async def tallies(session: AsyncSession, *, round_id: int) -> list[Tally]:
    """Each project's confirmed ballots and paper votes, and its earliest confirmation."""
    rows = await session.execute(
        select(
            RoundProject.id,
            RoundProject.project_id,
            Project.title,
            Project.status,
            RoundProject.cost_cents,
            RoundProject.paper_votes,
            func.count(Ballot.id),
            func.min(Ballot.confirmed_at),
        )
        .join(Project, Project.id == RoundProject.project_id)
        .outerjoin(Ballot, Ballot.round_project_id == RoundProject.id)
        .where(RoundProject.round_id == round_id)
        .group_by(
            RoundProject.id,
            RoundProject.project_id,
            Project.title,
            Project.status,
            RoundProject.cost_cents,
            RoundProject.paper_votes,
        )
        .order_by(RoundProject.id)
    )
    return [
        Tally(
            round_project_id=rp_id,
            project_id=project_id,
            title=title,
            cost_cents=cost,
            chat_votes=int(chat),
            paper_votes=paper,
            first_support_at=first,
            available=project_life.allowed(status, ProjectStatus.SELECTED),
        )
        for rp_id, project_id, title, status, cost, paper, chat, first in rows
    ]


async def round_results(session: AsyncSession, *, round_id: int) -> Results | None:
    """A round's results: as decided for a closed round, as they stand for an open one."""
    budget_round = await session.get(BudgetRound, round_id)
    if budget_round is None:
        return None
    found = await tallies(session, round_id=round_id)
    if budget_round.status == RoundStatus.CLOSED:
        kept = set(
            await session.scalars(
                select(RoundProject.id).where(
                    RoundProject.round_id == round_id, RoundProject.selected.is_(True)
                )
            )
        )
        return compute_results(budget_round.amount_cents, found, selected=kept)
    return compute_results(budget_round.amount_cents, found)


def result_text(translator: Translator, lang: str, results: Results) -> str:
    """The short text announced to everyone: what was chosen, with costs and votes."""
    t = translator.t
    lines = [t("budget.result_title", lang)]
    if results.selected:
        lines.append(t("budget.result_selected", lang, count=len(results.selected)))
        lines += [
            t(
                "budget.result_line",
                lang,
                title=r.tally.title,
                cost=format_euros(r.tally.cost_cents, lang),
                votes=t("budget.votes", lang, count=r.tally.votes),
            )
            for r in results.selected
        ]
        lines.append(
            t(
                "budget.result_spent",
                lang,
                spent=format_euros(results.spent_cents, lang),
                amount=format_euros(results.amount_cents, lang),
            )
        )
    else:
        lines.append(t("budget.result_none", lang))
    lines.append(t("budget.result_sources", lang))
    if results.tie_mattered:
        lines.append(t("budget.result_tie", lang))
    lines.append(t("budget.result_secret", lang))
    return "\n".join(lines)


async def _close(
    session: AsyncSession, budget_round: BudgetRound, *, now: datetime, translator: Translator
) -> Result:
    results = compute_results(
        budget_round.amount_cents, await tallies(session, round_id=budget_round.id)
    )
    chosen = {r.tally.round_project_id for r in results.selected}
    await session.execute(
        update(RoundProject)
        .where(RoundProject.round_id == budget_round.id)
        .values(selected=RoundProject.id.in_(chosen) if chosen else False)
    )
    budget_round.status = RoundStatus.CLOSED
    budget_round.closed_at = now
    await session.flush()
    for ranked in results.selected:
        await project_life.change_status(
            session,
            project_id=ranked.tally.project_id,
            status=ProjectStatus.SELECTED,
            by=None,
            note=None,
            now=now,
            translator=translator,
        )
    await outbox.enqueue_many(
        session,
        [
            Outgoing(
                chat_id=person.telegram_id,
                person_id=person.id,
                kind=RESULT_KIND,
                dedupe_key=f"budget-result:{budget_round.id}:{person.id}",
                text=result_text(translator, person.language, results),
                buttons=((results_button(translator, person.language, budget_round.id),),),
                reachable=person.reachable,
            )
            for person in await _everyone(session)
            if person.telegram_id is not None
        ],
        now=now,
    )
    return Result(budget_round.id, results)


async def close_due(
    session: AsyncSession, *, now: datetime, translator: Translator
) -> list[Result]:
    """Close every open round whose end has passed: results, selections, announcements."""
    due = list(
        await session.scalars(
            select(BudgetRound)
            .where(BudgetRound.status == RoundStatus.OPEN, BudgetRound.ends_at <= now)
            .order_by(BudgetRound.id)
            .with_for_update()
        )
    )
    return [await _close(session, r, now=now, translator=translator) for r in due]


# --- ➕ / ➖ taps, written in batches -------------------------------------------------


@dataclass(frozen=True)
class BasketTap:
    """A ➕ or ➖ waiting to be written with the others of its batch."""

    user: people.UserInfo
    round_id: int
    round_project_id: int
    adding: bool


@dataclass(frozen=True)
class BasketTapResult:
    language: str
    outcome: BasketOutcome | None  # None: no privacy consent yet, nothing written


async def process_taps(
    session: AsyncSession,
    taps: Sequence[BasketTap],
    *,
    now: datetime,
    facilitator_ids: frozenset[int],
) -> list[BasketTapResult]:
    """Every tap of a batch in one transaction (each basket still locked while changed)."""
    persons = await people.touch_many(
        session, [tap.user for tap in taps], now=now, facilitator_ids=facilitator_ids
    )
    agreed = [tap for tap in taps if persons[tap.user.telegram_id].has_consented]
    outcomes = iter(
        await change_many(
            session,
            [
                Change(
                    tap.round_id,
                    persons[tap.user.telegram_id].id,
                    tap.round_project_id,
                    tap.adding,
                )
                for tap in agreed
            ],
            now=now,
        )
    )
    return [
        BasketTapResult(
            persons[tap.user.telegram_id].language,
            next(outcomes) if persons[tap.user.telegram_id].has_consented else None,
        )
        for tap in taps
    ]
