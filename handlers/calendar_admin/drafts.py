"""What the calendar remembers between two messages of a facilitator: one draft at a time.

Nothing in a draft is written before the last confirmation; /annuler, a menu button or
starting another conversation drops it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import ClassVar, TypeVar

from bot.context import Draft
from bot.services.calendar import SeriesInput
from handlers.calendar_admin.buttons import SeriesField, SessionChange

T = TypeVar("T")


class CalendarDraft(Draft):
    """Any of the calendar's drafts (leaving one says "cancelled" rather than "nothing")."""


class Kind(enum.Flag):
    """What the wizard creates; a step may apply to both."""

    SERIES = enum.auto()
    ONE_OFF = enum.auto()


class Incomplete(Exception):
    """A draft read before the step that fills a field in: a bug, not a user's mistake."""


def filled(value: T | None) -> T:
    """A field an earlier step filled in (the order of the steps guarantees it)."""
    if value is None:
        raise Incomplete
    return value


@dataclass(frozen=True)
class OneOffInput:
    """A complete one-off session, as the summary shows it and the service creates it."""

    title: str
    place: str
    starts_at: datetime
    duration_minutes: int
    capacity: int


@dataclass
class NewSessionDraft(CalendarDraft):
    """A new series or one-off session, filled in step by step."""

    kind: Kind
    # Makes "Créer" answer this draft only, so a double tap creates nothing twice.
    key: str
    # The places of the latest series, offered as buttons (by their index).
    places: list[str]
    step: str
    # Only the time had to be given again (it went by): back to the summary after it.
    resume: bool = False
    title: str | None = None
    weekday: int | None = None
    start_time: time | None = None
    starts_at: datetime | None = None  # a one-off session's day and time
    duration: int | None = None
    interval: int | None = None
    place: str | None = None
    map_url: str | None = None
    capacity: int | None = None
    description: str | None = None
    first_date: date | None = None
    until: date | None = None

    def series(self) -> SeriesInput:
        return SeriesInput(
            title=filled(self.title),
            place=filled(self.place),
            weekday=filled(self.weekday),
            start_time=filled(self.start_time),
            duration_minutes=filled(self.duration),
            first_date=filled(self.first_date),
            interval_weeks=filled(self.interval),
            until=self.until,
            capacity=filled(self.capacity),
            description=self.description,
            map_url=self.map_url,
        )

    def one_off(self) -> OneOffInput:
        return OneOffInput(
            title=filled(self.title),
            place=filled(self.place),
            starts_at=filled(self.starts_at),
            duration_minutes=filled(self.duration),
            capacity=filled(self.capacity),
        )


@dataclass
class SeriesFieldDraft(CalendarDraft):
    """One field of a series being changed, for every future session."""

    series_id: int
    field: SeriesField


@dataclass
class SessionChangeDraft(CalendarDraft):
    """A session being cancelled or moved, as it was when the facilitator started."""

    change: ClassVar[SessionChange]
    occurrence_id: int
    stamp: int  # its start time then (see buttons.stamp)

    @property
    def ready(self) -> bool:
        """Everything the confirmation needs is there."""
        raise NotImplementedError


@dataclass
class CancelDraft(SessionChangeDraft):
    change = SessionChange.CANCEL
    reason: str | None = None

    @property
    def ready(self) -> bool:
        return self.reason is not None


@dataclass
class MoveDraft(SessionChangeDraft):
    change = SessionChange.MOVE
    new_start: datetime | None = None

    @property
    def ready(self) -> bool:
        return self.new_start is not None
