"""Understand the dates, times and durations a facilitator types, in French or English.

Parsing is forgiving about case, accents, spaces and apostrophes, because people type
on phones and some have low literacy; it is strict about meaning (31/2 or 25h is None
rather than a guess). Pure functions: "today" and "now" are parameters.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.recurrence import local_to_utc

MAX_TIME_LENGTH = 20
MAX_DATE_LENGTH = 40
MAX_DATETIME_LENGTH = 60
MAX_DURATION_LENGTH = 20
MIN_DURATION_MINUTES = 5
MAX_DURATION_MINUTES = 600
# Years outside this window are typing mistakes, and would overflow UTC conversion at the ends.
MIN_YEAR = 1970
MAX_YEAR = 2100
# Without a year, 29/2 may be up to 8 years away (no leap day in 2100).
_YEAR_SEARCH = 9

_WORD_TIMES = {"midi": time(12), "noon": time(12), "minuit": time(0), "midnight": time(0)}

# [0-9] rather than \d: \d also matches other scripts' digits, which nobody means here.
_H_TIME = re.compile(r"([0-9]{1,2}) ?h ?([0-9]{2})?")
_COLON_TIME = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})")
_BARE_HOUR = re.compile(r"[0-9]{1,2}")
_AMPM_TIME = re.compile(r"([0-9]{1,2})(?:[:.]([0-9]{2}))? ?([ap])m")

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_NUMERIC_DATE = re.compile(r"([0-9]{1,2})([/.-])([0-9]{1,2})(?:\2([0-9]{2}|[0-9]{4}))?")
_DAY_NUMBER = re.compile(r"([0-9]{1,2})(?:er|re|st|nd|rd|th)?")
_YEAR = re.compile(r"[0-9]{4}")

_DURATION_MINUTES = re.compile(r"([0-9]{1,3}) ?(?:min|mins|minute|minutes|mn|m)?")
_DURATION_HOURS = re.compile(
    r"([0-9]{1,2}) ?(?:h|heure|heures|hour|hours|hr|hrs) ?(?:([0-9]{2}) ?(?:min|mn|m)?)?"
)
_DURATION_COLON = re.compile(r"([0-9]{1,2}):([0-9]{2})")

# Keys are accent-free and lower case: input is normalised the same way before lookup.
_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "january": 1,
    "fevrier": 2, "fevr": 2, "fev": 2, "february": 2, "feb": 2,
    "mars": 3, "march": 3, "mar": 3,
    "avril": 4, "avr": 4, "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juin": 6, "june": 6, "jun": 6,
    "juillet": 7, "juil": 7, "july": 7, "jul": 7,
    "aout": 8, "august": 8, "aug": 8,
    "septembre": 9, "sept": 9, "sep": 9, "september": 9,
    "octobre": 10, "oct": 10, "october": 10,
    "novembre": 11, "nov": 11, "november": 11,
    "decembre": 12, "dec": 12, "december": 12,
}  # fmt: skip
_WEEKDAYS = {
    "lundi": 0, "lun": 0, "monday": 0, "mon": 0,
    "mardi": 1, "tuesday": 1, "tue": 1, "tues": 1,
    "mercredi": 2, "mer": 2, "wednesday": 2, "wed": 2,
    "jeudi": 3, "jeu": 3, "thursday": 3, "thu": 3, "thur": 3, "thurs": 3,
    "vendredi": 4, "ven": 4, "friday": 4, "fri": 4,
    "samedi": 5, "sam": 5, "saturday": 5, "sat": 5,
    "dimanche": 6, "dim": 6, "sunday": 6, "sun": 6,
}  # fmt: skip
_RELATIVE_DAYS = {
    "aujourd'hui": 0, "aujourdhui": 0, "aujourd hui": 0, "auj": 0, "today": 0,
    "demain": 1, "tomorrow": 1,
    "apres-demain": 2, "apres demain": 2, "day after tomorrow": 2,
}  # fmt: skip
_NEXT_WORDS = frozenset({"prochain", "prochaine", "next"})
_ARTICLES = frozenset({"le", "the", "on"})
_CONNECTORS = frozenset({"à", "a", "at", "@", "vers", "le", "on"})


def _normalise(text: str) -> str:
    """Lower-case, accent-free, single-spaced text with plain apostrophes."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return " ".join(plain.split())


# --- time ---------------------------------------------------------------------------


def _make_time(hour: int, minute: int) -> time | None:
    if 0 <= hour <= 23 and 0 <= minute <= 59:
        return time(hour, minute)
    return None


def parse_time(text: str) -> time | None:
    """Parse a time of day: "14h", "14h30", "14:00", "14.30", "2pm", "2:30 pm", "midi", "14".

    Returns None for anything else, including impossible times ("25h", "14:60") and
    text longer than 20 characters.
    """
    if len(text) > MAX_TIME_LENGTH:
        return None
    s = _normalise(text).replace("a.m.", "am").replace("p.m.", "pm")
    if s in _WORD_TIMES:
        return _WORD_TIMES[s]
    if m := _H_TIME.fullmatch(s):
        return _make_time(int(m[1]), int(m[2] or 0))
    if m := _COLON_TIME.fullmatch(s):
        return _make_time(int(m[1]), int(m[2]))
    if _BARE_HOUR.fullmatch(s):
        return _make_time(int(s), 0)
    if m := _AMPM_TIME.fullmatch(s):
        hour, minute = int(m[1]), int(m[2] or 0)
        if not 1 <= hour <= 12:
            return None
        # 12am is midnight and 12pm is noon: the 12 wraps before the pm shift.
        hour = hour % 12 + (12 if m[3] == "p" else 0)
        return _make_time(hour, minute)
    return None


# --- date ---------------------------------------------------------------------------


def _full_year(year: int) -> int | None:
    if year < 100:
        year += 2000
    return year if MIN_YEAR <= year <= MAX_YEAR else None


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _resolve(day: int, month: int, year: int | None, today: date) -> date | None:
    """The given day/month in `year`, or without a year the next one on or after today."""
    if year is not None:
        full = _full_year(year)
        return None if full is None else _make_date(full, month, day)
    for candidate_year in range(today.year, today.year + _YEAR_SEARCH):
        candidate = _make_date(candidate_year, month, day)
        if candidate is not None and candidate >= today:
            return candidate
    return None


def _next_weekday(weekday: int, today: date) -> date:
    # "mardi" said on a Tuesday means next week's: today would already be named "today".
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _parse_words_date(words: list[str], today: date) -> date | None:
    """Day and month name in either order, optional year: "3 dec", "december 3rd 2026"."""
    if words and _YEAR.fullmatch(words[-1]) and len(words) == 3:
        year: int | None = int(words[-1])
        words = words[:2]
    else:
        year = None
    if len(words) != 2:
        return None
    first, second = words
    if (m := _DAY_NUMBER.fullmatch(first)) and second in _MONTHS:
        return _resolve(int(m[1]), _MONTHS[second], year, today)
    if first in _MONTHS and (m := _DAY_NUMBER.fullmatch(second)):
        return _resolve(int(m[1]), _MONTHS[first], year, today)
    return None


def _parse_plain_date(s: str, today: date) -> date | None:
    if s in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[s])
    if m := _ISO_DATE.fullmatch(s):
        year = _full_year(int(m[1]))
        return None if year is None else _make_date(year, int(m[2]), int(m[3]))
    if m := _NUMERIC_DATE.fullmatch(s):
        return _resolve(int(m[1]), int(m[3]), int(m[4]) if m[4] else None, today)
    words = s.split(" ")
    # "mardi", "mardi prochain", "next tuesday"
    named = [w for w in words if w not in _NEXT_WORDS]
    if len(named) == 1 and named[0] in _WEEKDAYS and len(words) - len(named) <= 1:
        return _next_weekday(_WEEKDAYS[named[0]], today)
    return _parse_words_date(words, today)


def parse_date(text: str, *, today: date, lang: str) -> date | None:
    """Parse a calendar date typed by a facilitator.

    Numeric dates are day-first ("3/12" is 3 December) in both languages, because the
    bot serves Dijon; only ISO "2026-12-03" is year-first. Without a year, the date is
    the next one on or after `today` (in December, "5/1" is next January). Weekday
    names ("mardi", "next tuesday") mean the next such day strictly after today. A
    weekday may lead a date ("mardi 3 décembre") and must then agree with it.
    French and English words are always both understood (people mix them); `lang` is
    kept for callers' symmetry and does not change the result.
    Returns None for impossible dates (31/2), nonsense, or text longer than 40 characters.
    """
    del lang  # both vocabularies are always accepted, see the docstring
    if len(text) > MAX_DATE_LENGTH:
        return None
    s = _normalise(text).replace(",", " ")
    s = re.sub(r"(?<=[a-z])\.", "", s)  # "déc." -> "dec"
    words = [w for w in s.split() if w not in _ARTICLES]  # "le 3/12", "on tuesday"
    if not words:
        return None
    found = _parse_plain_date(" ".join(words), today)
    if found is not None:
        return found
    # "mardi 3 décembre", "le mardi 3/12": the weekday is a check, not extra information.
    # The rest must hold a number so that "mardi demain" is not silently accepted.
    rest = " ".join(words[1:])
    if words[0] in _WEEKDAYS and any(c.isdigit() for c in rest):
        found = _parse_plain_date(rest, today)
        if found is not None and found.weekday() == _WEEKDAYS[words[0]]:
            return found
    return None


# --- date and time ------------------------------------------------------------------


def parse_datetime(text: str, *, now: datetime, tz: ZoneInfo, lang: str) -> datetime | None:
    """Parse a date and a time in one string, in either order: "mardi 14h30", "demain à 9h".

    Parts may be separated by spaces, commas and "à"/"a"/"at". The date is read relative
    to `now` in local time `tz`; the result is an aware UTC datetime converted like
    recurrence.local_to_utc (DST gaps move forward, repeated times take the first).
    Returns None if either part is missing or not understood; past dates are not
    rejected here (callers decide).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if len(text) > MAX_DATETIME_LENGTH:
        return None
    words = [w for w in _normalise(text).replace(",", " ").split(" ") if w]
    words = [w for w in words if w not in _CONNECTORS]
    if len(words) < 2:
        return None
    today = now.astimezone(tz).date()
    # Date-first splits are tried before time-first ones so that "3 décembre 14" reads
    # as 3 December at 14:00 rather than 14 December at 03:00.
    for date_first in (True, False):
        for cut in range(1, len(words)):
            head, tail = " ".join(words[:cut]), " ".join(words[cut:])
            date_text, time_text = (head, tail) if date_first else (tail, head)
            parsed_time = parse_time(time_text)
            if parsed_time is None:
                continue
            parsed_date = parse_date(date_text, today=today, lang=lang)
            if parsed_date is not None:
                return local_to_utc(parsed_date, parsed_time, tz)
    return None


# --- duration -----------------------------------------------------------------------


def parse_duration_minutes(text: str) -> int | None:
    """Parse a duration into minutes: "90", "90 min", "1h30", "1 h 30", "2h", "1:30".

    Accepts 5 to 600 minutes; anything else, including "1h75", is None.
    """
    if len(text) > MAX_DURATION_LENGTH:
        return None
    s = _normalise(text)
    minutes: int | None = None
    if m := _DURATION_MINUTES.fullmatch(s):
        minutes = int(m[1])
    elif (m := _DURATION_HOURS.fullmatch(s)) or (m := _DURATION_COLON.fullmatch(s)):
        extra = int(m[2] or 0)
        if extra > 59:
            return None
        minutes = int(m[1]) * 60 + extra
    if minutes is None or not MIN_DURATION_MINUTES <= minutes <= MAX_DURATION_MINUTES:
        return None
    return minutes
