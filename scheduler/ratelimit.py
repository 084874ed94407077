"""Telegram's flood limits, enforced before a request leaves, for every message the bot sends.

One limiter sits inside the Bot (PTB's rate limiter hook), so replies, edits and the
outbox sender share one budget: about 30 messages a second overall, 1 a second per
private chat (with a small burst for replies), 20 a minute per group. Answers to button
taps and everything that is not a message go straight through: the spinner must stop
at once even while a broadcast is using the whole budget.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.sending import LimitArgs

log = logging.getLogger(__name__)

# Methods that post or change a message in a chat; Telegram counts these.
LIMITED_PREFIXES = ("send", "edit", "copy", "forward")
EXEMPT = frozenset({"sendChatAction"})
# 429s for this many different chats within a second: the overall limit was hit.
GLOBAL_429_CHATS = 3


@dataclass
class _Slot:
    """Generic cell rate algorithm: the earliest time the next request may start."""

    interval: float
    burst: int = 1
    next_free: float = 0.0

    def reserve(self, now: float) -> float:
        """Reserve the next slot; return how long to wait for it."""
        theoretical = max(self.next_free, now)
        wait = max(0.0, theoretical - now - (self.burst - 1) * self.interval)
        self.next_free = theoretical + self.interval
        return wait

    def pause_until(self, moment: float) -> None:
        """Nothing may start before `moment`, burst or not."""
        self.next_free = max(self.next_free, moment + (self.burst - 1) * self.interval)


class TelegramRateLimiter(BaseRateLimiter[LimitArgs]):
    """Throttles message-sending calls per chat and overall; retries interactive 429s."""

    def __init__(
        self,
        *,
        per_second: float = 30.0,
        private_per_second: float = 1.0,
        group_per_minute: float = 20.0,
        private_burst: int = 3,
        max_retries: int = 2,
        safety: float = 0.97,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        # A little under the limit: scheduling jitter must never make us exceed it.
        self._global = _Slot(1.0 / (per_second * safety))
        self._private_interval = 1.0 / (private_per_second * safety)
        self._group_interval = 60.0 / (group_per_minute * safety)
        self._private_burst = private_burst
        self._chats: dict[int | str, _Slot] = {}
        self._max_retries = max_retries
        self._recent_429: list[tuple[float, int | str | None]] = []
        self._monotonic = monotonic
        self._sleep = sleep
        # Read by /metrics: how often, and how long, requests waited for their turn, and
        # how many times Telegram itself said "retry after".
        self.waits = 0
        self.waited_seconds = 0.0
        self.retry_afters = 0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def _chat_slot(self, chat_id: int | str) -> _Slot:
        slot = self._chats.get(chat_id)
        if slot is None:
            is_private = isinstance(chat_id, int) and chat_id > 0
            slot = (
                _Slot(self._private_interval, self._private_burst)
                if is_private
                else _Slot(self._group_interval)
            )
            if len(self._chats) > 50_000:
                self._forget_idle()
            self._chats[chat_id] = slot
        return slot

    def _forget_idle(self) -> None:
        now = self._monotonic()
        for key in [k for k, s in self._chats.items() if s.next_free < now]:
            del self._chats[key]

    async def acquire(self, chat_id: int | str | None) -> None:
        """Wait for this chat's turn, then for the overall budget."""
        if chat_id is not None:
            await self._wait(self._chat_slot(chat_id).reserve(self._monotonic()))
        await self._wait(self._global.reserve(self._monotonic()))

    async def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.waits += 1
            self.waited_seconds += seconds
            await self._sleep(seconds)

    def penalize(self, chat_id: int | str | None, retry_after: float) -> None:
        """Telegram said "retry after N": hold that chat, or everything when it is global.

        Telegram does not say which limit was hit; 429s for several chats within a second
        mean the overall one, so everything waits.
        """
        self.retry_afters += 1
        now = self._monotonic()
        until = now + retry_after
        self._recent_429 = [(t, c) for t, c in self._recent_429 if now - t < 1.0]
        self._recent_429.append((now, chat_id))
        distinct = {c for _, c in self._recent_429}
        if chat_id is None or len(distinct) >= GLOBAL_429_CHATS:
            self._global.pause_until(until)
        if chat_id is not None:
            self._chat_slot(chat_id).pause_until(until)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: LimitArgs | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        limited = endpoint.startswith(LIMITED_PREFIXES) and endpoint not in EXEMPT
        chat_id = _normalize_chat(data.get("chat_id")) if limited else None
        options = rate_limit_args or LimitArgs()
        attempt = 0
        while True:
            if limited:
                await self.acquire(chat_id)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                retry_after = _seconds(exc.retry_after)
                self.penalize(chat_id, retry_after)
                if not options.retry_on_429 or attempt >= self._max_retries:
                    raise
                attempt += 1
                log.info("429 on %s for chat %s: waiting %.1fs", endpoint, chat_id, retry_after)


def _normalize_chat(value: object) -> int | str | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return str(value)  # "@channelname"


def _seconds(value: object) -> float:
    if hasattr(value, "total_seconds"):
        return float(value.total_seconds())
    return float(value)  # type: ignore[arg-type]
