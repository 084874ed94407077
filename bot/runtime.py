"""What every handler and job needs, built once by bot.app and kept in bot_data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.i18n import Translator


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    translator: Translator
    bot_username: str = ""
    # Set by bot.app to the outbox sender's wake-up: called after a commit that may
    # have enqueued messages, so they leave now rather than at the next poll.
    wake_outbox: Callable[[], None] = lambda: None
    # The outbox sender (scheduler.outbox.OutboxSender), typed loosely: bot/ must not
    # depend on scheduler/.
    sender: Any = None
    # Coalesces edits of group messages (scheduler.group_edits.GroupEditor).
    group_editor: Any = None
    # Writes button taps in batches (bot.batching.Batcher, built by handlers.sessions).
    tap_batcher: Any = None

    def t(self, key: str, lang: str, /, **params: object) -> str:
        return self.translator.t(key, lang, **params)
