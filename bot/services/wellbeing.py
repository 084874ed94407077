"""The WHO-5 well-being questionnaire, every two weeks, for those who opt in.

The WHO-5 is published by the WHO Collaborating Centre in Mental Health (Psychiatric
Centre North Zealand): free to use with its source credited, in its published wording.
Five statements about the last two weeks, each answered 0 ("Jamais") to 5 ("Tout le
temps"); the score is the sum times 4, from 0 to 100.

Health data, kept little:

- It needs the mood consent (Person.mood_consent_at); withdrawing it deletes every score
  (bot.services.mood.withdraw) and stops the prompts.
- Only the score is stored, one per person per local day (a second one replaces it);
  the five answers live in the handler's memory until the score is computed.
- The person sees their own scores; the team sees monthly group averages only, for a
  finished month and at least 5 people, and nothing at all otherwise.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callback_data import WELLBEING_START
from bot.i18n import Translator
from bot.models import Person, WellbeingCheck
from bot.services import outbox
from bot.services.mood import NoConsent, PromptSettings, daily_row
from bot.services.outbox import Button, Outgoing

ITEMS = 5
LOWEST_ANSWER = 0
HIGHEST_ANSWER = 5
# The published scoring: raw sum (0 to 25) times 4 gives 0 to 100.
MULTIPLIER = 4
HIGHEST_SCORE = ITEMS * HIGHEST_ANSWER * MULTIPLIER
# The published cut-offs: 28 or less suggests a low mood worth a care offer; 50 or less,
# a low well-being (a gentle word, never a diagnosis).
CARE_AT_MOST = 28
GENTLE_AT_MOST = 50
EVERY = timedelta(days=14)
# The person's trend shows this many earlier scores.
TREND_LENGTH = 6
# A group average is shown only when at least this many people answered that month.
MIN_PEOPLE = 5
PROMPT_KIND = "wellbeing_prompt"
# A prompt the outbox could not send for this long is dropped (the next comes anyway).
PROMPT_LIFETIME = timedelta(days=3)


class CareLevel(enum.Enum):
    """What the score calls for after it is shown."""

    NONE = "none"
    GENTLE = "gentle"  # 50 or less: a kind word
    CARE = "care"  # 28 or less: the care offer (3114, 15, someone to talk to)


@dataclass(frozen=True)
class Result:
    score: int
    previous: tuple[int, ...]  # up to 6 earlier scores, oldest first (not today's)
    care: CareLevel
    replaced: bool  # there was a score for today already: this one replaces it


@dataclass(frozen=True)
class DayScore:
    day: date
    score: int


@dataclass(frozen=True)
class MonthAverage:
    """One calendar month of the group; hidden, it carries no number at all (both None)."""

    month: date  # its first day
    average: int | None  # 0 to 100
    people: int | None  # how many answered, 5 or more

    @property
    def shown(self) -> bool:
        return self.average is not None


def score(answers: Sequence[int]) -> int:
    """The published score: the 5 answers (0 to 5 each) added up, times 4."""
    if len(answers) != ITEMS:
        raise ValueError(f"{len(answers)} answers, {ITEMS} expected")
    for answer in answers:
        if isinstance(answer, bool) or not isinstance(answer, int):
            raise ValueError(f"answer {answer!r} is not a whole number")
        if not LOWEST_ANSWER <= answer <= HIGHEST_ANSWER:
            raise ValueError(f"answer {answer} out of range")
    return sum(answers) * MULTIPLIER


def care_level(value: int) -> CareLevel:
    if value <= CARE_AT_MOST:
        return CareLevel.CARE
    if value <= GENTLE_AT_MOST:
        return CareLevel.GENTLE
    return CareLevel.NONE


# --- opting in and out ----------------------------------------------------------------


async def opt_in(session: AsyncSession, *, person: Person, now: datetime) -> bool:
    """Ask for the questionnaire every two weeks; False when already opted in."""
    if not person.mood_consented:
        raise NoConsent
    if person.wellbeing_since is not None:
        return False
    person.wellbeing_since = now
    person.wellbeing_prompted_at = None
    await session.flush()
    return True


async def opt_out(session: AsyncSession, *, person: Person, now: datetime) -> bool:
    """No more prompts (earlier scores stay, until the mood consent is withdrawn).

    Returns False when the person was not opted in.
    """
    was_in = person.wellbeing_since is not None
    person.wellbeing_since = None
    person.wellbeing_prompted_at = None
    await session.flush()
    return was_in


# --- scores ---------------------------------------------------------------------------


async def record(
    session: AsyncSession,
    *,
    person: Person,
    answers: Sequence[int],
    today: date,
    now: datetime,
) -> Result:
    """Keep the score of today's questionnaire (replacing an earlier one of today)."""
    if not person.mood_consented:
        raise NoConsent
    value = score(answers)
    previous = await _scores_before(session, person_id=person.id, before=today)
    existing, replaced = await daily_row(
        session,
        WellbeingCheck,
        person_id=person.id,
        day=today,
        fresh=lambda: WellbeingCheck(
            person_id=person.id, local_date=today, score=value, created_at=now
        ),
    )
    if replaced:
        existing.score = value
        existing.created_at = now
    await session.flush()
    return Result(value, previous, care_level(value), replaced)


async def _scores_before(
    session: AsyncSession, *, person_id: int, before: date
) -> tuple[int, ...]:
    rows = await session.scalars(
        select(WellbeingCheck.score)
        .where(WellbeingCheck.person_id == person_id, WellbeingCheck.local_date < before)
        .order_by(WellbeingCheck.local_date.desc())
        .limit(TREND_LENGTH)
    )
    return tuple(reversed(list(rows)))


async def my_scores(
    session: AsyncSession, *, person_id: int, limit: int = TREND_LENGTH
) -> list[DayScore]:
    """The person's last `limit` scores, oldest first."""
    rows = await session.execute(
        select(WellbeingCheck.local_date, WellbeingCheck.score)
        .where(WellbeingCheck.person_id == person_id)
        .order_by(WellbeingCheck.local_date.desc())
        .limit(limit)
    )
    return [DayScore(day, value) for day, value in reversed(rows.all())]


# --- the fortnightly prompt -----------------------------------------------------------


def prompt_buttons(person_id: int, translator: Translator, lang: str) -> list[list[Button]]:
    return [[Button(translator.t("who5.button_start", lang), WELLBEING_START.make(person_id))]]


async def enqueue_due(
    session: AsyncSession, *, now: datetime, cfg: PromptSettings, translator: Translator
) -> int:
    """One prompt to everyone opted in whose last prompt (or opt-in) is 14 days old."""
    last = func.coalesce(Person.wellbeing_prompted_at, Person.wellbeing_since)
    due = list(
        await session.scalars(
            select(Person)
            .where(
                Person.wellbeing_since.is_not(None),
                Person.mood_consent_at.is_not(None),
                Person.telegram_id.is_not(None),
                Person.reachable.is_(True),
                last <= now - EVERY,
            )
            .order_by(Person.id)
            .with_for_update(skip_locked=True)
        )
    )
    leaves = outbox.leaves_at(now, cfg.tz, cfg.quiet_start, cfg.quiet_end)
    day = leaves.astimezone(cfg.tz).date()
    messages: list[Outgoing] = []
    for person in due:
        assert person.telegram_id is not None  # the query keeps Telegram users only
        person.wellbeing_prompted_at = now
        messages.append(
            Outgoing(
                chat_id=person.telegram_id,
                person_id=person.id,
                kind=PROMPT_KIND,
                dedupe_key=f"who5p:{person.id}:{day.isoformat()}",
                text=translator.t("who5.prompt", person.language),
                buttons=prompt_buttons(person.id, translator, person.language),
                not_before=leaves,
                expires_at=leaves + PROMPT_LIFETIME,
                reachable=person.reachable,
            )
        )
    await session.flush()
    return await outbox.enqueue_many(session, messages, now=now)


# --- the team's view: group figures only ----------------------------------------------


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_of(index: int) -> date:
    year, month = divmod(index, 12)
    return date(year, month + 1, 1)


async def group_averages(
    session: AsyncSession, *, today: date, months: int = 12
) -> list[MonthAverage]:
    """The last `months` calendar months, oldest first, with the group's average score.

    Each person weighs the same (their own average that month first). A month shows a
    figure only once it is over and when at least 5 people answered in it; otherwise it
    carries no number at all (not even how many answered).
    """
    current = _month_index(today)
    first = _month_of(current - months + 1)
    rows = await session.execute(
        select(WellbeingCheck.person_id, WellbeingCheck.local_date, WellbeingCheck.score).where(
            WellbeingCheck.local_date >= first
        )
    )
    by_month: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for person_id, day, value in rows:
        by_month[_month_index(day)][person_id].append(value)
    out: list[MonthAverage] = []
    for index in range(current - months + 1, current + 1):
        people = by_month.get(index, {})
        if index < current and len(people) >= MIN_PEOPLE:
            means = [sum(values) / len(values) for values in people.values()]
            average = int(sum(means) / len(means) + 0.5)
            out.append(MonthAverage(_month_of(index), average, len(people)))
        else:
            out.append(MonthAverage(_month_of(index), None, None))
    return out
