"""What the workshop did: sessions, attendance, people per month, projects.

Figures only, no names: the facilitators' dashboard and the funders' report both read
them. Counting rules, the same everywhere:

- A session is "held" when it was not cancelled; cancelled sessions count as cancelled
  and nothing else (their answers and walk-ins are left out of every attendance figure).
- "Said yes": people with a seat (not in the waiting line), a "+1" counting for two.
- "Present": people marked present, plus the anonymous walk-ins. A "+1" guest is not
  counted as present unless the facilitator added them as a walk-in (as the attendance
  sheet shows it).
- "Came unannounced": present without a seat (no "yes", or a "yes" still in the waiting
  line), plus the walk-ins.
- "Yes then present" is only counted for sessions where attendance was taken: elsewhere
  nobody knows who came. A present person who said yes with a "+1" counts for two, so
  that it compares with "said yes".
- A month is a local month (`tz`): a session belongs to the month of its local start.
- A person is "new" in the month of their first attendance ever, "returning" after.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.models import (
    Answer,
    Occurrence,
    OccurrenceStatus,
    ProjectChange,
    ProjectStatus,
    Rsvp,
    Support,
    SupportKind,
)

REGULAR_TIMES = 4  # present this many times in a month: a regular


@dataclass(frozen=True)
class SessionFigures:
    """One held or cancelled session (occurrence), with its attendance figures.

    For a cancelled session, `present`, `came_unannounced` and `yes_then_present` are 0
    and `attendance_taken` is False; `said_yes` still tells how many had a seat.
    """

    occurrence_id: int
    starts_at: datetime  # UTC
    local_date: date  # the local day it started on
    title: str
    title_key: str | None
    cancelled: bool
    said_yes: int  # people with a seat (not waitlisted), a "+1" counting for two
    present: int  # people marked present + anonymous walk-ins
    came_unannounced: int  # present without a seat + anonymous walk-ins
    attendance_taken: bool
    walk_ins: int = 0  # anonymous walk-ins (part of `present` and `came_unannounced`)
    yes_then_present: int = 0  # "yes" (with their "+1") marked present; 0 if not taken
    hours: float = 0.0  # its length, in hours


@dataclass(frozen=True)
class MonthFigures:
    """One local month: its sessions and the people who came."""

    month: date  # first day of the local month
    sessions_held: int
    sessions_cancelled: int
    workshop_hours: float  # total length of the held sessions
    said_yes: int  # over held sessions
    yes_then_present: int  # over held sessions where attendance was taken
    present_total: int  # over held sessions, walk-ins included
    came_unannounced: int  # walk-ins included
    unique_people: int  # named people present at least once
    new_people: int  # ... whose first attendance ever is in this month
    returning_people: int  # ... who had come before this month
    regulars: int  # named people present REGULAR_TIMES times or more in the month
    walk_ins: int = 0  # anonymous walk-ins (part of present_total and came_unannounced)
    said_yes_checked: int = 0  # "said yes" over held sessions where attendance was taken
    sessions_checked: int = 0  # held sessions where attendance was taken

    @property
    def yes_rate(self) -> float | None:
        """How often a "yes" became "present" (0 to 1); None when nothing to compare."""
        return self.yes_then_present / self.said_yes_checked if self.said_yes_checked else None

    @property
    def average_present(self) -> float | None:
        """People present per held session where attendance was taken."""
        return self.present_total / self.sessions_checked if self.sessions_checked else None


@dataclass(frozen=True)
class ProjectFigures:
    """Project life in a period: how many projects reached each step, supports given."""

    proposed: int  # projects sent for checking (a project sent again counts once)
    open: int  # projects published (open to supports)
    selected: int  # projects chosen
    done: int  # projects finished
    supports: int  # 👍 given in the period (still standing)
    volunteers: int  # 🙋 given in the period (still standing)


# --- months in local time ------------------------------------------------------------------


def add_months(first: date, months: int) -> date:
    """The first day of the month `months` after `first`'s month."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_bounds(month: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants the local month starts and ends (DST-aware)."""
    first = month.replace(day=1)
    start = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(add_months(first, 1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def _months(first_month: date, last_month: date) -> list[date]:
    months = [first_month.replace(day=1)]
    while months[-1] < last_month.replace(day=1):
        months.append(add_months(months[-1], 1))
    return months


# --- sessions -------------------------------------------------------------------------------


def _seat() -> ColumnElement[int]:
    """A seat-holding "yes": 1, or 2 with a "+1"."""
    return case((Rsvp.plus_one.is_(True), 2), else_=1)


_HAS_SEAT = and_(Rsvp.answer == Answer.YES, Rsvp.waitlisted.is_(False))


async def sessions_between(
    session: AsyncSession, *, start: datetime, end: datetime, tz: ZoneInfo | None = None
) -> list[SessionFigures]:
    """Sessions that started in [start, end) (UTC), held or cancelled, oldest first.

    Pass `end` = now for past sessions only. `local_date` is the local day of the start
    (in `tz`; the series date when `tz` is not given).
    """
    occurrences = (
        await session.execute(
            select(
                Occurrence.id,
                Occurrence.starts_at,
                Occurrence.ends_at,
                Occurrence.local_date,
                Occurrence.title,
                Occurrence.title_key,
                Occurrence.status,
                Occurrence.walk_ins,
                Occurrence.attendance_taken_at,
            )
            .where(Occurrence.starts_at >= start, Occurrence.starts_at < end)
            .order_by(Occurrence.starts_at, Occurrence.id)
        )
    ).all()
    if not occurrences:
        return []
    present = Rsvp.present.is_(True)
    counts = {
        int(row[0]): tuple(int(v or 0) for v in row[1:])
        for row in (
            await session.execute(
                select(
                    Rsvp.occurrence_id,
                    func.sum(case((_HAS_SEAT, _seat()), else_=0)),
                    func.sum(case((present, 1), else_=0)),
                    func.sum(case((and_(present, _HAS_SEAT), _seat()), else_=0)),
                    func.sum(case((and_(present, ~_HAS_SEAT), 1), else_=0)),
                )
                .join(Occurrence, Occurrence.id == Rsvp.occurrence_id)
                .where(Occurrence.starts_at >= start, Occurrence.starts_at < end)
                .group_by(Rsvp.occurrence_id)
            )
        ).all()
    }
    figures = []
    for o in occurrences:
        said_yes, marked, yes_present, unseated = counts.get(o.id, (0, 0, 0, 0))
        cancelled = o.status == OccurrenceStatus.CANCELLED
        taken = o.attendance_taken_at is not None and not cancelled
        walk_ins = 0 if cancelled else o.walk_ins
        figures.append(
            SessionFigures(
                occurrence_id=o.id,
                starts_at=o.starts_at,
                local_date=o.starts_at.astimezone(tz).date() if tz else o.local_date,
                title=o.title,
                title_key=o.title_key,
                cancelled=cancelled,
                said_yes=said_yes,
                present=0 if cancelled else marked + walk_ins,
                came_unannounced=0 if cancelled else unseated + walk_ins,
                attendance_taken=taken,
                walk_ins=walk_ins,
                yes_then_present=yes_present if taken else 0,
                hours=(o.ends_at - o.starts_at).total_seconds() / 3600,
            )
        )
    return figures


# --- people -----------------------------------------------------------------------------------


def _attended() -> tuple[ColumnElement[bool], ...]:
    """Conditions of a named attendance: marked present at a held session."""
    return (Rsvp.present.is_(True), Occurrence.status == OccurrenceStatus.SCHEDULED)


async def _attendances(
    session: AsyncSession, start: datetime, end: datetime
) -> list[tuple[int, datetime]]:
    """(person, session start) of every named attendance in [start, end)."""
    rows = await session.execute(
        select(Rsvp.person_id, Occurrence.starts_at)
        .join(Occurrence, Occurrence.id == Rsvp.occurrence_id)
        .where(*_attended(), Occurrence.starts_at >= start, Occurrence.starts_at < end)
    )
    return [(int(person), at) for person, at in rows.all()]


async def _first_attendance(session: AsyncSession, people: set[int]) -> dict[int, datetime]:
    """Each person's first attendance ever."""
    if not people:
        return {}
    rows = await session.execute(
        select(Rsvp.person_id, func.min(Occurrence.starts_at))
        .join(Occurrence, Occurrence.id == Rsvp.occurrence_id)
        .where(*_attended(), Rsvp.person_id.in_(people))
        .group_by(Rsvp.person_id)
    )
    # min() over a UTC column comes back naive on SQLite: the type decorator is skipped.
    return {int(p): at if at.tzinfo else at.replace(tzinfo=UTC) for p, at in rows.all()}


async def regulars_between(
    session: AsyncSession, *, start: datetime, end: datetime, min_times: int = REGULAR_TIMES
) -> int:
    """People present at `min_times` held sessions or more that started in [start, end)."""
    times = Counter(person for person, _ in await _attendances(session, start, end))
    return sum(1 for n in times.values() if n >= min_times)


def _month_of(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date().replace(day=1)


async def months_between(
    session: AsyncSession,
    *,
    first_month: date,
    last_month: date,
    tz: ZoneInfo,
    now: datetime | None = None,
) -> list[MonthFigures]:
    """Every local month from `first_month` to `last_month` (both included), oldest first.

    With `now`, sessions that have not started yet are left out (a month in progress).
    """
    months = _months(first_month, last_month)
    start = month_bounds(months[0], tz)[0]
    end = month_bounds(months[-1], tz)[1]
    if now is not None:
        end = max(start, min(end, now))
    sessions: dict[date, list[SessionFigures]] = defaultdict(list)
    for figure in await sessions_between(session, start=start, end=end, tz=tz):
        sessions[_month_of(figure.starts_at, tz)].append(figure)
    visits: dict[date, Counter[int]] = defaultdict(Counter)
    for person, at in await _attendances(session, start, end):
        visits[_month_of(at, tz)][person] += 1
    everyone = set().union(*visits.values()) if visits else set()
    first_time = {
        person: _month_of(at, tz)
        for person, at in (await _first_attendance(session, everyone)).items()
    }
    return [_month(month, sessions[month], visits[month], first_time) for month in months]


def _month(
    month: date,
    sessions: Sequence[SessionFigures],
    visits: Counter[int],
    first_time: dict[int, date],
) -> MonthFigures:
    held = [s for s in sessions if not s.cancelled]
    checked = [s for s in held if s.attendance_taken]
    new = sum(1 for person in visits if first_time.get(person) == month)
    return MonthFigures(
        month=month,
        sessions_held=len(held),
        sessions_cancelled=len(sessions) - len(held),
        workshop_hours=sum(s.hours for s in held),
        said_yes=sum(s.said_yes for s in held),
        yes_then_present=sum(s.yes_then_present for s in checked),
        present_total=sum(s.present for s in held),
        came_unannounced=sum(s.came_unannounced for s in held),
        unique_people=len(visits),
        new_people=new,
        returning_people=len(visits) - new,
        regulars=sum(1 for n in visits.values() if n >= REGULAR_TIMES),
        walk_ins=sum(s.walk_ins for s in held),
        said_yes_checked=sum(s.said_yes for s in checked),
        sessions_checked=len(checked),
    )


# --- projects ---------------------------------------------------------------------------------


async def projects_between(
    session: AsyncSession, *, start: datetime, end: datetime
) -> ProjectFigures:
    """Projects that reached each step in [start, end), and supports given then."""
    steps = (
        ProjectStatus.PROPOSED,
        ProjectStatus.OPEN,
        ProjectStatus.SELECTED,
        ProjectStatus.DONE,
    )
    reached = {
        str(status): int(n)
        for status, n in (
            await session.execute(
                select(ProjectChange.status, func.count(func.distinct(ProjectChange.project_id)))
                .where(
                    ProjectChange.at >= start,
                    ProjectChange.at < end,
                    ProjectChange.status.in_(steps),
                )
                .group_by(ProjectChange.status)
            )
        ).all()
    }
    given = {
        str(kind): int(n)
        for kind, n in (
            await session.execute(
                select(Support.kind, func.count())
                .where(Support.created_at >= start, Support.created_at < end)
                .group_by(Support.kind)
            )
        ).all()
    }
    return ProjectFigures(
        proposed=reached.get(ProjectStatus.PROPOSED, 0),
        open=reached.get(ProjectStatus.OPEN, 0),
        selected=reached.get(ProjectStatus.SELECTED, 0),
        done=reached.get(ProjectStatus.DONE, 0),
        supports=given.get(SupportKind.SUPPORT, 0),
        volunteers=given.get(SupportKind.VOLUNTEER, 0),
    )
