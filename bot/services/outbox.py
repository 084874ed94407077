"""The delivery outbox: every message the bot sends on its own is a row here first.

Rows are written in the same transaction as the change that causes them, so a message
exists if and only if its cause was committed. The sender (scheduler/outbox.py) claims
due rows with a lease, sends them, and records the outcome row by row.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import ContentType, OutboxMessage, OutboxState, Person
from bot.services import people

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
DEFAULT_LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None

    def as_dict(self) -> dict[str, str]:
        out = {"text": self.text}
        if self.callback_data is not None:
            out["callback_data"] = self.callback_data
        if self.url is not None:
            out["url"] = self.url
        return out


@dataclass(frozen=True)
class Outgoing:
    """A message to enqueue; `text` is the caption for media."""

    chat_id: int
    kind: str
    dedupe_key: str
    text: str | None = None
    content_type: str = ContentType.TEXT
    file_id: str | None = None
    buttons: Sequence[Sequence[Button]] | None = None
    person_id: int | None = None
    not_before: datetime | None = None
    expires_at: datetime | None = None
    priority: int = 100
    urgent: bool = False
    broadcast_id: int | None = None
    reply_to_message_id: int | None = None
    reachable: bool = True


class ContentTooLong(ValueError):
    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"{length} characters, limit {limit}")
        self.length = length
        self.limit = limit


def check_length(text: str | None, content_type: str) -> None:
    """Refuse what Telegram would refuse: empty text, or longer than its limit."""
    limit = TEXT_LIMIT if content_type == ContentType.TEXT else CAPTION_LIMIT
    length = len(text or "")
    if content_type == ContentType.TEXT and length == 0:
        raise ContentTooLong(0, limit)
    if length > limit:
        raise ContentTooLong(length, limit)


def _row(msg: Outgoing, now: datetime) -> dict[str, Any]:
    check_length(msg.text, msg.content_type)
    return {
        "chat_id": msg.chat_id,
        "person_id": msg.person_id,
        "kind": msg.kind,
        "dedupe_key": msg.dedupe_key,
        "content_type": msg.content_type,
        "text": msg.text,
        "file_id": msg.file_id,
        "parse_mode": None,
        "buttons": ([[b.as_dict() for b in row] for row in msg.buttons] if msg.buttons else None),
        "reply_to_message_id": msg.reply_to_message_id,
        "not_before": msg.not_before or now,
        "expires_at": msg.expires_at,
        "priority": msg.priority,
        "urgent": msg.urgent,
        "state": OutboxState.PENDING if msg.reachable else OutboxState.UNREACHABLE,
        "attempts": 0,
        "broadcast_id": msg.broadcast_id,
        "created_at": now,
    }


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(OutboxMessage).on_conflict_do_nothing(index_elements=["dedupe_key"])


async def enqueue(session: AsyncSession, message: Outgoing, *, now: datetime) -> bool:
    """Add one message; a dedupe key that exists already is a no-op (returns False)."""
    result = await session.execute(_insert(session).values(**_row(message, now)))
    return bool(getattr(result, "rowcount", 0))


async def enqueue_many(
    session: AsyncSession, messages: Sequence[Outgoing], *, now: datetime
) -> int:
    """Add many messages in one statement; returns how many were new."""
    if not messages:
        return 0
    added = 0
    for start in range(0, len(messages), 500):
        chunk = [_row(m, now) for m in messages[start : start + 500]]
        result = await session.execute(_insert(session).returning(OutboxMessage.id), chunk)
        added += len(result.all())
    return added


# --- quiet hours -----------------------------------------------------------------------


def in_quiet_hours(now: datetime, tz: ZoneInfo, start: time, end: time) -> bool:
    if start == end:
        return False
    local = now.astimezone(tz).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


def leaves_at(send_at: datetime, tz: ZoneInfo, start: time, end: time) -> datetime:
    """When a message due at `send_at` really leaves: quiet hours hold it to their end."""
    if not in_quiet_hours(send_at, tz, start, end):
        return send_at
    local = send_at.astimezone(tz)
    leave = datetime.combine(local.date(), end, tzinfo=tz)
    if leave <= local:
        leave = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=tz)
    return leave.astimezone(send_at.tzinfo)


# --- the sender's side -----------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """A snapshot of a claimed row: the sender works on it outside any transaction."""

    id: int
    chat_id: int
    person_id: int | None
    kind: str
    content_type: str
    text: str | None
    file_id: str | None
    parse_mode: str | None
    buttons: list[list[dict[str, Any]]] | None
    reply_to_message_id: int | None
    attempts: int
    broadcast_id: int | None


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    sender_id: str,
    limit: int,
    quiet: bool,
    lease: timedelta = DEFAULT_LEASE,
    exclude_chats: Sequence[int] = (),
) -> list[Claimed]:
    """Claim up to `limit` due rows for this sender.

    A row is due when it is pending and its time has come, or when another sender
    claimed it and its lease ran out (that sender crashed). In quiet hours only urgent
    rows are due. Expired rows are closed instead of sent.
    """
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.SENDING]),
            OutboxMessage.expires_at.is_not(None),
            OutboxMessage.expires_at <= now,
            or_(OutboxMessage.state == OutboxState.PENDING, OutboxMessage.lease_until < now),
        )
        .values(state=OutboxState.EXPIRED, last_error="expired before it could be sent")
    )
    conditions = [
        or_(
            OutboxMessage.state == OutboxState.PENDING,
            and_(OutboxMessage.state == OutboxState.SENDING, OutboxMessage.lease_until < now),
        ),
        OutboxMessage.not_before <= now,
    ]
    if quiet:
        conditions.append(OutboxMessage.urgent.is_(True))
    if exclude_chats:
        conditions.append(OutboxMessage.chat_id.not_in(list(exclude_chats)))
    ids = list(
        await session.scalars(
            select(OutboxMessage.id)
            .where(*conditions)
            .order_by(OutboxMessage.priority, OutboxMessage.not_before, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return []
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(
            state=OutboxState.SENDING,
            claimed_by=sender_id,
            lease_until=now + lease,
            attempts=OutboxMessage.attempts + 1,
        )
    )
    rows = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .order_by(OutboxMessage.priority, OutboxMessage.not_before, OutboxMessage.id)
        .execution_options(populate_existing=True)
    )
    return [
        Claimed(
            id=r.id,
            chat_id=r.chat_id,
            person_id=r.person_id,
            kind=r.kind,
            content_type=r.content_type,
            text=r.text,
            file_id=r.file_id,
            parse_mode=r.parse_mode,
            buttons=r.buttons,
            reply_to_message_id=r.reply_to_message_id,
            attempts=r.attempts,
            broadcast_id=r.broadcast_id,
        )
        for r in rows
    ]


async def release_own_claims(session: AsyncSession, *, sender_id: str | None) -> int:
    """At start-up, a sender takes back what it had claimed before it stopped.

    `sender_id=None` releases every claim: right on SQLite, where one sender runs.
    """
    stmt = update(OutboxMessage).where(OutboxMessage.state == OutboxState.SENDING)
    if sender_id is not None:
        stmt = stmt.where(OutboxMessage.claimed_by == sender_id)
    result = await session.execute(stmt.values(state=OutboxState.PENDING, lease_until=None))
    return int(getattr(result, "rowcount", 0))


async def mark_sent(
    session: AsyncSession, row_id: int, *, telegram_message_id: int | None, now: datetime
) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(
            state=OutboxState.SENT,
            telegram_message_id=telegram_message_id,
            sent_at=now,
            lease_until=None,
            last_error=None,
        )
    )


def backoff(
    attempt: int, *, base: float = 2.0, cap: float = 600.0, rng: random.Random | None = None
) -> timedelta:
    """Exponential backoff with full jitter: attempt 1 -> up to 2 s, 2 -> 4 s, ..."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return timedelta(seconds=(rng or random).uniform(ceiling / 2, ceiling))


async def mark_retry(
    session: AsyncSession,
    row_id: int,
    *,
    error: str,
    attempts: int,
    max_attempts: int,
    now: datetime,
    rng: random.Random | None = None,
) -> OutboxState:
    """A temporary failure: try again later, or give up after `max_attempts`."""
    if attempts >= max_attempts:
        state = OutboxState.FAILED
        values: dict[str, Any] = {"state": state, "last_error": error, "lease_until": None}
    else:
        state = OutboxState.PENDING
        values = {
            "state": state,
            "last_error": error,
            "lease_until": None,
            "not_before": now + backoff(attempts, rng=rng),
        }
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))
    return state


async def mark_rate_limited(
    session: AsyncSession, row_id: int, *, retry_after: float, now: datetime
) -> None:
    """Telegram asked us to wait: not a failure, so the attempt does not count."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(
            state=OutboxState.PENDING,
            attempts=OutboxMessage.attempts - 1,
            lease_until=None,
            last_error=f"429 retry after {retry_after:g}s",
            not_before=now + timedelta(seconds=retry_after),
        )
    )


async def mark_failed(session: AsyncSession, row_id: int, *, error: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(state=OutboxState.FAILED, last_error=error, lease_until=None)
    )


async def mark_unreachable(session: AsyncSession, *, chat_id: int, error: str) -> int:
    """The person blocked the bot: flag them and stop every message still waiting for them."""
    await people.mark_reachable(session, telegram_id=chat_id, reachable=False)
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.SENDING]),
        )
        .values(state=OutboxState.UNREACHABLE, last_error=error, lease_until=None)
    )
    return int(getattr(result, "rowcount", 0))


async def next_due_at(session: AsyncSession) -> datetime | None:
    return await session.scalar(
        select(func.min(OutboxMessage.not_before)).where(
            OutboxMessage.state == OutboxState.PENDING
        )
    )


# --- what facilitators see -------------------------------------------------------------


@dataclass(frozen=True)
class OutboxOverview:
    waiting: int
    sending: int
    sent_today: int
    failed_today: int
    unreachable_people: list[str] = field(default_factory=list)
    next_waiting_at: datetime | None = None


async def overview(session: AsyncSession, *, now: datetime, tz: ZoneInfo) -> OutboxOverview:
    """Outbox state at a glance: waiting, sent today, failed today, unreachable people."""
    local_midnight = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    state_counts = await session.execute(
        select(OutboxMessage.state, func.count())
        .where(OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.SENDING]))
        .group_by(OutboxMessage.state)
    )
    counts = {state: int(n) for state, n in state_counts.all()}
    sent_today = await session.scalar(
        select(func.count()).where(
            OutboxMessage.state == OutboxState.SENT, OutboxMessage.sent_at >= local_midnight
        )
    )
    failed_today = await session.scalar(
        select(func.count()).where(
            OutboxMessage.state == OutboxState.FAILED,
            OutboxMessage.created_at >= local_midnight,
        )
    )
    names = await session.scalars(
        select(Person.display_name)
        .where(Person.reachable.is_(False), Person.consent_at.is_not(None))
        .order_by(Person.display_name)
    )
    return OutboxOverview(
        waiting=int(counts.get(OutboxState.PENDING, 0)),
        sending=int(counts.get(OutboxState.SENDING, 0)),
        sent_today=int(sent_today or 0),
        failed_today=int(failed_today or 0),
        unreachable_people=list(names),
        next_waiting_at=await next_due_at(session),
    )
