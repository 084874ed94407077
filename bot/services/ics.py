"""An iCalendar (RFC 5545) file so a participant can add workshops to a phone calendar.

Each occurrence is its own VEVENT rather than one RRULE: a moved or cancelled session
then stays exact in every calendar application, with no EXDATE/RECURRENCE-ID subtleties.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

PRODID = "-//Miroir//CCAS Dijon//FR"
MAX_LINE_OCTETS = 75
REMINDER_TRIGGER = "-PT2H"
CRLF = "\r\n"

# RFC 5545 forbids control characters in values except HTAB; newlines are escaped first.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


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


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and newlines (RFC 5545 3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
    )
    return _CONTROL_CHARS.sub("", value)


def fold_line(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character.

    Continuation lines start with one space, which counts towards their 75 octets.
    The result has CRLF between physical lines but not at the end.
    """
    parts: list[str] = []
    current: list[str] = []
    used = 0
    limit = MAX_LINE_OCTETS
    for char in line:
        size = len(char.encode("utf-8"))
        if used + size > limit:
            parts.append("".join(current))
            current, used = [" "], 1
        current.append(char)
        used += size
    parts.append("".join(current))
    return CRLF.join(parts)


def _utc_stamp(value: datetime, name: str) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _event_lines(event: IcsEvent, dtstamp: str) -> list[str]:
    start = _utc_stamp(event.start_utc, "start_utc")
    end = _utc_stamp(event.end_utc, "end_utc")
    if event.end_utc < event.start_utc:
        raise ValueError(f"event {event.uid!r} ends before it starts")
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{dtstamp}",
        f"DTSTART:{start}",
        f"DTEND:{end}",
        f"SUMMARY:{escape_text(event.title)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    lines.append("STATUS:CANCELLED" if event.cancelled else "STATUS:CONFIRMED")
    # No reminder for a cancelled session: it would call people to a workshop that is off.
    if not event.cancelled:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{escape_text(event.title)}",
            f"TRIGGER:{REMINDER_TRIGGER}",
            "END:VALARM",
        ]
    lines.append("END:VEVENT")
    return lines


def series_calendar(
    *, series_uid: str, name: str, events: Sequence[IcsEvent], now: datetime
) -> bytes:
    """Return a UTF-8 VCALENDAR with one VEVENT per event, CRLF line endings, folded lines.

    `now` becomes every DTSTAMP; `series_uid` is exposed as X-WR-RELCALID so that
    calendar apps can recognise a re-import of the same series. Raises ValueError for
    naive datetimes, an event ending before it starts, or a repeated event UID.
    """
    dtstamp = _utc_stamp(now, "now")
    uids = [event.uid for event in events]
    if len(set(uids)) != len(uids):
        raise ValueError("event UIDs must be unique within a calendar")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-RELCALID:{escape_text(series_uid)}",
    ]
    for event in events:
        lines += _event_lines(event, dtstamp)
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + CRLF for line in lines).encode("utf-8")
