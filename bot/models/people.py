"""People (one per Telegram user) and facilitator invitations."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime


class Role(enum.StrEnum):
    PARTICIPANT = "participant"
    FACILITATOR = "facilitator"


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None for someone without Telegram, added by a facilitator: counted, never messaged.
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True, nullable=True)
    display_name: Mapped[str] = mapped_column(String(128))
    language: Mapped[str] = mapped_column(String(8))
    # A plain string rather than a database enum: adding a role later is one migration-free line.
    role: Mapped[str] = mapped_column(String(16), default=Role.PARTICIPANT)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    # Reminder choices (issue: calendar); both on by default.
    remind_day_before: Mapped[bool] = mapped_column(Boolean, default=True)
    remind_hours_before: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # For someone without Telegram: an optional phone number, and who added them.
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    added_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    # Mood check-ins have their own consent (health data). Saying no, or withdrawing,
    # sets mood_declined_at: no mood prompt for a month after it.
    mood_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    mood_declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The WHO-5 questionnaire every two weeks, for those who opt in.
    wellbeing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    wellbeing_prompted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When the "you have not come for a long time" warning was written. It counts only
    # while last_seen_at is older: any use of the bot since then cancels it.
    inactive_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def is_facilitator(self) -> bool:
        return self.role == Role.FACILITATOR

    @property
    def has_consented(self) -> bool:
        return self.consent_at is not None

    @property
    def mood_consented(self) -> bool:
        return self.mood_consent_at is not None

    @property
    def uses_telegram(self) -> bool:
        return self.telegram_id is not None


class Invitation(Base):
    """A single-use link that makes whoever opens it a facilitator."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    used_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
