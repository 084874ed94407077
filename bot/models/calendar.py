"""Workshop series, their occurrences, answers (RSVP) and attendance."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime

DEFAULT_CAPACITY = 20


class Series(Base):
    """A weekly (or every-other-week) workshop, kept in local wall-clock time."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    # A suggested name ("cal.quick_dance") is kept as its key, so each reader sees it in
    # their own language; `title` holds it in the facilitator's language as a fallback.
    title_key: Mapped[str | None] = mapped_column(String(40), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    place: Mapped[str] = mapped_column(String(200))
    map_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    start_time: Mapped[time] = mapped_column(Time)  # local wall-clock time of TIMEZONE
    duration_minutes: Mapped[int] = mapped_column(Integer)
    interval_weeks: Mapped[int] = mapped_column(Integer, default=1)
    first_date: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date, nullable=True)
    capacity: Mapped[int] = mapped_column(Integer, default=DEFAULT_CAPACITY)
    group_chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The language of posts in the linked group, chosen at /lier.
    group_language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OccurrenceStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Occurrence(Base):
    """One session. Series occurrences are materialised ahead; one-off sessions too."""

    __tablename__ = "occurrences"
    __table_args__ = (
        # A series has at most one session per local date: materialising twice is a no-op.
        UniqueConstraint("series_id", "local_date"),
        Index("ix_occurrences_upcoming", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("series.id", ondelete="CASCADE"), nullable=True
    )
    local_date: Mapped[date] = mapped_column(Date)  # the series date it stands for
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(100))
    title_key: Mapped[str | None] = mapped_column(String(40), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    place: Mapped[str] = mapped_column(String(200))
    map_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    capacity: Mapped[int] = mapped_column(Integer, default=DEFAULT_CAPACITY)
    status: Mapped[str] = mapped_column(String(16), default=OccurrenceStatus.SCHEDULED)
    cancel_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # A quick reason ("cal.reason_sick") as its key, shown in each reader's language.
    cancel_reason_key: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # Set when moved: the series no longer decides this session's time.
    moved_from: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    walk_ins: Mapped[int] = mapped_column(Integer, default=0)
    attendance_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Reminders are enqueued once per kind; these say it was done.
    day_before_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    hours_before_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The mood prompts after the session were enqueued (once).
    mood_prompted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    group_chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    group_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the session got its current start time (created, or moved): a reminder whose
    # time came before that is not sent ("C'est demain !" for a session moved to today).
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Answer(enum.StrEnum):
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


class Rsvp(Base):
    """A person's answer for one session; a "yes" holds seats or waits in line."""

    __tablename__ = "rsvps"
    __table_args__ = (
        UniqueConstraint("occurrence_id", "person_id"),
        Index("ix_rsvps_line", "occurrence_id", "answer", "waitlisted", "queued_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(String(8))
    plus_one: Mapped[bool] = mapped_column(Boolean, default=False)
    waitlisted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Order of the yes-answers: seats and the waitlist go first come, first served.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    present: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
