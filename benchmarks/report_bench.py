"""Monthly report benchmark (issue 13): `python -m benchmarks.report_bench` from the
repository root.

A year of data (benchmarks/year_data.py: 500 people, 50 weekly sessions, attendance,
moods, 30 projects and a budget round) in a fresh SQLite database. The real Application
runs in process against the fake Bot API, as the handler tests do; matplotlib is warmed up
first, as the bot does at start. Claire sends /rapport and taps last month: the time from
the tap to the second document (the PDF, then the CSV) reaching Telegram must stay under
3 s. The figures are split into the database part (`build_s`: the report's queries, run
alone beside) and the whole tap (`tap_s`: queries, both charts, the PDF, the CSV, two
uploads).

`--runs N` seeds and measures N times and prints the median and range of each figure.
Each result notes the load average before it started.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from telegram import Update

from benchmarks.common import FACILITATOR_ID, ROOT, TOKEN, summary
from benchmarks.year_data import TZ, seed_year
from bot import charts
from bot.app import build_application
from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import Database
from bot.i18n import Translator
from bot.sandbox.fake_telegram import FakeTelegram, ptb_request
from bot.services import activity, funder_report

LIMIT_S = 3.0
KEYS = ("build_s", "tap_s", "pdf_kb", "csv_bytes")


def load() -> float:
    return round(os.getloadavg()[0], 2)


def fresh_url(workdir: Path, name: str) -> str:
    for stale in workdir.glob(f"{name}.db*"):
        stale.unlink()
    return f"sqlite+aiosqlite:///{workdir / name}.db"


async def one_run(workdir: Path) -> dict[str, Any]:
    started_load = load()
    fake = FakeTelegram(token=TOKEN, bot_id=123456789, bot_username="miroir_bench_bot")
    db = Database(fresh_url(workdir, "report"))
    now = datetime.now(UTC)
    data = await seed_year(db, now=now, fake=fake)
    month = activity.add_months(now.astimezone(TZ).date().replace(day=1), -1)
    label = Translator().format_month(month, "fr")

    async with db.transaction() as session:
        started = time.perf_counter()
        report = await funder_report.build(session, month=month, now=now, tz=TZ)
        build_s = time.perf_counter() - started

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=SecretStr(TOKEN),
        database_url=db.url,
        facilitator_ids=frozenset({FACILITATOR_ID}),
        quiet_hours_start=clock_time(0, 0),
        quiet_hours_end=clock_time(0, 0),
    )
    app = build_application(
        settings,
        request=ptb_request(fake),
        updates_request=ptb_request(fake),
        clock=FrozenClock(now),
        database=db,
        background=False,
    )
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)

    async def sink(update: dict[str, Any]) -> None:
        await app.process_update(Update.de_json(update, app.bot))

    fake.set_update_sink(sink)
    charts.warm_up()  # the bot warms matplotlib up at start, in a thread
    try:
        claire = fake.user(FACILITATOR_ID, "Claire")
        await claire.send("/rapport")
        started = time.perf_counter()
        await claire.tap(label)
        tap_s = time.perf_counter() - started
        sent = [m for m in claire.messages if m.from_bot and m.kind == "document"]
        assert len(sent) == 2, f"{len(sent)} documents"
        pdf, table = (fake.files[m.file_id or ""].content for m in sent)
    finally:
        await app.shutdown()
        await db.dispose()
    return {
        "load_before": started_load,
        "month": month.isoformat(),
        "people": len(data.people),
        "sessions": len(data.sessions),
        "sessions_in_month": len(report.sessions),
        "present_in_month": report.figures.present_total,
        "build_s": round(build_s, 3),
        "tap_s": round(tap_s, 3),
        "under_limit": tap_s < LIMIT_S,
        "pdf_kb": round(len(pdf) / 1024),
        "csv_bytes": len(table),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    workdir = ROOT / "benchmarks" / "results"
    workdir.mkdir(parents=True, exist_ok=True)
    runs = []
    for _ in range(args.runs):
        outcome = await one_run(workdir)
        print(json.dumps({"report": outcome}), flush=True)
        runs.append(outcome)
    result = {"runs": runs, "summary": summary(runs, KEYS)}
    print(json.dumps({"report": result["summary"]}), flush=True)
    (workdir / "report.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
