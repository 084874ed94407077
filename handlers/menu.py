"""The big menu buttons: each label (in any language) leads to one action."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache

from bot.i18n import LANGUAGES, N_, Translator
from handlers.decorators import Ctx
from handlers.keyboards import FACILITATOR_MENU, menu_keys

MenuAction = Callable[[Ctx], Awaitable[None]]

# Capabilities register their entry here; entries without one answer "coming soon".
ACTIONS: dict[str, MenuAction] = {}
FACILITATOR_KEYS = {key for row in FACILITATOR_MENU for key in row}


def register_action(key: str, action: MenuAction) -> None:
    ACTIONS[key] = action


@cache
def labels(translator: Translator) -> dict[str, str]:
    """Every label in every language -> its key, so an old keyboard keeps working."""
    return {translator.t(key, lang): key for key in menu_keys() for lang in LANGUAGES}


async def dispatch_menu(ctx: Ctx, key: str) -> None:
    if key in FACILITATOR_KEYS and not ctx.person.is_facilitator:
        ctx.reply(ctx.t("errors.facilitators_only"))
        return
    action = ACTIONS.get(key)
    if action is None:
        ctx.reply(ctx.t(N_("menu.coming_soon")))
        return
    await action(ctx)
