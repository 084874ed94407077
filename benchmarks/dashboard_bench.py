"""The facilitators' dashboard over a year of data: pictures within 2 s, others answered meanwhile.

A year of workshop life (benchmarks/year_data.py: 500 people, 50 sessions, attendance,
moods, projects and a budget round) and the whole bot as its own process, against the
fake Bot API with Telegram's limits (30 messages/s overall, 1/s per private chat with
bursts of 3). Each round, Claire taps "12 mois" under her dashboard; 150 ms later, while
the figures are read and the pictures drawn, 20 participants tap "✅ Je viens" or "❌ Je
ne viens pas" on a session card. Measured: from Claire's tap to the album of pictures
(and to the summary after it), and how long the 20 others waited for their answer.

In the same process as the benchmark, without Telegram: the figures' queries and the
drawing alone, for the README.

    .venv/bin/python -m benchmarks.dashboard_bench --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.calendar_bench import one_off
from benchmarks.common import (
    FACILITATOR_ID,
    ROOT,
    percentile,
    start_bot,
    stop,
    summary,
)
from benchmarks.mood_bench import ChartFake, bot_errors, fresh_url, is_photo, load, log_size
from benchmarks.year_data import seed_year
from bot.charts import dashboard as dashboard_drawing
from bot.charts.drawing import warm_up
from bot.db import Database
from bot.sandbox.fake_telegram import StoredMessage
from bot.sandbox.fake_telegram.server import ThreadedLoopbackServer
from bot.services import activity, budget, mood_stats
from tests.unit.test_dashboard_charts import a_dashboard

MENU = "📊 Tableau de bord"
TWELVE = "12 mois"
CARD = "🎨"  # a session card starts with the workshop's emoji
OTHERS = 20
TARGET_S = 2.0


def is_summary(message: StoredMessage) -> bool:
    return message.from_bot and (message.text or "").startswith("📊 Tableau de bord depuis")


async def in_process(db: Database, now: datetime) -> dict[str, float]:
    """The figures' queries, then the drawing, without Telegram (milliseconds)."""
    # The same calls as handlers.dashboard, for 12 months and the month in progress.
    paris = ZoneInfo("Europe/Paris")
    today = now.astimezone(paris).date()
    first = activity.add_months(today.replace(day=1), -12)
    start = activity.month_bounds(first, paris)[0]
    began = time.perf_counter()
    async with db.transaction() as session:
        await activity.sessions_between(session, start=start, end=now, tz=paris)
        await activity.months_between(
            session, first_month=first, last_month=today.replace(day=1), tz=paris, now=now
        )
        await activity.regulars_between(session, start=start, end=now)
        await activity.projects_between(session, start=start, end=now)
        await mood_stats.group_overview(session, today=today, months=13, recent_sessions=0)
        last = await budget.latest_closed(session)
        if last is not None:
            await budget.round_results(session, round_id=last.id)
    queries = (time.perf_counter() - began) * 1000
    return {"queries_ms": round(queries, 1)}


def draw_alone(rounds: int = 5) -> float:
    """The five pictures of a year, drawn in this process (median of `rounds`, ms)."""
    warm_up()
    chart = a_dashboard(sessions=50, months=13)
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        dashboard_drawing.dashboard_pngs(chart)
        times.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(times), 1)


async def scenario(workdir: Path, *, rounds: int, every: float) -> dict[str, Any]:
    fake = ChartFake()  # Telegram's limits; bursts of 3 per private chat
    url = fresh_url(workdir, "dashboard")
    db = Database(url)
    now = datetime.now(UTC)
    data = await seed_year(db, now=now, fake=fake)
    figures = await in_process(db, now)
    await one_off(db, now + timedelta(days=3))
    others = data.telegram_ids[:OTHERS]
    load_before, log_from = load(), log_size()
    photo_ms: list[float] = []
    text_ms: list[float] = []
    others_ms: list[float] = []
    spinner_ms: list[float] = []
    album_sizes: list[int] = []
    missing = 0
    with ThreadedLoopbackServer(fake) as srv:
        proc = start_bot(srv, url)
        try:
            claire = fake.user(FACILITATOR_ID, "Claire")
            users = [fake.user(t) for t in others]
            await asyncio.sleep(4)  # started, matplotlib warmed up, first jobs run
            srv.call(claire.send(MENU))
            srv.wait_for(fake.more(FACILITATOR_ID, (is_summary, 0)), timeout=30)
            first = next(m for m in fake.chats[FACILITATOR_ID].messages if is_summary(m))

            async def cards() -> None:
                await asyncio.gather(*(u.send("📅 Prochains ateliers") for u in users))

            srv.call(cards())
            srv.wait_for(
                lambda: all(
                    any((m.text or "").startswith(CARD) for m in fake.chats[t].messages)
                    for t in others
                ),
                timeout=30,
            )
            await asyncio.sleep(3)  # per-chat budgets recovered

            for index in range(rounds):
                answer = "✅ Je viens" if index % 2 == 0 else "❌ Je ne viens pas"
                began = time.monotonic()
                before = set(fake.tapped)
                photos = len(fake.bot_messages(FACILITATOR_ID, is_photo))
                texts = len(fake.bot_messages(FACILITATOR_ID, is_summary))

                async def taps(answer: str = answer) -> None:
                    async def others_later() -> None:
                        await asyncio.sleep(0.15)  # while the figures are read and drawn
                        await asyncio.gather(*(u.tap(answer) for u in users))

                    await asyncio.gather(claire.tap_in(first.message_id, TWELVE), others_later())

                srv.call(taps())
                try:
                    srv.wait_for(
                        fake.more(FACILITATOR_ID, (is_photo, photos), (is_summary, texts)),
                        timeout=15,
                    )
                except TimeoutError:
                    missing += 1
                    continue
                tapped = set(fake.tapped) - before
                (mine,) = [q for q in tapped if fake.callbacks[q].user_id == FACILITATOR_ID]
                pictures = fake.bot_messages(FACILITATOR_ID, is_photo)[photos:]
                album_sizes.append(len(pictures))
                photo_ms.append((max(pictures) - fake.tapped[mine]) * 1000)
                text_ms.append(
                    (fake.bot_messages(FACILITATOR_ID, is_summary)[-1] - fake.tapped[mine]) * 1000
                )
                srv.wait_for(fake.all_answered(tapped), timeout=10)
                spinner_ms.append((fake.answered[mine] - fake.tapped[mine]) * 1000)
                others_ms += [
                    (fake.answered[q] - fake.tapped[q]) * 1000 for q in tapped if q != mine
                ]
                await asyncio.sleep(max(0.0, began + every - time.monotonic()))
        finally:
            stop(proc)
    await db.dispose()
    # The last album, to look at: benchmarks/results/dashboard-1.png...
    album = [m for m in fake.chats[FACILITATOR_ID].messages if m.from_bot and is_photo(m)]
    for index, message in enumerate(album[-int(album_sizes[-1]) :] if album_sizes else []):
        if message.file_id is not None:
            (workdir / f"dashboard-{index + 1}.png").write_bytes(
                fake.files[message.file_id].content
            )
    return {
        "people": len(data.people),
        "sessions": len(data.sessions),
        "rounds": rounds,
        "load_before": load_before,
        **figures,
        "draw_alone_ms": draw_alone(),
        "pictures": statistics.median(album_sizes) if album_sizes else 0,
        "pictures_p50_ms": round(statistics.median(photo_ms), 1) if photo_ms else None,
        "pictures_max_ms": round(max(photo_ms), 1) if photo_ms else None,
        "within_target": bool(photo_ms) and max(photo_ms) <= TARGET_S * 1000,
        "summary_p50_ms": round(statistics.median(text_ms), 1) if text_ms else None,
        "spinner_p95_ms": round(percentile(spinner_ms, 95), 1) if spinner_ms else None,
        "others_answer_p50_ms": round(statistics.median(others_ms), 1) if others_ms else None,
        "others_answer_p95_ms": round(percentile(others_ms, 95), 1) if others_ms else None,
        "missing": missing,
        "all_429": fake.stats.rejected_429,
        "bot_errors": bot_errors(log_from),
    }


KEY_FIGURES = (
    "queries_ms",
    "draw_alone_ms",
    "pictures_p50_ms",
    "pictures_max_ms",
    "summary_p50_ms",
    "spinner_p95_ms",
    "others_answer_p50_ms",
    "others_answer_p95_ms",
    "all_429",
)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--every", type=float, default=3.0, help="seconds between rounds")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    workdir = ROOT / "benchmarks" / "results"
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for run in range(1, args.runs + 1):
        result = await scenario(workdir, rounds=args.rounds, every=args.every)
        print(json.dumps({"dashboard": {"run": run, **result}}, ensure_ascii=False), flush=True)
        results.append(result)
    found = summary(results, KEY_FIGURES)
    if args.runs > 1:
        print(json.dumps({"dashboard_summary": found}, ensure_ascii=False), flush=True)
    (workdir / "dashboard.json").write_text(
        json.dumps({"runs": results, "summary": found}, indent=2, ensure_ascii=False)
    )


if __name__ == "__main__":
    asyncio.run(main())
