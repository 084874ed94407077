"""Mood benchmark (issue 9): `python -m benchmarks.mood_bench` from the repository root.

The whole bot (`python -m bot`, MOOD_PROMPT_DELAY_MINUTES=0) runs against a loopback fake
Bot API that enforces 30 messages/s overall and 1/s per private chat, with real 429s.

1. The prompt wave after a session 1,000 people said yes to, which has just ended:
   "Comment vous sentez-vous" sent at the outbox's full rate (all within 1,000/30 s + 10 %
   of the first), none twice. The prompts job first runs 1 s after the bot starts.
2. "📈 Mes semaines" for a person with a year of daily check-ins, tapped while 20 other
   people tap "Je viens" (or "Je ne viens pas") on a session at the same moment, their
   taps ahead of it; 30 rounds 2 s apart (1 message a second per chat): the picture
   reaches Telegram within 300 ms of the tap at the 95th percentile.
3. The facilitators' "📊 Humeur du groupe" over 1,000 people and a year of check-ins
   (about 100,000, 25 a week after a weekly session), 10 rounds 3 s apart: the monthly
   picture within 1 s of the message, and the text that follows it.

`--runs N` repeats each scenario N times, then prints the median and range of the key
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
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from benchmarks.calendar_bench import TZ, TimedFake, one_off
from benchmarks.common import (
    FACILITATOR_ID,
    ROOT,
    enforcing_fake,
    percentile,
    seed,
    start_bot,
    stop,
    summary,
)
from bot.db import Database
from bot.models import Answer, CheckIn, Occurrence, OccurrenceStatus, Person, Role, Rsvp
from bot.sandbox.fake_telegram import ChatState, FakeUser, StoredMessage
from bot.sandbox.fake_telegram.server import ThreadedLoopbackServer
from bot.services import mood_stats

PROMPT = "Comment vous sentez-vous"
WEEKS_BUTTON = "📈 Mes semaines"
GROUP_MENU = "📊 Humeur du groupe"
GROUP_TITLE = "📊 Humeur du groupe"  # the text that follows the picture starts with it
MOOD_ENV = {"MOOD_PROMPT_DELAY_MINUTES": "0"}
LOG = ROOT / "benchmarks" / "results" / "bot.log"
# Most people feel middling to good; a few days are hard.
MOOD_WEIGHTS = (1, 2, 4, 5, 3)
CHUNK = 10_000


class ChartFake(TimedFake):
    """TimedFake that also notes when each bot message reaches it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stored_at: dict[tuple[int, int], float] = {}

    def _store(self, chat: ChatState, msg: StoredMessage) -> StoredMessage:
        if msg.from_bot:
            self.stored_at[(msg.chat_id, msg.message_id)] = time.monotonic()
        return super()._store(chat, msg)

    def more(
        self, chat_id: int, *wanted: tuple[Callable[[StoredMessage], bool], int]
    ) -> Callable[[], bool]:
        """A condition: more than `count` messages of each kind in `chat_id`."""
        return lambda: all(len(self.bot_messages(chat_id, k)) > n for k, n in wanted)

    def all_answered(self, queries: set[str]) -> Callable[[], bool]:
        return lambda: queries <= self.answered.keys()

    def bot_messages(self, chat_id: int, keep: Callable[[StoredMessage], bool]) -> list[float]:
        """When each bot message of `chat_id` that `keep` accepts arrived, in order."""
        chat = self.chats.get(chat_id)
        found = chat.messages if chat is not None else []
        return [self.stored_at[(m.chat_id, m.message_id)] for m in found if m.from_bot and keep(m)]


def is_photo(message: StoredMessage) -> bool:
    return message.kind == "photo"


def is_group_text(message: StoredMessage) -> bool:
    return message.kind == "text" and (message.text or "").startswith(GROUP_TITLE)


def load() -> float:
    return round(os.getloadavg()[0], 2)


def log_size() -> int:
    return LOG.stat().st_size if LOG.exists() else 0


def bot_errors(since: int) -> list[str]:
    """Lines of the bot's log written since `since` that report an error or a traceback."""
    if not LOG.exists():
        return []
    with LOG.open("rb") as log:
        log.seek(since)
        lines = log.read().decode("utf-8", "replace").splitlines()
    return [line for line in lines if "ERROR" in line or "Traceback" in line][:10]


async def timed_send(user: FakeUser, text: str) -> float:
    """Post `text` from `user` (on the server's loop); returns when it was offered."""
    at = time.monotonic()
    await user.send(text)
    return at


def fresh_url(workdir: Path, name: str) -> str:
    for stale in workdir.glob(f"{name}.db*"):
        stale.unlink()
    return f"sqlite+aiosqlite:///{workdir / name}.db"


async def participant_ids(db: Database) -> dict[int, int]:
    """Telegram id -> database id of every participant."""
    async with db.transaction() as session:
        rows = await session.execute(
            select(Person.telegram_id, Person.id).where(Person.role != Role.FACILITATOR)
        )
        return {int(tid): int(pid) for tid, pid in rows if tid is not None}


async def bulk_check_ins(db: Database, rows: Sequence[dict[str, Any]]) -> None:
    async with db.transaction() as session:
        for start in range(0, len(rows), CHUNK):
            await session.execute(insert(CheckIn), list(rows[start : start + CHUNK]))


def check_in(
    person_id: int, day: date, mood: int, occurrence_id: int | None = None
) -> dict[str, Any]:
    at = datetime.combine(day, clock_time(19), TZ).astimezone(UTC)
    return {
        "person_id": person_id,
        "local_date": day,
        "mood": mood,
        "occurrence_id": occurrence_id,
        "shared": False,
        "created_at": at,
        "updated_at": at,
    }


def local_today() -> date:
    return datetime.now(TZ).date()


# --- 1. the prompt wave --------------------------------------------------------------


async def ended_session(db: Database, ids: dict[int, int]) -> None:
    """A session everyone said yes to, which ended a few seconds ago (no reminder left)."""
    now = datetime.now(UTC)
    occurrence_id = await one_off(db, now + timedelta(hours=1))
    ends = now - timedelta(seconds=5)
    starts = ends - timedelta(hours=2)
    async with db.transaction() as session:
        await session.execute(
            update(Occurrence)
            .where(Occurrence.id == occurrence_id)
            .values(
                starts_at=starts,
                ends_at=ends,
                local_date=starts.astimezone(TZ).date(),
                capacity=len(ids),  # more than a session may hold: everyone has a seat
                scheduled_at=starts - timedelta(days=7),
                hours_before_sent_at=starts - timedelta(hours=2),
            )
        )
        await session.execute(
            insert(Rsvp),
            [
                {
                    "occurrence_id": occurrence_id,
                    "person_id": pid,
                    "answer": Answer.YES,
                    "plus_one": False,
                    "waitlisted": False,
                    "queued_at": starts - timedelta(days=1),
                    "answered_at": starts - timedelta(days=1),
                }
                for pid in ids.values()
            ],
        )


async def scenario_prompts(people: int, workdir: Path) -> dict[str, Any]:
    fake = enforcing_fake()
    url = fresh_url(workdir, "mood1")
    db = Database(url)
    ids = await seed(db, fake, people)
    await ended_session(db, await participant_ids(db))
    load_before, log_from = load(), log_size()
    with ThreadedLoopbackServer(fake) as srv:
        started = time.time()
        proc = start_bot(srv, url, **MOOD_ENV)
        try:
            deadline = started + 10 + people / 30 * 1.1 + 60
            while time.time() < deadline:
                if fake.stats.per_chat_sent.total() >= people:
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(3)  # a second copy would come now
        finally:
            stop(proc)
    sends = sorted(
        r.time
        for r in fake.requests
        if r.method == "sendMessage" and r.status == 200 and PROMPT in str(r.params.get("text"))
    )
    per_person = [
        sum(
            1
            for m in (fake.chats[tid].messages if tid in fake.chats else [])
            if m.from_bot and PROMPT in (m.text or "")
        )
        for tid in ids
    ]
    await db.dispose()
    window = sends[-1] - sends[0] if len(sends) > 1 else 0.0
    budget = people / 30 * 1.1
    return {
        "people": people,
        "load_before": load_before,
        "first_after_start_s": round(sends[0] - started, 2) if sends else None,
        "all_sent_after_first_s": round(window, 2),
        "budget_s": round(budget, 2),
        "within_budget": bool(sends) and window <= budget,
        "prompts_per_second": round((len(sends) - 1) / window, 2) if window else 0.0,
        "max_in_any_second": fake.stats.max_in_window(1.0),
        "prompts": len(sends),
        "lost": sum(1 for n in per_person if n == 0),
        "sent_twice": sum(max(0, n - 1) for n in per_person),
        "late_429": sum(
            1 for r in fake.requests if r.status == 429 and sends and r.time > sends[0] + 1
        ),
        "all_429": fake.stats.rejected_429,
        "bot_errors": bot_errors(log_from),
    }


# --- 2. "📈 Mes semaines" while others tap -----------------------------------------


async def daily_year(db: Database, person_id: int, today: date) -> None:
    """A check-in every day of the last year, today included."""
    rng = random.Random(2)
    await bulk_check_ins(
        db,
        [
            check_in(
                person_id,
                today - timedelta(days=back),
                rng.choices((1, 2, 3, 4, 5), MOOD_WEIGHTS)[0],
            )
            for back in range(365)
        ],
    )


async def scenario_weeks(
    workdir: Path, *, others: int = 20, rounds: int = 30, every: float = 2.0
) -> dict[str, Any]:
    fake = ChartFake()
    url = fresh_url(workdir, "mood2")
    db = Database(url)
    ids = await seed(db, fake, others + 1)
    me_id, other_ids = ids[0], ids[1:]
    me_pk = (await participant_ids(db))[me_id]
    async with db.transaction() as session:
        await session.execute(
            update(Person).where(Person.id == me_pk).values(mood_consent_at=datetime.now(UTC))
        )
    await daily_year(db, me_pk, local_today())
    # Its "in 2 hours" reminder is due in 6 s: every chat gets a card to answer on.
    await one_off(db, datetime.now(UTC) + timedelta(hours=2, seconds=6))
    load_before, log_from = load(), log_size()
    photo_ms: list[float] = []
    spinner_ms: list[float] = []
    others_ms: list[float] = []
    missing = 0
    with ThreadedLoopbackServer(fake) as srv:
        proc = start_bot(srv, url, **MOOD_ENV)
        try:
            srv.wait_for(
                lambda: all(
                    any("🎨 Art-thérapie" in (m.text or "") for m in fake.chats[t].messages)
                    for t in other_ids
                ),
                timeout=60,
            )
            me = fake.user(me_id)
            users = [fake.user(t) for t in other_ids]
            srv.call(me.send("/humeur"))
            srv.wait_for(
                lambda: any(
                    m.find_button(WEEKS_BUTTON) is not None for m in fake.chats[me_id].messages
                ),
                timeout=10,
            )
            await asyncio.sleep(2)  # per-chat budgets recovered; matplotlib warmed up

            for index in range(rounds):
                answer = "✅ Je viens" if index % 2 == 0 else "❌ Je ne viens pas"
                began = time.monotonic()
                before = set(fake.tapped)
                photos = len(fake.bot_messages(me_id, is_photo))

                async def all_tap(answer: str = answer) -> None:
                    # The person's tap comes last: the others' answers are ahead of it.
                    await asyncio.gather(*(u.tap(answer) for u in users), me.tap(WEEKS_BUTTON))

                srv.call(all_tap())
                try:
                    srv.wait_for(fake.more(me_id, (is_photo, photos)), timeout=10)
                except TimeoutError:
                    missing += 1
                    continue
                tapped = set(fake.tapped) - before
                (mine,) = [q for q in tapped if fake.callbacks[q].data == "mdweeks"]
                photo_ms.append(
                    (fake.bot_messages(me_id, is_photo)[-1] - fake.tapped[mine]) * 1000
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
    return {
        "rounds": rounds,
        "others": others,
        "load_before": load_before,
        "photo_p50_ms": round(statistics.median(photo_ms), 1) if photo_ms else None,
        "photo_p95_ms": round(percentile(photo_ms, 95), 1) if photo_ms else None,
        "photo_max_ms": round(max(photo_ms), 1) if photo_ms else None,
        "spinner_p95_ms": round(percentile(spinner_ms, 95), 1) if spinner_ms else None,
        "others_answer_p95_ms": round(percentile(others_ms, 95), 1) if others_ms else None,
        "missing_photos": missing,
        "all_429": fake.stats.rejected_429,
        "bot_errors": bot_errors(log_from),
    }


# --- 3. the facilitators' monthly chart -----------------------------------------------


async def weekly_sessions(db: Database, first: date, today: date) -> dict[date, int]:
    """A Tuesday session at 14 h every week of the year before today: day -> id."""
    now = datetime.now(UTC)
    day = first + timedelta(days=(1 - first.weekday()) % 7)
    held: list[Occurrence] = []
    while day < today:
        starts = datetime.combine(day, clock_time(14), TZ).astimezone(UTC)
        held.append(
            Occurrence(
                series_id=None,
                local_date=day,
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                title="Art-thérapie",
                place="Maison de quartier",
                capacity=30,
                status=OccurrenceStatus.SCHEDULED,
                walk_ins=0,
                created_at=starts - timedelta(days=7),
                scheduled_at=starts - timedelta(days=7),
                day_before_sent_at=starts - timedelta(days=1),
                hours_before_sent_at=starts - timedelta(hours=2),
                mood_prompted_at=now,
            )
        )
        day += timedelta(weeks=1)
    async with db.transaction() as session:
        session.add_all(held)
        await session.flush()
        return {o.local_date: o.id for o in held}


def year_of_check_ins(
    people: Sequence[int], sessions: dict[date, int], first: date, today: date, *, attend: int
) -> list[dict[str, Any]]:
    """Each person 1 to 3 check-ins a week; `attend` people a week after its session."""
    rng = random.Random(3)
    rows = []
    monday = first - timedelta(days=first.weekday())
    while monday <= today:
        week = [monday + timedelta(days=d) for d in range(7)]
        session_day = next((d for d in week if d in sessions), None)
        came = set(rng.sample(people, attend)) if session_day is not None else set()
        for person in people:
            days = set(rng.sample(week, rng.randint(1, 3)))
            if person in came and session_day is not None:
                days.add(session_day)
            for day in sorted(days):
                if not first <= day <= today:
                    continue
                mood = rng.choices((1, 2, 3, 4, 5), MOOD_WEIGHTS)[0]
                linked = sessions[day] if person in came and day == session_day else None
                rows.append(check_in(person, day, mood, linked))
        monday += timedelta(weeks=1)
    return rows


async def overview_queries(db: Database, today: date) -> tuple[float, int]:
    """The overview's queries alone, in this process (the bot's part before drawing):
    their median time in ms, and how many months the picture shows."""
    timings = []
    for _ in range(3):
        async with db.transaction() as session:
            began = time.perf_counter()
            found = await mood_stats.group_overview(
                session, today=today, months=12, recent_sessions=8
            )
            timings.append((time.perf_counter() - began) * 1000)
    shown = sum(1 for month in found.months if month.figure is not None)
    return round(statistics.median(timings), 1), shown


async def scenario_group(
    people: int, workdir: Path, *, rounds: int = 10, every: float = 3.0
) -> dict[str, Any]:
    fake = ChartFake()
    url = fresh_url(workdir, "mood3")
    db = Database(url)
    await seed(db, fake, people)
    ids = await participant_ids(db)
    async with db.transaction() as session:
        await session.execute(
            update(Person)
            .where(Person.role != Role.FACILITATOR)
            .values(mood_consent_at=datetime.now(UTC) - timedelta(days=400))
        )
    today = local_today()
    first = today - timedelta(days=364)
    sessions = await weekly_sessions(db, first, today)
    rows = year_of_check_ins(sorted(ids.values()), sessions, first, today, attend=25)
    await bulk_check_ins(db, rows)
    queries, months_shown = await overview_queries(db, today)
    load_before, log_from = load(), log_size()
    photo_ms: list[float] = []
    text_ms: list[float] = []
    missing = 0
    with ThreadedLoopbackServer(fake) as srv:
        proc = start_bot(srv, url, **MOOD_ENV)
        try:
            boss = fake.user(FACILITATOR_ID)
            await asyncio.sleep(4)  # started, matplotlib warmed up, first jobs run
            for _ in range(rounds):
                began = time.monotonic()
                photos = len(fake.bot_messages(FACILITATOR_ID, is_photo))
                texts = len(fake.bot_messages(FACILITATOR_ID, is_group_text))
                sent = srv.call(timed_send(boss, GROUP_MENU))
                try:
                    srv.wait_for(
                        fake.more(FACILITATOR_ID, (is_photo, photos), (is_group_text, texts)),
                        timeout=15,
                    )
                except TimeoutError:
                    missing += 1
                    continue
                photo_ms.append((fake.bot_messages(FACILITATOR_ID, is_photo)[-1] - sent) * 1000)
                text_ms.append(
                    (fake.bot_messages(FACILITATOR_ID, is_group_text)[-1] - sent) * 1000
                )
                await asyncio.sleep(max(0.0, began + every - time.monotonic()))
        finally:
            stop(proc)
    await db.dispose()
    return {
        "people": people,
        "check_ins": len(rows),
        "sessions": len(sessions),
        "rounds": rounds,
        "load_before": load_before,
        "months_shown": months_shown,
        "query_ms": queries,
        "photo_p50_ms": round(statistics.median(photo_ms), 1) if photo_ms else None,
        "photo_max_ms": round(max(photo_ms), 1) if photo_ms else None,
        "text_p50_ms": round(statistics.median(text_ms), 1) if text_ms else None,
        "text_max_ms": round(max(text_ms), 1) if text_ms else None,
        "missing": missing,
        "all_429": fake.stats.rejected_429,
        "bot_errors": bot_errors(log_from),
    }


# --- several runs ---------------------------------------------------------------------

KEY_FIGURES = {
    "1_prompt_wave": (
        "first_after_start_s",
        "all_sent_after_first_s",
        "prompts_per_second",
        "lost",
        "sent_twice",
        "all_429",
    ),
    "2_my_weeks": (
        "photo_p50_ms",
        "photo_p95_ms",
        "photo_max_ms",
        "spinner_p95_ms",
        "others_answer_p95_ms",
        "all_429",
    ),
    "3_group_chart": ("query_ms", "photo_p50_ms", "photo_max_ms", "text_p50_ms", "text_max_ms"),
}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000, help="people of scenarios 1 and 3")
    parser.add_argument("--rounds", type=int, default=None, help="rounds of scenarios 2 and 3")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--scenario", choices=["1", "2", "3", "all"], default="all")
    args = parser.parse_args()
    workdir = ROOT / "benchmarks" / "results"
    workdir.mkdir(parents=True, exist_ok=True)
    chosen = {"1", "2", "3"} if args.scenario == "all" else {args.scenario}
    results: dict[str, list[dict[str, Any]]] = {}
    for run in range(1, args.runs + 1):
        found: dict[str, dict[str, Any]] = {}
        if "1" in chosen:
            found["1_prompt_wave"] = await scenario_prompts(args.people, workdir)
        if "2" in chosen:
            rounds = {"rounds": args.rounds} if args.rounds else {}
            found["2_my_weeks"] = await scenario_weeks(workdir, **rounds)
        if "3" in chosen:
            rounds = {"rounds": args.rounds} if args.rounds else {}
            found["3_group_chart"] = await scenario_group(args.people, workdir, **rounds)
        for name, result in found.items():
            print(json.dumps({name: {"run": run, **result}}, ensure_ascii=False), flush=True)
            results.setdefault(name, []).append(result)
    summaries = {name: summary(runs, KEY_FIGURES[name]) for name, runs in results.items()}
    if args.runs > 1:
        for name, found_summary in summaries.items():
            print(json.dumps({f"{name}_summary": found_summary}, ensure_ascii=False), flush=True)
    (workdir / "mood.json").write_text(
        json.dumps({"runs": results, "summary": summaries}, indent=2, ensure_ascii=False)
    )


if __name__ == "__main__":
    asyncio.run(main())
