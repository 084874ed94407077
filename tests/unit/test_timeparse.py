"""What a facilitator types: times, dates, both together, durations."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.services.timeparse import (
    parse_date,
    parse_datetime,
    parse_duration_minutes,
    parse_time,
)

PARIS = ZoneInfo("Europe/Paris")
# Tuesday 24 November 2026, 10:00 in Dijon (UTC+1).
TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- parse_time -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14h", time(14, 0)),
        ("14 h", time(14, 0)),
        ("14h30", time(14, 30)),
        ("14H30", time(14, 30)),
        ("14 h 30", time(14, 30)),
        ("14h00", time(14, 0)),
        ("14:00", time(14, 0)),
        ("14.30", time(14, 30)),
        ("9h", time(9, 0)),
        ("09:05", time(9, 5)),
        ("0h", time(0, 0)),
        ("23:59", time(23, 59)),
        ("2pm", time(14, 0)),
        ("2 pm", time(14, 0)),
        ("2PM", time(14, 0)),
        ("2:30pm", time(14, 30)),
        ("2:30 PM", time(14, 30)),
        ("2 p.m.", time(14, 0)),
        ("9am", time(9, 0)),
        ("11:45am", time(11, 45)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("12:30am", time(0, 30)),
        ("midi", time(12, 0)),
        ("Midi", time(12, 0)),
        ("noon", time(12, 0)),
        ("minuit", time(0, 0)),
        ("14", time(14, 0)),
        ("0", time(0, 0)),
        ("23", time(23, 0)),
        ("  14h30  ", time(14, 30)),
        ("\t9h\n", time(9, 0)),
    ],
)
def test_parse_time_accepts(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "25h",
        "24h",
        "24",
        "14:60",
        "14h60",
        "abc",
        "2pm30",
        "13pm",
        "0am",
        "-1",
        "14h300",
        "14h5",
        "14:",
        "14.",
        "h30",
        "1430",
        "14h30h",
        "14 : 30 : 00",
        "١٤h",  # Arabic-Indic digits are not what anyone in Dijon types
        "14h30" + " " * 16,  # 21 characters
        "x" * 21,
    ],
)
def test_parse_time_rejects(text: str) -> None:
    assert parse_time(text) is None


# --- parse_date -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3/12", date(2026, 12, 3)),
        ("03/12", date(2026, 12, 3)),
        ("3/12/2026", date(2026, 12, 3)),
        ("3/12/26", date(2026, 12, 3)),
        ("03.12.2026", date(2026, 12, 3)),
        ("3-12-2026", date(2026, 12, 3)),
        ("2026-12-03", date(2026, 12, 3)),
        ("3 décembre", date(2026, 12, 3)),
        ("3 Décembre", date(2026, 12, 3)),
        ("3 decembre", date(2026, 12, 3)),
        ("3 déc", date(2026, 12, 3)),
        ("3 déc.", date(2026, 12, 3)),
        ("3 décembre 2027", date(2027, 12, 3)),
        ("1er décembre", date(2026, 12, 1)),
        ("le 3 décembre", date(2026, 12, 3)),
        ("le 3/12", date(2026, 12, 3)),
        ("december 3", date(2026, 12, 3)),
        ("December 3rd", date(2026, 12, 3)),
        ("december 3, 2027", date(2027, 12, 3)),
        ("3 december", date(2026, 12, 3)),
        ("dec 3", date(2026, 12, 3)),
        ("24/11", TODAY),  # today itself counts as "on or after today"
        ("24 novembre", TODAY),
        ("aujourd'hui", TODAY),
        ("aujourd’hui", TODAY),  # typographic apostrophe from phone keyboards
        ("Aujourdhui", TODAY),
        ("today", TODAY),
        ("demain", date(2026, 11, 25)),
        ("Demain", date(2026, 11, 25)),
        ("tomorrow", date(2026, 11, 25)),
        ("après-demain", date(2026, 11, 26)),
        ("apres-demain", date(2026, 11, 26)),
        ("après demain", date(2026, 11, 26)),
        ("day after tomorrow", date(2026, 11, 26)),
        # TODAY is a Tuesday: weekday names mean the next one strictly after today.
        ("mardi", date(2026, 12, 1)),
        ("Mardi prochain", date(2026, 12, 1)),
        ("tuesday", date(2026, 12, 1)),
        ("next tuesday", date(2026, 12, 1)),
        ("mercredi", date(2026, 11, 25)),
        ("wednesday", date(2026, 11, 25)),
        ("lundi", date(2026, 11, 30)),
        ("dimanche", date(2026, 11, 29)),
        ("sunday", date(2026, 11, 29)),
        ("vendredi", date(2026, 11, 27)),
        ("samedi prochain", date(2026, 11, 28)),
        ("jeudi", date(2026, 11, 26)),
        ("thursday", date(2026, 11, 26)),
        # A leading weekday that agrees with the date is accepted.
        ("jeudi 3 décembre", date(2026, 12, 3)),
        ("le jeudi 3/12", date(2026, 12, 3)),
        ("thursday december 3", date(2026, 12, 3)),
    ],
)
def test_parse_date_accepts(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY, lang="fr") == expected
    assert parse_date(text, today=TODAY, lang="en") == expected


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        # Year rollover: in December, early-January dates are next year's.
        ("5/1", date(2026, 12, 20), date(2027, 1, 5)),
        ("5 janvier", date(2026, 12, 20), date(2027, 1, 5)),
        ("january 5", date(2026, 12, 20), date(2027, 1, 5)),
        ("20/12", date(2026, 12, 20), date(2026, 12, 20)),
        ("19/12", date(2026, 12, 20), date(2027, 12, 19)),
        ("demain", date(2026, 12, 31), date(2027, 1, 1)),
        ("lundi", date(2026, 12, 31), date(2027, 1, 4)),
        # 29 February without a year: the next leap year.
        ("29/2", date(2026, 11, 24), date(2028, 2, 29)),
        ("29/02", date(2028, 2, 29), date(2028, 2, 29)),
        # Day-first even when the first number could be a month.
        ("1/2", date(2026, 11, 24), date(2027, 2, 1)),
        ("12/1/2027", date(2026, 11, 24), date(2027, 1, 12)),
    ],
)
def test_parse_date_relative_to_today(text: str, today: date, expected: date) -> None:
    assert parse_date(text, today=today, lang="fr") == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "31/2",
        "30/02/2027",
        "29/2/2027",
        "32/1",
        "0/5",
        "5/13",
        "2026-02-30",
        "2026-13-01",
        "31 juin",
        "abc",
        "bonjour",
        "demain demain",
        "mardi demain",
        "prochain",
        "décembre",
        "3",
        "3 12",
        "3/12/202",
        "3/12-2026",
        "3/12/1850",
        "mercredi 3 décembre",  # 3 December 2026 is a Thursday
        "3 décembre" + " " * 31,  # 41 characters
        "1" * 41,
    ],
)
def test_parse_date_rejects(text: str) -> None:
    assert parse_date(text, today=TODAY, lang="fr") is None


def test_parse_date_on_the_named_weekday_is_next_week() -> None:
    tuesday = date(2026, 12, 1)
    assert parse_date("mardi", today=tuesday, lang="fr") == date(2026, 12, 8)
    assert parse_date("tuesday", today=tuesday, lang="en") == date(2026, 12, 8)


# --- parse_datetime ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3/12 14h", utc(2026, 12, 3, 13)),
        ("14h 3/12", utc(2026, 12, 3, 13)),
        ("3/12 14", utc(2026, 12, 3, 13)),
        ("3/12, 14h", utc(2026, 12, 3, 13)),
        ("mardi 14h30", utc(2026, 12, 1, 13, 30)),
        ("Mardi prochain à 14h30", utc(2026, 12, 1, 13, 30)),
        ("demain à 9h", utc(2026, 11, 25, 8)),
        ("demain a 9h", utc(2026, 11, 25, 8)),
        ("9h demain", utc(2026, 11, 25, 8)),
        ("tomorrow at 2pm", utc(2026, 11, 25, 13)),
        ("tomorrow at 2 pm", utc(2026, 11, 25, 13)),
        ("2pm tomorrow", utc(2026, 11, 25, 13)),
        ("3 décembre à 14:00", utc(2026, 12, 3, 13)),
        ("le 3 décembre à 14h", utc(2026, 12, 3, 13)),
        ("jeudi 3 décembre à 14h", utc(2026, 12, 3, 13)),
        ("3 décembre 14", utc(2026, 12, 3, 13)),  # the day number belongs to the date
        ("december 3 2pm", utc(2026, 12, 3, 13)),
        ("december 3, 2 pm", utc(2026, 12, 3, 13)),
        ("2026-12-03 14:00", utc(2026, 12, 3, 13)),
        ("aujourd'hui midi", utc(2026, 11, 24, 11)),
        ("après-demain 10h", utc(2026, 11, 26, 9)),
        ("après demain 10h", utc(2026, 11, 26, 9)),
        # Summer time: same wall-clock hour, one hour earlier in UTC.
        ("14/7/2027 14h", utc(2027, 7, 14, 12)),
        # DST days: 14:00 on the change days, and a time inside the March gap.
        ("28/3/2027 14h", utc(2027, 3, 28, 12)),
        ("25/10/2026 14h", utc(2026, 10, 25, 13)),
        ("28/3/2027 2h30", utc(2027, 3, 28, 1)),  # does not exist: 03:00 CEST
        ("25/10/2026 2h30", utc(2026, 10, 25, 0, 30)),  # happens twice: the first
        # Past dates are returned too; callers decide what to do with them.
        ("1/1/2026 10h", utc(2026, 1, 1, 9)),
    ],
)
def test_parse_datetime_accepts(text: str, expected: datetime) -> None:
    result = parse_datetime(text, now=NOW, tz=PARIS, lang="fr")
    assert result == expected
    assert result is not None and result.utcoffset() is not None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "14h",
        "demain",
        "3/12",
        "demain à",
        "à 14h",
        "demain 25h",
        "31/2 14h",
        "bonjour 14h",
        "demain 14h 15h",
        "demain à 14h" + " " * 49,  # 61 characters
    ],
)
def test_parse_datetime_rejects(text: str) -> None:
    assert parse_datetime(text, now=NOW, tz=PARIS, lang="fr") is None


def test_parse_datetime_reads_today_in_local_time() -> None:
    # 23:30 UTC on 24 November is already 25 November in Dijon.
    late = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    assert parse_datetime("demain 10h", now=late, tz=PARIS, lang="fr") == utc(2026, 11, 26, 9)


def test_parse_datetime_uses_the_given_time_zone() -> None:
    new_york = ZoneInfo("America/New_York")
    assert parse_datetime("3/12 14h", now=NOW, tz=new_york, lang="fr") == utc(2026, 12, 3, 19)


def test_parse_datetime_needs_an_aware_now() -> None:
    with pytest.raises(ValueError):
        parse_datetime("demain 14h", now=datetime(2026, 11, 24, 9), tz=PARIS, lang="fr")


# --- parse_duration_minutes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90", 90),
        ("90 min", 90),
        ("90min", 90),
        ("90 minutes", 90),
        ("90 mn", 90),
        ("1h30", 90),
        ("1H30", 90),
        ("1 h 30", 90),
        ("1h30min", 90),
        ("2h", 120),
        ("2 h", 120),
        ("2 heures", 120),
        ("1 hour", 60),
        ("1:30", 90),
        ("0:45", 45),
        ("5", 5),
        ("600", 600),
        ("10h", 600),
        (" 45 ", 45),
    ],
)
def test_parse_duration_accepts(text: str, expected: int) -> None:
    assert parse_duration_minutes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "4",
        "0",
        "601",
        "10h01",
        "11h",
        "1h75",
        "1:75",
        "1h5",
        "-30",
        "abc",
        "1.5h",
        "90 secondes",
        "1" * 21,
    ],
)
def test_parse_duration_rejects(text: str) -> None:
    assert parse_duration_minutes(text) is None
