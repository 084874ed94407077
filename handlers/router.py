"""Where a typed text or a sent file goes: menu button, an awaited answer, a reply, or help.

Conversations (announcement, calendar...) keep the name of what they wait for in
user_data["awaiting"]; a menu button always wins, so a person can leave any
conversation by tapping the menu.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Message

from bot.i18n import N_
from handlers.decorators import Ctx, with_person
from handlers.menu import dispatch_menu, labels
from handlers.onboarding import show_menu

TextInput = Callable[[Ctx, str], Awaitable[None]]
MediaInput = Callable[[Ctx, Message], Awaitable[None]]
ReplyHook = Callable[[Ctx, Message], Awaitable[bool]]

TEXT_INPUTS: dict[str, TextInput] = {}
MEDIA_INPUTS: dict[str, MediaInput] = {}
REPLY_HOOKS: list[ReplyHook] = []
# Drafts a conversation keeps in user_data; cancelling removes them all.
DRAFT_KEYS: set[str] = set()
AWAITING = "awaiting"


def expect(ctx: Ctx, name: str) -> None:
    """The next text (or file) this person sends answers `name`."""
    if ctx.context.user_data is not None:
        ctx.context.user_data[AWAITING] = name


def stop_expecting(ctx: Ctx) -> None:
    """The conversation goes on with buttons only."""
    if ctx.context.user_data is not None:
        ctx.context.user_data.pop(AWAITING, None)


def awaiting(ctx: Ctx) -> str | None:
    data = ctx.context.user_data
    value = data.get(AWAITING) if data is not None else None
    return value if isinstance(value, str) else None


def clear(ctx: Ctx) -> None:
    """Leave any conversation: forget what was awaited and every draft."""
    data = ctx.context.user_data
    if data is None:
        return
    data.pop(AWAITING, None)
    for key in DRAFT_KEYS:
        data.pop(key, None)


def _message(ctx: Ctx) -> Message | None:
    return ctx.update.effective_message


@with_person()
async def on_text(ctx: Ctx) -> None:
    """Any typed text that is not a command."""
    message = _message(ctx)
    text = message.text if message and message.text else ""
    key = labels(ctx.rt.translator).get(text)
    if key is not None:
        clear(ctx)
        await dispatch_menu(ctx, key)
        return
    name = awaiting(ctx)
    if name in TEXT_INPUTS:
        await TEXT_INPUTS[name](ctx, text)
        return
    if message is not None and message.reply_to_message is not None:
        for hook in REPLY_HOOKS:
            if await hook(ctx, message):
                return
    show_menu(ctx, N_("fallback.not_understood"))


@with_person()
async def on_media(ctx: Ctx) -> None:
    """Stickers, photos, voice notes, locations... where a conversation may want a file."""
    message = _message(ctx)
    name = awaiting(ctx)
    if message is not None and name in MEDIA_INPUTS:
        await MEDIA_INPUTS[name](ctx, message)
        return
    if name in TEXT_INPUTS:
        ctx.reply(ctx.t("fallback.text_please"))
        return
    show_menu(ctx, N_("fallback.media"))


@with_person()
async def cancel(ctx: Ctx) -> None:
    """/annuler (/cancel): leave whatever conversation is going on."""
    had_something = awaiting(ctx) is not None or any(
        key in (ctx.context.user_data or {}) for key in DRAFT_KEYS
    )
    clear(ctx)
    show_menu(ctx, N_("cancel.done") if had_something else N_("cancel.nothing"))
