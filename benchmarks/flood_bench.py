"""Flood benchmark (issue 12): `python -m benchmarks.flood_bench --runs 3` from the
repository root.

The whole bot (`python -m bot`) against the loopback fake Bot API (30 messages/s overall,
1/s per private chat, real 429s). Everyone has a session reminder with its answer
buttons. For 10 seconds one person taps "✅ Je viens" 50 times a second while 20 others
each tap it about once a second, at moments spread over the seconds. Target: the others'
taps answered (answerCallbackQuery) within 150 ms at the 99th percentile.

Three variants, each run `--runs` times, alternating so load drifts hit them alike:
- `guarded`: the bot as shipped (20 updates in 10 s, then a 30 s pause);
- `unguarded`: the same flood with the guard out of reach (FLOOD_UPDATES=1000000), to
  see what it spares the others;
- `quiet`: the 20 others alone, no flood: the baseline of this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.budget_bench import fresh_url, load
from benchmarks.calendar_bench import TimedFake, one_off
from benchmarks.common import ROOT, percentile, seed, start_bot, stop, summary
from bot.db import Database
from bot.sandbox.fake_telegram import FakeUser
from bot.sandbox.fake_telegram.server import ThreadedLoopbackServer

SECONDS = 10
FLOOD_PER_SECOND = 50
OTHERS = 20
BUTTON = "✅ Je viens"
CARD = "🎨 Art-thérapie"
VARIANTS: dict[str, dict[str, str]] = {
    "guarded": {},
    "unguarded": {"FLOOD_UPDATES": "1000000"},
    "quiet": {},
}
KEYS = (
    "others_p50_ms",
    "others_p99_ms",
    "others_max_ms",
    "others_in_bot_p99_ms",
    "flooder_handled",
    "flooder_answer_p50_ms",
)


class PolledFake(TimedFake):
    """Also notes when each tap leaves in a getUpdates answer: the wait before it is the
    fake's and the polling's, the time after it the bot's (reading, handling, answering)."""

    def __init__(self) -> None:
        super().__init__()
        self.polled: dict[str, float] = {}

    async def _api_getUpdates(self, values: Any, chat: Any, files: Any) -> list[Any]:
        updates: list[Any] = await super()._api_getUpdates(values, chat, files)
        now = time.monotonic()
        for update in updates:
            query = update.get("callback_query")
            if query is not None:
                self.polled.setdefault(query["id"], now)
        return updates


async def traffic(
    flooder: FakeUser | None, others: Sequence[FakeUser], rng: random.Random
) -> tuple[list[str], list[str]]:
    """Ten seconds of taps, paced on the fake's own loop; the query ids of each side."""
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    schedule: list[tuple[float, FakeUser, bool]] = []
    if flooder is not None:
        count = SECONDS * FLOOD_PER_SECOND
        schedule += [(i / FLOOD_PER_SECOND, flooder, True) for i in range(count)]
    for user in others:
        schedule += [(second + rng.random(), user, False) for second in range(SECONDS)]
    schedule.sort(key=lambda item: item[0])
    flood_ids: list[str] = []
    other_ids: list[str] = []
    fake = others[0].fake
    for at, user, flooding in schedule:
        delay = start + at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        await user.tap(BUTTON)
        # The tap is queued for getUpdates at once: the newest query is this one.
        (flood_ids if flooding else other_ids).append(next(reversed(fake.callbacks)))
    return flood_ids, other_ids


async def scenario(workdir: Path, variant: str, seed_value: int) -> dict[str, Any]:
    started_load = load()
    fake = PolledFake()
    url = fresh_url(workdir, "f1")
    db = Database(url)
    ids = await seed(db, fake, OTHERS + 1)
    starts = datetime.now(UTC) + timedelta(hours=2, seconds=6)
    await one_off(db, starts)  # its "in 2 hours" reminder, with the buttons, comes in 6 s
    users = [fake.user(t, f"P{t}") for t in ids]
    flooder = users[0] if variant != "quiet" else None
    others = users[1:]
    with ThreadedLoopbackServer(fake) as srv:
        proc = start_bot(
            srv,
            url,
            LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
            **VARIANTS[variant],
        )
        try:
            srv.wait_for(
                lambda: all(
                    t in fake.chats and any(CARD in (m.text or "") for m in fake.chats[t].messages)
                    for t in ids
                ),
                timeout=60,
            )
            await asyncio.sleep(2.0)  # let the per-chat budgets recover
            flood_ids, other_ids = srv.call(
                traffic(flooder, others, random.Random(seed_value)), timeout=SECONDS + 30
            )
            # The flooder's taps past a hand's pace are never answered: wait for the others'.
            wanted = set(other_ids)
            srv.wait_for(lambda: wanted <= fake.answered.keys(), timeout=60)
            await asyncio.sleep(2.0)
        finally:
            stop(proc)
    await db.dispose()
    others_ms = [(fake.answered[q] - fake.tapped[q]) * 1000 for q in other_ids]
    others_in_bot_ms = [(fake.answered[q] - fake.polled[q]) * 1000 for q in other_ids]
    flood_ms = [
        (fake.answered[q] - fake.tapped[q]) * 1000 for q in flood_ids if q in fake.answered
    ]
    flooder_answers = [fake.callbacks[q].answer or {} for q in flood_ids]
    flooder_chat = fake.chats[ids[0]].messages
    return {
        "variant": variant,
        "load_before": started_load,
        "flood_taps": len(flood_ids),
        "flood_seconds": SECONDS,
        "other_taps": len(other_ids),
        "others_p50_ms": round(statistics.median(others_ms), 1),
        "others_p99_ms": round(percentile(others_ms, 99), 1),
        "others_max_ms": round(max(others_ms), 1),
        # From getUpdates to the answer: the bot's share of the time above.
        "others_in_bot_p50_ms": round(statistics.median(others_in_bot_ms), 1),
        "others_in_bot_p99_ms": round(percentile(others_in_bot_ms, 99), 1),
        # A tap the bot handled is answered with words ("✅ C'est noté"); a dropped one not.
        "flooder_handled": sum(1 for a in flooder_answers if a.get("text")),
        "flooder_warnings": sum(
            1 for m in flooder_chat if m.from_bot and (m.text or "").startswith("🐢")
        ),
        "flooder_answer_p50_ms": round(statistics.median(flood_ms), 1) if flood_ms else None,
        "flooder_answered": len(flood_ms),
        "unanswered_others": len(wanted - fake.answered.keys()),
        "all_429": fake.stats.rejected_429,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--variant", choices=[*VARIANTS, "all"], default="all")
    args = parser.parse_args()
    workdir = ROOT / "benchmarks" / "results"
    workdir.mkdir(parents=True, exist_ok=True)
    chosen = list(VARIANTS) if args.variant == "all" else [args.variant]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in chosen}
    for run in range(args.runs):
        for name in chosen:
            outcome = await scenario(workdir, name, seed_value=run)
            print(json.dumps({name: outcome}), flush=True)
            runs[name].append(outcome)
            await asyncio.sleep(2.0)
    results = {name: {"runs": r, "summary": summary(r, KEYS)} for name, r in runs.items()}
    for name, result in results.items():
        print(json.dumps({name: result["summary"]}), flush=True)
    (workdir / "flood.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
