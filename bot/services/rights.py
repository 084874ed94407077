"""People's rights over their data (RGPD articles 15, 17 and 20): see it, take it, erase it.

`export` gathers everything stored about one person as JSON-friendly data; `summary`
says it in a few readable lines. `forget` erases the person: what only describes them is
deleted, and what the group's counts rest on stays without their name (supports, budget
baskets and votes, projects they proposed). A past session they attended keeps its
number: their presence moves to the session's anonymous walk-in count before their
answer is deleted.

`forget` walks every foreign key to `people.id` in the metadata, so a table added later
is covered: a link that cascades is deleted, any other link is set to NULL. The person's
words may also sit in outbox rows addressed to the facilitators (a message passed on, a
reply to an announcement, a care alert): those rows name their author only in their
dedupe key, so they are found by it and deleted, sent or not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Column, ColumnElement, Executable, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_
from bot.models import (
    Ballot,
    Base,
    Basket,
    BudgetRound,
    CheckIn,
    Occurrence,
    OutboxMessage,
    Person,
    Project,
    Rsvp,
    Support,
    WellbeingCheck,
)
from bot.models.outbox import FINAL_STATES
from bot.services.mood import CARE_KIND
from bot.services.talk import REPLY_KIND, TALK_KIND

Translate = Callable[..., str]
JSON = dict[str, Any]


def _plain(value: object) -> object:
    """Dates and times as ISO text, so the export is plain JSON."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _row(obj: object, names: tuple[str, ...]) -> JSON:
    return {name: _plain(getattr(obj, name)) for name in names}


PROFILE_FIELDS = (
    "display_name",
    "language",
    "role",
    "telegram_id",
    "phone",
    "created_at",
    "last_seen_at",
    "consent_at",
    "remind_day_before",
    "remind_hours_before",
    "mood_consent_at",
    "mood_declined_at",
    "wellbeing_since",
    "wellbeing_prompted_at",
    "reachable",
    "inactive_warned_at",
)


async def export(session: AsyncSession, *, person_id: int, now: datetime) -> JSON:
    """Everything stored about a person, as JSON-friendly data (empty when unknown)."""
    person = await session.get(Person, person_id)
    if person is None:
        return {}
    answers: list[JSON] = []
    attendance: list[JSON] = []
    rsvp_rows = (
        await session.execute(
            select(Rsvp, Occurrence)
            .join(Occurrence, Occurrence.id == Rsvp.occurrence_id)
            .where(Rsvp.person_id == person_id)
            .order_by(Occurrence.starts_at)
        )
    ).all()
    for rsvp, occurrence in rsvp_rows:
        about = {"session_starts_at": _plain(occurrence.starts_at), "title": occurrence.title}
        answers.append(
            about
            | _row(rsvp, ("answer", "plus_one", "waitlisted", "answered_at"))
            | {"answered_by_facilitator": rsvp.answered_by_id not in (None, person_id)}
        )
        if rsvp.present is not None:
            attendance.append(about | {"present": rsvp.present})
    check_ins = (
        await session.scalars(
            select(CheckIn).where(CheckIn.person_id == person_id).order_by(CheckIn.local_date)
        )
    ).all()
    moods = [
        _row(c, ("local_date", "mood", "note", "voice_file_id", "shared", "created_at"))
        for c in check_ins
    ]
    scores = (
        await session.scalars(
            select(WellbeingCheck)
            .where(WellbeingCheck.person_id == person_id)
            .order_by(WellbeingCheck.local_date)
        )
    ).all()
    projects = (
        await session.scalars(
            select(Project)
            .where((Project.author_id == person_id) | (Project.leader_id == person_id))
            .order_by(Project.created_at)
        )
    ).all()
    proposals = [
        _row(
            p,
            (
                "title",
                "description",
                "voice_file_id",
                "cost_cents",
                "status",
                "note",
                "created_at",
            ),
        )
        | {"author": p.author_id == person_id, "leader": p.leader_id == person_id}
        for p in projects
    ]
    support_rows = (
        await session.execute(
            select(Support, Project.title)
            .join(Project, Project.id == Support.project_id)
            .where(Support.person_id == person_id)
            .order_by(Support.created_at)
        )
    ).all()
    supports = [
        {"project": title, "kind": s.kind, "created_at": _plain(s.created_at)}
        for s, title in support_rows
    ]
    baskets: list[JSON] = []
    basket_rows = (
        await session.execute(
            select(Basket, BudgetRound)
            .join(BudgetRound, BudgetRound.id == Basket.round_id)
            .where(Basket.person_id == person_id)
            .order_by(Basket.changed_at)
        )
    ).all()
    for basket, budget_round in basket_rows:
        voted = (
            await session.scalar(select(func.count()).where(Ballot.basket_id == basket.id)) or 0
        )
        baskets.append(
            {
                "round_ends_at": _plain(budget_round.ends_at),
                "changed_at": _plain(basket.changed_at),
                "confirmed_at": _plain(basket.confirmed_at),
                "confirmed_votes": voted,
            }
        )
    outbox_kinds = (
        await session.execute(
            select(OutboxMessage.kind, func.count())
            .where(
                OutboxMessage.person_id == person_id,
                OutboxMessage.state.not_in(list(FINAL_STATES)),
            )
            .group_by(OutboxMessage.kind)
            .order_by(OutboxMessage.kind)
        )
    ).all()
    return {
        "exported_at": _plain(now),
        "profile": _row(person, PROFILE_FIELDS),
        "answers": answers,
        "attendance": attendance,
        "moods": moods,
        "wellbeing_scores": [_row(s, ("local_date", "score")) for s in scores],
        "projects": proposals,
        "supports": supports,
        "budget_baskets": baskets,
        "messages_waiting": {kind: n for kind, n in outbox_kinds},
    }


# What the summary counts, in its order: export key -> catalogue key (with plural forms).
SUMMARY_LINES = (
    ("answers", N_("rights.count_answers")),
    ("attendance", N_("rights.count_attendance")),
    ("moods", N_("rights.count_moods")),
    ("wellbeing_scores", N_("rights.count_scores")),
    ("projects", N_("rights.count_projects")),
    ("supports", N_("rights.count_supports")),
    ("budget_baskets", N_("rights.count_baskets")),
)


def summary(data: JSON, lang: str, translator: Translate) -> str:
    """A few readable lines: the name, then one line per kind the person has."""
    profile = data.get("profile", {})
    lines = [translator(N_("rights.summary_name"), lang, name=profile.get("display_name", ""))]
    for key, catalogue_key in SUMMARY_LINES:
        n = len(data.get(key, []))
        if n:
            lines.append(translator(catalogue_key, lang, count=n))
    if len(lines) == 1:
        lines.append(translator(N_("rights.summary_nothing_else"), lang))
    return "\n".join(lines)


@dataclass(frozen=True)
class Forgotten:
    """What `forget` did: rows deleted and rows kept without the person, per table."""

    found: bool
    deleted: dict[str, int]
    anonymised: dict[str, int]
    walk_ins_added: int


def links_to_people() -> list[Column[Any]]:
    """Every column of the metadata that points to `people.id`."""
    people = Base.metadata.tables[Person.__tablename__]
    return [
        column
        for table in Base.metadata.sorted_tables
        for column in table.columns
        for fk in column.foreign_keys
        if fk.column is people.c.id
    ]


async def _rowcount(session: AsyncSession, stmt: Executable) -> int:
    result: Any = await session.execute(stmt)
    return int(result.rowcount or 0)


def _their_words_to_others(person_id: int, telegram_id: int | None) -> ColumnElement[bool]:
    """Outbox rows to facilitators that carry what this person said or asked.

    The keys are written by bot.services.talk ("talk:<telegram id>:<message>:<reader>")
    and bot.services.mood ("care:<person id>:<request>:<reader>"); the tests pass through
    those services, so a change of key fails them.
    """
    found = [
        (OutboxMessage.kind == CARE_KIND)
        & OutboxMessage.dedupe_key.startswith(f"care:{person_id}:", autoescape=True)
    ]
    if telegram_id is not None:
        found += [
            (OutboxMessage.kind == kind)
            & OutboxMessage.dedupe_key.startswith(f"{kind}:{telegram_id}:", autoescape=True)
            for kind in (TALK_KIND, REPLY_KIND)
        ]
    return or_(*found)


async def forget(session: AsyncSession, *, person_id: int, now: datetime) -> Forgotten:
    """Erase a person; counts the group relies on stay right, without their name."""
    person = await session.get(Person, person_id)
    if person is None:
        return Forgotten(found=False, deleted={}, anonymised={}, walk_ins_added=0)
    telegram_id = person.telegram_id
    # A past session they attended keeps its number: one more anonymous walk-in.
    came = (
        await session.scalars(
            select(Rsvp.occurrence_id)
            .join(Occurrence, Occurrence.id == Rsvp.occurrence_id)
            .where(
                Rsvp.person_id == person_id,
                Rsvp.present.is_(True),
                Occurrence.starts_at <= now,
            )
        )
    ).all()
    for occurrence_id in came:
        await session.execute(
            update(Occurrence)
            .where(Occurrence.id == occurrence_id)
            .values(walk_ins=Occurrence.walk_ins + 1)
        )
    deleted: dict[str, int] = {}
    anonymised: dict[str, int] = {}
    # Messages to their chat, sent or not (a row may lack person_id, never chat_id).
    if telegram_id is not None:
        n = await _rowcount(
            session, delete(OutboxMessage).where(OutboxMessage.chat_id == telegram_id)
        )
        if n:
            deleted[OutboxMessage.__tablename__] = n
    n = await _rowcount(
        session, delete(OutboxMessage).where(_their_words_to_others(person_id, telegram_id))
    )
    if n:
        deleted[OutboxMessage.__tablename__] = deleted.get(OutboxMessage.__tablename__, 0) + n
    people_table = Base.metadata.tables[Person.__tablename__]
    for column in links_to_people():
        table = column.table
        fk = next(iter(column.foreign_keys))
        if table is people_table:
            stmt: Any = update(table).where(column == person_id).values({column.name: None})
            counts = anonymised
        elif (fk.ondelete or "").upper() == "CASCADE" or not column.nullable:
            stmt = delete(table).where(column == person_id)
            counts = deleted
        else:
            stmt = update(table).where(column == person_id).values({column.name: None})
            counts = anonymised
        n = await _rowcount(session, stmt)
        if n:
            counts[table.name] = counts.get(table.name, 0) + n
    await session.execute(delete(people_table).where(people_table.c.id == person_id))
    deleted[people_table.name] = 1
    # The Person object loaded above is gone from the database: keep the session honest.
    session.expunge(person)
    return Forgotten(found=True, deleted=deleted, anonymised=anonymised, walk_ins_added=len(came))
