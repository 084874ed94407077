"""The outbox sender: claims due rows and delivers them within Telegram's limits.

Delivery guarantee: a row acknowledged as sent is never sent again. The only window for
a duplicate is a request that reached Telegram while its sender died before recording
the answer: at most the requests in flight of that sender (`max_in_flight`).

When the database goes away the sender keeps its outcomes in memory and writes them when
it is back (a lease running out would send them again), and waits longer and longer
between attempts to claim rows (1 s, 2 s, 4 s... at most 30 s). The database itself says
once that it is gone and once that it is back (`bot.db.Availability`).

Once a minute it logs one line of what it did (sent, failed, retried, waiting, 429s and
rate-limit waits); a minute with nothing to say writes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database, is_connection_error
from bot.models import ContentType, OutboxMessage, OutboxState
from bot.sending import Bot, LimitArgs, send_content, stored_keyboard
from bot.services import outbox
from bot.services.outbox import Claimed
from scheduler.ratelimit import TelegramRateLimiter, _seconds

log = logging.getLogger(__name__)

NO_RETRY = LimitArgs(retry_on_429=False)
SUMMARY_EVERY = timedelta(minutes=1)

T = TypeVar("T")


@dataclass
class SenderTotals:
    """What this sender did since it started (cumulative; read by health and metrics)."""

    sent: int = 0
    failed: int = 0  # given up: refused by Telegram, blocked by the person, or out of attempts
    retried: int = 0  # a temporary failure, to be tried again later
    rate_limited: int = 0  # Telegram asked us to wait (429); not a failure

    def count(self, state: OutboxState, *, rate_limited: bool = False) -> None:
        if rate_limited:
            self.rate_limited += 1
        elif state is OutboxState.SENT:
            self.sent += 1
        elif state is OutboxState.PENDING:
            self.retried += 1
        else:
            self.failed += 1


@dataclass(frozen=True)
class Summary:
    """One minute of the sender's work, as its log line says it."""

    sent: int
    failed: int
    retried: int
    rate_limited: int  # 429s: Telegram said "retry after"
    throttled: int  # requests of this process that waited for the rate limiter
    waiting: int | None  # due and not sent yet; None when the database did not answer

    @property
    def moved(self) -> bool:
        return any((self.sent, self.failed, self.retried, self.rate_limited, self.throttled))


@dataclass(frozen=True)
class Backoff:
    """How long to wait between attempts while the database is away."""

    first: float = 1.0
    most: float = 30.0

    def after(self, previous: float) -> float:
        return self.first if previous <= 0 else min(self.most, previous * 2)


async def due_count(session: AsyncSession, *, now: datetime) -> int:
    """Rows waiting to go that could go now: the outbox's lag."""
    count = await session.scalar(
        select(func.count()).where(
            OutboxMessage.state == OutboxState.PENDING, OutboxMessage.not_before <= now
        )
    )
    return int(count or 0)


def default_sender_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


class OutboxSender:
    """One sender; on PostgreSQL several may run against one database."""

    def __init__(
        self,
        *,
        bot: Bot,
        db: Database,
        clock: Clock,
        settings: Settings,
        sender_id: str | None = None,
        max_in_flight: int = 40,
        rng: random.Random | None = None,
        on_delivered: Callable[[Claimed, OutboxState], None] | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.bot = bot
        self.db = db
        self.clock = clock
        self.settings = settings
        self.sender_id = sender_id or default_sender_id()
        self.max_in_flight = max_in_flight
        self.rng = rng or random.Random()
        self.on_delivered = on_delivered
        self.backoff = backoff or Backoff()
        self._wake = asyncio.Event()
        self._in_flight: dict[asyncio.Task[None], int] = {}
        # When the loop last went round (None before the first pass): a health check
        # reads it to tell a live sender from a stuck one.
        self.last_beat: datetime | None = None
        self.totals = SenderTotals()
        # The minute the next summary covers: its start and the counts at its start.
        self._minute_start: datetime | None = None
        self._minute_totals = SenderTotals()
        self._minute_throttled = 0
        self._last_waiting = 0

    def wake(self) -> None:
        """Something was enqueued: look now instead of at the next poll."""
        self._wake.set()

    def _quiet(self, now: datetime) -> bool:
        s = self.settings
        return outbox.in_quiet_hours(now, s.tz, s.quiet_hours_start, s.quiet_hours_end)

    async def recover(self) -> int:
        """After a restart, rows this sender (or, on SQLite, the only sender) had claimed."""
        async with self.db.transaction() as session:
            if self.db.is_sqlite:
                return await outbox.release_own_claims(session, sender_id=None)
            return await outbox.release_own_claims(session, sender_id=self.sender_id)

    async def _claim(self, limit: int) -> list[Claimed]:
        now = self.clock.now()
        async with self.db.transaction() as session:
            return await outbox.claim_due(
                session,
                now=now,
                sender_id=self.sender_id,
                limit=limit,
                quiet=self._quiet(now),
                exclude_chats=sorted(set(self._in_flight.values())),
            )

    async def _call(self, row: Claimed) -> Message:
        return await send_content(
            self.bot,
            row.chat_id,
            content_type=ContentType(row.content_type),
            text=row.text,
            file_id=row.file_id,
            reply_markup=stored_keyboard(row.buttons),
            parse_mode=row.parse_mode,
            reply_to_message_id=row.reply_to_message_id,
            rate_limit_args=NO_RETRY,
        )

    async def _record(self, write: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Write what Telegram answered. While the database is away, hold the answer and
        try again: letting the row's lease run out would send the message twice."""
        wait = 0.0
        while True:
            try:
                async with self.db.transaction() as session:
                    return await write(session)
            except Exception as error:
                if not is_connection_error(error):
                    raise
            wait = self.backoff.after(wait)
            await asyncio.sleep(wait)

    async def deliver(self, row: Claimed) -> OutboxState:
        """Send one claimed row and record what happened; returns the new state."""
        rate_limited = False
        state: OutboxState
        try:
            message = await self._call(row)
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            await self._record(
                lambda session: outbox.mark_rate_limited(
                    session, row.id, retry_after=wait, now=self.clock.now()
                )
            )
            state, rate_limited = OutboxState.PENDING, True
        except Forbidden as exc:
            # Bound now: Python forgets `exc` when the except block ends, before the
            # lambda may run again.
            blocked = str(exc)
            await self._record(
                lambda session: outbox.mark_unreachable(
                    session, chat_id=row.chat_id, error=blocked
                )
            )
            state = OutboxState.UNREACHABLE
        except BadRequest as exc:
            # Chat not found, message too long...: sending again would fail the same way.
            log.warning("outbox row %s refused by Telegram: %s", row.id, exc)
            refused = str(exc)
            await self._record(lambda session: outbox.mark_failed(session, row.id, error=refused))
            state = OutboxState.FAILED
        except (TimeoutError, TelegramError, OSError) as exc:
            # 5xx, timeouts and network errors are temporary: back off and try again.
            error = f"{type(exc).__name__}: {exc}"
            state = await self._record(
                lambda session: outbox.mark_retry(
                    session,
                    row.id,
                    error=error,
                    attempts=row.attempts,
                    max_attempts=self.settings.outbox_max_attempts,
                    now=self.clock.now(),
                    rng=self.rng,
                )
            )
        else:
            await self._record(
                lambda session: outbox.mark_sent(
                    session, row.id, telegram_message_id=message.message_id, now=self.clock.now()
                )
            )
            state = OutboxState.SENT
        self.totals.count(state, rate_limited=rate_limited)
        if self.on_delivered is not None:
            self.on_delivered(row, state)
        return state

    async def run_once(self) -> int:
        """Claim one batch and deliver it completely; returns how many rows it handled."""
        rows = await self._claim(self.max_in_flight)
        # Rows for one chat go one after the other, in order.
        by_chat: dict[int, list[Claimed]] = {}
        for row in rows:
            by_chat.setdefault(row.chat_id, []).append(row)

        async def chat_queue(queue: list[Claimed]) -> None:
            for row in queue:
                await self.deliver(row)

        await asyncio.gather(*(chat_queue(q) for q in by_chat.values()))
        return len(rows)

    async def drain(self, max_rounds: int = 1000) -> int:
        """Deliver everything due now (tests and benchmarks); returns rows handled."""
        total = 0
        for _ in range(max_rounds):
            handled = await self.run_once()
            if handled == 0:
                break
            total += handled
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver continuously until `stop` is set; finishes the requests in flight."""
        recovered = False
        outage_wait = 0.0
        self._minute_start = self.clock.now()
        self._minute_throttled = self._throttled()
        while not stop.is_set():
            try:
                if not recovered:
                    await self.recover()
                    recovered = True
                free = self.max_in_flight - len(self._in_flight)
                claimed = await self._claim(free) if free > 0 else []
            except Exception as error:
                if not is_connection_error(error):
                    log.exception("outbox: could not claim rows; retrying")
                # Gone or broken: wait longer each time rather than knock every second.
                outage_wait = self.backoff.after(outage_wait)
                await self._beat()
                await _wait_for(stop, outage_wait)
                continue
            outage_wait = 0.0
            for row in claimed:
                task = asyncio.create_task(self._deliver_logged(row))
                self._in_flight[task] = row.chat_id
            if claimed and len(self._in_flight) < self.max_in_flight:
                await self._beat()
                continue  # more may be due right away
            self._wake.clear()
            timeout = await self._idle_timeout() if not self._in_flight else None
            waiters: set[asyncio.Future[Any]] = set()
            waiters.update(self._in_flight.keys())
            waiters.add(asyncio.ensure_future(self._wake.wait()))
            waiters.add(asyncio.ensure_future(stop.wait()))
            _done, pending = await asyncio.wait(
                waiters,
                timeout=timeout or self.settings.outbox_poll_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
            for fut in pending:
                if fut not in self._in_flight:
                    fut.cancel()
            for task in [t for t in self._in_flight if t.done()]:
                del self._in_flight[task]
            await self._beat()
        if self._in_flight:
            _finished, unfinished = await asyncio.wait(list(self._in_flight), timeout=30)
            # Still waiting for the database: their rows stay claimed and are tried
            # again after the restart (recover).
            for task in unfinished:
                task.cancel()

    async def _beat(self) -> None:
        self.last_beat = self.clock.now()
        await self.summarise()

    async def _idle_timeout(self) -> float:
        """Sleep until the next row is due (rows written ahead), at most one poll period."""
        poll = self.settings.outbox_poll_seconds
        try:
            async with self.db.transaction() as session:
                due = await outbox.next_due_at(session)
        except Exception as error:
            if not is_connection_error(error):
                log.exception("outbox: could not read the next due time")
            return poll
        if due is None:
            return poll
        seconds = (due - self.clock.now()).total_seconds()
        if seconds <= 0:
            return poll  # due but held (quiet hours, a chat in flight): the usual pace
        return min(poll, seconds)

    async def _deliver_logged(self, row: Claimed) -> None:
        try:
            await self.deliver(row)
        except Exception:
            # Not the database (that one is waited for): the lease will run out and the
            # row will be tried again.
            log.exception("outbox: row %s could not be recorded", row.id)

    # --- the minute's summary -------------------------------------------------------

    def _throttled(self) -> int:
        limiter = self.bot.rate_limiter
        return limiter.waits if isinstance(limiter, TelegramRateLimiter) else 0

    async def _waiting(self, now: datetime) -> int | None:
        try:
            async with self.db.transaction() as session:
                return await due_count(session, now=now)
        except Exception as error:
            if not is_connection_error(error):
                log.exception("outbox: could not count the waiting rows")
            return None

    async def summarise(self) -> Summary | None:
        """Once a minute, one log line of what was done in it; None before the minute is
        over and for a minute with nothing to say (nothing moved, as many rows waiting as
        the last line said, or the database away: it said so itself)."""
        now = self.clock.now()
        if self._minute_start is None:
            self._minute_start = now
            self._minute_throttled = self._throttled()
            return None
        if now - self._minute_start < SUMMARY_EVERY:
            return None
        before, throttled = self._minute_totals, self._throttled()
        summary = Summary(
            sent=self.totals.sent - before.sent,
            failed=self.totals.failed - before.failed,
            retried=self.totals.retried - before.retried,
            rate_limited=self.totals.rate_limited - before.rate_limited,
            throttled=throttled - self._minute_throttled,
            waiting=await self._waiting(now),
        )
        self._minute_start = now
        self._minute_totals = replace(self.totals)
        self._minute_throttled = throttled
        if not summary.moved and summary.waiting in (None, self._last_waiting):
            return None
        if summary.waiting is not None:
            self._last_waiting = summary.waiting
        log.info(
            "outbox, last minute: %d sent, %d failed, %d retried, %s waiting, "
            "%d told to wait by Telegram, %d rate-limit waits",
            summary.sent,
            summary.failed,
            summary.retried,
            "?" if summary.waiting is None else summary.waiting,
            summary.rate_limited,
            summary.throttled,
            extra={
                "event": "outbox_summary",
                "sent": summary.sent,
                "failed": summary.failed,
                "retried": summary.retried,
                "waiting": summary.waiting,
                "retry_after": summary.rate_limited,
                "rate_limit_waits": summary.throttled,
            },
        )
        return summary


async def _wait_for(stop: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`, or less if the sender is told to stop."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
