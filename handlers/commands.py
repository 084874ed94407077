"""The command lists Telegram shows in the "/" menu, per language and per role."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)
from telegram.error import TelegramError

from bot.i18n import LANGUAGES, N_
from bot.models import Person
from bot.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandSpec:
    name: str
    description_key: str
    facilitator_only: bool = False


# Capabilities append their own commands when their handler module is imported.
COMMANDS: list[CommandSpec] = [
    CommandSpec("menu", N_("commands.menu")),
    CommandSpec("help", N_("commands.help")),
    CommandSpec("language", N_("commands.language")),
    CommandSpec("cancel", N_("commands.cancel")),
    CommandSpec("invite", N_("commands.invite"), facilitator_only=True),
]


def add_command(spec: CommandSpec) -> None:
    if all(existing.name != spec.name for existing in COMMANDS):
        COMMANDS.append(spec)


def command_list(rt: Runtime, lang: str, *, facilitator: bool) -> list[BotCommand]:
    ordered = sorted(COMMANDS, key=lambda spec: spec.facilitator_only)
    return [
        BotCommand(spec.name, rt.t(spec.description_key, lang))
        for spec in ordered
        if facilitator or not spec.facilitator_only
    ]


async def set_default_commands(bot: Bot, rt: Runtime) -> None:
    """The participants' list, once per language plus the fallback for other languages."""
    default = rt.settings.default_language
    await bot.set_my_commands(
        command_list(rt, default, facilitator=False), scope=BotCommandScopeDefault()
    )
    for lang in LANGUAGES:
        await bot.set_my_commands(
            command_list(rt, lang, facilitator=False),
            scope=BotCommandScopeDefault(),
            language_code=lang,
        )
    # In groups the bot only links the group to a workshop.
    for code in ("", *LANGUAGES):
        await bot.set_my_commands(
            [BotCommand("lier", rt.t("commands.link", code or default))],
            scope=BotCommandScopeAllGroupChats(),
            language_code=code or None,
        )


async def set_chat_commands(bot: Bot, rt: Runtime, person: Person) -> None:
    """A person's own list in their chosen language (facilitators see theirs)."""
    try:
        await bot.set_my_commands(
            command_list(rt, person.language, facilitator=person.is_facilitator),
            scope=BotCommandScopeChat(person.telegram_id),
        )
    except TelegramError as exc:
        # A person who never opened the chat has no chat yet: nothing to fix here.
        log.info("could not set commands for chat %s: %s", person.telegram_id, exc)
