"""Hostile updates benchmark (issue 12): `python -m benchmarks.hostile_bench` from the
repository root.

10,000 hostile updates through the real application (the handlers, the database code,
the outbox, in process against the fake Bot API, SQLite): the generator of the fuzz tests
(`tests/fuzz/hostile.py`: any text, files where text is expected, real, forged and
replayed taps, double taps, edited messages, channel posts, unknown chats, time passing),
in batches of 60 to 150, each batch in a fresh world (a workshop with a waiting line, a
linked group, projects and an open budget round; facilitators, participants, strangers).

Reported: unhandled exceptions (what reached the error handler, a blocked bot aside),
escalations (a facilitator-only change while only others wrote), requests Telegram would
refuse, unanswered taps, database inconsistencies (all must be 0), and the time the
updates took to handle (seeding the worlds and the checks not counted): in all, and per
update (median and 99th percentile).

The updates are the same at every run (hypothesis, derandomized): `--runs N` measures the
spread of the time only. Each result notes the load average before it started.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import time
import warnings
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings

from benchmarks.budget_bench import fresh_url
from benchmarks.common import ROOT, percentile, summary
from bot.db import Database
from bot.migrate import upgrade
from tests.fuzz.hostile import Action, World, batches

UPDATES = 10_000
# Actions per world: long enough that people get deep into conversations.
BATCH = (60, 150)
KEYS = (
    "unhandled_exceptions",
    "escalations",
    "violations",
    "unanswered_taps",
    "inconsistencies",
    "handling_seconds",
    "per_action_ms_p50",
    "per_action_ms_p99",
    "wall_seconds",
)


class _Enough(Exception):
    """Stops hypothesis once the batches hold enough actions."""


def generate(actions_wanted: int) -> list[list[Action]]:
    """Batches from the fuzz tests' strategy, the same at every run."""
    found: list[list[Action]] = []

    @settings(
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=100_000,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(batches(min_size=BATCH[0], max_size=BATCH[1]))
    def collect(batch: list[Action]) -> None:
        found.append(batch)
        if sum(map(len, found)) >= actions_wanted:
            raise _Enough

    with contextlib.suppress(_Enough), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Generating overly large repr")
        collect()
    return found


async def run(workdir: Path, plan: list[list[Action]], wanted: int) -> dict[str, Any]:
    load_before = round(os.getloadavg()[0], 2)
    database = Database(fresh_url(workdir, "hostile"))
    await upgrade(database.engine)
    counts = dict.fromkeys(KEYS[:5], 0)
    examples: dict[str, list[str]] = {}
    durations: list[float] = []
    updates = 0
    started = time.perf_counter()
    try:
        for batch in plan:
            if updates >= wanted:
                break
            world = await World.open(database)
            try:
                await world.play_all(batch)
                verdict = await world.verdict()
            finally:
                await world.close()
            updates += world.updates
            durations += world.durations
            for key, found in (
                ("unhandled_exceptions", verdict.errors),
                ("escalations", verdict.escalations),
                ("violations", verdict.violations),
                ("unanswered_taps", verdict.unanswered),
                ("inconsistencies", verdict.inconsistencies),
            ):
                counts[key] += len(found)
                examples.setdefault(key, []).extend(found[:3])
    finally:
        await database.dispose()
    # An action sends one update, two (a double tap) or none (time passing).
    per_action = [d * 1000 for d in durations]
    return {
        "updates": updates,
        **counts,
        "handling_seconds": round(sum(durations), 2),
        "per_action_ms_p50": round(percentile(per_action, 50), 2),
        "per_action_ms_p99": round(percentile(per_action, 99), 2),
        "wall_seconds": round(time.perf_counter() - started, 2),
        "load_before": load_before,
        "examples": {k: v[:5] for k, v in examples.items() if v},
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--updates", type=int, default=UPDATES)
    args = parser.parse_args()
    workdir = ROOT / "benchmarks" / "results"
    workdir.mkdir(parents=True, exist_ok=True)
    # Some actions send no update (time passing, a tap with no button to tap): plenty more.
    plan = generate(args.updates * 3 // 2)
    runs = []
    for _ in range(args.runs):
        outcome = await run(workdir, plan, args.updates)
        print(json.dumps({"hostile": outcome}), flush=True)
        runs.append(outcome)
    result = {"runs": runs, "summary": summary(runs, KEYS)}
    print(json.dumps({"hostile": result["summary"]}), flush=True)
    (workdir / "hostile.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
