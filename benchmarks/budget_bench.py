"""Participatory budget benchmark (issue 10): `python -m benchmarks.budget_bench` from the
repository root.

1. The whole bot (`python -m bot`) against the loopback fake Bot API (30 messages/s
   overall, 1/s per private chat, real 429s): 50 people, each on their round screen, tap
   ➕ at the same moment. Every tap answered (answerCallbackQuery) within 150 ms at the
   99th percentile. Then each of them taps two more ➕ at once, one that fits and one
   that does not: those 100 taps are timed too, and no basket ends over the amount.
2. In process: a round with 2,000 voters and 40 projects (confirmed baskets, paper votes):
   its end (results, selection, the moves to "selected", the announcement to 2,000 people
   through the outbox) and the chart, under 2 s together.

`--runs N` repeats each scenario N times and prints the median and range of the key
figures; `--scenario` picks one. Each result notes the load average before it started.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from benchmarks.calendar_bench import TimedFake
from benchmarks.common import FACILITATOR_ID, ROOT, percentile, seed, start_bot, stop
from bot import charts
from bot.db import Database
from bot.i18n import Translator
from bot.migrate import upgrade
from bot.models import (
    Ballot,
    Basket,
    BasketItem,
    OutboxMessage,
    Person,
    Project,
    ProjectStatus,
    Role,
    RoundProject,
)
from bot.sandbox.fake_telegram import FakeUser
from bot.sandbox.fake_telegram.server import ThreadedLoopbackServer
from bot.services import budget
from bot.services.money import format_euros

TZ = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"
LOG = ROOT / "benchmarks" / "results" / "bot.log"
SCREEN_MARK = "\n📅 Jusqu'à"  # the round screen (the notice says until when otherwise)
EUR = 100


def load() -> float:
    return round(os.getloadavg()[0], 2)


def fresh_url(workdir: Path, name: str) -> str:
    for stale in workdir.glob(f"{name}.db*"):
        stale.unlink()
    return f"sqlite+aiosqlite:///{workdir / name}.db"


def euros(amount: int) -> str:
    return format_euros(amount * EUR, "fr")


async def add_projects(db: Database, costs: Sequence[int], now: datetime) -> list[int]:
    async with db.transaction() as session:
        rows = [
            Project(
                title=f"Projet {i + 1}",
                cost_cents=cost * EUR,
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


async def open_round(
    db: Database, costs: Sequence[int], amount: int, ends_at: datetime, now: datetime
) -> int:
    project_ids = await add_projects(db, costs, now)
    async with db.transaction() as session:
        boss = await session.scalar(select(Person).where(Person.role == Role.FACILITATOR))
        opened = await budget.open_round(
            session,
            amount_cents=amount * EUR,
            project_costs={p: c * EUR for p, c in zip(project_ids, costs, strict=True)},
            ends_at=ends_at,
            by=boss,
            now=now,
            translator=Translator(),
            tz=TZ,
        )
        return opened.id


# --- 1. fifty taps at once -----------------------------------------------------------


def has_screen(fake: TimedFake, tid: int) -> bool:
    chat = fake.chats.get(tid)
    return chat is not None and any(
        m.from_bot and SCREEN_MARK in (m.text or "") for m in chat.messages
    )


def screen_id(fake: TimedFake, tid: int) -> int:
    return next(
        m.message_id
        for m in reversed(fake.chats[tid].messages)
        if m.from_bot and SCREEN_MARK in (m.text or "")
    )


async def timed_burst(
    srv: ThreadedLoopbackServer, fake: TimedFake, taps: Sequence[tuple[FakeUser, str]]
) -> list[float]:
    """Everyone taps at once; the answer time of each tap, in ms."""
    before = set(fake.tapped)

    async def all_tap() -> None:
        await asyncio.gather(
            *(user.tap_in(screen_id(fake, user.id), label) for user, label in taps)
        )

    srv.call(all_tap(), timeout=60)
    burst = set(fake.tapped) - before
    srv.wait_for(lambda: burst <= fake.answered.keys(), timeout=30)
    return [(fake.answered[q] - fake.tapped[q]) * 1000 for q in burst]


async def scenario_taps(workdir: Path, count: int = 50) -> dict[str, Any]:
    started_load = load()
    fake = TimedFake()
    url = fresh_url(workdir, "b1")
    db = Database(url)
    ids = await seed(db, fake, count)
    now = datetime.now(UTC)
    amount = 1000
    costs = [600, 500, 300, 200]
    round_id = await open_round(db, costs, amount, now + timedelta(days=3), now)
    labels = [f"➕ Projet {i + 1} · {euros(cost)}" for i, cost in enumerate(costs)]
    with ThreadedLoopbackServer(fake) as srv:
        proc = start_bot(srv, url, LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"))
        try:
            srv.wait_for(
                lambda: (
                    all(
                        any(
                            "🗳️ Choisir mes projets" in str(m.reply_markup)
                            for m in fake.chats[t].messages
                        )
                        for t in ids
                        if t in fake.chats
                    )
                    and all(t in fake.chats for t in ids)
                ),
                timeout=60,
            )
            users = [fake.user(t, f"P{t}") for t in ids]
            for user in users:  # each opens the round screen from the notice
                srv.call(user.tap("🗳️ Choisir mes projets"))
            srv.wait_for(lambda: all(has_screen(fake, t) for t in ids), timeout=60)
            await asyncio.sleep(2.0)  # let the per-chat budgets recover
            first = await timed_burst(srv, fake, [(u, labels[0]) for u in users])
            await asyncio.sleep(2.0)
            # 600 € in: 500 € no longer fits, 300 € does; both tapped at once.
            second = await timed_burst(
                srv, fake, [(u, label) for u in users for label in (labels[1], labels[2])]
            )
            await asyncio.sleep(1.0)
        finally:
            stop(proc)
    async with db.transaction() as session:
        spent: list[int] = []
        for person_id in await session.scalars(
            select(Person.id).where(Person.role != Role.FACILITATOR)
        ):
            view = await budget.round_view(session, round_id=round_id, person_id=person_id)
            assert view is not None
            spent.append(view.spent_cents)
    await db.dispose()
    return {
        "load_before": started_load,
        "taps": len(first),
        "answer_p50_ms": round(statistics.median(first), 1),
        "answer_p99_ms": round(percentile(first, 99), 1),
        "answer_max_ms": round(max(first), 1),
        "second_burst_taps": len(second),
        "second_p99_ms": round(percentile(second, 99), 1),
        "unanswered": count * 3 - len(first) - len(second),
        "baskets_over_amount": sum(1 for s in spent if s > amount * EUR),
        "baskets_at_900": sum(1 for s in spent if s == 900 * EUR),
        "all_429": fake.stats.rejected_429,
    }


# --- 2. 2,000 voters, 40 projects ----------------------------------------------------


async def big_round(db: Database, voters: int, projects: int) -> tuple[int, datetime]:
    """A round that ended a second ago, its confirmed baskets written in bulk."""
    await upgrade(db.engine)
    rng = random.Random(10)
    now = datetime.now(UTC)
    async with db.transaction() as session:
        session.add(
            Person(
                telegram_id=FACILITATOR_ID,
                display_name="Claire",
                language="fr",
                role=Role.FACILITATOR,
                consent_at=now,
                created_at=now,
                last_seen_at=now,
            )
        )
        await session.execute(
            insert(Person),
            [
                {
                    "telegram_id": 10_000 + i,
                    "display_name": f"P{i}",
                    "language": "fr" if i % 5 else "en",
                    "role": Role.PARTICIPANT,
                    "consent_at": now,
                    "created_at": now,
                    "last_seen_at": now,
                }
                for i in range(voters)
            ],
        )
    costs = [rng.choice((100, 200, 300, 400, 500, 800, 1200)) for _ in range(projects)]
    round_id = await open_round(db, costs, 5000, now + timedelta(days=1), now)
    async with db.transaction() as session:
        rps = list(
            await session.scalars(select(RoundProject.id).where(RoundProject.round_id == round_id))
        )
        for rp in rps:
            row = await session.get(RoundProject, rp)
            assert row is not None
            row.paper_votes = rng.randint(0, 40)
        person_ids = list(
            await session.scalars(select(Person.id).where(Person.role == Role.PARTICIPANT))
        )
        await session.execute(
            insert(Basket),
            [
                {
                    "round_id": round_id,
                    "person_id": pid,
                    "changed_at": now,
                    "confirmed_at": now + timedelta(seconds=i),
                }
                for i, pid in enumerate(person_ids)
            ],
        )
        baskets = [
            (basket_id, confirmed_at)
            for basket_id, confirmed_at in await session.execute(
                select(Basket.id, Basket.confirmed_at)
            )
        ]
        items: list[dict[str, Any]] = []
        ballots: list[dict[str, Any]] = []
        for basket_id, confirmed_at in baskets:
            for rp in rng.sample(rps, rng.randint(1, 6)):
                items.append({"basket_id": basket_id, "round_project_id": rp, "added_at": now})
                ballots.append(
                    {"basket_id": basket_id, "round_project_id": rp, "confirmed_at": confirmed_at}
                )
        for start in range(0, len(items), 5000):
            await session.execute(insert(BasketItem), items[start : start + 5000])
            await session.execute(insert(Ballot), ballots[start : start + 5000])
    return round_id, now + timedelta(days=1, seconds=1)


async def scenario_results(
    workdir: Path, voters: int = 2000, projects: int = 40, url: str | None = None
) -> dict[str, Any]:
    started_load = load()
    db = Database(url or fresh_url(workdir, "b2"))
    round_id, after_end = await big_round(db, voters, projects)
    translator = Translator()
    charts.warm_up()  # the bot warms matplotlib up at start, in a thread
    started = time.perf_counter()
    async with db.transaction() as session:
        (result,) = await budget.close_due(session, now=after_end, translator=translator)
    closed = time.perf_counter()
    chart = charts.BudgetChart(
        bars=tuple(
            charts.BudgetBar(
                r.tally.title,
                format_euros(r.tally.cost_cents, "fr"),
                r.tally.chat_votes,
                r.tally.paper_votes,
                r.selected,
            )
            for r in result.results.ranked
        ),
        chat_label="Telegram",
        paper_label="Papier",
        selected_label="Choisi",
    )
    png = await charts.budget_results(chart)
    drawn = time.perf_counter()
    async with db.transaction() as session:
        announced = await session.scalar(
            select(func.count()).where(OutboxMessage.kind == budget.RESULT_KIND)
        )
    await db.dispose()
    return {
        "load_before": started_load,
        "round": round_id,
        "voters": voters,
        "projects": projects,
        "ballots": sum(r.tally.chat_votes for r in result.results.ranked),
        "selected": len(result.results.selected),
        "announced": announced,
        "close_s": round(closed - started, 3),
        "chart_s": round(drawn - closed, 3),
        "total_s": round(drawn - started, 3),
        "png_kb": round(len(png) / 1024),
    }


# --- runs ------------------------------------------------------------------------------


KEYS = {
    "1_fifty_taps": ("answer_p50_ms", "answer_p99_ms", "second_p99_ms", "baskets_over_amount"),
    "2_results": ("close_s", "chart_s", "total_s"),
}


def summary(runs: list[dict[str, Any]], keys: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"runs": len(runs)}
    for key in keys:
        values = [r[key] for r in runs]
        out[key] = {"median": statistics.median(values), "min": min(values), "max": max(values)}
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scenario", choices=["1", "2", "all"], default="all")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    workdir = ROOT / "benchmarks" / "results"
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    plan: list[tuple[str, str, Callable[[], Awaitable[dict[str, Any]]]]] = [
        ("1_fifty_taps", "1", lambda: scenario_taps(workdir)),
        ("2_results", "2", lambda: scenario_results(workdir)),
    ]
    for name, number, run in plan:
        if args.scenario not in (number, "all"):
            continue
        runs = []
        for _ in range(args.runs):
            outcome = await run()
            print(json.dumps({name: outcome}), flush=True)
            runs.append(outcome)
        results[name] = {"runs": runs, "summary": summary(runs, KEYS[name])}
        print(json.dumps({name: results[name]["summary"]}), flush=True)
    (workdir / "budget.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
