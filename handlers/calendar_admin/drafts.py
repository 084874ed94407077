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
from bot.models import Series
from bot.services.calendar import SeriesInput
from handlers.calendar_admin.buttons import PickerMode, SeriesField, SessionChange

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
    title_key: str | None = None  # a suggested name, shown in each reader's language
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
            title_key=self.title_key,
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


@dataclass(frozen=True)
class SeriesEdit:
    """One change to a series; the field left None is not touched."""

    title: str | None = None
    title_key: str | None = None  # the typed title is a suggested name
    place: str | None = None
    start_time: time | None = None
    duration_minutes: int | None = None
    capacity: int | None = None
    description: str | None = None  # "" removes it

    def same_as(self, series: Series) -> bool:
        pairs: list[tuple[object, object]] = [
            (self.title, series.title),
            (self.place, series.place),
            (self.start_time, series.start_time),
            (self.duration_minutes, series.duration_minutes),
            (self.capacity, series.capacity),
            (self.description, series.description or ""),
        ]
        return all(new is None or new == old for new, old in pairs)

    def told(self, series: Series) -> bool:
        """Whether people are told of it: a new time or a new place."""
        return (self.start_time is not None and self.start_time != series.start_time) or (
            self.place is not None and self.place != series.place
        )


@dataclass
class SeriesNoticeDraft(CalendarDraft):
    """A new time or place for a series, waiting for whom to tell."""

    series_id: int
    edit: SeriesEdit


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
    reason: str | None = None  # as typed, or a quick reason in the facilitator's words
    reason_key: str | None = None  # a quick reason, shown in each reader's language

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


class OfflineStep(enum.Enum):
    NAME = enum.auto()
    PHONE = enum.auto()
    CONSENT = enum.auto()


@dataclass
class OfflinePersonDraft(CalendarDraft):
    """Someone without Telegram being added from the people picker of a session."""

    occurrence_id: int
    mode: PickerMode  # answer for them, or mark them present
    step: OfflineStep = OfflineStep.NAME
    name: str | None = None
    phone: str | None = None
