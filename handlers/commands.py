"""The command lists Telegram shows in the "/" menu, per language and per role."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)
from telegram.error import TelegramError

from bot.i18n import LANGUAGES, Translator
from bot.models import Person
from handlers.capability import Command, Who

log = logging.getLogger(__name__)

CommandLists = dict[tuple[str, str], tuple[BotCommand, ...]]
LISTS = {
    # Facilitators see everyone's commands, then their own.
    Who.EVERYONE: (Who.EVERYONE,),
    Who.FACILITATORS: (Who.EVERYONE, Who.FACILITATORS),
    Who.GROUPS: (Who.GROUPS,),
}


def command_lists(translator: Translator, commands: Sequence[Command]) -> CommandLists:
    """Every "/" list once, by (language, whose list), each command in its language."""
    return {
        (lang, whose.value): tuple(
            BotCommand(c.name_in(lang), translator.t(c.description, lang))
            for who in shown
            for c in commands
            if c.who is who
        )
        for lang in LANGUAGES
        for whose, shown in LISTS.items()
    }


async def set_default_commands(bot: Bot, lists: CommandLists, default_language: str) -> None:
    """Everyone's list and the groups' list, per language plus the fallback."""
    for code in (None, *LANGUAGES):
        lang = code or default_language
        await bot.set_my_commands(
            lists[(lang, Who.EVERYONE.value)], scope=BotCommandScopeDefault(), language_code=code
        )
        await bot.set_my_commands(
            lists[(lang, Who.GROUPS.value)],
            scope=BotCommandScopeAllGroupChats(),
            language_code=code,
        )


async def set_chat_commands(bot: Bot, lists: CommandLists, person: Person) -> None:
    """A person's own list in their chosen language (facilitators see theirs)."""
    whose = Who.FACILITATORS if person.is_facilitator else Who.EVERYONE
    if person.telegram_id is None:
        return
    try:
        await bot.set_my_commands(
            lists[(person.language, whose.value)], scope=BotCommandScopeChat(person.telegram_id)
        )
    except TelegramError as exc:
        # A person who never opened the chat has no chat yet: nothing to fix here.
        log.info("could not set commands for chat %s: %s", person.telegram_id, exc)
