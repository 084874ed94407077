"""Read-only look-ups behind the facilitators' calendar screens.

The calendar and rsvp services change things; the screens also need to find a row by
the id a button carried, page through people by name, or count what a change would
touch. Those reads live here so that handlers never hold SQL. Nothing here writes.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Occurrence, OccurrenceStatus, Person, Series

PAGE_SIZE = 10


@dataclass(frozen=True)
class PersonName:
    id: int
    name: str


@dataclass(frozen=True)
class Page:
    """One page of people sorted by name; `page` is clamped into 0 .. pages - 1."""

    people: list[PersonName]
    page: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.pages


def _sort_key(name: str) -> str:
    # SQL lower() only folds ASCII on SQLite: "Émilie" would land after "Zoé".
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


async def occurrence(session: AsyncSession, occurrence_id: int) -> Occurrence | None:
    return await session.get(Occurrence, occurrence_id)


async def series(session: AsyncSession, series_id: int) -> Series | None:
    return await session.get(Series, series_id)


async def consented_person(session: AsyncSession, person_id: int) -> Person | None:
    """A person a facilitator may act for (answer, mark present): consent given."""
    person = await session.get(Person, person_id)
    return person if person is not None and person.has_consented else None


async def people_page(session: AsyncSession, *, page: int, size: int = PAGE_SIZE) -> Page:
    """Consented people by name (accents ignored), `size` a page.

    A community centre has at most a few hundred people, so sorting in Python keeps
    the order right for accented names on every database.
    """
    rows = (
        await session.execute(
            select(Person.id, Person.display_name).where(Person.consent_at.is_not(None))
        )
    ).all()
    everyone = sorted(
        (PersonName(person_id, name) for person_id, name in rows),
        key=lambda p: (_sort_key(p.name), p.id),
    )
    pages = max(1, math.ceil(len(everyone) / size))
    page = min(max(0, page), pages - 1)
    return Page(everyone[page * size : (page + 1) * size], page, pages, len(everyone))


async def future_count(session: AsyncSession, *, series_id: int, now: datetime) -> int:
    """How many sessions of a series are still to come (what stopping it would cancel)."""
    count = await session.scalar(
        select(func.count())
        .select_from(Occurrence)
        .where(
            Occurrence.series_id == series_id,
            Occurrence.starts_at > now,
            Occurrence.status == OccurrenceStatus.SCHEDULED,
        )
    )
    return int(count or 0)


async def next_of_series(
    session: AsyncSession, *, series_id: int, now: datetime
) -> Occurrence | None:
    return await session.scalar(
        select(Occurrence)
        .where(
            Occurrence.series_id == series_id,
            Occurrence.starts_at > now,
            Occurrence.status == OccurrenceStatus.SCHEDULED,
        )
        .order_by(Occurrence.starts_at)
        .limit(1)
    )


async def recent_places(session: AsyncSession, *, limit: int = 3) -> list[str]:
    """Places of the latest series, newest first, without repeats (quick buttons)."""
    rows = await session.scalars(select(Series.place).order_by(Series.created_at.desc()))
    places: list[str] = []
    for place in rows:
        if place not in places:
            places.append(place)
        if len(places) == limit:
            break
    return places
