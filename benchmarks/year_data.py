"""A year of workshop life, for the dashboard and report benchmarks (issue 13).

`seed_year` migrates the database, then writes, straight into the tables (fast, and the
same every time for one `seed`):

- one facilitator (Telegram id FACILITATOR_ID, "Claire") and `people` participants
  (Telegram ids from 1000), all consented;
- `sessions` weekly sessions on Tuesdays 14:00-16:00 local time over the 12 months
  before `now` (some weeks skipped, one in twelve cancelled), each answered "yes" by its
  regulars, occasional and rare visitors (a few with a "+1", a few in the waiting line);
  attendance taken at nine sessions in ten: most "yes" present, some people marked
  present without a "yes", a few anonymous walk-ins;
- a mood check-in after the session for most of those present (so the ≥ 5 rule shows
  most figures);
- 30 projects over the year walking through proposed → open → selected → done, with
  supports and volunteers, and one closed budget round with confirmed baskets.

Only figures and made-up names ("P1000"): nothing personal.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from benchmarks.common import FACILITATOR_ID
from bot.db import Database
from bot.migrate import upgrade
from bot.models import (
    Answer,
    Ballot,
    Basket,
    BudgetRound,
    CheckIn,
    Occurrence,
    OccurrenceStatus,
    Person,
    Project,
    ProjectChange,
    ProjectStatus,
    Role,
    RoundProject,
    RoundStatus,
    Rsvp,
    Support,
    SupportKind,
)
from bot.sandbox.fake_telegram import FakeTelegram

TZ = ZoneInfo("Europe/Paris")
FIRST_TELEGRAM_ID = 1000
CHUNK = 5_000
# Who says yes to a session, and how likely: regulars, occasional visitors, rare ones.
LOYALTY = ((0.12, 0.7), (0.4, 0.08), (0.48, 0.015))


@dataclass(frozen=True)
class YearData:
    """What was written: ids and the months covered, oldest first."""

    now: datetime
    facilitator_id: int  # Person.id of Claire
    people: list[int]  # Person.id of the participants
    telegram_ids: list[int]  # their Telegram ids, same order
    sessions: list[int]  # Occurrence.id, oldest first (cancelled ones included)
    months: list[date]  # the local months touched, oldest first
    projects: list[int]
    round_id: int


def _person(telegram_id: int, name: str, now: datetime, role: Role) -> dict[str, Any]:
    return {
        "telegram_id": telegram_id,
        "display_name": name,
        "language": "fr",
        "role": role,
        "consent_at": now,
        "mood_consent_at": now,
        "created_at": now,
        "last_seen_at": now,
    }


async def _bulk(db: Database, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    async with db.transaction() as session:
        for start in range(0, len(rows), CHUNK):
            await session.execute(insert(table), list(rows[start : start + CHUNK]))


def _session_days(now: datetime, count: int, rng: random.Random) -> list[date]:
    """`count` Tuesdays in the 52 weeks before `now`, the skipped weeks at random."""
    today = now.astimezone(TZ).date()
    last = today - timedelta(days=(today.weekday() - 1) % 7 or 7)
    tuesdays = [last - timedelta(weeks=w) for w in range(52)]
    return sorted(rng.sample(tuesdays, min(count, len(tuesdays))))


async def seed_year(
    db: Database,
    *,
    now: datetime,
    people: int = 500,
    sessions: int = 50,
    seed: int = 13,
    fake: FakeTelegram | None = None,
) -> YearData:
    """Migrate `db` and fill it with a year of sessions, attendance, moods and projects."""
    await upgrade(db.engine)
    rng = random.Random(seed)
    telegram_ids = list(range(FIRST_TELEGRAM_ID, FIRST_TELEGRAM_ID + people))
    async with db.transaction() as session:
        start = now - timedelta(days=400)
        claire = Person(**_person(FACILITATOR_ID, "Claire", start, Role.FACILITATOR))
        session.add(claire)
        await session.flush()
        facilitator_id = claire.id
    await _bulk(db, Person, [_person(t, f"P{t}", start, Role.PARTICIPANT) for t in telegram_ids])
    async with db.transaction() as session:
        ids = dict(
            (
                await session.execute(
                    select(Person.telegram_id, Person.id).where(
                        Person.telegram_id >= FIRST_TELEGRAM_ID
                    )
                )
            )
            .tuples()
            .all()
        )
    person_ids = [ids[t] for t in telegram_ids]
    if fake is not None:
        fake.user(FACILITATOR_ID, "Claire")
        for t in telegram_ids:
            fake.user(t, f"P{t}")

    shuffled = person_ids[:]
    rng.shuffle(shuffled)
    chance: dict[int, float] = {}
    at = 0
    for share, probability in LOYALTY:
        group = shuffled[at : at + round(share * people)]
        chance |= dict.fromkeys(group, probability)
        at += len(group)
    chance |= dict.fromkeys(shuffled[at:], LOYALTY[-1][1])

    days = _session_days(now, sessions, rng)
    occurrence_rows = []
    for i, day in enumerate(days):
        starts = datetime.combine(day, clock_time(14), TZ).astimezone(UTC)
        cancelled = i % 12 == 7
        taken = not cancelled and i % 10 != 3
        occurrence_rows.append(
            {
                "local_date": day,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "title": "Art-thérapie",
                "place": "Maison de quartier",
                "capacity": 80,
                "status": OccurrenceStatus.CANCELLED if cancelled else OccurrenceStatus.SCHEDULED,
                "walk_ins": rng.randint(0, 4) if taken else 0,
                "attendance_taken_at": starts + timedelta(hours=2) if taken else None,
                "created_at": starts - timedelta(days=30),
                "scheduled_at": starts - timedelta(days=30),
            }
        )
    await _bulk(db, Occurrence, occurrence_rows)
    async with db.transaction() as session:
        occurrences = list(
            (
                await session.execute(
                    select(
                        Occurrence.id,
                        Occurrence.starts_at,
                        Occurrence.local_date,
                        Occurrence.status,
                        Occurrence.attendance_taken_at,
                    ).order_by(Occurrence.starts_at)
                )
            ).tuples()
        )

    rsvps: list[dict[str, Any]] = []
    check_ins: list[dict[str, Any]] = []
    for oid, starts, day, status, taken_at in occurrences:
        asked = starts - timedelta(days=3)
        held = status == OccurrenceStatus.SCHEDULED
        for pid in person_ids:
            draw = rng.random()
            said_yes = draw < chance[pid]
            # Some come without a "yes": their answer is kept as it was (no).
            unannounced = not said_yes and held and draw < chance[pid] * 1.1
            if not (said_yes or unannounced):
                continue
            came = taken_at is not None and (rng.random() < 0.85 if said_yes else True)
            rsvps.append(
                {
                    "occurrence_id": oid,
                    "person_id": pid,
                    "answer": Answer.YES if said_yes else Answer.NO,
                    "plus_one": said_yes and rng.random() < 0.05,
                    "waitlisted": said_yes and rng.random() < 0.02,
                    "queued_at": asked,
                    "answered_at": asked,
                    "present": came if taken_at is not None else None,
                }
            )
            if came and rng.random() < 0.8:
                mood_at = starts + timedelta(hours=3)
                check_ins.append(
                    {
                        "person_id": pid,
                        "local_date": day,
                        "mood": rng.choices((1, 2, 3, 4, 5), (1, 2, 4, 5, 3))[0],
                        "occurrence_id": oid,
                        "shared": False,
                        "created_at": mood_at,
                        "updated_at": mood_at,
                    }
                )
    await _bulk(db, Rsvp, rsvps)
    await _bulk(db, CheckIn, check_ins)

    projects, round_id = await _projects(db, now=now, people=person_ids, rng=rng)
    months = sorted({day.replace(day=1) for _, _, day, _, _ in occurrences})
    return YearData(
        now=now,
        facilitator_id=facilitator_id,
        people=person_ids,
        telegram_ids=telegram_ids,
        sessions=[oid for oid, *_ in occurrences],
        months=months,
        projects=projects,
        round_id=round_id,
    )


# Steps a project takes, and the share of projects that take each next step.
_STEPS = (
    (ProjectStatus.PROPOSED, 1.0),
    (ProjectStatus.OPEN, 0.8),
    (ProjectStatus.SELECTED, 0.5),
    (ProjectStatus.IN_PROGRESS, 0.8),
    (ProjectStatus.DONE, 0.7),
)


async def _projects(
    db: Database, *, now: datetime, people: Sequence[int], rng: random.Random
) -> tuple[list[int], int]:
    """30 projects over the year, their steps, supports and one closed budget round."""
    async with db.transaction() as session:
        made: list[tuple[Project, list[tuple[ProjectStatus, datetime]]]] = []
        for n in range(30):
            at = now - timedelta(days=360 - 12 * n, hours=rng.randint(0, 20))
            steps = []
            for status, share in _STEPS:
                if status != ProjectStatus.PROPOSED and rng.random() > share:
                    break
                steps.append((status, at))
                at += timedelta(days=rng.randint(3, 20))
            steps = [(s, when) for s, when in steps if when < now]
            published = next((w for s, w in steps if s == ProjectStatus.OPEN), None)
            project = Project(
                title=f"Projet {n + 1}",
                cost_cents=rng.randint(5, 80) * 1000,
                author_id=rng.choice(people),
                status=steps[-1][0],
                created_at=steps[0][1],
                updated_at=steps[-1][1],
                submitted_at=steps[0][1],
                published_at=published,
            )
            session.add(project)
            made.append((project, steps))
        await session.flush()
        supports = []
        for project, steps in made:
            session.add_all(
                ProjectChange(project_id=project.id, status=s, at=when) for s, when in steps
            )
            if project.published_at is None:
                continue
            for kind, count in ((SupportKind.SUPPORT, 12), (SupportKind.VOLUNTEER, 3)):
                for pid in rng.sample(list(people), rng.randint(0, count)):
                    supports.append(
                        {
                            "project_id": project.id,
                            "person_id": pid,
                            "kind": kind,
                            "created_at": min(
                                now, project.published_at + timedelta(days=rng.randint(0, 30))
                            ),
                        }
                    )
        if supports:
            await session.execute(insert(Support), supports)
        ends = now - timedelta(days=60)
        budget_round = BudgetRound(
            amount_cents=100_000,
            ends_at=ends,
            status=RoundStatus.CLOSED,
            created_at=ends - timedelta(days=14),
            closed_at=ends,
        )
        session.add(budget_round)
        await session.flush()
        in_round = [p for p, _ in made if p.published_at is not None][:6]
        round_projects = [
            RoundProject(
                round_id=budget_round.id,
                project_id=p.id,
                cost_cents=p.cost_cents or 10_000,
                paper_votes=rng.randint(0, 8),
                selected=p.status != ProjectStatus.OPEN,
            )
            for p in in_round
        ]
        session.add_all(round_projects)
        await session.flush()
        for pid in rng.sample(list(people), min(60, len(people))):
            basket = Basket(
                round_id=budget_round.id,
                person_id=pid,
                changed_at=ends - timedelta(days=2),
                confirmed_at=ends - timedelta(days=2),
            )
            session.add(basket)
            await session.flush()
            session.add_all(
                Ballot(basket_id=basket.id, round_project_id=rp.id, confirmed_at=basket.changed_at)
                for rp in rng.sample(round_projects, min(2, len(round_projects)))
            )
        return [p.id for p, _ in made], budget_round.id
