"""Workshop series and sessions: create, edit, end, cancel, move; the upcoming list.

Series are kept in local wall-clock time (TIMEZONE) and their sessions are written
ahead (HORIZON) so that answers, reminders and attendance attach to real rows. Every
change that concerns people writes its notices (bot.services.notices) in the same call,
so a caller cannot change a session and forget to tell people. Whom to tell is part of
the call (NoticeAudience): whoever answered yes or maybe, or everyone, since the group
is open and anyone may come any week.

A suggested name or a quick reason is kept as its key (bot.services.names), so that
each reader sees it in their own language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import LANGUAGES, Translator
from bot.models import (
    DEFAULT_CAPACITY,
    Answer,
    Occurrence,
    OccurrenceStatus,
    Person,
    Rsvp,
    Series,
)
from bot.services import notices, people, recurrence, rsvp
from bot.services.names import REASON_KEYS, TITLE_KEYS
from bot.services.notices import (
    AudienceCounts,
    Change,
    ChangeKind,
    NoticeAudience,
    SeriesChange,
    SeriesChangeKind,
)
from bot.services.recurrence import SeriesRule

HORIZON = timedelta(weeks=8)
MAX_TITLE = 100
MAX_PLACE = 200
MAX_DESCRIPTION = 1000
MAX_REASON = 300
MAX_CAPACITY = 500


class CalendarError(ValueError):
    """A refused change; `code` names the problem for the facilitator's message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class SeriesInput:
    title: str
    place: str
    weekday: int
    start_time: time
    duration_minutes: int
    first_date: date
    interval_weeks: int = 1
    until: date | None = None
    capacity: int = DEFAULT_CAPACITY
    description: str | None = None
    map_url: str | None = None
    # A suggested name's key (bot.services.names.TITLE_KEYS); None for a typed name.
    title_key: str | None = None


def rule_of(series: Series, tz: ZoneInfo) -> SeriesRule:
    return SeriesRule(
        weekday=series.weekday,
        start_time=series.start_time,
        duration_minutes=series.duration_minutes,
        interval_weeks=series.interval_weeks,
        first_date=series.first_date,
        until=series.until,
        tz=tz,
    )


def _check_texts(title: str, place: str, capacity: int, description: str | None) -> None:
    if not title.strip() or len(title) > MAX_TITLE:
        raise CalendarError("title")
    if not place.strip() or len(place) > MAX_PLACE:
        raise CalendarError("place")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise CalendarError("capacity")
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise CalendarError("description")


def _check_title_key(title_key: str | None) -> None:
    if title_key is not None and title_key not in TITLE_KEYS:
        raise CalendarError("title")


def validate_series(data: SeriesInput, tz: ZoneInfo) -> SeriesRule:
    _check_texts(data.title, data.place, data.capacity, data.description)
    _check_title_key(data.title_key)
    rule = SeriesRule(
        weekday=data.weekday,
        start_time=data.start_time,
        duration_minutes=data.duration_minutes,
        interval_weeks=data.interval_weeks,
        first_date=data.first_date,
        until=data.until,
        tz=tz,
    )
    problems = recurrence.validate_rule(rule)
    if problems:
        raise CalendarError(problems[0])
    return rule


async def create_series(
    session: AsyncSession, *, data: SeriesInput, creator: Person, now: datetime, tz: ZoneInfo
) -> Series:
    if not creator.is_facilitator:
        raise PermissionError("only facilitators manage the calendar")
    validate_series(data, tz)
    series = Series(
        title=data.title.strip(),
        title_key=data.title_key,
        description=(data.description or "").strip() or None,
        place=data.place.strip(),
        map_url=data.map_url,
        weekday=data.weekday,
        start_time=data.start_time,
        duration_minutes=data.duration_minutes,
        interval_weeks=data.interval_weeks,
        first_date=data.first_date,
        until=data.until,
        capacity=data.capacity,
        created_by_id=creator.id,
        created_at=now,
    )
    session.add(series)
    await session.flush()
    await materialize(session, series, now=now, tz=tz)
    return series


async def create_one_off(
    session: AsyncSession,
    *,
    creator: Person,
    title: str,
    place: str,
    starts_at: datetime,
    duration_minutes: int,
    now: datetime,
    tz: ZoneInfo,
    capacity: int = DEFAULT_CAPACITY,
    description: str | None = None,
    map_url: str | None = None,
    title_key: str | None = None,
) -> Occurrence:
    if not creator.is_facilitator:
        raise PermissionError("only facilitators manage the calendar")
    _check_texts(title, place, capacity, description)
    _check_title_key(title_key)
    if not 5 <= duration_minutes <= 24 * 60:
        raise CalendarError("duration")
    if starts_at <= now:
        raise CalendarError("past")
    occurrence = Occurrence(
        series_id=None,
        local_date=starts_at.astimezone(tz).date(),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=duration_minutes),
        title=title.strip(),
        title_key=title_key,
        description=(description or "").strip() or None,
        place=place.strip(),
        map_url=map_url,
        capacity=capacity,
        status=OccurrenceStatus.SCHEDULED,
        walk_ins=0,
        created_at=now,
        scheduled_at=now,
    )
    session.add(occurrence)
    await session.flush()
    return occurrence


async def materialize(
    session: AsyncSession, series: Series, *, now: datetime, tz: ZoneInfo
) -> int:
    """Write the series' sessions up to HORIZON ahead; existing dates are left alone."""
    if series.ended_at is not None:
        return 0
    rule = rule_of(series, tz)
    dates = recurrence.occurrences_between(rule, now, now + HORIZON)
    if not dates:
        return 0
    rows = [
        {
            "series_id": series.id,
            "local_date": start.astimezone(tz).date(),
            "starts_at": start,
            "ends_at": end,
            "title": series.title,
            "title_key": series.title_key,
            "description": series.description,
            "place": series.place,
            "map_url": series.map_url,
            "capacity": series.capacity,
            "status": OccurrenceStatus.SCHEDULED,
            "walk_ins": 0,
            "group_chat_id": series.group_chat_id,
            "created_at": now,
            "scheduled_at": now,
        }
        for start, end in dates
    ]
    insert = (
        postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    result = await session.execute(
        insert(Occurrence)
        .on_conflict_do_nothing(index_elements=["series_id", "local_date"])
        .returning(Occurrence.id),
        rows,
    )
    return len(result.all())


async def materialize_all(session: AsyncSession, *, now: datetime, tz: ZoneInfo) -> int:
    total = 0
    for series in await active_series(session):
        total += await materialize(session, series, now=now, tz=tz)
    return total


async def active_series(session: AsyncSession) -> list[Series]:
    rows = await session.scalars(
        select(Series).where(Series.ended_at.is_(None)).order_by(Series.weekday, Series.id)
    )
    return list(rows)


async def upcoming(
    session: AsyncSession, *, now: datetime, limit: int = 3, include_cancelled: bool = False
) -> list[Occurrence]:
    """The next sessions (not started yet), soonest first."""
    query = select(Occurrence).where(Occurrence.starts_at > now)
    if not include_cancelled:
        query = query.where(Occurrence.status == OccurrenceStatus.SCHEDULED)
    rows = await session.scalars(query.order_by(Occurrence.starts_at, Occurrence.id).limit(limit))
    return list(rows)


async def recent(session: AsyncSession, *, now: datetime, limit: int = 3) -> list[Occurrence]:
    """Sessions that have started, most recent first (attendance is taken on these)."""
    rows = await session.scalars(
        select(Occurrence)
        .where(Occurrence.starts_at <= now, Occurrence.status == OccurrenceStatus.SCHEDULED)
        .order_by(Occurrence.starts_at.desc())
        .limit(limit)
    )
    return list(rows)


async def get_occurrence(session: AsyncSession, occurrence_id: int) -> Occurrence | None:
    return await session.get(Occurrence, occurrence_id)


async def _answered(
    session: AsyncSession, occurrence_id: int, *, among: set[int] | None, by: Person
) -> list[int]:
    """Who answered yes or maybe to this session and is told (within `among` if given)."""
    ids = await notices.recipients(
        session,
        audience=NoticeAudience.ANSWERED,
        occurrence_ids=[occurrence_id],
        exclude_id=by.id,
    )
    return [i for i in ids if among is None or i in among]


async def _tell(
    session: AsyncSession,
    changes: list[Change],
    *,
    translator: Translator,
    tz: ZoneInfo,
    now: datetime,
    group_language: str,
    author: Person,
    to_group: bool = True,
) -> None:
    for change in changes:
        await notices.notify_change(
            session,
            change,
            translator=translator,
            tz=tz,
            now=now,
            group_language=group_language,
            author=author,
            to_group=to_group,
        )


async def _tell_one(
    session: AsyncSession,
    occurrence: Occurrence,
    *,
    kind: ChangeKind,
    by: Person,
    audience: NoticeAudience,
    translator: Translator,
    tz: ZoneInfo,
    now: datetime,
    group_language: str,
    old: datetime | None = None,
) -> Change:
    """One session changed: who is told, and their notices, in the same transaction."""
    told = await notices.recipients(
        session, audience=audience, occurrence_ids=[occurrence.id], exclude_id=by.id
    )
    change = Change(occurrence.id, kind, told, old)
    await _tell(
        session,
        [change],
        translator=translator,
        tz=tz,
        now=now,
        group_language=group_language,
        author=by,
    )
    return change


async def notice_counts(
    session: AsyncSession,
    *,
    by: Person,
    now: datetime,
    occurrence_id: int | None = None,
    series_id: int | None = None,
) -> AudienceCounts:
    """How many people each audience would tell about a change to a session or a series
    (its coming sessions): the numbers on the facilitator's buttons."""
    if occurrence_id is not None:
        ids = [occurrence_id]
    elif series_id is not None:
        ids = [o.id for o in await _future_of(session, series_id, now)]
    else:
        ids = []
    return await notices.audience_counts(session, occurrence_ids=ids, exclude_id=by.id)


def _reason(reason: str | None, reason_key: str | None) -> tuple[str | None, str | None]:
    """A typed reason, or a quick reason's key (with its words as a fallback)."""
    text = (reason or "").strip() or None
    if reason_key is not None:
        if reason_key not in REASON_KEYS:
            raise CalendarError("reason")
        return (text[:MAX_REASON] if text else None), reason_key
    if text is None or len(text) > MAX_REASON:
        raise CalendarError("reason")
    return text, None


async def cancel_occurrence(
    session: AsyncSession,
    *,
    occurrence_id: int,
    by: Person,
    now: datetime,
    translator: Translator,
    tz: ZoneInfo,
    group_language: str,
    reason: str | None = None,
    reason_key: str | None = None,
    audience: NoticeAudience = NoticeAudience.ANSWERED,
) -> Change:
    """Cancel one session, for a typed reason or a quick one (`reason_key`, shown in each
    reader's language); the audience and the session's group are told.

    `group_language` is the group's language when none was chosen at /lier.
    """
    if not by.is_facilitator:
        raise PermissionError("only facilitators manage the calendar")
    text, key = _reason(reason, reason_key)
    occurrence = await _changeable(session, occurrence_id, now)
    occurrence.status = OccurrenceStatus.CANCELLED
    occurrence.cancel_reason = text
    occurrence.cancel_reason_key = key
    return await _tell_one(
        session,
        occurrence,
        by=by,
        audience=audience,
        translator=translator,
        tz=tz,
        now=now,
        group_language=group_language,
        kind=ChangeKind.CANCELLED,
    )


async def move_occurrence(
    session: AsyncSession,
    *,
    occurrence_id: int,
    new_start: datetime,
    by: Person,
    now: datetime,
    translator: Translator,
    tz: ZoneInfo,
    group_language: str,
    audience: NoticeAudience = NoticeAudience.ANSWERED,
) -> Change:
    """Move one session to another time; the audience and the session's group are told.

    Answers are kept: each person told reads whether theirs still holds.
    """
    if not by.is_facilitator:
        raise PermissionError("only facilitators manage the calendar")
    occurrence = await _changeable(session, occurrence_id, now)
    if new_start <= now:
        raise CalendarError("past")
    if new_start == occurrence.starts_at:
        raise CalendarError("same_time")
    old = occurrence.starts_at
    length = occurrence.ends_at - occurrence.starts_at
    occurrence.moved_from = occurrence.moved_from or old
    occurrence.starts_at = new_start
    occurrence.scheduled_at = now
    occurrence.ends_at = new_start + length
    # Reminders follow the new time.
    occurrence.day_before_sent_at = None
    occurrence.hours_before_sent_at = None
    return await _tell_one(
        session,
        occurrence,
        by=by,
        audience=audience,
        translator=translator,
        tz=tz,
        now=now,
        group_language=group_language,
        kind=ChangeKind.MOVED,
        old=old,
    )


async def _changeable(session: AsyncSession, occurrence_id: int, now: datetime) -> Occurrence:
    """The session, locked, if it can still be cancelled or moved."""
    occurrence = await session.get(Occurrence, occurrence_id, with_for_update=True)
    if occurrence is None:
        raise CalendarError("unknown")
    if occurrence.status == OccurrenceStatus.CANCELLED:
        raise CalendarError("already_cancelled")
    if occurrence.starts_at <= now:
        raise CalendarError("started")
    return occurrence


async def answer_for(
    session: AsyncSession,
    *,
    occurrence_id: int,
    person: Person,
    answer: Answer,
    by: Person,
    now: datetime,
    translator: Translator,
    tz: ZoneInfo,
) -> rsvp.Outcome:
    """Record an answer on someone's behalf; whoever it moves in or out of a seat is told.

    The person answered for is not told: the facilitator noted what they said. Someone
    without Telegram is counted like anyone, and never messaged.
    """
    if not by.is_facilitator:
        raise PermissionError("only facilitators answer for someone")
    outcome = await rsvp.respond(
        session, occurrence_id=occurrence_id, person=person, answer=answer, now=now, by=by
    )
    await notices.notify_seat_moves(
        session,
        occurrence_id=occurrence_id,
        moved=outcome.moved,
        translator=translator,
        tz=tz,
        now=now,
    )
    return outcome


async def forget_offline_person(
    session: AsyncSession,
    *,
    person_id: int,
    by: Person,
    now: datetime,
    translator: Translator,
    tz: ZoneInfo,
) -> bool:
    """Erase someone without Telegram who asked; the seats they held go to the waiting
    list (whoever gets one is told). False when there is no such person."""
    if not by.is_facilitator:
        raise PermissionError("only facilitators erase people")
    person = await session.get(Person, person_id)
    if person is None or person.uses_telegram:
        return False
    coming = await session.scalars(
        select(Rsvp.occurrence_id)
        .join(Occurrence, Occurrence.id == Rsvp.occurrence_id)
        .where(
            Rsvp.person_id == person.id,
            Rsvp.answer == Answer.YES,
            Occurrence.starts_at > now,
            Occurrence.status == OccurrenceStatus.SCHEDULED,
        )
    )
    for occurrence_id in list(coming):
        await answer_for(
            session,
            occurrence_id=occurrence_id,
            person=person,
            answer=Answer.NO,
            by=by,
            now=now,
            translator=translator,
            tz=tz,
        )
    return await people.forget_offline_person(session, person_id=person.id, by=by)


async def _future_of(session: AsyncSession, series_id: int, now: datetime) -> list[Occurrence]:
    rows = await session.scalars(
        select(Occurrence)
        .where(
            Occurrence.series_id == series_id,
            Occurrence.starts_at > now,
            Occurrence.status == OccurrenceStatus.SCHEDULED,
        )
        .order_by(Occurrence.starts_at)
    )
    return list(rows)


@dataclass(frozen=True)
class SeriesUpdate:
    """What a change to a series did to its future sessions (everyone concerned is told)."""

    series: Series
    moved: list[Change]  # sessions whose time changed
    promoted: int  # answers that got a seat (more seats)
    demoted: int  # answers back in line (fewer seats)
    told: int = 0  # people told of a new time or place, each counted once


async def update_series(
    session: AsyncSession,
    *,
    series_id: int,
    by: Person,
    now: datetime,
    tz: ZoneInfo,
    translator: Translator,
    group_language: str,
    title: str | None = None,
    title_key: str | None = None,
    place: str | None = None,
    description: str | None = None,
    map_url: str | None = None,
    start_time: time | None = None,
    duration_minutes: int | None = None,
    capacity: int | None = None,
    audience: NoticeAudience = NoticeAudience.ANSWERED,
) -> SeriesUpdate:
    """Edit a series; the change applies to its future sessions (not to moved ones' time).

    A new time or place is told to the audience: whoever answered a session whose time
    changed gets a notice about that session (their answer is kept, with the buttons),
    the others one notice about the series; the group gets one. People a new capacity
    gives a seat or puts back in line are told too. All in the same transaction.
    A new `title` is the facilitator's own words unless `title_key` names it.
    """
    if not by.is_facilitator:
        raise PermissionError("only facilitators manage the calendar")
    series = await session.get(Series, series_id, with_for_update=True)
    if series is None or series.ended_at is not None:
        raise CalendarError("unknown")
    new_title = series.title if title is None else title
    new_place = series.place if place is None else place
    new_capacity = series.capacity if capacity is None else capacity
    _check_texts(new_title, new_place, new_capacity, description)
    _check_title_key(title_key)
    if duration_minutes is not None and not 5 <= duration_minutes <= 24 * 60:
        raise CalendarError("duration")
    time_changed = start_time is not None and start_time != series.start_time
    place_changed = new_place.strip() != series.place
    if title is not None:
        series.title_key = title_key
    series.title, series.place, series.capacity = (
        new_title.strip(),
        new_place.strip(),
        new_capacity,
    )
    if description is not None:
        series.description = description.strip() or None
    if map_url is not None:
        series.map_url = map_url or None
    if start_time is not None:
        series.start_time = start_time
    if duration_minutes is not None:
        series.duration_minutes = duration_minutes
    future = await _future_of(session, series.id, now)
    told: set[int] = set()
    if time_changed or place_changed:
        told = set(
            await notices.recipients(
                session,
                audience=audience,
                occurrence_ids=[o.id for o in future],
                exclude_id=by.id,
            )
        )
    changes: list[Change] = []
    seat_moves: list[tuple[int, list[rsvp.Moved]]] = []
    for occurrence in future:
        occurrence.title, occurrence.title_key = series.title, series.title_key
        occurrence.place = series.place
        occurrence.description, occurrence.map_url = series.description, series.map_url
        if occurrence.moved_from is None and (start_time is not None or duration_minutes):
            start = recurrence.local_to_utc(occurrence.local_date, series.start_time, tz)
            if start != occurrence.starts_at and start > now:
                old = occurrence.starts_at
                occurrence.starts_at = start
                occurrence.scheduled_at = now
                occurrence.day_before_sent_at = None
                occurrence.hours_before_sent_at = None
                changes.append(
                    Change(
                        occurrence.id,
                        ChangeKind.MOVED,
                        await _answered(session, occurrence.id, among=told, by=by),
                        old,
                    )
                )
            occurrence.ends_at = occurrence.starts_at + timedelta(minutes=series.duration_minutes)
        if capacity is not None and occurrence.capacity != capacity:
            _seats, moved = await rsvp.set_capacity(
                session, occurrence_id=occurrence.id, capacity=capacity
            )
            seat_moves.append((occurrence.id, moved))
    # Told once every session is in its final state: the notices quote it. The group
    # gets one notice about the series rather than one per session.
    await _tell(
        session,
        changes,
        translator=translator,
        tz=tz,
        now=now,
        group_language=group_language,
        author=by,
        to_group=False,
    )
    if time_changed or place_changed:
        already = {person for change in changes for person in change.person_ids}
        following = next((o for o in future if o.starts_at > now), None)
        await notices.notify_series(
            session,
            SeriesChange(
                series.id,
                SeriesChangeKind.CHANGED,
                sorted(told - already),
                time_changed=time_changed,
                place_changed=place_changed,
                next_occurrence_id=following.id if following else None,
            ),
            translator=translator,
            tz=tz,
            now=now,
            group_language=group_language,
            author=by,
        )
    for occurrence_id, moved in seat_moves:
        await notices.notify_seat_moves(
            session,
            occurrence_id=occurrence_id,
            moved=moved,
            translator=translator,
            tz=tz,
            now=now,
        )
    everyone_moved = [m for _, moved in seat_moves for m in moved]
    return SeriesUpdate(
        series,
        changes,
        promoted=sum(1 for m in everyone_moved if m.promoted),
        demoted=sum(1 for m in everyone_moved if not m.promoted),
        told=len(told),
    )


@dataclass(frozen=True)
class SeriesStop:
    """A stopped series: how many coming sessions were cancelled, how many people told."""

    series: Series
    cancelled: list[int]  # the sessions' ids
    told: int


async def end_series(
    session: AsyncSession,
    *,
    series_id: int,
    by: Person,
    now: datetime,
    tz: ZoneInfo,
    translator: Translator,
    group_language: str,
    audience: NoticeAudience = NoticeAudience.ANSWERED,
) -> SeriesStop:
    """Stop a series: its future sessions are cancelled; the audience gets one notice
    each (whoever answered: any of those sessions), and the group one."""
    if not by.is_facilitator:
        raise PermissionError("only facilitators manage the calendar")
    series = await session.get(Series, series_id, with_for_update=True)
    if series is None or series.ended_at is not None:
        raise CalendarError("unknown")
    series.ended_at = now
    series.until = max(series.first_date, now.astimezone(tz).date())
    future = await _future_of(session, series.id, now)
    told = await notices.recipients(
        session, audience=audience, occurrence_ids=[o.id for o in future], exclude_id=by.id
    )
    for occurrence in future:
        occurrence.status = OccurrenceStatus.CANCELLED
        occurrence.cancel_reason = None
        occurrence.cancel_reason_key = None
    await notices.notify_series(
        session,
        SeriesChange(series.id, SeriesChangeKind.STOPPED, told),
        translator=translator,
        tz=tz,
        now=now,
        group_language=group_language,
        author=by,
    )
    return SeriesStop(series, [o.id for o in future], len(told))


async def link_group(
    session: AsyncSession,
    *,
    series_id: int,
    chat_id: int,
    by: Person,
    now: datetime,
    language: str | None = None,
) -> Series:
    """The group `chat_id` follows this series; `language` is the one its posts use."""
    if not by.is_facilitator:
        raise PermissionError("only facilitators link groups")
    series = await session.get(Series, series_id)
    if series is None or series.ended_at is not None:
        raise CalendarError("unknown")
    if language is not None and language not in LANGUAGES:
        raise CalendarError("language")
    if series.group_chat_id != chat_id:
        series.group_language = None  # a new group chooses its language again
    series.group_chat_id = chat_id
    if language is not None:
        series.group_language = language
    await session.execute(
        update(Occurrence)
        .where(Occurrence.series_id == series.id, Occurrence.starts_at > now)
        .values(group_chat_id=chat_id)
    )
    return series


async def series_events(
    session: AsyncSession, *, series_id: int, now: datetime, limit: int = 12
) -> tuple[Series | None, list[Occurrence]]:
    """A series and its coming sessions (cancelled ones included), for the .ics file."""
    series = await session.get(Series, series_id)
    if series is None:
        return None, []
    rows = await session.scalars(
        select(Occurrence)
        .where(Occurrence.series_id == series_id, Occurrence.ends_at > now)
        .order_by(Occurrence.starts_at)
        .limit(limit)
    )
    return series, list(rows)
