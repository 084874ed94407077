"""The projects people browse and join: a page of the list, a card, 👍 and 🙋.

The list shows the projects people can still support and join (JOINABLE_STATUSES: open,
selected, in progress), newest published first. "Open projects" in the issue means
projects that are alive: a selected project still needs its volunteers. A card can be
seen once a project was published, even after its end (a notice about it links there),
but 👍 and 🙋 are taken only while it lives.

A tap on 👍 or 🙋 carries the state the card showed, so it says what the person wants
("support it" or "no longer"): a double tap, or a tap on an old card, sets that state
again instead of flipping it back. Two taps in flight at once meet the unique
constraint of project_supports; the second one finds the first one's row.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Person
from bot.models.projects import JOINABLE_STATUSES, Project, ProjectStatus, Support, SupportKind
from bot.services.talk import first_name

PER_PAGE = 5
# The list: the projects people may still support and join.
BOARD_STATUSES = JOINABLE_STATUSES
# A card may be seen from the moment a project is published, even once it is over.
PUBLISHED_STATUSES = JOINABLE_STATUSES | {ProjectStatus.DONE, ProjectStatus.ARCHIVED}
# The order of the list: the facilitators' screen groups by this too.
STATUS_ORDER = (ProjectStatus.OPEN, ProjectStatus.SELECTED, ProjectStatus.IN_PROGRESS)
# At most this many projects to pick from when announcing to a project's people.
AUDIENCE_PROJECTS = 20


def _values(statuses: frozenset[ProjectStatus]) -> list[str]:
    return sorted(s.value for s in statuses)


@dataclass(frozen=True)
class Counts:
    """👍 supporters and 🙋 volunteers of a project (forgotten people still count)."""

    supporters: int = 0
    volunteers: int = 0

    def of(self, kind: SupportKind) -> int:
        return self.supporters if kind is SupportKind.SUPPORT else self.volunteers


@dataclass(frozen=True)
class Line:
    """One project in the list."""

    id: int
    title: str
    cost_cents: int | None
    status: ProjectStatus
    counts: Counts


@dataclass(frozen=True)
class Page:
    lines: tuple[Line, ...]
    page: int  # 1 for the first
    pages: int  # at least 1, even when the list is empty
    total: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _count_of(kind: SupportKind) -> ColumnElement[int]:
    return func.count(case((Support.kind == kind.value, Support.id)))


async def _lines(
    session: AsyncSession,
    *conditions: ColumnElement[bool],
    order: tuple[ColumnElement[Any], ...] = (),
    limit: int | None = None,
    offset: int = 0,
) -> list[Line]:
    """Projects with their counts, in one query grouped by project."""
    newest = func.coalesce(Project.published_at, Project.submitted_at)
    query = (
        select(
            Project.id,
            Project.title,
            Project.cost_cents,
            Project.status,
            _count_of(SupportKind.SUPPORT),
            _count_of(SupportKind.VOLUNTEER),
        )
        .outerjoin(Support, Support.project_id == Project.id)
        .where(*conditions)
        .group_by(Project.id)
        .order_by(*order, newest.desc(), Project.id.desc())
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    rows = (await session.execute(query)).all()
    return [
        Line(
            id=pid,
            title=title,
            cost_cents=cost,
            status=ProjectStatus(status),
            counts=Counts(int(supporters), int(volunteers)),
        )
        for pid, title, cost, status, supporters, volunteers in rows
    ]


async def open_page(session: AsyncSession, *, page: int, per_page: int = PER_PAGE) -> Page:
    """A page of the projects people can join, newest published first.

    A page past the end (projects closed since the list was shown) gives the last one.
    """
    where = Project.status.in_(_values(BOARD_STATUSES))
    total = int(await session.scalar(select(func.count(Project.id)).where(where)) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    lines = await _lines(session, where, limit=per_page, offset=(page - 1) * per_page)
    return Page(tuple(lines), page, pages, total)


def _status_rank() -> ColumnElement[int]:
    return case(
        {status.value: rank for rank, status in enumerate(STATUS_ORDER)},
        value=Project.status,
        else_=len(STATUS_ORDER),
    )


async def living(session: AsyncSession) -> list[Line]:
    """Every project still alive, open first, then selected, then in progress."""
    return await _lines(
        session, Project.status.in_(_values(BOARD_STATUSES)), order=(_status_rank(),)
    )


async def counts(session: AsyncSession, *, project_id: int) -> Counts:
    rows = await session.execute(
        select(Support.kind, func.count(Support.id))
        .where(Support.project_id == project_id)
        .group_by(Support.kind)
    )
    by_kind = {kind: int(n) for kind, n in rows.all()}
    return Counts(
        by_kind.get(SupportKind.SUPPORT.value, 0), by_kind.get(SupportKind.VOLUNTEER.value, 0)
    )


@dataclass(frozen=True)
class Card:
    """A project as one person sees it: its counts, who leads it, what this person did."""

    project: Project
    counts: Counts
    leader_name: str | None  # first name only
    supports: bool
    volunteers: bool

    @property
    def status(self) -> ProjectStatus:
        return ProjectStatus(self.project.status)

    @property
    def joinable(self) -> bool:
        return self.status in JOINABLE_STATUSES

    def joined(self, kind: SupportKind) -> bool:
        return self.supports if kind is SupportKind.SUPPORT else self.volunteers


async def published(session: AsyncSession, project_id: int) -> Project | None:
    """The project if people may see it (published once); None for anything else."""
    project = await session.get(Project, project_id)
    if project is None or project.status not in PUBLISHED_STATUSES:
        return None
    return project


async def card(session: AsyncSession, *, project_id: int, viewer_id: int) -> Card | None:
    """The card of a published project, or None (no such project, or not published)."""
    project = await published(session, project_id)
    if project is None:
        return None
    leader = await session.get(Person, project.leader_id) if project.leader_id else None
    mine = set(
        await session.scalars(
            select(Support.kind).where(
                Support.project_id == project_id, Support.person_id == viewer_id
            )
        )
    )
    return Card(
        project=project,
        counts=await counts(session, project_id=project_id),
        leader_name=first_name(leader.display_name) if leader is not None else None,
        supports=SupportKind.SUPPORT.value in mine,
        volunteers=SupportKind.VOLUNTEER.value in mine,
    )


class Refusal(enum.StrEnum):
    NOT_FOUND = "not_found"  # no such project, or never published: a forged id
    CLOSED = "closed"  # done, archived (or refused): nothing changes any more


@dataclass(frozen=True)
class ToggleOutcome:
    on: bool  # whether the person supports (or volunteers) now
    changed: bool  # False: it was so already (a double tap), or the tap was refused
    refused: Refusal | None = None


async def _has(session: AsyncSession, project_id: int, person_id: int, kind: SupportKind) -> bool:
    found = await session.scalar(
        select(Support.id).where(
            Support.project_id == project_id,
            Support.person_id == person_id,
            Support.kind == kind.value,
        )
    )
    return found is not None


async def toggle(
    session: AsyncSession,
    *,
    project_id: int,
    person_id: int,
    kind: SupportKind,
    now: datetime,
    want: bool | None = None,
) -> ToggleOutcome:
    """Add or take away a 👍 (or 🙋); `want` is the state the tapped card asked for.

    With `want` None the tap flips what is there; with True or False it sets that state,
    so a double tap changes nothing the second time. Refused (nothing changes) unless
    the project is in JOINABLE_STATUSES.
    """
    # A shared lock: taps on one project go together, a change of its status waits.
    project = await session.get(
        Project, project_id, with_for_update={"read": True}, populate_existing=True
    )
    if project is None or project.status not in PUBLISHED_STATUSES | {ProjectStatus.REFUSED}:
        return ToggleOutcome(on=False, changed=False, refused=Refusal.NOT_FOUND)
    if project.status not in JOINABLE_STATUSES:
        on = await _has(session, project_id, person_id, kind)
        return ToggleOutcome(on=on, changed=False, refused=Refusal.CLOSED)
    if want is None:
        want = not await _has(session, project_id, person_id, kind)
    if not want:
        gone = await session.execute(
            delete(Support)
            .where(
                Support.project_id == project_id,
                Support.person_id == person_id,
                Support.kind == kind.value,
            )
            .returning(Support.id)
        )
        return ToggleOutcome(on=False, changed=bool(gone.all()))
    try:
        async with session.begin_nested():
            session.add(
                Support(
                    project_id=project_id, person_id=person_id, kind=kind.value, created_at=now
                )
            )
    except IntegrityError:
        # There already (a double tap, or two taps in flight): the first one's row stays.
        if not await _has(session, project_id, person_id, kind):
            raise
        return ToggleOutcome(on=True, changed=False)
    return ToggleOutcome(on=True, changed=True)


# --- the announcement audiences -------------------------------------------------------


def _reachable() -> tuple[ColumnElement[bool], ...]:
    # People without Telegram are counted, never messaged; nobody before their consent.
    return (Person.consent_at.is_not(None), Person.telegram_id.is_not(None))


async def audience(
    session: AsyncSession, *, project_id: int, kind: SupportKind, exclude_id: int | None = None
) -> list[Person]:
    """The project's supporters (or volunteers) an announcement reaches, in order."""
    query = (
        select(Person)
        .join(Support, Support.person_id == Person.id)
        .where(Support.project_id == project_id, Support.kind == kind.value, *_reachable())
        .order_by(Person.id)
    )
    if exclude_id is not None:
        query = query.where(Person.id != exclude_id)
    return list(await session.scalars(query))


@dataclass(frozen=True)
class AudienceProject:
    """A project to announce to: how many of its people an announcement would reach."""

    id: int
    title: str
    supporters: int
    volunteers: int

    def of(self, kind: SupportKind) -> int:
        return self.supporters if kind is SupportKind.SUPPORT else self.volunteers


async def projects_for_audience(
    session: AsyncSession, *, exclude_id: int | None = None
) -> list[AudienceProject]:
    """Published projects with someone to tell, living ones first, newest first."""
    conditions = [Support.project_id == Project.id, *_reachable()]
    if exclude_id is not None:
        conditions.append(Person.id != exclude_id)
    query = (
        select(
            Project.id,
            Project.title,
            _count_of(SupportKind.SUPPORT),
            _count_of(SupportKind.VOLUNTEER),
        )
        .join(Support, Support.project_id == Project.id)
        .join(Person, Person.id == Support.person_id)
        .where(Project.status.in_(_values(PUBLISHED_STATUSES)), *conditions)
        .group_by(Project.id)
        .order_by(
            _status_rank(),
            func.coalesce(Project.published_at, Project.submitted_at).desc(),
            Project.id.desc(),
        )
        .limit(AUDIENCE_PROJECTS)
    )
    rows = (await session.execute(query)).all()
    return [AudienceProject(pid, title, int(s), int(v)) for pid, title, s, v in rows]
