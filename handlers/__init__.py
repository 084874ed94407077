"""assemble(): the bot's whole surface, in order. Importing a handler module registers nothing.

Each capability module exposes one `Capability` value; this is the one place that lists
them, in the order their menu entries appear, and turns them into PTB handlers. The flood
guard runs first, in a group of its own (PTB runs one handler per group, lowest group
first, and the guard stops what it drops). Then, within the main group, the first
matching handler wins: commands and buttons first (their filters and patterns never
overlap), then typed text and files, then the fallbacks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.callback_data import ButtonKind, check_unique
from bot.context import MenuEntry, MiroirApp, MiroirContext
from bot.i18n import N_, Translator
from handlers import (
    announce,
    calendar_admin,
    dashboard,
    fallback,
    flood,
    groups,
    mood,
    onboarding,
    projects,
    reports,
    rights,
    rsvp,
    talk,
)
from handlers.capability import Capability, Command, Who
from handlers.commands import CommandLists, command_lists
from handlers.ctx import with_person
from handlers.errors import on_error
from handlers.router import Router

# Only new messages in private chats: edited messages, groups and channels are ignored
# unless a capability asks for them explicitly.
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
GROUPS = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE

CAPABILITIES: tuple[Capability, ...] = (
    rsvp.CAPABILITY,
    mood.CAPABILITY,
    projects.CAPABILITY,
    onboarding.CAPABILITY,
    announce.CAPABILITY,
    calendar_admin.CAPABILITY,
    reports.CAPABILITY,
    groups.CAPABILITY,
    onboarding.INVITATIONS,
    mood.GROUP_VIEW,
    dashboard.CAPABILITY,
    rights.CAPABILITY,
    talk.CAPABILITY,
)

ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
]


# The PTB group of everything a capability answers; the flood guard's comes before it.
MAIN = 0

Handler = BaseHandler[Any, MiroirContext, Any]


@dataclass(frozen=True)
class Placed:
    """A handler and the PTB group it goes in."""

    group: int
    handler: Handler


@dataclass(frozen=True)
class Surface:
    """Everything the bot answers, as assembled: what a reader looks for in one place."""

    handlers: tuple[Placed, ...]
    commands: tuple[Command, ...]
    menu: tuple[MenuEntry, ...]
    button_kinds: tuple[ButtonKind, ...]
    command_lists: CommandLists
    router: Router

    def install(self, app: MiroirApp) -> None:
        for placed in self.handlers:
            app.add_handler(placed.handler, placed.group)
        app.add_error_handler(on_error)
        app.bot_data.menu = self.menu
        app.bot_data.command_lists = self.command_lists


def _main(handlers: Iterable[Handler]) -> list[Placed]:
    """Handlers of the main group, in order: the first that matches an update takes it."""
    return [Placed(MAIN, handler) for handler in handlers]


def _command_handler(command: Command) -> CommandHandler[MiroirContext, None]:
    chats = GROUPS if command.who is Who.GROUPS else PRIVATE
    return CommandHandler(command.names, command.callback, filters=chats)


def assemble(translator: Translator, capabilities: Sequence[Capability] = CAPABILITIES) -> Surface:
    """The capabilities in order -> handlers, menu, commands, typed inputs, button kinds."""
    router = Router.build(
        translator,
        menu=[item for c in capabilities for item in c.menu],
        inputs=[i for c in capabilities for i in c.inputs],
        reply_hooks=[hook for c in capabilities for hook in c.reply_hooks],
    )
    conversation = Capability(
        name="conversation",
        commands=(
            Command("annuler", "cancel", with_person()(router.cancel), N_("commands.cancel")),
        ),
    )
    everything = (*capabilities, conversation)
    commands = tuple(command for c in everything for command in c.commands)
    names = [name for command in commands for name in command.names]
    if len(names) != len(set(names)):
        raise ValueError("two commands share a name")
    kinds = tuple(route.kind for c in everything for route in c.buttons)
    check_unique(kinds)

    handlers = [
        # 0. Before everything, in a group of its own: one person sending too much is
        # paused, nobody else.
        Placed(flood.GROUP, flood.FloodGuard().handler()),
    ]
    # 1. Commands and buttons of every capability.
    for capability in everything:
        handlers += _main(_command_handler(command) for command in capability.commands)
        handlers += _main(
            CallbackQueryHandler(route.callback, pattern=route.kind.pattern)
            for route in capability.buttons
        )
        handlers += _main(capability.handlers)
    # 2. Typed text and files: menu buttons, answers a conversation waits for, replies.
    handlers += _main(
        [
            MessageHandler(PRIVATE & filters.COMMAND, fallback.unknown_command),
            MessageHandler(PRIVATE & filters.TEXT, with_person()(router.on_text)),
            MessageHandler(PRIVATE & ~filters.TEXT, with_person()(router.on_media)),
        ]
    )
    # 3. Fallbacks, last: anything nobody else took gets a kind answer.
    handlers += _main(
        [
            CallbackQueryHandler(fallback.stale_button),
            ChatMemberHandler(fallback.private_membership, ChatMemberHandler.MY_CHAT_MEMBER),
        ]
    )
    return Surface(
        handlers=tuple(handlers),
        commands=commands,
        menu=tuple(item.entry for c in capabilities for item in c.menu),
        button_kinds=kinds,
        command_lists=command_lists(translator, commands),
        router=router,
    )
