"""Read-only look-ups behind the facilitators' calendar screens.

The calendar and rsvp services change things; the screens also need to find a row by
the id a button carried, page through people by name, or count what a change would
touch. Those reads live here so that handlers never hold SQL. Nothing here writes.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Answer, Occurrence, OccurrenceStatus, Person, Rsvp, Series

PAGE_SIZE = 10


@dataclass(frozen=True)
class PersonName:
    id: int
    name: str
    # False for someone without Telegram a facilitator added (shown with "📵").
    uses_telegram: bool = True


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
            select(Person.id, Person.display_name, Person.telegram_id).where(
                Person.consent_at.is_not(None)
            )
        )
    ).all()
    everyone = sorted(
        (
            PersonName(person_id, name, telegram_id is not None)
            for person_id, name, telegram_id in rows
        ),
        key=lambda p: (_sort_key(p.name), p.id),
    )
    pages = max(1, math.ceil(len(everyone) / size))
    page = min(max(0, page), pages - 1)
    return Page(everyone[page * size : (page + 1) * size], page, pages, len(everyone))


@dataclass(frozen=True)
class OfflinePerson:
    """Someone without Telegram: the facilitator phones them instead."""

    id: int
    name: str
    phone: str | None


async def offline_named(session: AsyncSession, name: str) -> list[PersonName]:
    """People without Telegram already known by this name (accents and case ignored)."""
    rows = (
        await session.execute(
            select(Person.id, Person.display_name).where(
                Person.telegram_id.is_(None), Person.consent_at.is_not(None)
            )
        )
    ).all()
    wanted = _sort_key(" ".join(name.split()))
    return [
        PersonName(person_id, found, uses_telegram=False)
        for person_id, found in rows
        if _sort_key(found) == wanted
    ]


async def offline_answered(
    session: AsyncSession,
    *,
    now: datetime,
    occurrence_id: int | None = None,
    series_id: int | None = None,
) -> list[OfflinePerson]:
    """People without Telegram who answered yes or maybe to a session, or to a series'
    sessions still to come: nobody can message them, so the facilitator is shown them."""
    query = (
        select(Person.id, Person.display_name, Person.phone)
        .join(Rsvp, Rsvp.person_id == Person.id)
        .join(Occurrence, Occurrence.id == Rsvp.occurrence_id)
        .where(Person.telegram_id.is_(None), Rsvp.answer.in_([Answer.YES, Answer.MAYBE]))
    )
    if occurrence_id is not None:
        query = query.where(Occurrence.id == occurrence_id)
    elif series_id is not None:
        query = query.where(Occurrence.series_id == series_id, Occurrence.starts_at > now)
    else:
        return []
    found = {row[0]: OfflinePerson(*row) for row in (await session.execute(query)).all()}
    return sorted(found.values(), key=lambda p: (_sort_key(p.name), p.id))


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


# --- the participants' list of workshops ---------------------------------------------

# One-off sessions this close are shown with the next session of each series.
ONE_OFF_SOON = timedelta(days=14)
# At most this many cards on the first screen; the rest is behind "Autres dates".
FIRST_SCREEN_MOST = 6
# How many sessions a list looks at (eight weeks of a few series is far fewer).
LISTING_LIMIT = 300


@dataclass(frozen=True)
class Listing:
    """What the participants' list shows: the first screen, then the other dates."""

    # The next session of each series and one-off sessions coming soon, soonest first.
    # A series whose very next session is cancelled shows it too (before the next one).
    first: list[Occurrence]
    # Every other coming session that takes answers, soonest first.
    others: list[Occurrence]


async def workshop_listing(
    session: AsyncSession,
    *,
    now: datetime,
    soon: timedelta = ONE_OFF_SOON,
    most: int = FIRST_SCREEN_MOST,
) -> Listing:
    """Every series' next session first, so that no workshop hides behind another.

    The next three sessions of all series together would hide a weekly workshop behind
    two one-off sessions and a dance class; here each series gets its card.
    """
    rows = list(
        await session.scalars(
            select(Occurrence)
            .where(Occurrence.starts_at > now)
            .order_by(Occurrence.starts_at, Occurrence.id)
            .limit(LISTING_LIMIT)
        )
    )
    scheduled = [o for o in rows if o.status == OccurrenceStatus.SCHEDULED]
    chosen: list[Occurrence] = []
    seen_series: set[int] = set()
    for occurrence in scheduled:
        if occurrence.series_id is None:
            if occurrence.starts_at <= now + soon:
                chosen.append(occurrence)
        elif occurrence.series_id not in seen_series:
            seen_series.add(occurrence.series_id)
            chosen.append(occurrence)
    if not chosen and scheduled:
        chosen.append(scheduled[0])
    chosen = sorted(chosen, key=lambda o: (o.starts_at, o.id))[:most]
    # "Is there a workshop this Tuesday?": a cancelled next session says so on its card.
    first_of_series: dict[int, Occurrence] = {}
    for occurrence in rows:
        if occurrence.series_id is not None:
            first_of_series.setdefault(occurrence.series_id, occurrence)
    shown = {o.id for o in chosen}
    cancelled = [
        o
        for o in first_of_series.values()
        if o.status == OccurrenceStatus.CANCELLED
        and any(c.series_id == o.series_id for c in chosen)
    ]
    first = sorted([*chosen, *cancelled], key=lambda o: (o.starts_at, o.id))
    others = [o for o in scheduled if o.id not in shown]
    return Listing(first=first, others=others)
