"""Small builders for tests: people and workshop series straight through the services."""

from __future__ import annotations

from datetime import date, datetime, time

from bot.db import Database
from bot.models import Occurrence, Person, Role
from bot.services import calendar, people
from bot.services.calendar import SeriesInput

TZ = "Europe/Paris"


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
