"""Messages about a session that changed: cancelled, moved, a seat freed or lost.

The calendar service calls these in the same transaction as the change it makes, so a
change and the messages about it are committed (or rolled back) together.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.models import Answer, Occurrence, Person, Series
from bot.services import cards, outbox, rsvp
from bot.services.outbox import Outgoing

NOTICE_KIND = "session_notice"
SEAT_KIND = "seat_notice"


class ChangeKind(enum.StrEnum):
    CANCELLED = "cancelled"
    MOVED = "moved"


@dataclass(frozen=True)
class Change:
    """A session changed under people's feet: who to tell, and how."""

    occurrence_id: int
    kind: ChangeKind
    person_ids: list[int] = field(default_factory=list)
    old_start: datetime | None = None


def people_concerned(changes: Iterable[Change]) -> int:
    """How many people the changes concern, each counted once."""
    return len({person for change in changes for person in change.person_ids})


async def _people(session: AsyncSession, ids: Sequence[int]) -> list[Person]:
    if not ids:
        return []
    rows = await session.scalars(
        select(Person).where(Person.id.in_(list(ids)), Person.consent_at.is_not(None))
    )
    return list(rows)


def _change_text(
    translator: Translator, lang: str, tz: ZoneInfo, occurrence: Occurrence, change: Change
) -> str:
    t = translator.t
    new_when = cards.when(translator, lang, tz, occurrence.starts_at)
    if change.kind is ChangeKind.CANCELLED:
        text = t("notice.cancelled", lang, title=occurrence.title, when=new_when)
        if occurrence.cancel_reason:
            text += "\n" + t("notice.reason", lang, reason=occurrence.cancel_reason)
        return text
    old_when = cards.when(translator, lang, tz, change.old_start or occurrence.starts_at)
    return t("notice.moved", lang, title=occurrence.title, when=new_when, old=old_when)


async def notify_change(
    session: AsyncSession,
    change: Change,
    *,
    translator: Translator,
    tz: ZoneInfo,
    now: datetime,
    group_language: str,
) -> int:
    """Tell everyone who answered yes or maybe, and the workshop's group, what changed."""
    occurrence = await session.get(Occurrence, change.occurrence_id)
    if occurrence is None:
        return 0
    stamp = int(occurrence.starts_at.timestamp())
    messages = []
    for person in await _people(session, change.person_ids):
        if person.telegram_id is None:
            continue  # counted in seats, never messaged
        buttons = (
            cards.rsvp_buttons(translator, person.language, occurrence.id)
            if change.kind is ChangeKind.MOVED
            else None
        )
        messages.append(
            Outgoing(
                chat_id=person.telegram_id,
                person_id=person.id,
                kind=NOTICE_KIND,
                dedupe_key=f"{change.kind}:{occurrence.id}:{stamp}:{person.id}",
                text=_change_text(translator, person.language, tz, occurrence, change),
                buttons=buttons,
                reachable=person.reachable,
                priority=20,
                urgent=True,  # a cancelled session at 9:00 must be known before 8:00
            )
        )
    group = await group_chat(session, occurrence)
    if group is not None:
        messages.append(
            Outgoing(
                chat_id=group,
                kind=NOTICE_KIND,
                dedupe_key=f"{change.kind}:{occurrence.id}:{stamp}:group",
                text=_change_text(translator, group_language, tz, occurrence, change),
                priority=20,
            )
        )
    return await outbox.enqueue_many(session, messages, now=now)


async def group_chat(session: AsyncSession, occurrence: Occurrence) -> int | None:
    if occurrence.group_chat_id is not None:
        return occurrence.group_chat_id
    if occurrence.series_id is None:
        return None
    series = await session.get(Series, occurrence.series_id)
    return series.group_chat_id if series else None


async def notify_seat_moves(
    session: AsyncSession,
    *,
    occurrence_id: int,
    moved: Sequence[rsvp.Moved],
    translator: Translator,
    tz: ZoneInfo,
    now: datetime,
) -> int:
    """A seat freed (the first in line moved in) or was lost (capacity lowered)."""
    if not moved:
        return 0
    occurrence = await session.get(Occurrence, occurrence_id)
    if occurrence is None:
        return 0
    people = {p.id: p for p in await _people(session, [m.person_id for m in moved])}
    messages = []
    for item in moved:
        person = people.get(item.person_id)
        if person is None or person.telegram_id is None:
            continue
        when = cards.when(translator, person.language, tz, occurrence.starts_at)
        if item.promoted:
            text = translator.t(
                "notice.promoted", person.language, title=occurrence.title, when=when
            )
        else:
            text = translator.t(
                "notice.demoted",
                person.language,
                title=occurrence.title,
                when=when,
                position=item.position or 1,
            )
        messages.append(
            Outgoing(
                chat_id=person.telegram_id,
                person_id=person.id,
                kind=SEAT_KIND,
                # Up or down (and where) is part of the key: two moves at one instant
                # are two notices.
                dedupe_key=(
                    f"seat:{occurrence.id}:{person.id}:{now.timestamp():.3f}:"
                    f"{'up' if item.promoted else item.position}"
                ),
                text=text,
                buttons=cards.rsvp_buttons(
                    translator,
                    person.language,
                    occurrence.id,
                    rsvp.MyAnswer(Answer.YES, position=item.position),
                ),
                reachable=person.reachable,
                priority=30,
            )
        )
    return await outbox.enqueue_many(session, messages, now=now)
