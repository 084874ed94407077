"""Mood check-ins: one face a day, an optional word, a separate consent, and a care path.

Mood is health data, so the rules are strict and live here, not in the handlers:

- Nothing is stored without the person's mood consent (asked at their first check-in,
  apart from the bot's privacy notice). Saying no, or withdrawing later, pauses the
  prompts for a month; withdrawing deletes every check-in, note and score at once.
- One check-in per person per local day: a second one the same day replaces the first
  (its word and sharing too). A prompt tapped after its day records for today.
- The team sees a person's mood only if that person shares it; the care alert says who
  wants to be contacted and how, never the mood unless it was shared.
- Check-ins older than the retention period are deleted by a scheduled job.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callback_data import CARE_WRITE, MOOD_FACE
from bot.i18n import Translator
from bot.models import (
    Answer,
    CheckIn,
    Occurrence,
    OccurrenceStatus,
    Person,
    Role,
    Rsvp,
    WellbeingCheck,
)
from bot.services import outbox
from bot.services.outbox import Button, Outgoing
from bot.services.talk import facilitators, first_name

LOWEST = 1
HIGHEST = 5
FACES = {1: "😞", 2: "🙁", 3: "😐", 4: "🙂", 5: "😄"}
NOTE_LIMIT = 500
VOICE_LIMIT_SECONDS = 180
# After a "no" (or a withdrawal) the person is not prompted again for this long.
DECLINE_PAUSE = timedelta(days=30)
# A session that ended longer ago than this gets no prompt (the bot was down for days).
PROMPT_WINDOW = timedelta(days=2)
# A prompt nobody tapped is taken off the outbox after this long.
PROMPT_LIFETIME = timedelta(days=2)
PROMPT_KIND = "mood_prompt"
CARE_KIND = "care_alert"
CARE_REPLY_KIND = "care_reply"


class NoConsent(Exception):
    """A check-in was attempted without the person's mood consent: nothing is stored."""


class Contact(enum.StrEnum):
    """How a person who asked for help wants to be reached."""

    CALL = "call"
    WRITE = "write"


class Feeling(enum.StrEnum):
    """The one-sentence summary of someone's last 4 weeks (never a score)."""

    NONE = "none"
    LOW = "low"
    MIXED = "mixed"
    GOOD = "good"
    VERY_GOOD = "very_good"


@dataclass(frozen=True)
class Recorded:
    check_in_id: int
    replaced: bool  # there was an answer for today already: this one replaces it
    late: bool  # the prompt was for an earlier day: recorded for today
    offer_care: bool  # the lowest face, or a second low answer in a row


@dataclass(frozen=True)
class DayMood:
    day: date
    mood: int


@dataclass(frozen=True)
class PromptSettings:
    tz: ZoneInfo
    delay: timedelta
    quiet_start: time = time(0, 0)
    quiet_end: time = time(0, 0)


def day_code(day: date) -> str:
    """The prompt's day as it travels in a button (YYYYMMDD)."""
    return day.strftime("%Y%m%d")


def day_of(code: str) -> date | None:
    """The day a button carries, or None for a date that does not exist (a forged one)."""
    try:
        return datetime.strptime(code, "%Y%m%d").date()
    except ValueError:
        return None


def face_buttons(person_id: int, day: date) -> list[list[Button]]:
    """The five faces in one row, worst to best (what a prompt carries)."""
    return [
        [
            Button(face, MOOD_FACE.make(person_id, day_code(day), value))
            for value, face in FACES.items()
        ]
    ]


# --- consent --------------------------------------------------------------------------


def may_prompt(person: Person, now: datetime) -> bool:
    """A prompt goes to people who agreed, never asked, or said no over a month ago."""
    if person.mood_consent_at is not None or person.mood_declined_at is None:
        return True
    return now - person.mood_declined_at >= DECLINE_PAUSE


async def give_consent(session: AsyncSession, *, person: Person, now: datetime) -> None:
    person.mood_consent_at = now
    person.mood_declined_at = None
    await session.flush()


async def decline(session: AsyncSession, *, person: Person, now: datetime) -> None:
    """The person said no: nothing is kept, and no prompt comes for a month."""
    person.mood_declined_at = now
    await session.flush()


async def withdraw(session: AsyncSession, *, person: Person, now: datetime) -> int:
    """Consent withdrawn: every check-in, word and score goes at once; returns rows deleted."""
    gone = 0
    for model in (CheckIn, WellbeingCheck):
        result = await session.execute(delete(model).where(model.person_id == person.id))
        gone += int(getattr(result, "rowcount", 0) or 0)
    person.mood_consent_at = None
    person.mood_declined_at = now
    person.wellbeing_since = None
    person.wellbeing_prompted_at = None
    await session.flush()
    return gone


# --- check-ins ------------------------------------------------------------------------


async def _session_attended(
    session: AsyncSession, *, person_id: int, today: date, now: datetime
) -> int | None:
    """Today's session this person came to (or said yes to), if it has started."""
    return await session.scalar(
        select(Occurrence.id)
        .join(Rsvp, Rsvp.occurrence_id == Occurrence.id)
        .where(
            Rsvp.person_id == person_id,
            Occurrence.local_date == today,
            Occurrence.status == OccurrenceStatus.SCHEDULED,
            Occurrence.starts_at <= now,
            or_(Rsvp.present.is_(True), (Rsvp.answer == Answer.YES) & Rsvp.present.is_not(False)),
        )
        .order_by(Occurrence.starts_at.desc())
        .limit(1)
    )


async def _previous_mood(session: AsyncSession, *, person_id: int, before: date) -> int | None:
    return await session.scalar(
        select(CheckIn.mood)
        .where(CheckIn.person_id == person_id, CheckIn.local_date < before)
        .order_by(CheckIn.local_date.desc())
        .limit(1)
    )


def needs_care(mood: int, previous: int | None) -> bool:
    """The lowest face, or two low answers in a row (😞 or 🙁 after 😞 or 🙁)."""
    if mood == LOWEST:
        return True
    return mood <= LOWEST + 1 and previous is not None and previous <= LOWEST + 1


Daily = TypeVar("Daily", CheckIn, WellbeingCheck)


async def daily_row(
    session: AsyncSession,
    model: type[Daily],
    *,
    person_id: int,
    day: date,
    fresh: Callable[[], Daily],
) -> tuple[Daily, bool]:
    """The person's row of `day` (True: it was there already), or `fresh()` added (False).

    Two taps in flight at once both see no row: the second insert meets the unique
    constraint, and takes the first one's row instead.
    """

    def find() -> Select[Daily]:
        return select(model).where(model.person_id == person_id, model.local_date == day)

    found = await session.scalar(find())
    if found is not None:
        return found, True
    row = fresh()
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = await session.scalar(find())
        if found is None:
            raise
        return found, True
    return row, False


async def record(
    session: AsyncSession,
    *,
    person: Person,
    mood: int,
    day: date,
    today: date,
    now: datetime,
    occurrence_id: int | None = None,
) -> Recorded:
    """Keep today's face (replacing an earlier one of today, its word and sharing too).

    `day` is the prompt's day; a prompt tapped on a later day records for `today`.
    """
    if not person.mood_consented:
        raise NoConsent
    if not LOWEST <= mood <= HIGHEST:
        raise ValueError(f"mood {mood} out of range")
    late = day < today
    if late or occurrence_id is None:
        occurrence_id = await _session_attended(session, person_id=person.id, today=today, now=now)
    previous = await _previous_mood(session, person_id=person.id, before=today)
    existing, replaced = await daily_row(
        session,
        CheckIn,
        person_id=person.id,
        day=today,
        fresh=lambda: CheckIn(
            person_id=person.id,
            local_date=today,
            mood=mood,
            occurrence_id=occurrence_id,
            shared=False,
            created_at=now,
            updated_at=now,
        ),
    )
    if replaced:
        existing.mood = mood
        existing.occurrence_id = occurrence_id or existing.occurrence_id
        existing.note = None
        existing.voice_file_id = None
        existing.shared = False
        existing.updated_at = now
    await session.flush()
    return Recorded(existing.id, replaced, late, needs_care(mood, previous))


async def _own(session: AsyncSession, *, person_id: int, check_in_id: int) -> CheckIn | None:
    found = await session.get(CheckIn, check_in_id)
    return found if found is not None and found.person_id == person_id else None


async def add_word(
    session: AsyncSession,
    *,
    person_id: int,
    check_in_id: int,
    now: datetime,
    note: str | None = None,
    voice_file_id: str | None = None,
) -> bool:
    """Add a typed word or a voice note to the person's own check-in; False if it is gone."""
    if note is not None and len(note) > NOTE_LIMIT:
        raise ValueError("note too long")
    found = await _own(session, person_id=person_id, check_in_id=check_in_id)
    if found is None:
        return False
    found.note = note
    found.voice_file_id = voice_file_id
    found.updated_at = now
    await session.flush()
    return True


async def share(
    session: AsyncSession, *, person_id: int, check_in_id: int, shared: bool, now: datetime
) -> CheckIn | None:
    """Share (or not) a check-in with the team; None if it is gone."""
    found = await _own(session, person_id=person_id, check_in_id=check_in_id)
    if found is None:
        return None
    found.shared = shared
    found.updated_at = now
    await session.flush()
    return found


async def today_check_in(session: AsyncSession, *, person_id: int, today: date) -> CheckIn | None:
    return await session.scalar(
        select(CheckIn).where(CheckIn.person_id == person_id, CheckIn.local_date == today)
    )


async def count_check_ins(session: AsyncSession, *, person_id: int) -> int:
    """How many check-ins the bot keeps for this person."""
    found = await session.scalar(
        select(func.count()).select_from(CheckIn).where(CheckIn.person_id == person_id)
    )
    return int(found or 0)


# --- my weeks -------------------------------------------------------------------------


def window_start(today: date, weeks: int = 12) -> date:
    """The Monday that starts a window of `weeks` weeks ending this week."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=weeks - 1)


async def my_days(
    session: AsyncSession, *, person_id: int, since: date, until: date
) -> list[DayMood]:
    rows = await session.execute(
        select(CheckIn.local_date, CheckIn.mood)
        .where(
            CheckIn.person_id == person_id,
            CheckIn.local_date >= since,
            CheckIn.local_date <= until,
        )
        .order_by(CheckIn.local_date)
    )
    return [DayMood(day, mood) for day, mood in rows]


def feeling(points: Sequence[DayMood], today: date, days: int = 28) -> Feeling:
    """How the last 4 weeks went, in one word; NONE when there is no answer in them."""
    recent = [p.mood for p in points if today - timedelta(days=days) < p.day <= today]
    if not recent:
        return Feeling.NONE
    average = sum(recent) / len(recent)
    if average < 2.5:
        return Feeling.LOW
    if average < 3.5:
        return Feeling.MIXED
    if average < 4.5:
        return Feeling.GOOD
    return Feeling.VERY_GOOD


# --- prompts after a session ----------------------------------------------------------


async def _came(session: AsyncSession, occurrence: Occurrence, now: datetime) -> list[Person]:
    """People marked present, or who said yes and were not marked absent (with a seat)."""
    rows = await session.scalars(
        select(Person)
        .join(Rsvp, Rsvp.person_id == Person.id)
        .where(
            Rsvp.occurrence_id == occurrence.id,
            or_(
                Rsvp.present.is_(True),
                (Rsvp.answer == Answer.YES) & Rsvp.present.is_(None) & Rsvp.waitlisted.is_(False),
            ),
            Person.telegram_id.is_not(None),
            Person.consent_at.is_not(None),
            Person.role != Role.FACILITATOR,
        )
        .order_by(Person.id)
    )
    return [p for p in rows if may_prompt(p, now)]


async def enqueue_prompts(
    session: AsyncSession, *, now: datetime, cfg: PromptSettings, translator: Translator
) -> int:
    """Ask people who came how they feel, once per session, when its delay has passed."""
    due = list(
        await session.scalars(
            select(Occurrence)
            .where(
                Occurrence.status == OccurrenceStatus.SCHEDULED,
                Occurrence.mood_prompted_at.is_(None),
                Occurrence.ends_at <= now - cfg.delay,
                Occurrence.ends_at > now - cfg.delay - PROMPT_WINDOW,
            )
            .order_by(Occurrence.ends_at)
            .with_for_update(skip_locked=True)
        )
    )
    messages: list[Outgoing] = []
    for occurrence in due:
        occurrence.mood_prompted_at = now
        send_at = occurrence.ends_at + cfg.delay
        leaves = outbox.leaves_at(send_at, cfg.tz, cfg.quiet_start, cfg.quiet_end)
        day = leaves.astimezone(cfg.tz).date()
        for person in await _came(session, occurrence, now):
            assert person.telegram_id is not None  # _came keeps Telegram users only
            messages.append(
                Outgoing(
                    chat_id=person.telegram_id,
                    person_id=person.id,
                    kind=PROMPT_KIND,
                    dedupe_key=f"moodp:{occurrence.id}:{person.id}",
                    text=translator.t("mood.prompt", person.language),
                    buttons=face_buttons(person.id, day),
                    not_before=leaves,
                    expires_at=leaves + PROMPT_LIFETIME,
                    reachable=person.reachable,
                )
            )
    await session.flush()
    return await outbox.enqueue_many(session, messages, now=now)


# --- care -----------------------------------------------------------------------------


async def alert_team(
    session: AsyncSession,
    *,
    person: Person,
    contact: Contact,
    request_key: str,
    now: datetime,
    translator: Translator,
    phone: str | None = None,
) -> tuple[list[str], bool]:
    """Tell every facilitator, privately, that this person would like a call or a message.

    The alert names the person and how to reach them, never their mood. `request_key`
    names the person's request (the message they answered): a double tap alerts once.
    Returns the first names of the facilitators told, and whether the alert is new.
    """
    team = await facilitators(session, exclude_id=person.id)
    name = first_name(person.display_name)
    messages = []
    for reader in team:
        assert reader.telegram_id is not None  # facilitators() keeps Telegram users only
        lang = reader.language
        t = translator.t
        how = (
            t("care.alert_call", lang, name=name, phone=phone)
            if contact is Contact.CALL and phone
            else t("care.alert_write", lang, name=name)
        )
        messages.append(
            Outgoing(
                chat_id=reader.telegram_id,
                person_id=reader.id,
                kind=CARE_KIND,
                dedupe_key=f"care:{person.id}:{request_key}:{reader.id}",
                text=t("care.alert", lang, name=person.display_name) + "\n" + how,
                buttons=[
                    [
                        Button(
                            t("care.button_write_to", lang, name=name), CARE_WRITE.make(person.id)
                        )
                    ]
                ],
                priority=10,
                reachable=reader.reachable,
            )
        )
    added = await outbox.enqueue_many(session, messages, now=now)
    return [first_name(r.display_name) for r in team], added > 0


async def person_to_contact(session: AsyncSession, *, person_id: int) -> Person | None:
    """Someone the team can write to through the bot (None: gone, or not on Telegram)."""
    person = await session.get(Person, person_id)
    return person if person is not None and person.telegram_id is not None else None


async def write_to(
    session: AsyncSession,
    *,
    sender: Person,
    person_id: int,
    text: str,
    message_id: int,
    now: datetime,
    translator: Translator,
) -> Person | None:
    """A facilitator's message to a person who asked for contact, through the outbox."""
    person = await person_to_contact(session, person_id=person_id)
    if person is None or person.telegram_id is None:
        return None
    header = translator.t("care.from_team", person.language, name=first_name(sender.display_name))
    room = outbox.TEXT_LIMIT - len(header) - 2
    body = text if len(text) <= room else text[: room - 1] + "…"
    await outbox.enqueue(
        session,
        Outgoing(
            chat_id=person.telegram_id,
            person_id=person.id,
            kind=CARE_REPLY_KIND,
            dedupe_key=f"carer:{sender.id}:{message_id}",
            text=header + "\n\n" + body,
            priority=10,
            reachable=person.reachable,
        ),
        now=now,
    )
    return person


# --- keeping little -------------------------------------------------------------------


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the last day of a shorter month)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))


async def forget_old(session: AsyncSession, *, today: date, months: int) -> int:
    """Delete check-ins, words and scores older than `months` months; returns rows deleted."""
    cutoff = months_before(today, months)
    gone = 0
    for model in (CheckIn, WellbeingCheck):
        result = await session.execute(delete(model).where(model.local_date < cutoff))
        gone += int(getattr(result, "rowcount", 0) or 0)
    return gone
