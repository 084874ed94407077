"""Keeping nothing for ever: people who stopped using the bot are told, then forgotten.

Someone whose last use (`Person.last_seen_at`) is `months` months old gets one kind
message through the outbox, with "✅ Je reste". `grace` later, if they have not used the
bot since (any use counts, the button is only the easiest one), they are erased exactly
as `/oublier` erases (`bot.services.rights.forget`).

The warning belongs to one stretch of absence: `inactive_warned_at` counts only while it
is later than `last_seen_at`, so any use cancels it without writing anything, and the
next long absence brings a new warning. Its dedupe key names the stretch (the last use),
so a second process or a replayed tick never warns twice for it.

Facilitators are never warned nor removed: they run the workshop, and losing one by a
timer would take the role away from the group. People without Telegram cannot be told:
the facilitator who added them erases them when they ask (`people.forget_person`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.callback_data import STAY
from bot.i18n import Translator
from bot.models import Person, Role
from bot.services import outbox, rights
from bot.services.mood import months_before
from bot.services.outbox import Button, Outgoing

WARNING_KIND = "inactivity_warning"
# People handled per tick: a first run on an old database spreads over a few ticks
# rather than holding one long transaction.
BATCH = 200


@dataclass(frozen=True)
class InactivitySettings:
    months: int  # INACTIVE_MONTHS: how long without using the bot before the warning
    grace: timedelta  # INACTIVE_GRACE_DAYS: from the warning to the erasure
    tz: ZoneInfo
    quiet_start: time = time(0, 0)
    quiet_end: time = time(0, 0)


def inactive_since(now: datetime, months: int) -> datetime:
    """The moment `months` calendar months before `now` (UTC)."""
    moment = now.astimezone(UTC)
    day = months_before(moment.date(), months)
    return datetime.combine(day, moment.timetz())


def _may_be_removed() -> ColumnElement[bool]:
    """People the timer concerns: on Telegram, and not facilitators."""
    return Person.telegram_id.is_not(None) & (Person.role != Role.FACILITATOR)


def _warning_pending() -> ColumnElement[bool]:
    return Person.inactive_warned_at.is_not(None) & (
        Person.inactive_warned_at > Person.last_seen_at
    )


async def warn(
    session: AsyncSession, *, now: datetime, cfg: InactivitySettings, translator: Translator
) -> int:
    """Warn everyone whose absence reached `cfg.months` and who was not warned for it."""
    due = list(
        await session.scalars(
            select(Person)
            .where(
                _may_be_removed(),
                Person.last_seen_at <= inactive_since(now, cfg.months),
                ~_warning_pending(),
            )
            .order_by(Person.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    leaves = outbox.leaves_at(now, cfg.tz, cfg.quiet_start, cfg.quiet_end)
    days = max(1, cfg.grace.days)
    messages: list[Outgoing] = []
    for person in due:
        assert person.telegram_id is not None  # _may_be_removed keeps Telegram users only
        person.inactive_warned_at = now
        lang = person.language
        messages.append(
            Outgoing(
                chat_id=person.telegram_id,
                person_id=person.id,
                kind=WARNING_KIND,
                dedupe_key=f"inactive:{person.id}:{person.last_seen_at.isoformat()}",
                text=translator.t("inactivity.warning", lang, count=days),
                buttons=[[Button(translator.t("inactivity.button_stay", lang), STAY.make())]],
                not_before=leaves,
                # Once the person is erased there is nothing left to keep.
                expires_at=now + cfg.grace,
                reachable=person.reachable,
            )
        )
    await session.flush()
    return await outbox.enqueue_many(session, messages, now=now)


async def remove_expired(
    session: AsyncSession, *, now: datetime, cfg: InactivitySettings
) -> list[int]:
    """Erase the people warned `cfg.grace` ago who have not used the bot since.

    Someone who blocked the bot is erased too: the warning was written and sent as far
    as Telegram allowed. Returns the ids of the people erased.
    """
    ids = list(
        await session.scalars(
            select(Person.id)
            .where(
                _may_be_removed(),
                _warning_pending(),
                Person.inactive_warned_at <= now - cfg.grace,
            )
            .order_by(Person.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    for person_id in ids:
        await rights.forget(session, person_id=person_id, now=now)
    return ids


async def stay(session: AsyncSession, *, person: Person, now: datetime) -> bool:
    """The person keeps their place; True when they had been warned (False: a second tap).

    Any use already cancels the warning (see the module); this also says so in the row.
    """
    pending = person.inactive_warned_at is not None
    person.last_seen_at = now
    person.inactive_warned_at = None
    return pending
