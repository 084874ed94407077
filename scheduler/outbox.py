"""The outbox sender: claims due rows and delivers them within Telegram's limits.

Delivery guarantee: a row acknowledged as sent is never sent again. The only window for
a duplicate is a request that reached Telegram while its sender died before recording
the answer: at most the requests in flight of that sender (`max_in_flight`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import Message
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.models import ContentType, OutboxState
from bot.sending import Bot, LimitArgs, send_content, stored_keyboard
from bot.services import outbox
from bot.services.outbox import Claimed
from scheduler.ratelimit import _seconds

log = logging.getLogger(__name__)

NO_RETRY = LimitArgs(retry_on_429=False)


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
    ) -> None:
        self.bot = bot
        self.db = db
        self.clock = clock
        self.settings = settings
        self.sender_id = sender_id or default_sender_id()
        self.max_in_flight = max_in_flight
        self.rng = rng or random.Random()
        self.on_delivered = on_delivered
        self._wake = asyncio.Event()
        self._in_flight: dict[asyncio.Task[None], int] = {}

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

    async def deliver(self, row: Claimed) -> OutboxState:
        """Send one claimed row and record what happened; returns the new state."""
        try:
            message = await self._call(row)
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            async with self.db.transaction() as session:
                await outbox.mark_rate_limited(
                    session, row.id, retry_after=wait, now=self.clock.now()
                )
            state = OutboxState.PENDING
        except Forbidden as exc:
            async with self.db.transaction() as session:
                await outbox.mark_unreachable(session, chat_id=row.chat_id, error=str(exc))
            state = OutboxState.UNREACHABLE
        except BadRequest as exc:
            # Chat not found, message too long...: sending again would fail the same way.
            log.warning("outbox row %s refused by Telegram: %s", row.id, exc)
            async with self.db.transaction() as session:
                await outbox.mark_failed(session, row.id, error=str(exc))
            state = OutboxState.FAILED
        except (TimeoutError, TelegramError, OSError) as exc:
            # 5xx, timeouts and network errors are temporary: back off and try again.
            async with self.db.transaction() as session:
                state = await outbox.mark_retry(
                    session,
                    row.id,
                    error=f"{type(exc).__name__}: {exc}",
                    attempts=row.attempts,
                    max_attempts=self.settings.outbox_max_attempts,
                    now=self.clock.now(),
                    rng=self.rng,
                )
        else:
            async with self.db.transaction() as session:
                await outbox.mark_sent(
                    session, row.id, telegram_message_id=message.message_id, now=self.clock.now()
                )
            state = OutboxState.SENT
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
        await self.recover()
        while not stop.is_set():
            try:
                free = self.max_in_flight - len(self._in_flight)
                claimed = await self._claim(free) if free > 0 else []
            except Exception:
                log.exception("outbox: could not claim rows; retrying")
                claimed = []
            for row in claimed:
                task = asyncio.create_task(self._deliver_logged(row))
                self._in_flight[task] = row.chat_id
            if claimed and len(self._in_flight) < self.max_in_flight:
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
        if self._in_flight:
            await asyncio.wait(list(self._in_flight), timeout=30)

    async def _idle_timeout(self) -> float:
        """Sleep until the next row is due (rows written ahead), at most one poll period."""
        poll = self.settings.outbox_poll_seconds
        try:
            async with self.db.transaction() as session:
                due = await outbox.next_due_at(session)
        except Exception:
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
            # Recording the outcome failed (database gone?): the lease will run out and
            # the row will be tried again.
            log.exception("outbox: row %s could not be recorded", row.id)
