"""The typed per-chat state and context PTB hands to every handler and job.

PTB builds these classes itself (`ContextTypes`), so each has a constructor without
arguments. `BotData.runtime` is set once, by `bot.app.build_application`, before the
first update; everything else reads it through `MiroirContext.runtime`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from telegram import BotCommand
from telegram.ext import Application, CallbackContext, ContextTypes, JobQueue

from bot.runtime import Runtime
from bot.sending import Bot


class Draft:
    """Base of the drafts a conversation keeps between two messages (one at a time)."""


@dataclass
class UserState:
    """What the bot remembers about one person between updates, in memory only."""

    # The name of the typed input the next text answers (see handlers.capability.Input).
    awaiting: str | None = None
    # The conversation in progress (an announcement, a new series...): one at a time.
    draft: Draft | None = None
    # The person's language, so the error handler apologises in it even after a rollback.
    language: str | None = None
    # The session whose card was shown last, and when: a typed "oui" just after it is
    # understood as the answer to it.
    last_card: tuple[int, datetime] | None = None
    # The last edit the bot made for this person (chat, message, text, buttons): a double
    # tap arrives with the message as it was before the first edit, and Telegram refuses
    # an edit that changes nothing.
    last_edit: tuple[int, int, str, str] | None = None


@dataclass(frozen=True)
class MenuEntry:
    """One big button of the persistent menu: its label key and who sees it."""

    key: str
    facilitators_only: bool = False


@dataclass
class BotData:
    """Shared by every handler and job; filled once by bot.app."""

    menu: tuple[MenuEntry, ...] = ()
    # The "/" lists Telegram shows, by (language, whose list: handlers.capability.Who).
    command_lists: dict[tuple[str, str], tuple[BotCommand, ...]] = field(default_factory=dict)
    _runtime: Runtime | None = field(default=None, repr=False)

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise RuntimeError("the runtime is set by bot.app.build_application")
        return self._runtime

    @runtime.setter
    def runtime(self, value: Runtime) -> None:
        self._runtime = value


ChatData = dict[object, object]


class MiroirContext(CallbackContext[Bot, UserState, ChatData, BotData]):
    """PTB's context with the runtime as a typed attribute."""

    @property
    def runtime(self) -> Runtime:
        return self.bot_data.runtime

    @property
    def state(self) -> UserState | None:
        """This person's state (None for updates without a user, e.g. a channel post)."""
        return self.user_data


CONTEXT_TYPES = ContextTypes(
    context=MiroirContext, user_data=UserState, chat_data=ChatData, bot_data=BotData
)

MiroirApp = Application[Bot, MiroirContext, UserState, ChatData, BotData, JobQueue[MiroirContext]]
