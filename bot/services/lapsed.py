"""Who no longer comes: people who came several times and not lately, and a kind word to them.

Social workers used to phone the people they had not seen for a while; "🔔 Qui ne vient
plus ?" lists them for the facilitators, and "💌 On pense à vous" writes to one of them
through the outbox, in their language, with the facilitator's name.

"Came" means marked present at a held session, as in bot.services.activity: where
attendance was never taken, nobody knows who came. Only people the bot may write
to are listed: participants who agreed to the privacy notice, on Telegram, who have not
blocked the bot. Someone who said yes to a session still to come is on the way back and is
left out. A forgotten person (/oublier) has no row left: their visits are anonymous
walk-ins, which name nobody, like the people who came without ever opening the bot.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.models import (
    Answer,
    Occurrence,
    OccurrenceStatus,
    OutboxMessage,
    Person,
    Role,
    Rsvp,
)
from bot.services import outbox
from bot.services.outbox import Outgoing
from bot.services.talk import first_name

MIN_TIMES = 3
AWAY = timedelta(weeks=4)
KIND = "thinking"  # the outbox kind of "On pense à vous"
# A facilitator's own words are kept to what one message holds, the header included.
TEXT_LIMIT = 3500


@dataclass(frozen=True)
class Lapsed:
    """Someone who came `times` times, the last on `last_came`, and not since."""

    person_id: int
    name: str  # as the person gave it to Telegram
    language: str
    times: int
    last_came: datetime  # the start of the last session they came to (UTC)
    thought_at: datetime | None  # when the team last sent them "On pense à vous"


def _may_write_to() -> tuple[ColumnElement[bool], ...]:
    return (
        Person.role == Role.PARTICIPANT,
        Person.consent_at.is_not(None),
        Person.telegram_id.is_not(None),
        Person.reachable.is_(True),
    )


async def lapsed_people(
    session: AsyncSession,
    *,
    now: datetime,
    min_times: int = MIN_TIMES,
    away: timedelta = AWAY,
) -> list[Lapsed]:
    """Everyone who came at least `min_times` times and not within `away`, latest visit first."""
    visits = (
        select(
            Rsvp.person_id.label("person_id"),
            func.count(Rsvp.id).label("times"),
            func.max(Occurrence.starts_at).label("last_came"),
        )
        .join(Occurrence, Occurrence.id == Rsvp.occurrence_id)
        .where(
            Occurrence.status == OccurrenceStatus.SCHEDULED,
            Occurrence.starts_at <= now,
            Rsvp.present.is_(True),
        )
        .group_by(Rsvp.person_id)
        .having(func.count(Rsvp.id) >= min_times, func.max(Occurrence.starts_at) < now - away)
        .subquery()
    )
    coming_back = (
        select(Rsvp.id)
        .join(Occurrence, Occurrence.id == Rsvp.occurrence_id)
        .where(
            Rsvp.person_id == Person.id,
            Rsvp.answer == Answer.YES,
            Occurrence.status == OccurrenceStatus.SCHEDULED,
            Occurrence.starts_at > now,
        )
        .exists()
    )
    thought = (
        select(func.max(OutboxMessage.created_at))
        .where(OutboxMessage.person_id == Person.id, OutboxMessage.kind == KIND)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(
            Person.id,
            Person.display_name,
            Person.language,
            visits.c.times,
            visits.c.last_came,
            thought,
        )
        .join(visits, visits.c.person_id == Person.id)
        .where(*_may_write_to(), ~coming_back)
        .order_by(visits.c.last_came.desc(), Person.id)
    )
    return [
        Lapsed(pid, name, language, int(times), last, thought_at)
        for pid, name, language, times, last, thought_at in rows.all()
    ]


async def reachable_person(session: AsyncSession, *, person_id: int) -> Person | None:
    """The person, if the bot may still write to them (None: gone, blocked, or never agreed)."""
    return await session.scalar(select(Person).where(Person.id == person_id, *_may_write_to()))


def default_text(translator: Translator, *, language: str, name: str) -> str:
    """The kind words a facilitator starts from, in the person's language."""
    return translator.t("lapsed.message", language, name=first_name(name))


def message_text(translator: Translator, *, language: str, sender_name: str, text: str) -> str:
    """What the person receives: who writes, then the words."""
    header = translator.t("lapsed.from", language, name=first_name(sender_name))
    return header + "\n\n" + text.strip()[:TEXT_LIMIT]


class Sent(enum.Enum):
    NEW = "new"
    ALREADY = "already"  # the same confirmation came twice (a double tap)
    GONE = "gone"  # forgotten, blocked the bot, or no longer a participant


async def send(
    session: AsyncSession,
    *,
    sender: Person,
    person_id: int,
    text: str,
    request_key: str,
    now: datetime,
    translator: Translator,
) -> Sent:
    """Write "On pense à vous" to the person through the outbox, once per request key."""
    person = await reachable_person(session, person_id=person_id)
    if person is None or person.telegram_id is None:
        return Sent.GONE
    added = await outbox.enqueue(
        session,
        Outgoing(
            chat_id=person.telegram_id,
            person_id=person.id,
            kind=KIND,
            dedupe_key=f"think:{sender.id}:{request_key}",
            text=message_text(
                translator,
                language=person.language,
                sender_name=sender.display_name,
                text=text,
            ),
            priority=10,
        ),
        now=now,
    )
    return Sent.NEW if added else Sent.ALREADY
