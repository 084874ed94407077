"""People's rights benchmark (issue 12): `python -m benchmarks.rights_bench` from the root.

Two participants, Ana and Béa, each with a year of data, among `--others` people with a
year of their own (so every table has the size of a real workshop's):

- 52 weekly sessions answered, attendance noted at the past ones;
- a mood every day with a word one day in three, a WHO-5 score every two weeks;
- 10 projects proposed, 40 supports, a confirmed basket in 4 budget rounds;
- 50 messages passed on to 3 facilitators, and a year of reminders and mood prompts in
  the outbox (everyone's: the outbox is the largest table).

Each run seeds a fresh database, then measures, target under 1 s each:

1. export: `rights.export` and the JSON text (the service, in its transaction), 5 times
   on Ana; and "/mes_donnees" through the real application (the in-process fake Telegram
   receives the file and the summary), 5 times by Béa;
2. forget: `rights.forget` and its commit for Ana; "/oublier" then "✅ Oui, tout effacer"
   through the application for Béa (the time of the tap).

The application runs with the tests' instant rate limiter: the figures are the bot's own
work, not Telegram's one-message-a-second per chat. `--database-url` runs on PostgreSQL
(an empty database: its tables are dropped first); `--runs N` prints the median and the
range of each figure over the runs. Results go to `benchmarks/results/rights.json`.
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

from pydantic import SecretStr
from sqlalchemy import func, insert, select
from telegram import Update

from benchmarks.common import ROOT, TOKEN, summary
from bot.app import build_application
from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import Database
from bot.migrate import upgrade
from bot.models import (
    Ballot,
    Base,
    Basket,
    BudgetRound,
    CheckIn,
    Occurrence,
    OccurrenceStatus,
    OutboxMessage,
    OutboxState,
    Person,
    Project,
    ProjectStatus,
    RoundProject,
    Rsvp,
    Support,
    SupportKind,
    WellbeingCheck,
)
from bot.models.people import Role
from bot.sandbox.fake_telegram import FakeTelegram, FakeUser, ptb_request
from bot.services import rights
from scheduler.ratelimit import TelegramRateLimiter

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
FACILITATORS = (1, 2, 3)  # Telegram ids
ANA, BEA = 201, 202
FIRST_OTHER = 1000
EXPORTS = 5
TARGET_S = 1.0
CHUNK = 5000


def _person(telegram_id: int, name: str, role: Role = Role.PARTICIPANT) -> dict[str, Any]:
    return {
        "telegram_id": telegram_id,
        "display_name": name,
        "language": "fr",
        "role": role,
        "consent_at": NOW - timedelta(days=400),
        "mood_consent_at": NOW - timedelta(days=400),
        "wellbeing_since": NOW - timedelta(days=400),
        "reachable": True,
        "remind_day_before": True,
        "remind_hours_before": True,
        "created_at": NOW - timedelta(days=400),
        "last_seen_at": NOW - timedelta(days=1),
    }


async def _bulk(db: Database, table: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        async with db.transaction() as session:
            await session.execute(insert(table), list(rows[start : start + CHUNK]))


async def seed(db: Database, others: int, rng: random.Random) -> dict[int, int]:
    """A year of a workshop; returns Telegram id -> Person.id."""
    await upgrade(db.engine)
    tids = [*FACILITATORS, ANA, BEA, *range(FIRST_OTHER, FIRST_OTHER + others)]
    rows = [_person(t, f"Animateur {t}", Role.FACILITATOR) for t in FACILITATORS]
    rows += [_person(ANA, "Ana"), _person(BEA, "Béa")]
    rows += [_person(t, f"P{t}") for t in tids[len(rows) :]]
    await _bulk(db, Person, rows)
    async with db.transaction() as session:
        found = await session.execute(select(Person.telegram_id, Person.id))
        ids = {t: i for t, i in found if t is not None}
    heavy = [ids[ANA], ids[BEA]]
    participants = [ids[t] for t in tids[len(FACILITATORS) :]]

    # 52 weekly sessions, the last one next week.
    sessions = []
    for week in range(52):
        starts = NOW - timedelta(weeks=50 - week) + timedelta(hours=4)
        sessions.append(
            {
                "local_date": starts.date(),
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "title": "Art-thérapie",
                "place": "Maison de quartier",
                "capacity": 400,
                "status": OccurrenceStatus.SCHEDULED,
                "walk_ins": 0,
                "created_at": NOW - timedelta(days=400),
                "scheduled_at": NOW - timedelta(days=400),
            }
        )
    await _bulk(db, Occurrence, sessions)
    async with db.transaction() as session:
        occurrences = list(
            await session.execute(select(Occurrence.id, Occurrence.starts_at).order_by("id"))
        )
    rsvps, moods, scores, outbox = [], [], [], []
    for person_id in participants:
        regular = person_id in heavy
        for occurrence_id, starts in occurrences:
            if not regular and rng.random() > 0.3:
                continue
            past = starts < NOW
            rsvps.append(
                {
                    "occurrence_id": occurrence_id,
                    "person_id": person_id,
                    "answer": "yes",
                    "plus_one": False,
                    "waitlisted": False,
                    "present": (rng.random() < 0.9) if past else None,
                    "queued_at": starts - timedelta(days=2),
                    "answered_at": starts - timedelta(days=2),
                    "answered_by_id": person_id,
                }
            )
        days = 365 if regular else 52
        step = 1 if regular else 7
        for i in range(days):
            day = (NOW - timedelta(days=i * step + 1)).date()
            moods.append(
                {
                    "person_id": person_id,
                    "local_date": day,
                    "mood": rng.randint(1, 5),
                    "note": "Une bonne journée, merci à tous" if i % 3 == 0 else None,
                    "shared": i % 6 == 0,
                    "created_at": NOW - timedelta(days=i * step + 1),
                    "updated_at": NOW - timedelta(days=i * step + 1),
                }
            )
        if regular:
            for i in range(26):
                scores.append(
                    {
                        "person_id": person_id,
                        "local_date": (NOW - timedelta(days=14 * i + 1)).date(),
                        "score": rng.randint(20, 100),
                        "created_at": NOW - timedelta(days=14 * i + 1),
                    }
                )
    await _bulk(db, Rsvp, rsvps)
    await _bulk(db, CheckIn, moods)
    await _bulk(db, WellbeingCheck, scores)

    # A year of reminders (two a week) and mood prompts, sent, for everyone.
    by_id = {i: t for t, i in ids.items()}
    for person_id in participants:
        for week in range(52 if person_id in heavy else 20):
            at = NOW - timedelta(weeks=week, days=1)
            for kind in ("reminder", "reminder_2h", "mood_prompt"):
                outbox.append(_sent(by_id[person_id], person_id, kind, f"{kind}:{week}", at))
    # Messages Ana and Béa passed on to the three facilitators.
    for tid in (ANA, BEA):
        for message in range(50):
            at = NOW - timedelta(days=7 * message)
            for reader in FACILITATORS:
                key = f"talk:{tid}:{message + 1}:{ids[reader]}"
                outbox.append(_sent(reader, ids[reader], "talk", key, at, "💬 Message"))
    await _bulk(db, OutboxMessage, outbox)

    async with db.transaction() as session:
        for author in heavy:
            projects = [
                Project(
                    title=f"Projet {n}",
                    description="Une sortie au musée des Beaux-Arts avec le groupe",
                    cost_cents=20000,
                    author_id=author,
                    leader_id=author if n % 2 else None,
                    status=ProjectStatus.OPEN,
                    created_at=NOW - timedelta(days=30 * n),
                    updated_at=NOW - timedelta(days=30 * n),
                    submitted_at=NOW - timedelta(days=30 * n),
                )
                for n in range(10)
            ]
            session.add_all(projects)
        await session.flush()
        all_projects = list(await session.scalars(select(Project.id)))
        for person_id in heavy:
            for n, project_id in enumerate(all_projects):
                for kind in (SupportKind.SUPPORT, SupportKind.VOLUNTEER):
                    session.add(
                        Support(
                            project_id=project_id,
                            person_id=person_id,
                            kind=kind,
                            created_at=NOW - timedelta(days=n),
                        )
                    )
        for quarter in range(4):
            ends = NOW - timedelta(days=90 * quarter + 1)
            budget = BudgetRound(amount_cents=150000, ends_at=ends, created_at=ends)
            session.add(budget)
            await session.flush()
            items = [
                RoundProject(round_id=budget.id, project_id=p, cost_cents=20000)
                for p in all_projects[:8]
            ]
            session.add_all(items)
            await session.flush()
            voters = rng.sample(participants[2:], min(100, len(participants) - 2))
            for person_id in [*heavy, *voters]:
                basket = Basket(
                    round_id=budget.id, person_id=person_id, changed_at=ends, confirmed_at=ends
                )
                session.add(basket)
                await session.flush()
                for item in items[:5]:
                    session.add(
                        Ballot(basket_id=basket.id, round_project_id=item.id, confirmed_at=ends)
                    )
    return ids


def _sent(
    chat_id: int, person_id: int, kind: str, key: str, at: datetime, text: str = "🔔 Rappel"
) -> dict[str, Any]:
    return {
        "chat_id": chat_id,
        "person_id": person_id,
        "kind": kind,
        "dedupe_key": f"{key}:{chat_id}",
        "content_type": "text",
        "text": text,
        "not_before": at,
        "priority": 100,
        "urgent": False,
        "state": OutboxState.SENT,
        "attempts": 1,
        "created_at": at,
        "sent_at": at,
    }


def instant_rate_limiter() -> TelegramRateLimiter:
    """The real limiter on a virtual clock (as in the tests): waits counted, never slept."""
    virtual = [0.0]

    async def advance(seconds: float) -> None:
        virtual[0] += seconds

    return TelegramRateLimiter(monotonic=lambda: virtual[0], sleep=advance)


async def timed(action: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await action()
    return (time.perf_counter() - started) * 1000


def fresh_sqlite(workdir: Path) -> str:
    """A new SQLite file for the run (the last run's is deleted)."""
    for stale in workdir.glob("rights.db*"):
        stale.unlink()
    return f"sqlite+aiosqlite:///{workdir / 'rights.db'}"


async def one_run(database_url: str | None, others: int, workdir: Path) -> dict[str, Any]:
    rng = random.Random(12)
    url = database_url or fresh_sqlite(workdir)
    db = Database(url)
    if database_url is not None:
        async with db.engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
            await conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    ids = await seed(db, others, rng)
    seed_s = time.perf_counter() - started
    async with db.transaction() as session:
        rows = {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }

    # 1. export, the service: Ana.
    export_ms = []
    size = 0
    for _ in range(EXPORTS):
        t0 = time.perf_counter()
        async with db.transaction() as session:
            data = await rights.export(session, person_id=ids[ANA], now=NOW)
        size = len(json.dumps(data, ensure_ascii=False, indent=2).encode())
        export_ms.append((time.perf_counter() - t0) * 1000)

    # The real application, in process, for Béa.
    fake = FakeTelegram(token=TOKEN)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=SecretStr(TOKEN),
        database_url=url,
        facilitator_ids=frozenset(FACILITATORS),
    )
    app = build_application(
        settings,
        request=ptb_request(fake),
        updates_request=ptb_request(fake),
        clock=FrozenClock(NOW),
        database=db,
        rate_limiter=instant_rate_limiter(),
        background=False,
    )
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)

    async def sink(update: dict[str, Any]) -> None:
        await app.process_update(Update.de_json(update, app.bot))

    fake.set_update_sink(sink)
    bea: FakeUser = fake.user(BEA, "Béa")
    app_export_ms = [await timed(lambda: bea.send("/mes_donnees")) for _ in range(EXPORTS)]
    documents = [m for m in bea.messages if m.kind == "document"]

    # 2. forget: the service for Ana, the confirmation tap for Béa.
    t0 = time.perf_counter()
    async with db.transaction() as session:
        done = await rights.forget(session, person_id=ids[ANA], now=NOW)
    forget_ms = (time.perf_counter() - t0) * 1000
    await bea.send("/oublier")
    app_forget_ms = await timed(lambda: bea.tap("✅ Oui, tout effacer"))
    async with db.transaction() as session:
        left = await session.scalar(
            select(func.count()).select_from(Person).where(Person.telegram_id.in_([ANA, BEA]))
        )
        talk_left = await session.scalar(select(func.count()).where(OutboxMessage.kind == "talk"))
    await app.shutdown()
    await db.dispose()
    return {
        "load_before": round(load_before, 2),
        "database": "postgresql" if database_url else "sqlite",
        "seed_s": round(seed_s, 1),
        "rows": rows,
        "export_json_bytes": size,
        "export_ms": round(statistics.median(export_ms), 1),
        "export_max_ms": round(max(export_ms), 1),
        "app_export_ms": round(statistics.median(app_export_ms), 1),
        "app_export_max_ms": round(max(app_export_ms), 1),
        "files_received": len(documents),
        "forget_ms": round(forget_ms, 1),
        "forget_deleted": done.deleted,
        "forget_anonymised": done.anonymised,
        "app_forget_ms": round(app_forget_ms, 1),
        "people_left": left,  # Ana and Béa: 0 (Béa's later messages made no new person)
        "talk_rows_left": talk_left,
        "under_target": max(max(export_ms), max(app_export_ms), forget_ms, app_forget_ms)
        < TARGET_S * 1000,
    }


KEY_FIGURES = (
    "export_ms",
    "export_max_ms",
    "app_export_ms",
    "app_export_max_ms",
    "forget_ms",
    "app_forget_ms",
    "seed_s",
)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--others", type=int, default=300, help="other people with a year")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--database-url", default=None, help="postgresql+asyncpg://...")
    args = parser.parse_args()
    workdir = ROOT / "benchmarks" / "results"
    workdir.mkdir(parents=True, exist_ok=True)
    runs = []
    for run in range(1, args.runs + 1):
        result = await one_run(args.database_url, args.others, workdir)
        print(json.dumps({"rights": {"run": run, **result}}, ensure_ascii=False), flush=True)
        runs.append(result)
    found = summary(runs, KEY_FIGURES)
    if args.runs > 1:
        print(json.dumps({"rights_summary": found}, ensure_ascii=False), flush=True)
    (workdir / "rights.json").write_text(
        json.dumps({"runs": runs, "summary": found}, indent=2, ensure_ascii=False, default=str)
    )


if __name__ == "__main__":
    asyncio.run(main())
