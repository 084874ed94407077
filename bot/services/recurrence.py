"""Weekly workshop series kept in local wall-clock time, expanded to UTC instants.

A 14:00 workshop in Europe/Paris stays at 14:00 local across daylight-saving changes,
so the rule stores the local date and time and every occurrence is converted on its own.
Pure functions: no database, no Telegram, no clock (callers pass "now").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DURATION_MINUTES = 24 * 60
MAX_INTERVAL_WEEKS = 52

# Stable problem codes returned by validate_rule (callers map them to translated messages).
PROBLEM_WEEKDAY = "weekday"
PROBLEM_DURATION = "duration"
PROBLEM_INTERVAL = "interval"
PROBLEM_FIRST_DATE_WEEKDAY = "first_date_weekday"
PROBLEM_ENDS_BEFORE_START = "ends_before_start"


@dataclass(frozen=True)
class SeriesRule:
    """A weekly series: `weekday` at `start_time` local, every `interval_weeks` weeks."""

    weekday: int  # 0=Monday .. 6=Sunday
    start_time: time  # local wall-clock, naive
    duration_minutes: int
    interval_weeks: int  # 1 = every week, 2 = every other week
    first_date: date  # first local date of the series, on `weekday`
    until: date | None  # last local date allowed (inclusive), or None for open-ended
    tz: ZoneInfo  # the deployment's zone (TIMEZONE)


Occurrence = tuple[datetime, datetime]


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def validate_rule(rule: SeriesRule) -> list[str]:
    """Return the problems of `rule` as stable codes, in a fixed order; [] when valid.

    Codes: "weekday", "duration", "interval", "first_date_weekday", "ends_before_start".
    """
    problems: list[str] = []
    weekday_ok = 0 <= rule.weekday <= 6
    if not weekday_ok:
        problems.append(PROBLEM_WEEKDAY)
    if not 1 <= rule.duration_minutes <= MAX_DURATION_MINUTES:
        problems.append(PROBLEM_DURATION)
    if not 1 <= rule.interval_weeks <= MAX_INTERVAL_WEEKS:
        problems.append(PROBLEM_INTERVAL)
    # A bad weekday already explains the mismatch; reporting both would confuse the user.
    if weekday_ok and rule.first_date.weekday() != rule.weekday:
        problems.append(PROBLEM_FIRST_DATE_WEEKDAY)
    if rule.until is not None and rule.until < rule.first_date:
        problems.append(PROBLEM_ENDS_BEFORE_START)
    return problems


def _check_rule(rule: SeriesRule) -> None:
    problems = validate_rule(rule)
    if problems:
        raise ValueError(f"invalid series rule: {', '.join(problems)}")


def _utc_offset_at(zone: ZoneInfo, timestamp: int) -> timedelta | None:
    return datetime.fromtimestamp(timestamp, UTC).astimezone(zone).utcoffset()


def local_to_utc(d: date, t: time, tz: ZoneInfo) -> datetime:
    """Convert a local wall-clock date and time in `tz` to an aware UTC datetime.

    A time skipped by a forward DST jump (02:30 on the last Sunday of March in Paris)
    becomes the first valid instant after the gap (03:00 local). A time that happens
    twice (the October fall-back) resolves to the first occurrence (fold=0).
    """
    zone = tz
    naive = datetime.combine(d, t.replace(tzinfo=None, fold=0))
    first = naive.replace(tzinfo=zone, fold=0)
    first_utc = first.astimezone(UTC)
    if first_utc.astimezone(zone).replace(tzinfo=None) == naive:
        return first_utc
    # In a gap, fold=1 lands before the transition and fold=0 after it: bisect between
    # them for the transition instant itself, which is the first valid local time.
    lo = int(naive.replace(tzinfo=zone, fold=1).timestamp())
    hi = int(first_utc.timestamp())
    if lo > hi:  # defensive: zoneinfo gives the order above for every real gap
        lo, hi = hi, lo
    lo_offset = _utc_offset_at(zone, lo)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _utc_offset_at(zone, mid) == lo_offset:
            lo = mid
        else:
            hi = mid
    return datetime.fromtimestamp(hi, UTC)


def first_date_on_or_after(weekday: int, d: date) -> date:
    """Return the first date on or after `d` that falls on `weekday` (0=Monday)."""
    if not 0 <= weekday <= 6:
        raise ValueError("weekday must be between 0 (Monday) and 6 (Sunday)")
    return d + timedelta(days=(weekday - d.weekday()) % 7)


def _occurrence(rule: SeriesRule, day: date) -> Occurrence:
    start = local_to_utc(day, rule.start_time, rule.tz)
    # Duration is elapsed time: a 2-hour workshop lasts 2 hours even on a DST night.
    return start, start + timedelta(minutes=rule.duration_minutes)


def _dates_from(rule: SeriesRule, earliest: date) -> date:
    """The first series date on or after `earliest` (ignoring `until`)."""
    step_days = 7 * rule.interval_weeks
    if earliest <= rule.first_date:
        return rule.first_date
    steps = -(-(earliest - rule.first_date).days // step_days)  # ceiling division
    return rule.first_date + timedelta(days=steps * step_days)


def _local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def occurrences_between(
    rule: SeriesRule, start_utc: datetime, end_utc: datetime
) -> list[Occurrence]:
    """Return (start_utc, end_utc) of each occurrence whose start is in [start_utc, end_utc).

    Occurrences come in order, every `interval_weeks` weeks counted from `first_date`,
    never after `until`. Raises ValueError for an invalid rule or naive datetimes.
    """
    _require_aware(start_utc, "start_utc")
    _require_aware(end_utc, "end_utc")
    _check_rule(rule)
    result: list[Occurrence] = []
    if end_utc <= start_utc:
        return result
    # A day of margin on each side: the local date of an instant can differ from its UTC date.
    day = _dates_from(rule, _local_date(start_utc, rule.tz) - timedelta(days=1))
    last_day = _local_date(end_utc, rule.tz) + timedelta(days=1)
    if rule.until is not None:
        last_day = min(last_day, rule.until)
    step = timedelta(weeks=rule.interval_weeks)
    while day <= last_day:
        occurrence = _occurrence(rule, day)
        if start_utc <= occurrence[0] < end_utc:
            result.append(occurrence)
        day += step
    return result


def next_occurrences(rule: SeriesRule, after_utc: datetime, count: int) -> list[Occurrence]:
    """Return up to `count` occurrences starting strictly after `after_utc`, in order.

    Fewer are returned when the series ends (`until`) first. Raises ValueError for an
    invalid rule or a naive datetime.
    """
    _require_aware(after_utc, "after_utc")
    _check_rule(rule)
    result: list[Occurrence] = []
    if count <= 0:
        return result
    day = _dates_from(rule, _local_date(after_utc, rule.tz) - timedelta(days=1))
    step = timedelta(weeks=rule.interval_weeks)
    while len(result) < count and (rule.until is None or day <= rule.until):
        occurrence = _occurrence(rule, day)
        if occurrence[0] > after_utc:
            result.append(occurrence)
        day += step
    return result
