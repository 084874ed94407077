"""What every handler and job needs, built once by bot.app before the Application.

Every part is built before the Runtime and never replaced. The outbox sender and the
group editor live in scheduler/, above bot/, so the Runtime knows them through the
small Protocols below rather than by their classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.batching import Batcher
from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.i18n import Translator
from bot.services.budget import BasketTap, BasketTapResult
from bot.services.taps import TapRequest, TapResult


class Delivery(Protocol):
    """The outbox sender, as handlers and jobs use it."""

    def wake(self) -> None:
        """Something was enqueued: send it now rather than at the next poll."""
        ...

    async def drain(self, max_rounds: int = ...) -> int:
        """Deliver everything due now; returns the rows handled."""
        ...


class GroupCounts(Protocol):
    """Keeps the counts on a group's reminder up to date, with few edits."""

    edits: int

    async def touch(self, occurrence_id: int) -> None: ...

    async def flush(self) -> int: ...


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    translator: Translator
    outbox: Delivery
    group_counts: GroupCounts
    taps: Batcher[TapRequest, TapResult]
    basket_taps: Batcher[BasketTap, BasketTapResult]

    def t(self, key: str, lang: str, /, **params: object) -> str:
        return self.translator.t(key, lang, **params)

    def wake_outbox(self) -> None:
        """Called after a commit that may have enqueued messages."""
        self.outbox.wake()
