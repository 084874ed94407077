"""The workshop's figures (dashboard and funders' report), checked against hand counts.

A small autumn in Europe/Paris:

October 2026 (summer time until the 25th)
- 6 Oct, attendance taken, 2 walk-ins: Ana "yes +1" present, Ben "yes" absent, Cleo "yes"
  in the waiting line present, Dan "no" present, Eve "maybe" not marked.
  → said yes 3 (Ana and her guest, Ben), present 3 + 2 = 5, unannounced 2 + 2 = 4,
    yes then present 2 (Ana and her guest).
- 13 Oct, attendance not taken: Ana and Ben "yes". → said yes 2, nothing else known.
- 20 Oct, cancelled (3 walk-ins and Ana marked present by mistake): counted as cancelled only.
November 2026 (winter time)
- 3, 10, 17, 24 Nov: Ana present each time; Ben present on the 10th (his first time ever,
  having said yes in October); Fay present on the 24th, her first time.
  → unique 3, new 2 (Ben, Fay), returning 1 (Ana), regulars 1 (Ana, 4 times).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.models import (
    Answer,
    Occurrence,
    OccurrenceStatus,
    Person,
    Project,
    ProjectChange,
    ProjectStatus,
    Rsvp,
    Support,
    SupportKind,
)
from bot.services import activity

PARIS = ZoneInfo("Europe/Paris")
BEFORE = datetime(2026, 9, 1, tzinfo=UTC)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def local(day: date, hour: int = 14, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).astimezone(UTC)


async def person(session: AsyncSession, name: str) -> int:
    row = Person(
        telegram_id=None, display_name=name, language="fr", created_at=BEFORE, last_seen_at=BEFORE
    )
    session.add(row)
    await session.flush()
    return row.id


async def occurrence(
    session: AsyncSession,
    starts_at: datetime,
    *,
    cancelled: bool = False,
    walk_ins: int = 0,
    taken: bool = True,
    minutes: int = 120,
) -> int:
    row = Occurrence(
        local_date=starts_at.astimezone(PARIS).date(),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        title="Art-thérapie",
        place="Maison de quartier",
        status=OccurrenceStatus.CANCELLED if cancelled else OccurrenceStatus.SCHEDULED,
        walk_ins=walk_ins,
        attendance_taken_at=starts_at + timedelta(hours=2) if taken else None,
        created_at=BEFORE,
        scheduled_at=BEFORE,
    )
    session.add(row)
    await session.flush()
    return row.id


async def answer(
    session: AsyncSession,
    occurrence_id: int,
    person_id: int,
    value: Answer,
    *,
    present: bool | None = None,
    plus_one: bool = False,
    waitlisted: bool = False,
) -> None:
    session.add(
        Rsvp(
            occurrence_id=occurrence_id,
            person_id=person_id,
            answer=value,
            plus_one=plus_one,
            waitlisted=waitlisted,
            queued_at=BEFORE,
            answered_at=BEFORE,
            present=present,
        )
    )
    await session.flush()


async def autumn(db: Database) -> dict[str, int]:
    """The story of the module docstring; returns the session ids by name."""
    async with db.transaction() as session:
        ana, ben, cleo, dan, eve, fay = [
            await person(session, n) for n in ("Ana", "Ben", "Cleo", "Dan", "Eve", "Fay")
        ]
        first = await occurrence(session, local(date(2026, 10, 6)), walk_ins=2)
        await answer(session, first, ana, Answer.YES, present=True, plus_one=True)
        await answer(session, first, ben, Answer.YES, present=False)
        await answer(session, first, cleo, Answer.YES, present=True, waitlisted=True)
        await answer(session, first, dan, Answer.NO, present=True)
        await answer(session, first, eve, Answer.MAYBE)
        unchecked = await occurrence(session, local(date(2026, 10, 13)), taken=False)
        await answer(session, unchecked, ana, Answer.YES)
        await answer(session, unchecked, ben, Answer.YES)
        cancelled = await occurrence(
            session, local(date(2026, 10, 20)), cancelled=True, walk_ins=3, taken=False
        )
        await answer(session, cancelled, ana, Answer.YES, present=True)
        november = []
        for day in (3, 10, 17, 24):
            sid = await occurrence(session, local(date(2026, 11, day)))
            await answer(session, sid, ana, Answer.YES, present=True)
            november.append(sid)
        await answer(session, november[1], ben, Answer.YES, present=True)
        await answer(session, november[3], fay, Answer.NO, present=True)
        return {"first": first, "unchecked": unchecked, "cancelled": cancelled}


async def test_each_session_counts_yes_present_and_unannounced(database: Database) -> None:
    ids = await autumn(database)
    async with database.transaction() as session:
        found = await activity.sessions_between(
            session, start=local(date(2026, 10, 1), 0), end=local(date(2026, 11, 1), 0), tz=PARIS
        )
    by_id = {s.occurrence_id: s for s in found}
    assert [s.occurrence_id for s in found] == [ids["first"], ids["unchecked"], ids["cancelled"]]

    first = by_id[ids["first"]]
    assert (first.said_yes, first.present, first.came_unannounced) == (3, 5, 4)
    assert (first.walk_ins, first.yes_then_present, first.attendance_taken) == (2, 2, True)
    assert first.local_date == date(2026, 10, 6)
    assert first.hours == 2.0

    unchecked = by_id[ids["unchecked"]]
    assert (unchecked.said_yes, unchecked.present, unchecked.yes_then_present) == (2, 0, 0)
    assert not unchecked.attendance_taken

    cancelled = by_id[ids["cancelled"]]
    assert cancelled.cancelled
    assert (cancelled.present, cancelled.came_unannounced, cancelled.walk_ins) == (0, 0, 0)
    assert not cancelled.attendance_taken


async def test_months_tell_new_from_returning_people(database: Database) -> None:
    await autumn(database)
    async with database.transaction() as session:
        october, november = await activity.months_between(
            session, first_month=date(2026, 10, 1), last_month=date(2026, 11, 1), tz=PARIS
        )
    assert october.month == date(2026, 10, 1)
    assert (october.sessions_held, october.sessions_cancelled) == (2, 1)
    assert october.workshop_hours == 4.0
    # The cancelled session's walk-ins and its mistaken "present" are not counted.
    assert (october.said_yes, october.present_total, october.came_unannounced) == (5, 5, 4)
    assert october.walk_ins == 2
    # Only the session with attendance taken compares "yes" with "present".
    assert (october.yes_then_present, october.said_yes_checked) == (2, 3)
    assert october.yes_rate == pytest.approx(2 / 3)
    assert october.average_present == 5.0
    # Ana, Cleo and Dan came (named): all for the first time.
    assert (october.unique_people, october.new_people, october.returning_people) == (3, 3, 0)
    assert october.regulars == 0

    assert (november.sessions_held, november.sessions_cancelled) == (4, 0)
    assert november.present_total == 6
    assert november.said_yes == 5 and november.yes_then_present == 5
    assert november.came_unannounced == 1  # Fay, who had said no
    # Ben had said yes in October but first came in November: new, like Fay.
    assert (november.unique_people, november.new_people, november.returning_people) == (3, 2, 1)
    assert november.regulars == 1


async def test_an_empty_month_is_all_zeros(database: Database) -> None:
    await autumn(database)
    async with database.transaction() as session:
        (september,) = await activity.months_between(
            session, first_month=date(2026, 9, 1), last_month=date(2026, 9, 1), tz=PARIS
        )
    assert september.sessions_held == 0 and september.unique_people == 0
    assert september.yes_rate is None and september.average_present is None


async def test_a_month_in_progress_leaves_out_sessions_to_come(database: Database) -> None:
    await autumn(database)
    async with database.transaction() as session:
        (november,) = await activity.months_between(
            session,
            first_month=date(2026, 11, 1),
            last_month=date(2026, 11, 1),
            tz=PARIS,
            now=local(date(2026, 11, 12)),
        )
    assert november.sessions_held == 2
    assert (november.unique_people, november.new_people) == (2, 1)


async def test_regulars_between_counts_people_present_often(database: Database) -> None:
    await autumn(database)
    start, end = local(date(2026, 10, 1), 0), NOW
    async with database.transaction() as session:
        assert await activity.regulars_between(session, start=start, end=end) == 1
        # Ana 5 times (the cancelled session aside), Ben once, Cleo, Dan and Fay once.
        assert await activity.regulars_between(session, start=start, end=end, min_times=5) == 1
        assert await activity.regulars_between(session, start=start, end=end, min_times=6) == 0
        assert await activity.regulars_between(session, start=start, end=end, min_times=1) == 5


async def test_months_follow_local_time_across_daylight_saving(database: Database) -> None:
    """A session just after local midnight belongs to the new month, though UTC says not."""
    async with database.transaction() as session:
        ana = await person(session, "Ana")
        # 1 April 00:30 in Paris (summer time) is 31 March 22:30 UTC.
        april = await occurrence(session, datetime(2026, 3, 31, 22, 30, tzinfo=UTC))
        # 31 October 23:30 in Paris (winter time) is 31 October 22:30 UTC: still October.
        october = await occurrence(session, datetime(2026, 10, 31, 22, 30, tzinfo=UTC))
        # 1 November 00:30 in Paris is 31 October 23:30 UTC: November.
        november = await occurrence(session, datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
        for sid in (april, october, november):
            await answer(session, sid, ana, Answer.YES, present=True)
    assert activity.month_bounds(date(2026, 4, 1), PARIS) == (
        datetime(2026, 3, 31, 22, 0, tzinfo=UTC),
        datetime(2026, 4, 30, 22, 0, tzinfo=UTC),
    )
    assert activity.month_bounds(date(2026, 10, 1), PARIS) == (
        datetime(2026, 9, 30, 22, 0, tzinfo=UTC),
        datetime(2026, 10, 31, 23, 0, tzinfo=UTC),  # 25 hours in its last Sunday
    )
    async with database.transaction() as session:
        months = await activity.months_between(
            session, first_month=date(2026, 3, 1), last_month=date(2026, 11, 1), tz=PARIS
        )
        found = await activity.sessions_between(session, start=BEFORE, end=NOW, tz=PARIS)
    held = {m.month: m.sessions_held for m in months if m.sessions_held}
    assert held == {date(2026, 4, 1): 1, date(2026, 10, 1): 1, date(2026, 11, 1): 1}
    assert len(months) == 9
    # Ana is new in April only.
    assert [m.month for m in months if m.new_people] == [date(2026, 4, 1)]
    assert [s.local_date for s in found] == [date(2026, 10, 31), date(2026, 11, 1)]


async def test_bounds_include_the_start_and_leave_out_the_end(database: Database) -> None:
    at = datetime(2026, 10, 6, 12, 0, tzinfo=UTC)
    async with database.transaction() as session:
        sid = await occurrence(session, at)
        assert [
            s.occurrence_id
            for s in await activity.sessions_between(
                session, start=at, end=at + timedelta(seconds=1)
            )
        ] == [sid]
        assert (
            await activity.sessions_between(session, start=at - timedelta(hours=1), end=at) == []
        )


async def project(
    session: AsyncSession, title: str, steps: list[tuple[ProjectStatus, datetime]]
) -> int:
    row = Project(
        title=title,
        status=steps[-1][0],
        created_at=steps[0][1],
        updated_at=steps[-1][1],
        submitted_at=steps[0][1],
    )
    session.add(row)
    await session.flush()
    session.add_all(ProjectChange(project_id=row.id, status=s, at=at) for s, at in steps)
    await session.flush()
    return row.id


async def test_projects_count_the_steps_reached_in_the_period(database: Database) -> None:
    day = datetime(2026, 11, 5, 10, tzinfo=UTC)
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    async with database.transaction() as session:
        ana = await person(session, "Ana")
        ben = await person(session, "Ben")
        # Sent, sent back for a change and sent again: proposed once.
        garden = await project(
            session,
            "Jardin",
            [
                (ProjectStatus.PROPOSED, day),
                (ProjectStatus.CHANGES, day + timedelta(days=1)),
                (ProjectStatus.PROPOSED, day + timedelta(days=2)),
                (ProjectStatus.OPEN, day + timedelta(days=3)),
            ],
        )
        # Proposed in October: only its later steps count in November.
        mural = await project(
            session,
            "Fresque",
            [
                (ProjectStatus.PROPOSED, day - timedelta(days=30)),
                (ProjectStatus.OPEN, day - timedelta(days=25)),
                (ProjectStatus.SELECTED, day),
                (ProjectStatus.IN_PROGRESS, day + timedelta(days=1)),
                (ProjectStatus.DONE, day + timedelta(days=10)),
            ],
        )
        # Done in December: out of the period.
        await project(
            session,
            "Repas",
            [(ProjectStatus.PROPOSED, day), (ProjectStatus.DONE, end + timedelta(days=1))],
        )
        for pid, who, kind, at in (
            (garden, ana, SupportKind.SUPPORT, day),
            (garden, ben, SupportKind.SUPPORT, day),
            (garden, ana, SupportKind.VOLUNTEER, day),
            (mural, ana, SupportKind.SUPPORT, day - timedelta(days=20)),  # October
        ):
            session.add(Support(project_id=pid, person_id=who, kind=kind, created_at=at))
        await session.flush()
        figures = await activity.projects_between(session, start=start, end=end)
    assert figures == activity.ProjectFigures(
        proposed=2, open=1, selected=1, done=1, supports=2, volunteers=1
    )


def test_add_months_crosses_years() -> None:
    assert activity.add_months(date(2026, 12, 1), 1) == date(2027, 1, 1)
    assert activity.add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert activity.add_months(date(2026, 5, 1), -12) == date(2025, 5, 1)
