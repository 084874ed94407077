"""Messages about a workshop that changed: cancelled, moved, a seat freed or lost, a series
changed or stopped.

The calendar service calls these in the same transaction as the change it makes, so a
change and the messages about it are committed (or rolled back) together.

Who is told is the facilitator's choice (NoticeAudience): the people who answered yes
(seated or waiting) or maybe, or everyone who agreed to the privacy notice, since the
group is open and anyone may come any week. The facilitator who made the change is not
told (they just did it), and people without Telegram are never messaged: they are
counted in seats, and the facilitator phones them. A linked group is told as well, in
the group's language.

Every notice is written for each reader: their language, the workshop's name and a quick
reason in that language (bot.services.names), who made the change ("Claire a annulé
l'atelier"), and for a moved session whether their answer still holds.
"""

from __future__ import annotations

import enum
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import get_day_names
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator
from bot.models import Answer, Occurrence, Person, Rsvp, Series
from bot.services import cards, outbox, rsvp
from bot.services.names import reason_of, title_of
from bot.services.outbox import Outgoing

NOTICE_KIND = "session_notice"
SEAT_KIND = "seat_notice"
SERIES_KIND = "series_notice"


class NoticeAudience(enum.StrEnum):
    """Whom a change to the calendar is told to (the linked group always is)."""

    ANSWERED = "answered"  # answered yes (seated or waiting) or maybe
    EVERYONE = "everyone"  # everyone who agreed to the privacy notice and uses Telegram


class ChangeKind(enum.StrEnum):
    CANCELLED = "cancelled"
    MOVED = "moved"


class SeriesChangeKind(enum.StrEnum):
    CHANGED = "changed"  # its time or its place
    STOPPED = "stopped"


@dataclass(frozen=True)
class Change:
    """A session changed under people's feet: who to tell, and how."""

    occurrence_id: int
    kind: ChangeKind
    person_ids: list[int] = field(default_factory=list)
    old_start: datetime | None = None


@dataclass(frozen=True)
class AudienceCounts:
    """How many people each audience would tell (the number on each button)."""

    answered: int
    everyone: int

    def of(self, audience: NoticeAudience) -> int:
        return self.everyone if audience is NoticeAudience.EVERYONE else self.answered


def people_concerned(changes: Iterable[Change]) -> int:
    """How many people the changes concern, each counted once."""
    return len({person for change in changes for person in change.person_ids})


# --- who is told ----------------------------------------------------------------------


def _messageable() -> Select[int]:
    # People without Telegram are counted in seats, never messaged.
    return select(Person.id).where(Person.consent_at.is_not(None), Person.telegram_id.is_not(None))


async def recipients(
    session: AsyncSession,
    *,
    audience: NoticeAudience,
    occurrence_ids: Sequence[int],
    exclude_id: int | None = None,
) -> list[int]:
    """The people a change to these sessions is told to, by id, in order."""
    query = _messageable()
    if audience is NoticeAudience.ANSWERED:
        if not occurrence_ids:
            return []
        query = query.where(
            Person.id.in_(
                select(Rsvp.person_id).where(
                    Rsvp.occurrence_id.in_(list(occurrence_ids)),
                    Rsvp.answer.in_([Answer.YES, Answer.MAYBE]),
                )
            )
        )
    if exclude_id is not None:
        query = query.where(Person.id != exclude_id)
    return list(await session.scalars(query.order_by(Person.id)))


async def audience_counts(
    session: AsyncSession, *, occurrence_ids: Sequence[int], exclude_id: int | None = None
) -> AudienceCounts:
    """How many people each audience names, as `recipients` would list them."""
    answered = await recipients(
        session,
        audience=NoticeAudience.ANSWERED,
        occurrence_ids=occurrence_ids,
        exclude_id=exclude_id,
    )
    everyone = await recipients(
        session,
        audience=NoticeAudience.EVERYONE,
        occurrence_ids=occurrence_ids,
        exclude_id=exclude_id,
    )
    return AudienceCounts(answered=len(answered), everyone=len(everyone))


async def _people(session: AsyncSession, ids: Sequence[int]) -> list[Person]:
    if not ids:
        return []
    rows = await session.scalars(
        select(Person)
        .where(
            Person.id.in_(list(ids)),
            Person.consent_at.is_not(None),
            Person.telegram_id.is_not(None),
        )
        .order_by(Person.id)
    )
    return list(rows)


async def group_chat(session: AsyncSession, occurrence: Occurrence) -> int | None:
    """The Telegram group linked to the session's workshop, if any."""
    if occurrence.group_chat_id is not None:
        return occurrence.group_chat_id
    if occurrence.series_id is None:
        return None
    series = await session.get(Series, occurrence.series_id)
    return series.group_chat_id if series else None


async def group_language_of(session: AsyncSession, occurrence: Occurrence, default: str) -> str:
    """The language chosen for the workshop's group at /lier (`default` if none was)."""
    if occurrence.series_id is None:
        return default
    series = await session.get(Series, occurrence.series_id)
    return (series.group_language if series else None) or default


# --- the words --------------------------------------------------------------------------


def author_name(translator: Translator, lang: str, author: Person | None) -> str:
    """The first name of whoever made the change ("Claire"), or "a facilitator"."""
    words = author.display_name.split() if author is not None else []
    if not words or words[0] == "?":
        return translator.t("notice.someone", lang)
    return words[0]


def _when(
    translator: Translator, lang: str, tz: ZoneInfo, moment: datetime, today: date | None
) -> str:
    return translator.format_datetime(moment, lang, tz, today=today)


def _kept_line(translator: Translator, lang: str, mine: rsvp.MyAnswer | None) -> str:
    """Whether the reader's answer still holds after a move, then what they can do."""
    t = translator.t
    if mine is None or mine.answer is None:
        return t("notice.question", lang)
    if mine.answer == Answer.YES and mine.position is not None:
        kept = t("notice.kept_waiting", lang)
    elif mine.answer == Answer.YES:
        kept = t("notice.kept_yes_plus", lang) if mine.plus_one else t("notice.kept_yes", lang)
    elif mine.answer == Answer.MAYBE:
        kept = t("notice.kept_maybe", lang)
    else:
        kept = t("notice.kept_no", lang)
    return kept + "\n" + t("notice.change_answer", lang)


@dataclass(frozen=True)
class Reader:
    """Whom a notice is written for: a language, an answer (None: the group), a day."""

    lang: str
    mine: rsvp.MyAnswer | None = None
    person: bool = True  # False: the group (no "you" in it)
    today: date | None = None


def change_text(
    translator: Translator,
    tz: ZoneInfo,
    occurrence: Occurrence,
    change: Change,
    *,
    author: Person | None,
    reader: Reader,
) -> str:
    t, lang = translator.t, reader.lang
    name = author_name(translator, lang, author)
    title = title_of(occurrence, translator, lang)
    new_when = _when(translator, lang, tz, occurrence.starts_at, reader.today)
    if change.kind is ChangeKind.CANCELLED:
        text = t("notice.cancelled", lang, name=name, title=title, when=new_when)
        reason = reason_of(occurrence, translator, lang)
        if reason:
            text += "\n" + t("notice.reason", lang, reason=reason)
        return text
    old_when = _when(translator, lang, tz, change.old_start or occurrence.starts_at, reader.today)
    text = t(
        "notice.moved",
        lang,
        name=name,
        title=title,
        when=new_when,
        place=occurrence.place,
        old=old_when,
    )
    if reader.person:
        text += "\n" + _kept_line(translator, lang, reader.mine)
    return text


# --- one session changed ----------------------------------------------------------------


async def notify_change(
    session: AsyncSession,
    change: Change,
    *,
    translator: Translator,
    tz: ZoneInfo,
    now: datetime,
    group_language: str,
    author: Person | None = None,
    to_group: bool = True,
) -> int:
    """Tell the people of `change.person_ids`, and the workshop's group, what changed.

    `group_language` is used for the group when none was chosen at /lier.
    """
    occurrence = await session.get(Occurrence, change.occurrence_id)
    if occurrence is None:
        return 0
    # The new time and the moment of the change: moved back and forth, each move is told.
    stamp = f"{int(occurrence.starts_at.timestamp())}:{int(now.timestamp())}"
    answers = await rsvp.answers_by_person(session, occurrence.id)
    # Sent at once (urgent), so "today" and "tomorrow" are right when it arrives.
    today = now.astimezone(tz).date()
    messages = []
    for person in await _people(session, change.person_ids):
        if person.telegram_id is None:
            continue  # counted in seats, never messaged
        mine = answers.get(person.id)
        answered = mine is not None and mine.answer in (Answer.YES, Answer.MAYBE)
        buttons = (
            cards.rsvp_buttons(translator, person.language, occurrence.id, mine)
            if change.kind is ChangeKind.MOVED
            else None
        )
        messages.append(
            Outgoing(
                chat_id=person.telegram_id,
                person_id=person.id,
                kind=NOTICE_KIND,
                dedupe_key=f"{change.kind}:{occurrence.id}:{stamp}:{person.id}",
                text=change_text(
                    translator,
                    tz,
                    occurrence,
                    change,
                    author=author,
                    reader=Reader(person.language, mine, today=today if answered else None),
                ),
                buttons=buttons,
                reachable=person.reachable,
                priority=20,
                # A cancelled session at 9:00 must be known before 8:00 by whoever
                # planned to come; the others can read it after the quiet hours.
                urgent=answered,
            )
        )
    group = await group_chat(session, occurrence) if to_group else None
    if group is not None:
        lang = await group_language_of(session, occurrence, group_language)
        messages.append(
            Outgoing(
                chat_id=group,
                kind=NOTICE_KIND,
                dedupe_key=f"{change.kind}:{occurrence.id}:{stamp}:group",
                text=change_text(
                    translator,
                    tz,
                    occurrence,
                    change,
                    author=author,
                    reader=Reader(lang, person=False),
                ),
                priority=20,
            )
        )
    return await outbox.enqueue_many(session, messages, now=now)


# --- a series changed or stopped --------------------------------------------------------


@dataclass(frozen=True)
class SeriesChange:
    """A series whose time or place changed, or that stopped: one notice per person."""

    series_id: int
    kind: SeriesChangeKind
    person_ids: list[int] = field(default_factory=list)
    time_changed: bool = False
    place_changed: bool = False
    next_occurrence_id: int | None = None  # the next session, for "Vous venez ?"


RULE_KEYS = {1: N_("notice.rule_every"), 2: N_("notice.rule_every_other")}


def _rule(translator: Translator, lang: str, tz: ZoneInfo, series: Series, at: datetime) -> str:
    """ "🔁 Chaque mardi à 18 h." """
    key = RULE_KEYS.get(series.interval_weeks, RULE_KEYS[1])
    weekday = str(get_day_names("wide", locale=lang)[series.weekday])
    return translator.t(key, lang, weekday=weekday, time=translator.format_time(at, lang, tz))


def series_text(
    translator: Translator,
    tz: ZoneInfo,
    series: Series,
    change: SeriesChange,
    following: Occurrence | None,
    *,
    author: Person | None,
    lang: str,
    person: bool,
) -> str:
    t = translator.t
    name = author_name(translator, lang, author)
    title = title_of(series, translator, lang)
    if change.kind is SeriesChangeKind.STOPPED:
        return t("notice.series_stopped", lang, name=name, title=title)
    if change.time_changed:
        lines = [t("notice.series_time", lang, name=name, title=title)]
    else:
        lines = [t("notice.series_place", lang, name=name, title=title)]
    if change.time_changed and following is not None:
        lines.append(_rule(translator, lang, tz, series, following.starts_at))
    if change.place_changed:
        lines.append(t("notice.new_place", lang, place=series.place))
    else:
        lines.append(t("notice.place", lang, place=series.place))
    if following is not None:
        when = _when(translator, lang, tz, following.starts_at, None)
        lines.append(t("notice.next", lang, when=when))
        if person:
            lines.append(t("notice.question", lang))
    return "\n".join(lines)


async def notify_series(
    session: AsyncSession,
    change: SeriesChange,
    *,
    translator: Translator,
    tz: ZoneInfo,
    now: datetime,
    group_language: str,
    author: Person | None = None,
) -> int:
    """One notice per person (and one in the group) about a series that changed."""
    series = await session.get(Series, change.series_id)
    if series is None:
        return 0
    following = (
        await session.get(Occurrence, change.next_occurrence_id)
        if change.next_occurrence_id is not None
        else None
    )
    # Two changes at one instant (a new time, then a new place) are two notices.
    what = zlib.crc32(f"{series.start_time}|{series.place}".encode())
    stamp = f"{int(now.timestamp())}:{what}"
    messages = []
    for person in await _people(session, change.person_ids):
        if person.telegram_id is None:
            continue  # counted in seats, never messaged
        buttons = (
            cards.rsvp_buttons(translator, person.language, following.id)
            if following is not None and change.kind is SeriesChangeKind.CHANGED
            else None
        )
        messages.append(
            Outgoing(
                chat_id=person.telegram_id,
                person_id=person.id,
                kind=SERIES_KIND,
                dedupe_key=f"series:{series.id}:{change.kind}:{stamp}:{person.id}",
                text=series_text(
                    translator,
                    tz,
                    series,
                    change,
                    following,
                    author=author,
                    lang=person.language,
                    person=True,
                ),
                buttons=buttons,
                reachable=person.reachable,
                priority=25,
            )
        )
    if series.group_chat_id is not None:
        lang = series.group_language or group_language
        messages.append(
            Outgoing(
                chat_id=series.group_chat_id,
                kind=SERIES_KIND,
                dedupe_key=f"series:{series.id}:{change.kind}:{stamp}:group",
                text=series_text(
                    translator,
                    tz,
                    series,
                    change,
                    following,
                    author=author,
                    lang=lang,
                    person=False,
                ),
                priority=25,
            )
        )
    return await outbox.enqueue_many(session, messages, now=now)


# --- a seat freed or lost ---------------------------------------------------------------


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
            continue  # counted in seats, never messaged
        lang = person.language
        title = title_of(occurrence, translator, lang)
        # Not urgent: it may wait for the end of quiet hours, so no "today" or "tomorrow".
        when = _when(translator, lang, tz, occurrence.starts_at, None)
        if item.promoted:
            text = translator.t("notice.promoted", lang, title=title, when=when)
        else:
            text = translator.t(
                "notice.demoted",
                lang,
                title=title,
                when=when,
                position=translator.t("notice.position", lang, count=item.position or 1),
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
                    lang,
                    occurrence.id,
                    rsvp.MyAnswer(Answer.YES, position=item.position),
                ),
                reachable=person.reachable,
                priority=30,
            )
        )
    return await outbox.enqueue_many(session, messages, now=now)
