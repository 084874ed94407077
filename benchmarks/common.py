"""Shared pieces of the benchmarks: a seeded database, the fake Bot API, bot processes."""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.db import Database
from bot.migrate import upgrade
from bot.models import OutboxMessage, OutboxState, Person, Role
from bot.sandbox.fake_telegram import FakeTelegram
from bot.sandbox.fake_telegram.server import ThreadedLoopbackServer

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawBENCH"
FACILITATOR_ID = 1
LIMIT_PER_SECOND = 30


def enforcing_fake() -> FakeTelegram:
    """Telegram's limits, answered with real 429s: 30/s overall, 1/s per private chat."""
    return FakeTelegram(
        token=TOKEN,
        enforce_limits=True,
        global_per_second=LIMIT_PER_SECOND,
        private_per_second=1,
        group_per_minute=20,
        private_burst=1,
    )


async def seed(db: Database, fake: FakeTelegram, count: int, *, first_id: int = 1000) -> list[int]:
    """Migrate, then create one facilitator and `count` consented participants."""
    await upgrade(db.engine)
    now = datetime.now(UTC)
    ids = list(range(first_id, first_id + count))
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
        session.add_all(
            Person(
                telegram_id=tid,
                display_name=f"P{tid}",
                language="fr",
                consent_at=now,
                created_at=now,
                last_seen_at=now,
            )
            for tid in ids
        )
    fake.user(FACILITATOR_ID, "Claire")
    for tid in ids:
        fake.user(tid, f"P{tid}")
    return ids


async def unfinished(db: Database) -> int:
    async with db.transaction() as session:
        return int(
            await session.scalar(
                select(func.count()).where(
                    OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.SENDING])
                )
            )
            or 0
        )


async def unreachable_ids(db: Database) -> set[int]:
    async with db.transaction() as session:
        rows = await session.scalars(select(Person.telegram_id).where(Person.reachable.is_(False)))
        return {telegram_id for telegram_id in rows if telegram_id is not None}


def start_sender(
    srv: ThreadedLoopbackServer, database_url: str, *, name: str, rate: float = 30.0
) -> subprocess.Popen[bytes]:
    """`python -m bot sender` as its own process, pointed at the loopback fake."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": srv.base_url,
        "DATABASE_URL": database_url,
        "OUTBOX_RATE_PER_SECOND": str(rate),
        "OUTBOX_POLL_SECONDS": "0.2",
        "QUIET_HOURS_START": "00:00",
        "QUIET_HOURS_END": "00:00",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "sender", "--name", name],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def wait_until_done(db: Database, limit_seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit_seconds:
        if await unfinished(db) == 0:
            return time.monotonic() - started
        await asyncio.sleep(0.5)
    raise TimeoutError(f"outbox not drained after {limit_seconds}s")


def delivery_counts(fake: FakeTelegram, ids: Iterable[int], marker: str) -> dict[int, int]:
    """How many copies of the announcement (the messages holding `marker`) each person got."""
    counts = {}
    for tid in ids:
        chat = fake.chats.get(tid)
        messages = chat.messages if chat is not None else []
        counts[tid] = sum(1 for m in messages if m.from_bot and marker in (m.text or ""))
    return counts


def rate_figures(fake: FakeTelegram) -> dict[str, Any]:
    """Achieved rate over the sending window, and the 429s after its first second.

    Telegram's budget is spent by every request that reaches a chat, including the
    ones answered 403 (blocked): the ratio counts those, "delivered_per_second" not.
    """
    delivered = sorted(fake.stats.send_times)
    attempts = sorted(
        r.time for r in fake.requests if r.method.startswith("send") and r.status in (200, 403)
    )
    if len(attempts) < 2:
        return {"delivered": len(delivered), "ratio": 0.0, "late_429": 0}
    window = attempts[-1] - attempts[0]
    rate = (len(attempts) - 1) / window if window > 0 else 0.0
    late_429 = sum(1 for r in fake.requests if r.status == 429 and r.time > attempts[0] + 1.0)
    return {
        "delivered": len(delivered),
        "requests": len(attempts),
        "seconds": round(window, 2),
        "requests_per_second": round(rate, 2),
        "delivered_per_second": round((len(delivered) - 1) / window, 2) if window else 0.0,
        "ratio": round(rate / LIMIT_PER_SECOND, 3),
        "max_in_any_second": fake.stats.max_in_window(1.0),
        "late_429": late_429,
        "all_429": fake.stats.rejected_429,
    }


def start_bot(
    srv: ThreadedLoopbackServer, database_url: str, **extra_env: str
) -> subprocess.Popen[bytes]:
    """The whole bot, `python -m bot`, pointed at the loopback fake."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": srv.base_url,
        "DATABASE_URL": database_url,
        "FACILITATOR_IDS": str(FACILITATOR_ID),
        "OUTBOX_POLL_SECONDS": "0.2",
        "QUIET_HOURS_START": "00:00",
        "QUIET_HOURS_END": "00:00",
        "LOG_LEVEL": "WARNING",
        **extra_env,
    }
    log = open(ROOT / "benchmarks" / "results" / "bot.log", "ab")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=log, stderr=log
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(runs: Sequence[dict[str, Any]], keys: Sequence[str]) -> dict[str, Any]:
    """The median and the range of each key figure over the runs."""
    out: dict[str, Any] = {"runs": len(runs), "load_before": [r["load_before"] for r in runs]}
    for key in keys:
        values = [float(r[key]) for r in runs if r.get(key) is not None]
        if values:
            out[key] = {
                "median": round(statistics.median(values), 2),
                "range": [min(values), max(values)],
            }
    return out
