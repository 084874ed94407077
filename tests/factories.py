"""Small builders for tests: people and workshop series straight through the services."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TypedDict, Unpack
from zoneinfo import ZoneInfo

from bot.db import Database
from bot.models import Answer, Occurrence, Person, Role
from bot.services import calendar, people, rsvp
from bot.services.calendar import SeriesInput

TZ = ZoneInfo("Europe/Paris")


class SeriesOptions(TypedDict, total=False):
    """What a test may choose about a weekly series (see `series` for the defaults)."""

    title: str
    weekday: int
    start: time
    first: date
    capacity: int
    interval_weeks: int
    until: date | None


async def person(
    db: Database,
    now: datetime,
    telegram_id: int,
    name: str = "Ana",
    *,
    facilitator: bool = False,
    consent: bool = True,
    language: str = "fr",
) -> Person:
    async with db.transaction() as session:
        p = await people.touch_person(
            session, telegram_id=telegram_id, first_name=name, language=language, now=now
        )
        if facilitator:
            p.role = Role.FACILITATOR
        if consent:
            await people.give_consent(session, p, now=now)
        return p


async def series(
    db: Database,
    now: datetime,
    creator: Person,
    *,
    title: str = "Art-thérapie",
    weekday: int = 1,
    start: time = time(14, 0),
    first: date = date(2026, 11, 24),
    capacity: int = 20,
    interval_weeks: int = 1,
    until: date | None = None,
) -> list[Occurrence]:
    """A weekly series (Tuesdays 14:00 by default); returns its sessions, soonest first."""
    async with db.transaction() as session:
        creator_row = await session.get(Person, creator.id)
        assert creator_row is not None
        created = await calendar.create_series(
            session,
            data=SeriesInput(
                title=title,
                place="Maison de quartier, Fontaine d'Ouche",
                weekday=weekday,
                start_time=start,
                duration_minutes=120,
                first_date=first,
                interval_weeks=interval_weeks,
                until=until,
                capacity=capacity,
            ),
            creator=creator_row,
            now=now,
            tz=TZ,
        )
        return await calendar.upcoming(session, now=now, limit=50) if created else []


async def first_session(
    db: Database, now: datetime, **options: Unpack[SeriesOptions]
) -> tuple[Person, Occurrence]:
    """Claire (a facilitator, Telegram id 1) and the first session of her weekly series."""
    claire = await person(db, now, 1, "Claire", facilitator=True)
    sessions = await series(db, now, claire, **options)
    return claire, sessions[0]


async def answer(
    db: Database,
    now: datetime,
    occurrence: Occurrence,
    participant: Person,
    value: Answer,
    *,
    plus_one: bool | None = None,
    by: Person | None = None,
) -> rsvp.Outcome:
    """A participant answers for one session (or `by`, a facilitator, answers for them)."""
    async with db.transaction() as session:
        row = await session.get(Person, participant.id)
        assert row is not None
        return await rsvp.respond(
            session,
            occurrence_id=occurrence.id,
            person=row,
            answer=value,
            plus_one=plus_one,
            now=now,
            by=by,
        )
