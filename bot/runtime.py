"""What every handler and job needs, built once by bot.app and kept in bot_data."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    # Per-capability state that is not worth a table (e.g. pending edit timers).
    extras: dict[str, Any] = field(default_factory=dict)

    def t(self, key: str, lang: str, /, **params: object) -> str:
        return self.translator.t(key, lang, **params)
