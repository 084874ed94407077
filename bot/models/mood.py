"""Mood check-ins and the optional well-being questionnaire (WHO-5): health data, kept little.

A check-in is one face (1 to 5) a day, with an optional word (typed, or a voice note kept
as Telegram's file id) and whether the person shares it with the team. The WHO-5 keeps
only its score. Both are deleted with the person's mood consent, and after the retention
period (MOOD_RETENTION_MONTHS).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime


class CheckIn(Base):
    """How a person felt on one local day (a second answer the same day replaces the first)."""

    __tablename__ = "check_ins"
    __table_args__ = (
        UniqueConstraint("person_id", "local_date"),
        Index("ix_check_ins_local_date", "local_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    mood: Mapped[int] = mapped_column(Integer)  # 1 (😞) to 5 (😄)
    # The session this check-in follows (its prompt, or attended that day); the
    # facilitators' per-session figures count these.
    occurrence_id: Mapped[int | None] = mapped_column(
        ForeignKey("occurrences.id", ondelete="SET NULL"), nullable=True, index=True
    )
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    voice_file_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WellbeingCheck(Base):
    """A WHO-5 questionnaire: only its score (0 to 100) is kept, not the five answers."""

    __tablename__ = "wellbeing_checks"
    __table_args__ = (UniqueConstraint("person_id", "local_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date, index=True)
    score: Mapped[int] = mapped_column(Integer)  # raw sum x 4
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
