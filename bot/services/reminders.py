"""Reminders: the day before at a set local time, and some hours before the start.

Each reminder is an outbox row with the dedupe key (session, person, kind), so a
restart or a second bot process never sends one twice. Reminders are enqueued when
due; one missed while the bot was down is still sent if the session has not started
(its row expires at the start), and the day-before one is skipped when the later one is
already due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.models import Answer, Occurrence, OccurrenceStatus, OutboxMessage, Person, Rsvp
from bot.services import cards, outbox, rsvp
from bot.services.notices import group_chat
from bot.services.outbox import Outgoing

DAY_BEFORE = "day"
HOURS_BEFORE = "hours"
REMINDER_KIND = "reminder"
GROUP_KIND = "group_reminder"
LOOKAHEAD = timedelta(days=2)


@dataclass(frozen=True)
class ReminderSettings:
    tz: ZoneInfo
    day_before_at: time
    hours_before: int
    group_language: str


def reminder_times(starts_at: datetime, cfg: ReminderSettings) -> dict[str, datetime]:
    """When each reminder is due, computed in local time (DST-safe)."""
    local_start = starts_at.astimezone(cfg.tz)
    day_before = (local_start - timedelta(days=1)).date()
    naive = datetime.combine(day_before, cfg.day_before_at)
    return {
        DAY_BEFORE: naive.replace(tzinfo=cfg.tz).astimezone(starts_at.tzinfo),
        HOURS_BEFORE: starts_at - timedelta(hours=cfg.hours_before),
    }


def _stamp(occurrence: Occurrence) -> int:
    # Part of the dedupe keys: a moved session is reminded again at its new time.
    return int(occurrence.starts_at.timestamp())


def group_dedupe_key(occurrence: Occurrence) -> str:
    return f"grem:{occurrence.id}:{_stamp(occurrence)}"


async def enqueue_due(
    session: AsyncSession,
    *,
    now: datetime,
    cfg: ReminderSettings,
    translator: Translator,
    lead: timedelta = timedelta(0),
) -> int:
    """Enqueue every reminder due by `now + lead`; returns how many messages were added.

    A small `lead` writes the rows a moment early with their exact send time, so the
    sender, not this job's period, decides how punctual a reminder is.
    """
    horizon = now + lead
    candidates = list(
        await session.scalars(
            select(Occurrence)
            .where(
                Occurrence.status == OccurrenceStatus.SCHEDULED,
                Occurrence.starts_at > now,
                Occurrence.starts_at <= now + LOOKAHEAD,
                or_(
                    Occurrence.day_before_sent_at.is_(None),
                    Occurrence.hours_before_sent_at.is_(None),
                ),
            )
            .order_by(Occurrence.starts_at)
            .with_for_update(skip_locked=True)
        )
    )
    added = 0
    for occurrence in candidates:
        times = reminder_times(occurrence.starts_at, cfg)
        hours_due = times[HOURS_BEFORE] <= horizon
        if occurrence.day_before_sent_at is None and times[DAY_BEFORE] <= horizon:
            occurrence.day_before_sent_at = now
            if not hours_due:  # too late for "tomorrow": the later reminder says it all
                at = max(now, times[DAY_BEFORE])
                added += await _enqueue(session, occurrence, DAY_BEFORE, now, at, cfg, translator)
                added += await _enqueue_group(session, occurrence, now, at, cfg, translator)
        if occurrence.hours_before_sent_at is None and hours_due:
            occurrence.hours_before_sent_at = now
            at = max(now, times[HOURS_BEFORE])
            added += await _enqueue(session, occurrence, HOURS_BEFORE, now, at, cfg, translator)
    return added


async def _enqueue(
    session: AsyncSession,
    occurrence: Occurrence,
    kind: str,
    now: datetime,
    send_at: datetime,
    cfg: ReminderSettings,
    translator: Translator,
) -> int:
    choice = Person.remind_day_before if kind == DAY_BEFORE else Person.remind_hours_before
    rows = (
        await session.execute(
            select(Person, Rsvp)
            .join(
                Rsvp,
                (Rsvp.person_id == Person.id) & (Rsvp.occurrence_id == occurrence.id),
                isouter=True,
            )
            .where(Person.consent_at.is_not(None), choice.is_(True))
        )
    ).all()
    seats = await rsvp.seats(session, occurrence)
    line = [
        r.id
        for r in sorted(
            (r for _, r in rows if r is not None and r.answer == Answer.YES and r.waitlisted),
            key=lambda r: (r.queued_at, r.id),
        )
    ]
    messages = []
    for person, answer in rows:
        if answer is not None and answer.answer == Answer.NO:
            continue  # they said no: no reminder
        if person.telegram_id is None:
            continue  # counted in seats, never messaged
        mine = rsvp.MyAnswer(
            Answer(answer.answer) if answer else None,
            answer.plus_one if answer else False,
            line.index(answer.id) + 1 if answer is not None and answer.id in line else None,
        )
        lang = person.language
        if answer is None:
            intro = translator.t("reminder.question", lang)
        elif kind == DAY_BEFORE:
            intro = translator.t("reminder.day_before", lang)
        else:
            intro = translator.t("reminder.hours_before", lang, hours=cfg.hours_before)
        text = intro + "\n\n" + cards.card(translator, lang, cfg.tz, occurrence, seats, mine)
        messages.append(
            Outgoing(
                chat_id=person.telegram_id,
                person_id=person.id,
                kind=REMINDER_KIND,
                dedupe_key=f"rem:{occurrence.id}:{_stamp(occurrence)}:{person.id}:{kind}",
                text=text,
                buttons=cards.rsvp_buttons(translator, lang, occurrence.id, mine),
                not_before=send_at,
                expires_at=occurrence.starts_at,
                reachable=person.reachable,
                priority=40,
            )
        )
    return await outbox.enqueue_many(session, messages, now=now)


async def _enqueue_group(
    session: AsyncSession,
    occurrence: Occurrence,
    now: datetime,
    send_at: datetime,
    cfg: ReminderSettings,
    translator: Translator,
) -> int:
    chat_id = await group_chat(session, occurrence)
    if chat_id is None:
        return 0
    seats = await rsvp.seats(session, occurrence)
    added = await outbox.enqueue(
        session,
        Outgoing(
            chat_id=chat_id,
            kind=GROUP_KIND,
            dedupe_key=group_dedupe_key(occurrence),
            text=group_text(translator, cfg, occurrence, seats),
            buttons=cards.rsvp_buttons(translator, cfg.group_language, occurrence.id),
            not_before=send_at,
            expires_at=occurrence.starts_at,
            priority=40,
        ),
        now=now,
    )
    return int(added)


def group_text(
    translator: Translator, cfg: ReminderSettings, occurrence: Occurrence, seats: rsvp.Seats
) -> str:
    """The group's reminder: counts only, never names."""
    lang = cfg.group_language
    return (
        translator.t("reminder.group", lang)
        + "\n\n"
        + cards.card(translator, lang, cfg.tz, occurrence, seats, show_mine=False)
    )


async def group_message(session: AsyncSession, occurrence: Occurrence) -> tuple[int, int] | None:
    """(chat id, message id) of a session's group reminder, once it was sent."""
    row = await session.scalar(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == group_dedupe_key(occurrence))
    )
    if row is None or row.telegram_message_id is None:
        return None
    return row.chat_id, row.telegram_message_id
