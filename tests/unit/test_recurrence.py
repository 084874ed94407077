"""Weekly series in local wall-clock time, expanded to UTC across DST changes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from bot.services.recurrence import (
    SeriesRule,
    first_date_on_or_after,
    local_to_utc,
    next_occurrences,
    occurrences_between,
    validate_rule,
)

PARIS = ZoneInfo("Europe/Paris")
MON, TUE, SUN = 0, 1, 6


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def rule(
    weekday: int,
    first_date: date,
    start: time = time(14, 0),
    *,
    duration: int = 120,
    interval: int = 1,
    until: date | None = None,
    tz: ZoneInfo = PARIS,
) -> SeriesRule:
    return SeriesRule(
        weekday=weekday,
        start_time=start,
        duration_minutes=duration,
        interval_weeks=interval,
        first_date=first_date,
        until=until,
        tz=tz,
    )


def starts(occurrences: list[tuple[datetime, datetime]]) -> list[datetime]:
    return [start for start, _ in occurrences]


def local_times(occurrences: list[tuple[datetime, datetime]]) -> set[time]:
    return {start.astimezone(PARIS).time() for start, _ in occurrences}


# --- local_to_utc ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "at", "expected"),
    [
        (date(2026, 1, 13), time(14), utc(2026, 1, 13, 13)),  # winter, UTC+1
        (date(2026, 7, 14), time(14), utc(2026, 7, 14, 12)),  # summer, UTC+2
        # March gap: 02:00-03:00 does not exist; move to 03:00 CEST, the first valid instant.
        (date(2027, 3, 28), time(2, 30), utc(2027, 3, 28, 1)),
        (date(2027, 3, 28), time(2, 0), utc(2027, 3, 28, 1)),
        (date(2027, 3, 28), time(1, 59), utc(2027, 3, 28, 0, 59)),
        (date(2027, 3, 28), time(3, 0), utc(2027, 3, 28, 1)),
        # October overlap: 02:30 happens twice; take the first (still CEST, UTC+2).
        (date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30)),
        (date(2026, 10, 25), time(3, 0), utc(2026, 10, 25, 2)),
    ],
)
def test_local_to_utc(day: date, at: time, expected: datetime) -> None:
    result = local_to_utc(day, at, PARIS)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


def test_local_to_utc_gap_in_another_zone() -> None:
    # Lord Howe Island jumps by 30 minutes (02:00 -> 02:30), not an hour.
    lord_howe, new_york = ZoneInfo("Australia/Lord_Howe"), ZoneInfo("America/New_York")
    assert local_to_utc(date(2026, 10, 4), time(2, 15), lord_howe) == utc(2026, 10, 3, 15, 30)
    assert local_to_utc(date(2026, 3, 8), time(2, 30), new_york) == utc(2026, 3, 8, 7)


# --- first_date_on_or_after -------------------------------------------------------------


@pytest.mark.parametrize(
    ("weekday", "day", "expected"),
    [
        (TUE, date(2026, 11, 24), date(2026, 11, 24)),  # already a Tuesday
        (TUE, date(2026, 11, 25), date(2026, 12, 1)),
        (MON, date(2026, 12, 30), date(2027, 1, 4)),  # across the new year
        (SUN, date(2026, 11, 23), date(2026, 11, 29)),
    ],
)
def test_first_date_on_or_after(weekday: int, day: date, expected: date) -> None:
    assert first_date_on_or_after(weekday, day) == expected


@pytest.mark.parametrize("weekday", [-1, 7])
def test_first_date_on_or_after_rejects_bad_weekday(weekday: int) -> None:
    with pytest.raises(ValueError):
        first_date_on_or_after(weekday, date(2026, 11, 24))


# --- validate_rule ----------------------------------------------------------------------


def test_valid_rule_has_no_problems() -> None:
    assert validate_rule(rule(TUE, date(2026, 11, 24), until=date(2026, 11, 24))) == []


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({"weekday": 7}, ["weekday"]),
        ({"weekday": -1}, ["weekday"]),
        ({"duration_minutes": 0}, ["duration"]),
        ({"duration_minutes": 24 * 60 + 1}, ["duration"]),
        ({"interval_weeks": 0}, ["interval"]),
        ({"first_date": date(2026, 11, 25)}, ["first_date_weekday"]),
        ({"until": date(2026, 11, 23)}, ["ends_before_start"]),
        (
            {"duration_minutes": -5, "interval_weeks": 0, "until": date(2026, 1, 1)},
            ["duration", "interval", "ends_before_start"],
        ),
    ],
)
def test_validate_rule_problems(changes: dict[str, object], problems: list[str]) -> None:
    bad = dataclasses.replace(rule(TUE, date(2026, 11, 24)), **changes)  # type: ignore[arg-type]
    assert validate_rule(bad) == problems


def test_invalid_rule_is_not_expanded() -> None:
    bad = rule(TUE, date(2026, 11, 24), until=date(2026, 11, 1))
    with pytest.raises(ValueError, match="ends_before_start"):
        occurrences_between(bad, utc(2026, 11, 1), utc(2026, 12, 31))
    with pytest.raises(ValueError):
        next_occurrences(bad, utc(2026, 11, 1), 3)


def test_naive_datetimes_are_refused() -> None:
    weekly = rule(TUE, date(2026, 11, 24))
    with pytest.raises(ValueError):
        occurrences_between(weekly, datetime(2026, 11, 1), utc(2026, 12, 1))
    with pytest.raises(ValueError):
        next_occurrences(weekly, datetime(2026, 11, 1), 1)


# --- occurrences ------------------------------------------------------------------------


def test_tuesday_series_keeps_local_time_winter_and_summer() -> None:
    weekly = rule(TUE, date(2026, 1, 6))
    winter = occurrences_between(weekly, utc(2026, 1, 13), utc(2026, 1, 14))
    summer = occurrences_between(weekly, utc(2026, 7, 14), utc(2026, 7, 15))
    assert winter == [(utc(2026, 1, 13, 13), utc(2026, 1, 13, 15))]
    assert summer == [(utc(2026, 7, 14, 12), utc(2026, 7, 14, 14))]


@pytest.mark.parametrize(
    ("weekday", "first", "expected_utc_hours"),
    [
        # Spring forward on Sunday 28 March 2027.
        (SUN, date(2027, 3, 21), [(date(2027, 3, 21), 13), (date(2027, 3, 28), 12)]),
        (MON, date(2027, 3, 22), [(date(2027, 3, 22), 13), (date(2027, 3, 29), 12)]),
        # Fall back on Sunday 25 October 2026.
        (SUN, date(2026, 10, 18), [(date(2026, 10, 18), 12), (date(2026, 10, 25), 13)]),
        (MON, date(2026, 10, 19), [(date(2026, 10, 19), 12), (date(2026, 10, 26), 13)]),
    ],
)
def test_series_across_dst_changes(
    weekday: int, first: date, expected_utc_hours: list[tuple[date, int]]
) -> None:
    weekly = rule(weekday, first)
    window_start = datetime.combine(first, time(0), tzinfo=UTC)
    found = occurrences_between(weekly, window_start, window_start + timedelta(days=14))
    assert starts(found) == [
        datetime.combine(day, time(hour), tzinfo=UTC) for day, hour in expected_utc_hours
    ]
    assert local_times(found) == {time(14, 0)}
    # Duration is elapsed time: still two hours on each side of the change.
    assert all(end - start == timedelta(hours=2) for start, end in found)


def test_sunday_0230_series_across_march_gap() -> None:
    night = rule(SUN, date(2027, 3, 21), time(2, 30), duration=60)
    found = occurrences_between(night, utc(2027, 3, 20), utc(2027, 4, 5))
    assert starts(found) == [
        utc(2027, 3, 21, 1, 30),  # 02:30 CET
        utc(2027, 3, 28, 1, 0),  # 02:30 does not exist: 03:00 CEST
        utc(2027, 4, 4, 0, 30),  # 02:30 CEST
    ]
    assert found[1][1] == utc(2027, 3, 28, 2, 0)


def test_sunday_0230_series_across_october_overlap_takes_first() -> None:
    night = rule(SUN, date(2026, 10, 18), time(2, 30), duration=60)
    found = occurrences_between(night, utc(2026, 10, 17), utc(2026, 11, 2))
    assert starts(found) == [
        utc(2026, 10, 18, 0, 30),
        utc(2026, 10, 25, 0, 30),  # first 02:30, still CEST
        utc(2026, 11, 1, 1, 30),
    ]


def test_every_other_week_is_anchored_on_first_date() -> None:
    fortnightly = rule(TUE, date(2026, 11, 24), interval=2)
    # The window starts on an "off" week; the anchor decides, not the window.
    found = occurrences_between(fortnightly, utc(2026, 11, 30), utc(2027, 1, 31))
    assert [s.date() for s in starts(found)] == [
        date(2026, 12, 8),
        date(2026, 12, 22),
        date(2027, 1, 5),
        date(2027, 1, 19),
    ]
    following = next_occurrences(fortnightly, utc(2026, 12, 1), 2)
    assert [s.date() for s in starts(following)] == [date(2026, 12, 8), date(2026, 12, 22)]


def test_nothing_before_first_date() -> None:
    weekly = rule(TUE, date(2026, 11, 24))
    found = occurrences_between(weekly, utc(2026, 1, 1), utc(2026, 12, 2))
    assert starts(found) == [utc(2026, 11, 24, 13), utc(2026, 12, 1, 13)]
    assert starts(next_occurrences(weekly, utc(2020, 1, 1), 1)) == [utc(2026, 11, 24, 13)]


def test_until_is_inclusive() -> None:
    weekly = rule(TUE, date(2026, 11, 24), until=date(2026, 12, 8))
    found = occurrences_between(weekly, utc(2026, 11, 1), utc(2027, 1, 31))
    assert [s.date() for s in starts(found)] == [
        date(2026, 11, 24),
        date(2026, 12, 1),
        date(2026, 12, 8),
    ]
    assert len(next_occurrences(weekly, utc(2026, 11, 1), 10)) == 3


def test_until_not_on_the_weekday() -> None:
    weekly = rule(TUE, date(2026, 11, 24), until=date(2026, 12, 7))
    assert len(next_occurrences(weekly, utc(2026, 11, 1), 10)) == 2


def test_window_is_half_open() -> None:
    weekly = rule(TUE, date(2026, 11, 24))
    at_start = utc(2026, 12, 1, 13)
    assert starts(occurrences_between(weekly, at_start, at_start + timedelta(minutes=1))) == [
        at_start
    ]
    assert occurrences_between(weekly, at_start - timedelta(days=7), at_start)[-1][0] == utc(
        2026, 11, 24, 13
    )
    assert occurrences_between(weekly, at_start, at_start) == []
    assert occurrences_between(weekly, at_start, at_start - timedelta(days=30)) == []


def test_window_in_another_offset_is_compared_as_instants() -> None:
    weekly = rule(TUE, date(2026, 11, 24))
    # Local midnight boundaries, given in Paris time: the 14:00 session is inside.
    found = occurrences_between(
        weekly,
        datetime(2026, 12, 1, 0, 0, tzinfo=PARIS),
        datetime(2026, 12, 2, 0, 0, tzinfo=PARIS),
    )
    assert starts(found) == [utc(2026, 12, 1, 13)]
    assert found[0][0].tzinfo == UTC


@pytest.mark.parametrize("count", [0, 1, 3, 5])
def test_next_occurrences_count(count: int) -> None:
    weekly = rule(TUE, date(2026, 11, 24))
    found = next_occurrences(weekly, utc(2026, 11, 1), count)
    assert len(found) == count
    assert starts(found) == sorted(starts(found))


def test_next_occurrences_negative_count_is_empty() -> None:
    assert next_occurrences(rule(TUE, date(2026, 11, 24)), utc(2026, 11, 1), -1) == []


def test_after_exactly_at_a_start_excludes_it() -> None:
    weekly = rule(TUE, date(2026, 11, 24))
    found = next_occurrences(weekly, utc(2026, 12, 1, 13), 2)
    assert starts(found) == [utc(2026, 12, 8, 13), utc(2026, 12, 15, 13)]
    just_before = next_occurrences(weekly, utc(2026, 12, 1, 12, 59, 59), 1)
    assert starts(just_before) == [utc(2026, 12, 1, 13)]


def test_next_occurrences_across_dst_keep_local_time() -> None:
    weekly = rule(SUN, date(2026, 10, 4))
    found = next_occurrences(weekly, utc(2026, 10, 1), 30)
    assert len(found) == 30
    assert local_times(found) == {time(14, 0)}
    assert all(
        b[0] - a[0] in (timedelta(days=7, hours=h) for h in (-1, 0, 1)) for a, b in pairwise(found)
    )
