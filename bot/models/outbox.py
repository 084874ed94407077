"""The delivery outbox and the announcements built on it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender; reclaimed when its lease runs out
    SENT = "sent"
    FAILED = "failed"
    UNREACHABLE = "unreachable"  # the person blocked the bot
    EXPIRED = "expired"  # too late to be useful (a reminder after the session started)
    CANCELLED = "cancelled"


FINAL_STATES = frozenset(
    {
        OutboxState.SENT,
        OutboxState.FAILED,
        OutboxState.UNREACHABLE,
        OutboxState.EXPIRED,
        OutboxState.CANCELLED,
    }
)


class ContentType(enum.StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    VOICE = "voice"
    DOCUMENT = "document"


class OutboxMessage(Base):
    """One message to deliver; written in the same transaction as the change causing it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "state", "not_before", "priority"),
        Index("ix_outbox_broadcast", "broadcast_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    content_type: Mapped[str] = mapped_column(String(16), default=ContentType.TEXT)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    file_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    parse_mode: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # [[{"text": ..., "callback_data": ...} | {"text": ..., "url": ...}]]
    buttons: Mapped[list[list[dict[str, Any]]] | None] = mapped_column(JSON, nullable=True)
    # When set, this message answers (quotes) one of the chat's messages.
    reply_to_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    priority: Mapped[int] = mapped_column(Integer, default=100)  # lower goes first
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)  # ignores quiet hours
    state: Mapped[str] = mapped_column(String(16), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class BroadcastState(enum.StrEnum):
    SCHEDULED = "scheduled"  # rows not written yet: waits for its time
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Broadcast(Base):
    """A facilitator's announcement; its messages are outbox rows."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    content_type: Mapped[str] = mapped_column(String(16), default=ContentType.TEXT)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    file_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    audience: Mapped[str] = mapped_column(String(32))
    audience_param: Mapped[str | None] = mapped_column(String(64), nullable=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default=BroadcastState.SCHEDULED)
    # Idempotency of the confirmation: a double tap on "Confirm" finds the same key.
    request_key: Mapped[str] = mapped_column(String(64), unique=True)
    report_chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    report_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
