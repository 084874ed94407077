"""Reminders: the day before at a set local time, and some hours before the start.

Each reminder is an outbox row with the dedupe key (session, time, person, kind), so a
restart or a second bot process never sends one twice. Reminders are enqueued when due.
What decides who gets what:

- A reminder is sent only if the session already had its start time when the reminder
  fell due (`Occurrence.scheduled_at`): a session moved to later today gets no "c'est
  demain !"; its move notice told people, and the hours-before reminder follows.
- One missed while the bot was down is still sent if the session has not started (its
  row expires at the start); the day-before one is skipped when the later one is
  already due.
- Its words come from the day it leaves ("aujourd'hui", "demain"), quiet hours counted.
- Someone who has not answered is asked once for each time the session has: after the
  day-before question, the hours-before reminder does not ask again. People who
  answered yes or maybe get the reminders they chose; people who said no get none.
- Facilitators run the sessions: they get no participant reminders unless the
  deployment asks for them (REMIND_FACILITATORS).
- The linked group gets the day-before post in the group's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.models import (
    Answer,
    Occurrence,
    OccurrenceStatus,
    OutboxMessage,
    OutboxState,
    Person,
    Role,
    Rsvp,
)
from bot.services import cards, outbox, rsvp
from bot.services.notices import group_chat, group_language_of
from bot.services.outbox import Outgoing

DAY_BEFORE = "day"
HOURS_BEFORE = "hours"
REMINDER_KIND = "reminder"
GROUP_KIND = "group_reminder"
LOOKAHEAD = timedelta(days=2)
# A question in one of these states never reached the person: they may be asked again.
NOT_ASKED = (OutboxState.FAILED, OutboxState.EXPIRED, OutboxState.CANCELLED)


@dataclass(frozen=True)
class ReminderSettings:
    tz: ZoneInfo
    day_before_at: time
    hours_before: int
    # The language of group posts for a series whose group has none of its own.
    default_language: str = "fr"
    remind_facilitators: bool = False
    # Quiet hours hold reminders (equal values: none); a reminder's words follow.
    quiet_start: time = time(0, 0)
    quiet_end: time = time(0, 0)


def reminder_times(starts_at: datetime, cfg: ReminderSettings) -> dict[str, datetime]:
    """When each reminder is due, computed in local time (DST-safe)."""
    local_start = starts_at.astimezone(cfg.tz)
    day_before = (local_start - timedelta(days=1)).date()
    naive = datetime.combine(day_before, cfg.day_before_at)
    return {
        DAY_BEFORE: naive.replace(tzinfo=cfg.tz).astimezone(starts_at.tzinfo),
        HOURS_BEFORE: starts_at - timedelta(hours=cfg.hours_before),
    }


def leaves_at(send_at: datetime, cfg: ReminderSettings) -> datetime:
    """When a reminder due at `send_at` really leaves: quiet hours hold it to their end."""
    return outbox.leaves_at(send_at, cfg.tz, cfg.quiet_start, cfg.quiet_end)


def reading_day(send_at: datetime, cfg: ReminderSettings) -> date:
    """The local date on which the person reads a reminder due at `send_at`."""
    return leaves_at(send_at, cfg).astimezone(cfg.tz).date()


def _stamp(occurrence: Occurrence) -> int:
    # Part of the dedupe keys: a moved session is reminded again at its new time.
    return int(occurrence.starts_at.timestamp())


def _key(occurrence: Occurrence, person_id: int | str, kind: str) -> str:
    return f"rem:{occurrence.id}:{_stamp(occurrence)}:{person_id}:{kind}"


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
            # Too late for "tomorrow" (the later reminder says it all), or the session
            # did not have this time yet when the reminder fell due (it was moved).
            if not hours_due and occurrence.scheduled_at <= times[DAY_BEFORE]:
                at = max(now, times[DAY_BEFORE])
                added += await _enqueue(session, occurrence, DAY_BEFORE, now, at, cfg, translator)
                added += await _enqueue_group(session, occurrence, now, at, cfg, translator)
        if occurrence.hours_before_sent_at is None and hours_due:
            occurrence.hours_before_sent_at = now
            if occurrence.scheduled_at <= times[HOURS_BEFORE]:
                at = max(now, times[HOURS_BEFORE])
                added += await _enqueue(
                    session, occurrence, HOURS_BEFORE, now, at, cfg, translator
                )
    return added


async def _asked_the_day_before(session: AsyncSession, occurrence: Occurrence) -> set[int]:
    """People who got the day-before reminder for this session's time (someone who has
    not answered now had not then either: it asked them)."""
    rows = await session.scalars(
        select(OutboxMessage.person_id).where(
            OutboxMessage.kind == REMINDER_KIND,
            OutboxMessage.dedupe_key.like(_key(occurrence, "%", DAY_BEFORE)),
            OutboxMessage.state.not_in(NOT_ASKED),
        )
    )
    return {person_id for person_id in rows if person_id is not None}


def _intro(
    translator: Translator,
    lang: str,
    kind: str,
    answer: Rsvp | None,
    occurrence: Occurrence,
    cfg: ReminderSettings,
    today: date,
) -> str:
    """The reminder's own first line, with the day as the person reads it."""
    day = translator.format_date(occurrence.starts_at, lang, cfg.tz, today=today)
    if answer is None:
        return translator.t("reminder.question", lang, day=day)
    if kind == DAY_BEFORE:
        return translator.t("reminder.day_before", lang, day=day)
    when = translator.format_datetime(occurrence.starts_at, lang, cfg.tz, today=today)
    return translator.t("reminder.hours_before", lang, when=when)


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
    query = (
        select(Person, Rsvp)
        .join(
            Rsvp,
            (Rsvp.person_id == Person.id) & (Rsvp.occurrence_id == occurrence.id),
            isouter=True,
        )
        .where(Person.consent_at.is_not(None), choice.is_(True))
    )
    if not cfg.remind_facilitators:
        query = query.where(Person.role != Role.FACILITATOR)
    rows = (await session.execute(query)).all()
    asked = await _asked_the_day_before(session, occurrence) if kind == HOURS_BEFORE else set()
    seats = await rsvp.seats(session, occurrence)
    line = [
        r.id
        for r in sorted(
            (r for _, r in rows if r is not None and r.answer == Answer.YES and r.waitlisted),
            key=lambda r: (r.queued_at, r.id),
        )
    ]
    today = reading_day(send_at, cfg)
    messages = []
    for person, answer in rows:
        if answer is not None and answer.answer == Answer.NO:
            continue  # they said no: no reminder
        if answer is None and person.id in asked:
            continue  # asked the day before already: once is enough
        if person.telegram_id is None:
            continue  # counted in seats, never messaged
        mine = rsvp.MyAnswer(
            Answer(answer.answer) if answer else None,
            answer.plus_one if answer else False,
            line.index(answer.id) + 1 if answer is not None and answer.id in line else None,
        )
        lang = person.language
        intro = _intro(translator, lang, kind, answer, occurrence, cfg, today)
        # A reminder has no "📍 Où ?" button: its card says where.
        card = cards.card(
            translator, lang, cfg.tz, occurrence, seats, mine, today=today, place=True
        )
        text = intro + "\n\n" + card
        messages.append(
            Outgoing(
                chat_id=person.telegram_id,
                person_id=person.id,
                kind=REMINDER_KIND,
                dedupe_key=_key(occurrence, person.id, kind),
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
    lang = await group_language_of(session, occurrence, cfg.default_language)
    seats = await rsvp.seats(session, occurrence)
    added = await outbox.enqueue(
        session,
        Outgoing(
            chat_id=chat_id,
            kind=GROUP_KIND,
            dedupe_key=group_dedupe_key(occurrence),
            text=group_text(
                translator, lang, cfg.tz, occurrence, seats, today=reading_day(send_at, cfg)
            ),
            buttons=cards.rsvp_buttons(translator, lang, occurrence.id),
            not_before=send_at,
            expires_at=occurrence.starts_at,
            priority=40,
        ),
        now=now,
    )
    return int(added)


def group_text(
    translator: Translator,
    lang: str,
    tz: ZoneInfo,
    occurrence: Occurrence,
    seats: rsvp.Seats,
    *,
    today: date,
) -> str:
    """The group's reminder: counts only, never names; `today` is the local date it is read."""
    day = translator.format_date(occurrence.starts_at, lang, tz, today=today)
    return (
        translator.t("reminder.group", lang, day=day)
        + "\n\n"
        + cards.card(
            translator, lang, tz, occurrence, seats, show_mine=False, today=today, place=True
        )
    )


@dataclass(frozen=True)
class GroupPost:
    """A session's reminder as it was posted in the group."""

    chat_id: int
    message_id: int
    text: str | None


async def group_message(session: AsyncSession, occurrence: Occurrence) -> GroupPost | None:
    """A session's group reminder, once it was sent."""
    row = await session.scalar(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == group_dedupe_key(occurrence))
    )
    if row is None or row.telegram_message_id is None:
        return None
    return GroupPost(row.chat_id, row.telegram_message_id, row.text)
