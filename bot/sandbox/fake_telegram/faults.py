"""Refusals of well-formed requests: injected failures and Telegram's flood limits.

Tests inject 429 / 5xx / timeouts to exercise the bot's retry paths; with ``enforce_limits``
the fake also answers 429 on its own when the bot sends faster than Telegram allows. Both
live together because they share the retry-after bookkeeping behind
``Stats.sends_during_retry_after``.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from .chats import ChatState
from .records import _CONFLICT_POLL, JSON, ApiError
from .state import FakeState


@dataclass
class _Injection:
    status: int | None  # None = timeout
    method: str | None
    chat_id: int | None
    remaining: int
    retry_after: int | None = None
    description: str | None = None
    delay: float | None = None
    processed: bool = False

    def matches(self, method: str, chat_id: Any) -> bool:
        if self.method is None:
            # Untargeted injections leave the polling loop alone.
            if method == "getUpdates":
                return False
        elif self.method.lower() != method.lower():
            return False
        return self.chat_id is None or chat_id == self.chat_id


def _default_description(status: int) -> str:
    known = {
        400: "Bad Request: injected error",
        403: "Forbidden: bot was blocked by the user",
        409: _CONFLICT_POLL,
        500: "Internal Server Error",
        502: "Bad Gateway",
    }
    if status in known:
        return known[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


class Faults(FakeState):
    """Error injection (``fail_next``, ``timeout_next``, ``fail_rate``) and flood control.

    FakeTelegram.handle consults the injections before running a method; FakeTelegram._execute
    calls ``_check_flood`` before each message send and ``_count_send`` after it.
    """

    # ------------------------------------------------------------------ injection

    def fail_next(
        self,
        status: int,
        *,
        method: str | None = None,
        chat_id: int | None = None,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` matching requests with an error (getUpdates only if named)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        self._injections.append(
            _Injection(status, method, chat_id, times, retry_after, description)
        )

    def timeout_next(
        self,
        method: str | None = None,
        times: int = 1,
        *,
        chat_id: int | None = None,
        delay: float | None = None,
        processed: bool = False,
    ) -> None:
        """Make the next matching requests time out.

        ``processed=True`` performs the request first (the response is lost, as when Telegram
        delivered the message but the connection dropped). ``delay`` is the server-mode hold
        time (default ``timeout_delay``); the mock transport raises httpx.ReadTimeout at once.
        """
        self._injections.append(
            _Injection(None, method, chat_id, times, delay=delay, processed=processed)
        )

    def fail_rate(
        self, rate: float, statuses: Iterable[int] = (500, 502), *, seed: int = 0
    ) -> None:
        """Fail a random ``rate`` fraction of message-sending requests (0 disables)."""
        self._fail_rate = (rate, tuple(statuses), random.Random(seed)) if rate > 0 else None

    def _take_injection(self, method: str, chat_id: Any) -> _Injection | None:
        for injection in self._injections:
            if injection.remaining > 0 and injection.matches(method, chat_id):
                injection.remaining -= 1
                if injection.remaining == 0:
                    self._injections.remove(injection)
                return injection
        return None

    def _injected_error(
        self,
        method: str,
        values: Mapping[str, Any],
        files: Mapping[str, bytes],
        injection: _Injection,
    ) -> tuple[int, JSON]:
        status = injection.status or 500
        parameters = None
        description = injection.description or _default_description(status)
        if status == 429:
            retry = injection.retry_after or 1
            parameters = {"retry_after": retry}
            if injection.description is None:
                description = f"Too Many Requests: retry after {retry}"
            self.stats.rejected_429 += 1
            chat_id = values.get("chat_id")
            key = chat_id if isinstance(chat_id, int) else None
            self._retry_until[key] = self.now() + retry
        return self._reply(method, values, files, status, error=description, parameters=parameters)

    # ------------------------------------------------------------------ flood control

    def _check_flood(self, chat: ChatState) -> None:
        t = self.now()
        if t < max(self._retry_until.get(None, 0.0), self._retry_until.get(chat.id, 0.0)):
            self.stats.sends_during_retry_after += 1
        if not self.enforce_limits:
            return
        checks: list[tuple[deque[float], float, int, int | None]] = [
            (self._sends_global, 1.0, self.global_per_second, None)
        ]
        if chat.type != "private":
            per_chat = self._sends_chat.setdefault(chat.id, deque())
            checks.append((per_chat, 60.0, self.group_per_minute, chat.id))
        for sends, window, limit, key in checks:
            while sends and sends[0] <= t - window:
                sends.popleft()
            if len(sends) >= limit:
                # The exact moment a slot frees up; retry_after is that, rounded up.
                self._flood(key, sends[0] + window, t)
        if chat.type == "private":
            # Token bucket: `private_burst` messages at once, then `private_per_second`.
            rate = float(self.private_per_second)
            tokens, last = self._buckets.get(chat.id, (float(self.private_burst), t))
            tokens = min(float(self.private_burst), tokens + (t - last) * rate)
            if tokens < 1.0 - 1e-9:
                self._buckets[chat.id] = (tokens, t)
                self._flood(chat.id, t + (1.0 - tokens) / rate, t)
            self._buckets[chat.id] = (tokens - 1.0, t)

    def _flood(self, key: int | None, free_at: float, t: float) -> None:
        retry = max(1, math.ceil(free_at - t - 1e-9))
        self.stats.rejected_429 += 1
        self._retry_until[key] = max(self._retry_until.get(key, 0.0), free_at)
        raise ApiError(
            429, f"Too Many Requests: retry after {retry}", parameters={"retry_after": retry}
        )

    def _count_send(self, chat: ChatState) -> None:
        t = self.now()
        per_chat = self._sends_chat.setdefault(chat.id, deque())
        for sends, window in ((self._sends_global, 1.0), (per_chat, 60.0)):
            sends.append(t)
            while sends[0] <= t - window:  # keep memory bounded in long benchmarks
                sends.popleft()
        self.stats.sent_total += 1
        self.stats.per_chat_sent[chat.id] += 1
        self.stats.send_times.append(t)
