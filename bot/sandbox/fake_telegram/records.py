"""Plain data the fake hands out and keeps: errors, requests, messages, files, counters.

They depend on nothing else in the package, so every other module can import them without
creating an import cycle.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]
UpdateSink = Callable[[JSON], Awaitable[None]]
Parts = Mapping[str, tuple[str | None, bytes]]  # multipart part name -> (filename, content)

# Shared by the getUpdates simulation and the default text of an injected 409.
_CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one "
    "bot instance is running"
)


class ApiError(Exception):
    """An error response; ``violation`` marks it as a bug of the bot under test."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        violation: bool = False,
        parameters: JSON | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.violation = violation
        self.parameters = parameters


class SimulatedTimeout(Exception):
    """Raised by ``handle`` when an injected timeout must reach the transport."""

    def __init__(self, delay: float | None) -> None:
        super().__init__("injected timeout")
        self.delay = delay


@dataclass
class Violation:
    """A request Telegram would reject because the bot misused the API."""

    method: str
    params: dict[str, str]
    problem: str


@dataclass
class RequestRecord:
    """One request as seen by the fake."""

    method: str
    params: dict[str, Any]
    status: int
    description: str | None = None
    files: tuple[str, ...] = ()
    time: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class StoredMessage:
    """A message in a chat's history (sent by the bot or by a fake user)."""

    message_id: int
    chat_id: int
    from_bot: bool
    text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    raw_text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None
    reply_keyboard: JSON | None = None
    kind: str = "text"
    file_id: str | None = None
    edits: list[str | None] = field(default_factory=list)
    deleted: bool = False
    date: int = 0
    edit_date: int | None = None
    from_user_id: int | None = None
    reply_to_message_id: int | None = None
    payload: JSON = field(default_factory=dict)  # kind-specific Message fields

    @property
    def content(self) -> str | None:
        """Text, or caption for media messages."""
        return self.text if self.kind == "text" else self.caption

    @property
    def buttons(self) -> list[list[str]]:
        """Texts of the inline keyboard rows."""
        if not self.reply_markup:
            return []
        return [
            [b.get("text", "") for b in row]
            for row in self.reply_markup.get("inline_keyboard", [])
        ]

    def find_button(self, text: str) -> JSON | None:
        """The inline button labelled ``text``, if any."""
        for row in (self.reply_markup or {}).get("inline_keyboard", []):
            for button in row:
                if button.get("text") == text:
                    return dict(button)
        return None


@dataclass
class FileRecord:
    """A file known to the fake (uploaded, sent by a user or referenced by URL)."""

    file_id: str
    file_unique_id: str
    kind: str
    content: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None


@dataclass
class Stats:
    """Counters for flood-control assertions and benchmarks."""

    sent_total: int = 0
    rejected_429: int = 0
    injected_failures: int = 0
    sends_during_retry_after: int = 0
    poll_conflicts: int = 0
    per_chat_sent: Counter[int] = field(default_factory=Counter)
    send_times: list[float] = field(default_factory=list)

    def max_in_window(self, window: float = 1.0) -> int:
        """Largest number of accepted sends within any ``window`` seconds."""
        best, lo = 0, 0
        times = sorted(self.send_times)
        for hi, t in enumerate(times):
            while t - times[lo] >= window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best

    def average_rate(self) -> float:
        """Accepted sends per second between the first and the last one."""
        if len(self.send_times) < 2:
            return 0.0
        span = max(self.send_times) - min(self.send_times)
        return (len(self.send_times) - 1) / span if span > 0 else math.inf


@dataclass
class _Callback:
    query_id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answer: JSON | None = None
