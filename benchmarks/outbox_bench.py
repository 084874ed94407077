"""Outbox benchmark (issue 3): `python -m benchmarks.outbox_bench` from the repository root.

Every scenario runs the real `python -m bot sender` process(es) against a loopback fake
Bot API that enforces 30 messages/s overall and 1/s per chat with real 429 answers.

1. An announcement to 2,000 participants, 5% of whom blocked the bot.
2. The same with 10% of requests failing (5xx or timeouts) and the sender killed with
   SIGKILL halfway, then restarted.
3. On PostgreSQL, two sender processes on one outbox (each given half of the budget).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.common import (
    FACILITATOR_ID,
    ROOT,
    delivery_counts,
    enforcing_fake,
    rate_figures,
    seed,
    start_sender,
    stop,
    unreachable_ids,
    wait_until_done,
)
from bot.db import Database
from bot.i18n import default_translator
from bot.models import ContentType, OutboxMessage, Person
from bot.sandbox.fake_telegram import FakeTelegram, SimulatedTimeout
from bot.sandbox.fake_telegram.server import ThreadedLoopbackServer
from bot.services import broadcasts
from bot.services.broadcasts import Content

TEXT = "📣 Atelier argile mardi à 14h. Apportez un tablier !"
PG_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def announce(db: Database) -> None:
    """What a facilitator's confirmation does: one broadcast, one outbox row per person."""
    now = datetime.now(UTC)
    async with db.transaction() as session:
        creator = await session.scalar(select(Person).where(Person.telegram_id == FACILITATOR_ID))
        assert creator is not None
        await broadcasts.create_broadcast(
            session,
            creator=creator,
            content=Content(ContentType.TEXT, (TEXT,)),
            audience="all",
            send_at=now,
            urgent=True,
            request_key=uuid.uuid4().hex[:16],
            report_chat_id=FACILITATOR_ID,
            now=now,
            translator=default_translator(),
        )


def block_some(fake: FakeTelegram, ids: list[int], share: float) -> set[int]:
    blocked = set(ids[:: round(1 / share)])
    for tid in blocked:
        fake.user(tid).block()
    return blocked


def outcome(
    fake: FakeTelegram, ids: list[int], blocked: set[int], marked: set[int]
) -> dict[str, Any]:
    counts = delivery_counts(fake, ids, TEXT[:10])
    reachable = [tid for tid in ids if tid not in blocked]
    return {
        "lost": sum(1 for tid in reachable if counts[tid] == 0),
        "sent_twice": sum(max(0, counts[tid] - 1) for tid in reachable),
        "unreachable_marked": f"{len(marked & blocked)}/{len(blocked)}",
        "wrongly_marked": len(marked - blocked),
    }


async def scenario_1(people: int, workdir: Path) -> dict[str, Any]:
    fake = enforcing_fake()
    url = f"sqlite+aiosqlite:///{workdir / 's1.db'}"
    db = Database(url)
    ids = await seed(db, fake, people)
    blocked = block_some(fake, ids, 0.05)
    with ThreadedLoopbackServer(fake) as srv:
        await announce(db)
        proc = start_sender(srv, url, name="s1")
        try:
            elapsed = await wait_until_done(db, limit_seconds=people / 20 + 120)
        finally:
            stop(proc)
        result = {"people": people, "blocked": len(blocked), "wall_seconds": round(elapsed, 1)}
        result |= rate_figures(fake)
        result |= outcome(fake, ids, blocked, await unreachable_ids(db))
    await db.dispose()
    return result


class ChaosFake(FakeTelegram):
    """Fails a share of sends with 5xx, and lets another share time out unanswered."""

    def __init__(self, *args: Any, timeout_share: float, seed: int = 7, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._chaos = random.Random(seed)
        self._timeout_share = timeout_share
        self.timeouts = 0

    async def handle(
        self, token: str, method: str, params: Mapping[str, str], *args: Any, **kwargs: Any
    ) -> tuple[int, dict[str, Any]]:
        if method == "sendMessage" and self._chaos.random() < self._timeout_share:
            self.timeouts += 1
            raise SimulatedTimeout(6.0)  # past PTB's 5 s read timeout; never processed
        return await super().handle(token, method, params, *args, **kwargs)


async def scenario_2(people: int, workdir: Path) -> dict[str, Any]:
    fake = ChaosFake(
        token=enforcing_fake().token,
        enforce_limits=True,
        global_per_second=30,
        private_per_second=1,
        private_burst=1,
        timeout_share=0.05,
    )
    fake.fail_rate(0.05, (500, 502, 503), seed=11)
    url = f"sqlite+aiosqlite:///{workdir / 's2.db'}"
    db = Database(url)
    ids = await seed(db, fake, people)
    blocked = block_some(fake, ids, 0.05)
    with ThreadedLoopbackServer(fake) as srv:
        await announce(db)
        started = time.monotonic()
        proc = start_sender(srv, url, name="s2")
        await asyncio.to_thread(srv.wait_for, lambda: fake.stats.sent_total >= people // 2, people)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        async with db.transaction() as session:
            claimed_at_kill = len(
                list(
                    await session.scalars(
                        select(OutboxMessage.id).where(OutboxMessage.state == "sending")
                    )
                )
            )
        proc = start_sender(srv, url, name="s2")
        try:
            await wait_until_done(db, limit_seconds=people / 10 + 300)
        finally:
            stop(proc)
        result = {
            "people": people,
            "blocked": len(blocked),
            "wall_seconds": round(time.monotonic() - started, 1),
            "injected_5xx": fake.stats.injected_failures,
            "injected_timeouts": fake.timeouts,
            "claimed_at_kill": claimed_at_kill,
        }
        result |= outcome(fake, ids, blocked, await unreachable_ids(db))
        result["duplicates_within_in_flight"] = result["sent_twice"] <= claimed_at_kill
    await db.dispose()
    return result


async def scenario_3(people: int) -> dict[str, Any]:
    admin = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"miroir_bench_{uuid.uuid4().hex[:8]}"
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OSError as exc:
        await admin.dispose()
        return {"skipped": f"no PostgreSQL at 127.0.0.1:5432 ({exc})"}
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    fake = enforcing_fake()
    db = Database(url)
    try:
        ids = await seed(db, fake, people)
        blocked = block_some(fake, ids, 0.05)
        with ThreadedLoopbackServer(fake) as srv:
            await announce(db)
            procs = [start_sender(srv, url, name=f"pg{i}", rate=15.0) for i in (1, 2)]
            try:
                elapsed = await wait_until_done(db, limit_seconds=people / 10 + 120)
            finally:
                for proc in procs:
                    stop(proc)
            result = {
                "people": people,
                "senders": 2,
                "wall_seconds": round(elapsed, 1),
            }
            result |= rate_figures(fake)
            result |= outcome(fake, ids, blocked, await unreachable_ids(db))
    finally:
        await db.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--scenario", choices=["1", "2", "3", "all"], default="all")
    args = parser.parse_args()
    workdir = ROOT / "benchmarks" / "results"
    workdir.mkdir(parents=True, exist_ok=True)
    for db_file in workdir.glob("s*.db*"):
        db_file.unlink()
    results: dict[str, Any] = {}
    if args.scenario in ("1", "all"):
        results["1_announcement"] = await scenario_1(args.people, workdir)
        print(json.dumps({"1_announcement": results["1_announcement"]}), flush=True)
    if args.scenario in ("2", "all"):
        results["2_chaos_and_kill"] = await scenario_2(args.people, workdir)
        print(json.dumps({"2_chaos_and_kill": results["2_chaos_and_kill"]}), flush=True)
    if args.scenario in ("3", "all"):
        results["3_two_senders_pg"] = await scenario_3(args.people)
        print(json.dumps({"3_two_senders_pg": results["3_two_senders_pg"]}), flush=True)
    (workdir / "outbox.json").write_text(json.dumps(results, indent=2))
    lost = sum(r.get("lost", 0) for r in results.values())
    if lost:
        raise SystemExit(f"{lost} messages lost")


if __name__ == "__main__":
    asyncio.run(main())
