"""Where a typed text or a sent file goes: a menu button, an awaited answer, the hooks, or help.

A conversation (an announcement, a new series...) says which typed input it waits for
with `ctx.expect(name)`; a menu button always wins, so a person can leave any
conversation by tapping the menu. A message nobody waits for goes to the capabilities'
hooks, in the capabilities' order: a reply to an announcement, a typed "oui" after a
card, and last the offer to pass the message on to the facilitators (handlers/talk.py).
Only what no hook takes (a sticker, a location) gets the kind "use the menu" answer.
Built by `handlers.assemble()` from what the capabilities declare.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from telegram import Message

from bot.i18n import LANGUAGES, N_, Translator
from handlers.capability import Action, Input, MenuItem, ReplyHook
from handlers.ctx import Ctx

# Menu labels that released keyboards may still show, and the entry each one stands for:
# a person whose keyboard was not refreshed yet still gets what the button says.
FORMER_LABELS: Mapping[str, str] = {
    "📅 Prochaines séances": N_("menu.sessions"),
    "📅 Next sessions": N_("menu.sessions"),
}


@dataclass(frozen=True)
class Router:
    # Every menu label in every language -> its item, so an old keyboard keeps working.
    by_label: Mapping[str, MenuItem]
    inputs: Mapping[str, Input]
    reply_hooks: Sequence[ReplyHook]

    @classmethod
    def build(
        cls,
        translator: Translator,
        menu: Sequence[MenuItem],
        inputs: Sequence[Input],
        reply_hooks: Sequence[ReplyHook],
    ) -> Router:
        by_label = {translator.t(i.entry.key, lang): i for i in menu for lang in LANGUAGES}
        by_key = {i.entry.key: i for i in menu}
        for label, key in FORMER_LABELS.items():
            if key in by_key:
                by_label.setdefault(label, by_key[key])
        by_name = {i.name: i for i in inputs}
        if len(by_name) != len(inputs):
            raise ValueError("two typed inputs share a name")
        return cls(by_label, by_name, tuple(reply_hooks))

    def action_for(self, ctx: Ctx, text: str) -> Action | None:
        item = self.by_label.get(text)
        if item is None:
            return None
        if item.entry.facilitators_only and not ctx.person.is_facilitator:
            return refuse_facilitators_only
        return item.action

    def awaited(self, ctx: Ctx) -> Input | None:
        name = ctx.state.awaiting
        return self.inputs.get(name) if name is not None else None

    async def hooks_take(self, ctx: Ctx, message: Message | None) -> bool:
        """Whether a capability's hook took a message nobody waited for."""
        if message is None:
            return False
        for hook in self.reply_hooks:
            if await hook(ctx, message):
                return True
        return False

    async def on_text(self, ctx: Ctx) -> None:
        """Any typed text that is not a command."""
        message = ctx.update.effective_message
        text = message.text if message and message.text else ""
        action = self.action_for(ctx, text)
        if action is not None:
            ctx.clear()
            await action(ctx)
            return
        awaited = self.awaited(ctx)
        if awaited is not None:
            await awaited.on_text(ctx, text)
            return
        if await self.hooks_take(ctx, message):
            return
        ctx.show_menu(N_("fallback.not_understood"))

    async def on_media(self, ctx: Ctx) -> None:
        """Stickers, photos, voice notes, locations... where a conversation may want a file."""
        message = ctx.update.effective_message
        awaited = self.awaited(ctx)
        if message is not None and awaited is not None and awaited.on_media is not None:
            await awaited.on_media(ctx, message)
            return
        if awaited is not None:
            ctx.show_menu(N_("fallback.text_please"))
            return
        if await self.hooks_take(ctx, message):
            return
        ctx.show_menu(N_("fallback.media"))

    async def cancel(self, ctx: Ctx) -> None:
        """/annuler (/cancel): leave whatever conversation is going on."""
        had_something = ctx.state.awaiting is not None or ctx.state.draft is not None
        ctx.clear()
        ctx.show_menu(N_("cancel.done") if had_something else N_("cancel.nothing"))


async def refuse_facilitators_only(ctx: Ctx) -> None:
    ctx.reply(ctx.t("errors.facilitators_only"))
