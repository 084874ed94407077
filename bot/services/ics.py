"""An iCalendar (RFC 5545) file so a participant can add workshops to a phone calendar.

Written with the icalendar library, which escapes the text, folds long lines without
cutting a character in two and ends every line with CRLF. Each session is its own
VEVENT rather than one RRULE: a moved or cancelled session then stays exact in every
calendar application, with no EXDATE/RECURRENCE-ID subtleties. A series gives its
coming sessions (cancelled ones marked); a one-off session gives itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event, vText

from bot.models import Occurrence, OccurrenceStatus

PRODID = "-//Miroir//CCAS Dijon//FR"
REMINDER_BEFORE = timedelta(hours=2)
FALLBACK_NAME = "Miroir"
MAX_NAME_CHARS = 60

# RFC 5545 forbids control characters in values except HTAB; newlines are kept (escaped).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# What a phone's file system refuses in a file name (FAT, Android, iOS, Windows).
_NOT_IN_FILE_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


@dataclass(frozen=True)
class IcsEvent:
    """One workshop session as it should appear in a calendar."""

    uid: str  # stable across exports, e.g. "occurrence-42@miroir"
    start_utc: datetime
    end_utc: datetime
    title: str
    location: str | None
    description: str | None
    cancelled: bool = False
    url: str | None = None


def occurrence_uid(occurrence_id: int) -> str:
    return f"occurrence-{occurrence_id}@miroir"


def series_uid(series_id: int) -> str:
    return f"series-{series_id}@miroir"


def event_of(occurrence: Occurrence, *, title: str) -> IcsEvent:
    """A session as a calendar event; `title` is the name the reader knows it by."""
    return IcsEvent(
        uid=occurrence_uid(occurrence.id),
        start_utc=occurrence.starts_at,
        end_utc=occurrence.ends_at,
        title=title,
        location=occurrence.place,
        description=occurrence.description,
        cancelled=occurrence.status == OccurrenceStatus.CANCELLED,
        url=occurrence.map_url,
    )


def clean_text(value: str) -> str:
    """One kind of newline, and no control character (the library escapes the rest)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_CHARS.sub("", value)


def file_name(title: str) -> str:
    """ "Miroir de soi.ics": the workshop's name, without what a phone cannot store."""
    name = _NOT_IN_FILE_NAMES.sub(" ", unicodedata.normalize("NFC", title))
    name = " ".join(name.split())[:MAX_NAME_CHARS].strip(" .")
    return (name or FALLBACK_NAME) + ".ics"


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC).replace(microsecond=0)


def _event(event: IcsEvent, stamp: datetime) -> Event:
    start = _utc(event.start_utc, "start_utc")
    end = _utc(event.end_utc, "end_utc")
    if end < start:
        raise ValueError(f"event {event.uid!r} ends before it starts")
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", start)
    vevent.add("dtend", end)
    vevent.add("summary", clean_text(event.title))
    if event.location:
        vevent.add("location", clean_text(event.location))
    if event.description:
        vevent.add("description", clean_text(event.description))
    if event.url:
        vevent.add("url", event.url)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    # No reminder for a cancelled session: it would call people to a workshop that is off.
    if not event.cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", clean_text(event.title))
        alarm.add("trigger", -REMINDER_BEFORE)
        vevent.add_component(alarm)
    return vevent


def calendar_file(*, uid: str, name: str, events: Sequence[IcsEvent], now: datetime) -> bytes:
    """A UTF-8 VCALENDAR with one VEVENT per event (CRLF line endings, folded lines).

    `now` becomes every DTSTAMP; `uid` is exposed as X-WR-RELCALID so that calendar apps
    can recognise a re-import of the same workshop. Raises ValueError for naive
    datetimes, an event ending before it starts, or a repeated event UID.
    """
    stamp = _utc(now, "now")
    uids = [event.uid for event in events]
    if len(set(uids)) != len(uids):
        raise ValueError("event UIDs must be unique within a calendar")
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", vText(clean_text(name)))  # escaped as TEXT
    calendar.add("x-wr-relcalid", uid)
    for event in events:
        calendar.add_component(_event(event, stamp))
    payload: bytes = calendar.to_ical()
    return payload
