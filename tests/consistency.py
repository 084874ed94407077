"""What must hold in the database whatever people sent: for the fuzz tests and the benchmark.

`problems(database)` lists every broken rule (an empty list: all is well):

- no orphan row: every foreign key, of every table the models declare, points to a row
  that exists (read from `Base.metadata`, so a table added later is covered);
- the waiting line of each session is first come, first served: only a "yes" waits, every
  confirmed answer was queued before every waiting one, and the first in line does not
  fit in the seats left (else they should have moved in);
- no session has more seats taken than it has (a +1 takes a second seat);
- no basket, current or confirmed, holds a project of another round or costs more than
  the round's amount;
- nothing about mood without the mood consent.

`facilitator_facts` takes what only a facilitator may change (roles, the calendar,
announcements, budget rounds, paper votes, invitations, a project's life, attendance,
answers given for someone else, the outbox messages only they cause); `escalations`
compares two of them taken around updates from people who are not facilitators.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.models import (
    Answer,
    Ballot,
    Base,
    Basket,
    BasketItem,
    Broadcast,
    BudgetRound,
    CheckIn,
    Invitation,
    Occurrence,
    OutboxMessage,
    Person,
    Project,
    ProjectStatus,
    Role,
    RoundProject,
    Rsvp,
    Series,
    WellbeingCheck,
)
from bot.services import mood, projects, talk
from bot.services.notices import SEAT_KIND

Row = tuple[Any, ...]

# --- the rules ------------------------------------------------------------------------


async def problems(database: Database) -> list[str]:
    """Every rule the database breaks now, in words (empty: consistent)."""
    async with database.transaction() as session:
        found = await orphans(session)
        found += await line_problems(session)
        found += await basket_problems(session)
        found += await mood_problems(session)
    return found


def _foreign_keys() -> Iterable[tuple[Table, Column[Any], Column[Any]]]:
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            for fk in column.foreign_keys:
                yield table, column, fk.column


async def orphans(session: AsyncSession) -> list[str]:
    """Rows whose foreign key points to nothing (one line per column that has some)."""
    found = []
    for table, column, target in _foreign_keys():
        # An alias: a table pointing to itself (people.added_by_id) is looked up apart.
        referred = target.table.alias()
        missing = await session.scalar(
            select(func.count())
            .select_from(table)
            .where(column.is_not(None), ~exists().where(referred.c[target.name] == column))
        )
        if missing:
            found.append(f"{table.name}.{column.name}: {missing} rows point to no {target}")
    return found


def _seats(rsvp: Rsvp) -> int:
    return 2 if rsvp.plus_one else 1


async def line_problems(session: AsyncSession) -> list[str]:
    """Seats and waiting lines: within capacity, in order, nobody left waiting for a seat."""
    occurrences = {o.id: o for o in await session.scalars(select(Occurrence))}
    by_session: dict[int, list[Rsvp]] = defaultdict(list)
    for rsvp in await session.scalars(select(Rsvp).order_by(Rsvp.queued_at, Rsvp.id)):
        by_session[rsvp.occurrence_id].append(rsvp)
    found = []
    for occurrence_id, answers in by_session.items():
        capacity = occurrences[occurrence_id].capacity
        where = f"session {occurrence_id}"
        found += [
            f"{where}: {r.answer!r} answer of person {r.person_id} is on the waiting list"
            for r in answers
            if r.waitlisted and r.answer != Answer.YES
        ]
        yes = [r for r in answers if r.answer == Answer.YES]
        seated = [r for r in yes if not r.waitlisted]
        line = [r for r in yes if r.waitlisted]
        taken = sum(_seats(r) for r in seated)
        if taken > capacity:
            found.append(f"{where}: {taken} seats taken of {capacity}")
        if seated and line and seated[-1].queued_at > line[0].queued_at:
            found.append(
                f"{where}: person {seated[-1].person_id} has a seat but queued after "
                f"person {line[0].person_id}, who waits"
            )
        if line and taken + _seats(line[0]) <= capacity:
            found.append(
                f"{where}: person {line[0].person_id} waits first in line, "
                f"{capacity - taken} free of {capacity}"
            )
    return found


async def basket_problems(session: AsyncSession) -> list[str]:
    """Baskets (now and as confirmed) hold their own round's projects, within its amount."""
    found = []
    rounds = {r.id: r.amount_cents for r in await session.scalars(select(BudgetRound))}
    for table, label in ((BasketItem, "basket"), (Ballot, "confirmed basket")):
        rows = await session.execute(
            select(Basket.id, Basket.round_id, RoundProject.round_id, RoundProject.cost_cents)
            .join(table, table.basket_id == Basket.id)
            .join(RoundProject, RoundProject.id == table.round_project_id)
        )
        totals: dict[tuple[int, int], int] = defaultdict(int)
        for basket_id, round_id, project_round, cost in rows:
            if project_round != round_id:
                found.append(f"{label} {basket_id} holds a project of round {project_round}")
            totals[(basket_id, round_id)] += cost
        found += [
            f"{label} {basket_id} costs {total} cents, over the round's {rounds[round_id]}"
            for (basket_id, round_id), total in totals.items()
            if total > rounds[round_id]
        ]
    return found


async def mood_problems(session: AsyncSession) -> list[str]:
    """Check-ins and well-being scores exist only for people who gave the mood consent."""
    found = []
    for model in (CheckIn, WellbeingCheck):
        without = await session.scalar(
            select(func.count())
            .select_from(model)
            .join(Person, Person.id == model.person_id)
            .where(Person.mood_consent_at.is_(None))
        )
        if without:
            found.append(f"{model.__tablename__}: {without} rows without the mood consent")
    return found


# --- what only a facilitator may change -----------------------------------------------

# Outbox messages that a participant's own update may cause: passing a message on to the
# facilitators, a reply to an announcement, a care alert, a proposal to check, a seat
# freed for the next in line. Any other kind comes from a facilitator (or a job).
PARTICIPANT_KINDS = frozenset(
    {
        talk.TALK_KIND,
        talk.REPLY_KIND,
        mood.CARE_KIND,
        projects.REVIEW_KIND,
        projects.REVIEW_VOICE_KIND,
        SEAT_KIND,
    }
)
# Where a project may go by its author's hand: proposed, or back to the facilitators.
AUTHOR_STATUSES = frozenset({ProjectStatus.PROPOSED})

# Columns left out: who created a row (a forgotten facilitator's link is cut), and what
# a participant's own steps may change (a forgotten participant's past session counts
# them as a walk-in; the group post of the counts is the outbox's).
_SKIPPED = frozenset({"created_by_id", "walk_ins", "group_message_id", "used_by_id"})


@dataclass(frozen=True)
class FacilitatorFacts:
    """What only a facilitator may change, read at one moment."""

    tables: Mapping[str, Mapping[int, Row]]  # the calendar, announcements, budget rounds...
    facilitators: frozenset[int]  # people ids
    without_telegram: frozenset[int]  # people a facilitator added
    project_status: Mapping[int, str]
    # Answers given by someone else, and attendance: rsvp id -> (present, answered by).
    attendance: Mapping[int, Row]
    outbox: Mapping[int, str]  # id -> kind, for the kinds no participant causes


_TABLES: tuple[type[Base], ...] = (
    Series,
    Occurrence,
    Broadcast,
    BudgetRound,
    RoundProject,
    Invitation,
)


async def facilitator_facts(database: Database) -> FacilitatorFacts:
    async with database.transaction() as session:
        tables: dict[str, dict[int, Row]] = {}
        for model in _TABLES:
            table = model.__table__
            assert isinstance(table, Table)
            columns = [c for c in table.columns if c.name not in _SKIPPED]
            rows = await session.execute(select(table.c.id, *columns))
            tables[table.name] = {row[0]: tuple(row[1:]) for row in rows}
        people = (await session.execute(select(Person.id, Person.role, Person.telegram_id))).all()
        status = await session.execute(select(Project.id, Project.status))
        attendance = await session.execute(
            select(Rsvp.id, Rsvp.present, Rsvp.answered_by_id).where(
                (Rsvp.present.is_not(None)) | (Rsvp.answered_by_id.is_not(None))
            )
        )
        outbox = await session.execute(
            select(OutboxMessage.id, OutboxMessage.kind).where(
                OutboxMessage.kind.not_in(PARTICIPANT_KINDS)
            )
        )
        return FacilitatorFacts(
            tables=tables,
            facilitators=frozenset(p for p, role, _ in people if role == Role.FACILITATOR),
            without_telegram=frozenset(p for p, _, tid in people if tid is None),
            project_status={project: state for project, state in status},
            attendance={row[0]: tuple(row[1:]) for row in attendance},
            outbox={message: kind for message, kind in outbox},
        )


def escalations(before: FacilitatorFacts, after: FacilitatorFacts) -> list[str]:
    """What changed between the two that only a facilitator may change (empty: nothing)."""
    found = [f"person {p} became a facilitator" for p in after.facilitators - before.facilitators]
    found += [
        f"person {p} added without Telegram"
        for p in after.without_telegram - before.without_telegram
    ]
    for name, rows in after.tables.items():
        found += _changed(name, before.tables[name], rows, removals=True)
    found += _changed(
        "rsvps (attendance, answers for someone)", before.attendance, after.attendance
    )
    found += [
        f"outbox: new {kind!r} message {i}"
        for i, kind in after.outbox.items()
        if i not in before.outbox
    ]
    for project, status in after.project_status.items():
        was = before.project_status.get(project)
        if status != was and status not in AUTHOR_STATUSES:
            found.append(f"project {project}: {was} -> {status}")
    return found


def _changed(
    name: str, before: Mapping[int, Row], after: Mapping[int, Row], *, removals: bool = False
) -> list[str]:
    found = [f"{name}: row {i} added" for i in after.keys() - before.keys()]
    found += [
        f"{name}: row {i} changed" for i in after.keys() & before.keys() if after[i] != before[i]
    ]
    if removals:
        found += [f"{name}: row {i} removed" for i in before.keys() - after.keys()]
    return found
