"""What a capability contributes to the bot, as plain values (importing registers nothing).

Each handler module exposes one `Capability`: its commands (French and English names,
who may use them), its buttons (a kind and the callback that answers it), its menu
entries, the typed inputs it waits for and the replies it takes. `handlers.assemble()`
puts them together in one visible order.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import Chat, Message, Update
from telegram.ext import BaseHandler

from bot.callback_data import ButtonKind
from bot.context import MenuEntry, MiroirContext
from bot.i18n import N_, normalize_language
from handlers.ctx import Ctx

UpdateCallback = Callable[[Update, MiroirContext], Coroutine[Any, Any, None]]
Action = Callable[[Ctx], Awaitable[None]]
TextAnswer = Callable[[Ctx, str], Awaitable[None]]
MediaAnswer = Callable[[Ctx, Message], Awaitable[None]]
# Returns True when it took the reply (a reply to an announcement, say).
ReplyHook = Callable[[Ctx, Message], Awaitable[bool]]


class Who(enum.Enum):
    """Who a command is for, and so in which "/" lists Telegram shows it."""

    EVERYONE = "everyone"  # private chats, every list
    FACILITATORS = "facilitators"  # private chats, the facilitators' lists
    GROUPS = "groups"  # group chats (the bot checks the role itself)
    UNLISTED = "unlisted"  # private chats, in no list (/start)


@dataclass(frozen=True)
class Command:
    """A "/" command: its French and English names both work, whatever the language."""

    fr: str
    en: str
    callback: UpdateCallback
    description: str  # catalogue key of the line in Telegram's "/" list
    who: Who = Who.EVERYONE

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys((self.fr, self.en)))

    def name_in(self, lang: str) -> str:
        return self.fr if lang == "fr" else self.en


@dataclass(frozen=True)
class ButtonRoute:
    """A kind of inline button and the callback that answers its taps.

    A button belongs to a private conversation unless it says `in_groups`: the same
    button tapped in a group (a forged or replayed tap, or a message forwarded there)
    only gets a toast, which only the person who tapped sees. The callback is wrapped
    here, so a new kind of button is private without anyone thinking of it.
    """

    kind: ButtonKind
    callback: UpdateCallback
    facilitators_only: bool = False
    in_groups: bool = False  # the group reminder's answers, the /lier choices

    def __post_init__(self) -> None:
        if not self.in_groups:
            object.__setattr__(self, "callback", private_only(self.callback))


def private_only(callback: UpdateCallback) -> UpdateCallback:
    """Run the callback for taps in a private chat; anywhere else, a toast and nothing more
    (no database, no message: whatever the button does, the group must not see it)."""

    @functools.wraps(callback)
    async def guarded(update: Update, context: MiroirContext) -> None:
        chat = update.effective_chat
        if chat is not None and chat.type == Chat.PRIVATE:
            await callback(update, context)
            return
        query, user = update.callback_query, update.effective_user
        if query is None or user is None or user.is_bot:
            return
        rt = context.runtime
        state = context.user_data
        lang = (state.language if state is not None else None) or normalize_language(
            user.language_code, rt.settings.default_language
        )
        await query.answer(rt.t(N_("buttons.private_only"), lang), show_alert=True)

    return guarded


@dataclass(frozen=True)
class MenuItem:
    """A big button of the persistent menu and what tapping it does."""

    entry: MenuEntry
    action: Action


@dataclass(frozen=True)
class Input:
    """Something a conversation waits for the person to type (or send as a file)."""

    name: str
    on_text: TextAnswer
    on_media: MediaAnswer | None = None


@dataclass(frozen=True)
class Capability:
    name: str
    commands: tuple[Command, ...] = ()
    buttons: tuple[ButtonRoute, ...] = ()
    menu: tuple[MenuItem, ...] = ()
    inputs: tuple[Input, ...] = ()
    reply_hooks: tuple[ReplyHook, ...] = ()
    # Anything else PTB should route here (a chat member update, say), in order.
    handlers: tuple[BaseHandler[Any, MiroirContext, Any], ...] = ()
