"""The facilitators' group mood figures, and the rules that keep each person unseen.

A figure (how many answers per face, their average) is shown for a session or a month
only when at least MIN_PEOPLE different people answered. Two figures shown together must
not tell, by subtraction, anything about fewer than MIN_PEOPLE people either: a session of
6 people and its month of 7 would show the seventh person's mood.

Check-ins are cut into disjoint parts: a check-in belongs to one month (its local day),
and to at most one session (the one it follows, on that session's day). A month minus
the sessions shown in it leaves "the rest"; subtracting fewer sessions leaves the rest
plus whole shown sessions, each of MIN_PEOPLE people or more. So the one difference to
watch is the rest: it must be empty or hold MIN_PEOPLE people.

Figures only appear once they can no longer change (a session the day after, a month
once it is over), so nobody watches a figure grow one person at a time. A session's
figure appears weeks before its month's: when the rest is too small, it is the month that
stays hidden, as hiding a session then would not make anyone forget it. Only a session
on the month's last day appears together with its month; that one may give way to it.

Notes and named moods never appear in figures; `shared_notes` is the only place they
reach a facilitator, and only those a participant chose to share.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.models import CheckIn, Occurrence, OccurrenceStatus, Person
from bot.services.talk import first_name

MIN_PEOPLE = 5
FACES = (1, 2, 3, 4, 5)  # 😞 to 😄

# A check-in, as the privacy rule sees it: (person id, check-in id).
Row = tuple[int, int]
Counts = tuple[int, int, int, int, int]


class Hidden(enum.StrEnum):
    """Why a figure is not shown."""

    TOO_FEW = "too_few"  # fewer than MIN_PEOPLE people answered
    DAY_NOT_OVER = "day_not_over"  # the session's day is not over: more answers may come
    MONTH_NOT_OVER = "month_not_over"  # the month is in progress
    WOULD_REVEAL_FEW = "would_reveal_few"  # with the others shown, it tells about a few


@dataclass(frozen=True)
class Figure:
    """Answers per face (1 to 5), from `people` different people."""

    counts: Counts
    people: int

    @property
    def answers(self) -> int:
        return sum(self.counts)

    @property
    def average(self) -> float:
        total = self.answers
        return sum(face * n for face, n in zip(FACES, self.counts, strict=True)) / total


@dataclass(frozen=True)
class MonthFigure:
    month: date  # its first day
    figure: Figure | None  # None when hidden: then nothing about it is given
    reason: Hidden | None  # why it is hidden (None when shown)


@dataclass(frozen=True)
class SessionFigure:
    occurrence_id: int
    local_date: date
    title: str
    title_key: str | None
    figure: Figure | None
    reason: Hidden | None


@dataclass(frozen=True)
class GroupOverview:
    months: list[MonthFigure]  # oldest first; the last one is the current month
    sessions: list[SessionFigure]  # newest first


@dataclass(frozen=True)
class SharedNote:
    """A word a participant chose to share with the team, with their first name."""

    check_in_id: int
    person_id: int
    name: str
    local_date: date
    mood: int
    note: str | None
    voice_file_id: str | None


@dataclass(frozen=True)
class Publication:
    """What may be shown of one month and its sessions (None: shown)."""

    month: Hidden | None
    sessions: Mapping[int, Hidden | None]

    @property
    def month_shown(self) -> bool:
        return self.month is None

    @property
    def shown_sessions(self) -> frozenset[int]:
        return frozenset(sid for sid, reason in self.sessions.items() if reason is None)


# --- The rule, without a database ------------------------------------------------------


def _month_reason(people: int, *, over: bool) -> Hidden | None:
    if not over:
        return Hidden.MONTH_NOT_OVER
    return Hidden.TOO_FEW if people < MIN_PEOPLE else None


def _session_reason(people: int, *, day_over: bool) -> Hidden | None:
    if not day_over:
        return Hidden.DAY_NOT_OVER
    return Hidden.TOO_FEW if people < MIN_PEOPLE else None


def _settle(
    month: Hidden | None,
    sessions: Mapping[int, Hidden | None],
    *,
    rest_people: int,
    yielding: Sequence[int],
) -> Publication:
    """Apply the subtraction rule to figures each shown on their own merits.

    `rest_people`: the people of the month's check-ins outside the shown sessions;
    `yielding`: shown sessions that appear together with the month, first to hide first.
    """
    decided = dict(sessions)
    if month is None and 0 < rest_people < MIN_PEOPLE:
        if yielding:
            # Its MIN_PEOPLE or more people join the rest, which is then large enough:
            # one session hidden always settles it.
            decided[yielding[0]] = Hidden.WOULD_REVEAL_FEW
        else:
            month = Hidden.WOULD_REVEAL_FEW
    return Publication(month, decided)


def _people(rows: Iterable[Row]) -> int:
    return len({person for person, _ in rows})


def publishable(
    month_rows: AbstractSet[Row],
    sessions: Mapping[int, AbstractSet[Row]],
    *,
    month_over: bool = True,
    days_not_over: AbstractSet[int] = frozenset(),
    with_month: AbstractSet[int] = frozenset(),
) -> Publication:
    """What may be shown of a month (all its check-ins) and its sessions (disjoint parts).

    `days_not_over`: sessions whose day is not over yet. `with_month`: sessions whose
    figure appears the same day as the month's (on its last day); only those may be
    hidden for the month's sake, the others having been seen already. Among them the
    smallest goes first, then the latest (highest id).
    """
    seen: set[Row] = set()
    for rows in sessions.values():
        if not rows <= month_rows or seen & rows:
            raise ValueError("sessions must be disjoint parts of their month")
        seen |= rows
    reasons = {
        sid: _session_reason(_people(rows), day_over=sid not in days_not_over)
        for sid, rows in sessions.items()
    }
    shown = [sid for sid, reason in reasons.items() if reason is None]
    rest = set(month_rows).difference(*(sessions[sid] for sid in shown))
    yielding = sorted(
        (sid for sid in shown if sid in with_month),
        key=lambda sid: (_people(sessions[sid]), -sid),
    )
    return _settle(
        _month_reason(_people(month_rows), over=month_over),
        reasons,
        rest_people=_people(rest),
        yielding=yielding,
    )


# --- Months ------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _last_day(first: date) -> date:
    return _add_months(first, 1) - timedelta(days=1)


def _month_index(first: date, day: date) -> int:
    """How many months after `first`'s month `day` falls."""
    return (day.year - first.year) * 12 + day.month - first.month


# --- Database ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tally:
    counts: Counts
    people: int


_EMPTY = _Tally((0, 0, 0, 0, 0), 0)


@dataclass(frozen=True)
class _MonthTally:
    tally: _Tally
    rest_people: int  # people of its check-ins outside the sessions shown on their own


@dataclass(frozen=True)
class _SessionInfo:
    id: int
    local_date: date
    starts_at: datetime


@dataclass(frozen=True)
class _Computed:
    months: dict[date, tuple[Figure | None, Hidden | None]]
    sessions: dict[int, tuple[Figure | None, Hidden | None]]


def _faces(mood: Any) -> list[Any]:
    return [func.sum(case((mood == face, 1), else_=0)) for face in FACES]


def _tally(values: Sequence[Any]) -> _Tally:
    """The five face sums, then the number of people."""
    a, b, c, d, e, people = (int(v or 0) for v in values)
    return _Tally((a, b, c, d, e), people)


def _figure(tally: _Tally, reason: Hidden | None) -> Figure | None:
    return Figure(tally.counts, tally.people) if reason is None else None


async def _sessions_in(
    session: AsyncSession, first: date, end: date
) -> tuple[list[_SessionInfo], dict[int, _Tally]]:
    """The sessions held from `first` to `end` (excluded), and their check-ins of that day."""
    held = (
        Occurrence.status == OccurrenceStatus.SCHEDULED,
        Occurrence.local_date >= first,
        Occurrence.local_date < end,
    )
    infos = [
        _SessionInfo(sid, day, at)
        for sid, day, at in (
            await session.execute(
                select(Occurrence.id, Occurrence.local_date, Occurrence.starts_at).where(*held)
            )
        ).all()
    ]
    # Only the check-ins of the session's own day: one made later would change a
    # figure already shown (it counts in its month's rest instead).
    stmt = (
        select(Occurrence.id, *_faces(CheckIn.mood), func.count(func.distinct(CheckIn.person_id)))
        .join(
            CheckIn,
            and_(
                CheckIn.occurrence_id == Occurrence.id,
                CheckIn.local_date == Occurrence.local_date,
            ),
        )
        .where(*held)
        .group_by(Occurrence.id)
    )
    tallies = {int(row[0]): _tally(row[1:]) for row in (await session.execute(stmt)).all()}
    return infos, tallies


async def _months_in(
    session: AsyncSession, bounds: Sequence[date], shown: Sequence[int]
) -> dict[int, _MonthTally]:
    """Month i (from bounds[i] to bounds[i + 1]): its figure, and the people of its rest."""
    # Months as date ranges computed here: SQLite and PostgreSQL extract them differently.
    bucket = case(
        *((CheckIn.local_date < bounds[i + 1], i) for i in range(len(bounds) - 1)),
        else_=len(bounds) - 1,
    )
    part = aliased(Occurrence)
    inner = (
        select(
            bucket.label("bucket"),
            CheckIn.person_id,
            CheckIn.mood,
            # The person, when this check-in is outside every shown session.
            case((part.id.is_(None), CheckIn.person_id), else_=None).label("rest"),
        )
        .outerjoin(
            part,
            and_(
                part.id == CheckIn.occurrence_id,
                part.local_date == CheckIn.local_date,
                part.id.in_(shown),
            ),
        )
        .where(CheckIn.local_date >= bounds[0], CheckIn.local_date < bounds[-1])
        .subquery()
    )
    # Grouping on a subquery's column: PostgreSQL will not match a CASE with bound
    # parameters in GROUP BY to the same CASE in SELECT.
    stmt = select(
        inner.c.bucket,
        *_faces(inner.c.mood),
        func.count(func.distinct(inner.c.person_id)),
        func.count(func.distinct(inner.c.rest)),
    ).group_by(inner.c.bucket)
    return {
        int(row[0]): _MonthTally(_tally(row[1:7]), int(row[7] or 0))
        for row in (await session.execute(stmt)).all()
    }


async def _compute(session: AsyncSession, *, first: date, end: date, today: date) -> _Computed:
    """Figures of every month from `first` to `end` (excluded), and of their sessions."""
    bounds = [first]
    while bounds[-1] < end:
        bounds.append(_add_months(first, len(bounds)))
    starts = bounds[:-1]
    infos, session_tallies = await _sessions_in(session, first, end)
    session_reasons = {
        info.id: _session_reason(
            session_tallies.get(info.id, _EMPTY).people, day_over=info.local_date < today
        )
        for info in infos
    }
    # A session's own figure never depends on its month: it is seen before the month ends.
    shown = [sid for sid, reason in session_reasons.items() if reason is None]
    month_tallies = await _months_in(session, bounds, shown)
    by_month: dict[int, list[_SessionInfo]] = {i: [] for i in range(len(starts))}
    for info in infos:
        by_month[_month_index(first, info.local_date)].append(info)

    months: dict[date, tuple[Figure | None, Hidden | None]] = {}
    sessions: dict[int, tuple[Figure | None, Hidden | None]] = {}
    for i, start in enumerate(starts):
        found = month_tallies.get(i, _MonthTally(_EMPTY, 0))
        last = _last_day(start)
        yielding = sorted(
            (
                info
                for info in by_month[i]
                if session_reasons[info.id] is None and info.local_date == last
            ),
            key=lambda info: (
                session_tallies.get(info.id, _EMPTY).people,
                -info.starts_at.timestamp(),
                -info.id,
            ),
        )
        publication = _settle(
            _month_reason(found.tally.people, over=_add_months(start, 1) <= today),
            {info.id: session_reasons[info.id] for info in by_month[i]},
            rest_people=found.rest_people,
            yielding=[info.id for info in yielding],
        )
        months[start] = (_figure(found.tally, publication.month), publication.month)
        for sid, reason in publication.sessions.items():
            sessions[sid] = (_figure(session_tallies.get(sid, _EMPTY), reason), reason)
    return _Computed(months, sessions)


async def group_overview(
    session: AsyncSession,
    *,
    today: date,
    months: int = 12,
    recent_sessions: int = 8,
    now: datetime | None = None,
) -> GroupOverview:
    """The last `months` months (the current one in progress) and the latest sessions.

    Sessions listed are those whose day is over, newest first; with `now`, today's
    sessions that have ended are listed too (their figure comes tomorrow). Only sessions
    of the months shown are listed: older months lose their answers day by day to the
    retention period, which would change what the rule decides for a session seen before.
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    current = month_start(today)
    first = _add_months(current, 1 - months)
    ended = Occurrence.local_date < today
    if now is not None:
        ended = or_(ended, and_(Occurrence.local_date == today, Occurrence.ends_at <= now))
    listed = list(
        (
            await session.execute(
                select(Occurrence)
                .where(
                    Occurrence.status == OccurrenceStatus.SCHEDULED,
                    Occurrence.local_date >= first,
                    ended,
                )
                .order_by(
                    Occurrence.local_date.desc(),
                    Occurrence.starts_at.desc(),
                    Occurrence.id.desc(),
                )
                .limit(recent_sessions)
            )
        ).scalars()
    )
    computed = await _compute(session, first=first, end=_add_months(current, 1), today=today)
    window = [_add_months(current, i - months + 1) for i in range(months)]
    return GroupOverview(
        months=[MonthFigure(m, *computed.months[m]) for m in window],
        sessions=[
            SessionFigure(o.id, o.local_date, o.title, o.title_key, *computed.sessions[o.id])
            for o in listed
        ],
    )


async def session_figure(
    session: AsyncSession, *, occurrence_id: int, today: date
) -> SessionFigure | None:
    """One session's figure, as the overview shows it; None for a cancelled or unknown one."""
    occurrence = await session.get(Occurrence, occurrence_id)
    if occurrence is None or occurrence.status != OccurrenceStatus.SCHEDULED:
        return None
    if occurrence.local_date >= today:
        figure: Figure | None = None
        reason: Hidden | None = Hidden.DAY_NOT_OVER
    else:
        first = month_start(occurrence.local_date)
        computed = await _compute(session, first=first, end=_add_months(first, 1), today=today)
        figure, reason = computed.sessions[occurrence.id]
    return SessionFigure(
        occurrence.id,
        occurrence.local_date,
        occurrence.title,
        occurrence.title_key,
        figure,
        reason,
    )


async def shared_notes(session: AsyncSession, *, since: date, limit: int = 20) -> list[SharedNote]:
    """Words (typed or spoken) participants chose to share since `since`, newest first."""
    rows = (
        await session.execute(
            select(CheckIn, Person.display_name)
            .join(Person, Person.id == CheckIn.person_id)
            .where(
                CheckIn.shared.is_(True),
                CheckIn.local_date >= since,
                or_(
                    and_(CheckIn.note.is_not(None), CheckIn.note != ""),
                    CheckIn.voice_file_id.is_not(None),
                ),
            )
            .order_by(CheckIn.local_date.desc(), CheckIn.updated_at.desc(), CheckIn.id.desc())
            .limit(limit)
        )
    ).all()
    return [
        SharedNote(
            check_in_id=c.id,
            person_id=c.person_id,
            name=first_name(name),
            local_date=c.local_date,
            mood=c.mood,
            note=c.note or None,
            voice_file_id=c.voice_file_id,
        )
        for c, name in rows
    ]
