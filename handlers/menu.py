"""The big menu buttons: each label (in any language) leads to one action."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram.ext import filters

from bot.i18n import LANGUAGES, Translator
from handlers.decorators import Ctx, with_person
from handlers.keyboards import FACILITATOR_MENU, menu_keys
from handlers.onboarding import help_, invite

MenuAction = Callable[[Ctx], Awaitable[None]]

# Capabilities register their entry here; entries without one answer "coming soon".
ACTIONS: dict[str, MenuAction] = {}
FACILITATOR_KEYS = {key for row in FACILITATOR_MENU for key in row}


def register_action(key: str, action: MenuAction) -> None:
    ACTIONS[key] = action


def labels(translator: Translator) -> dict[str, str]:
    """Every label in every language -> its key, so an old keyboard keeps working."""
    return {translator.t(key, lang): key for key in menu_keys() for lang in LANGUAGES}


def menu_filter(translator: Translator) -> filters.BaseFilter:
    return filters.Text(list(labels(translator)))


async def _coming_soon(ctx: Ctx) -> None:
    ctx.reply(ctx.t("menu.coming_soon"))


async def _help(ctx: Ctx) -> None:
    await help_.__wrapped__(ctx)  # type: ignore[attr-defined]


async def _invite(ctx: Ctx) -> None:
    await invite.__wrapped__(ctx)  # type: ignore[attr-defined]


register_action("menu.help", _help)
register_action("menu.invite", _invite)


@with_person()
async def on_menu_button(ctx: Ctx) -> None:
    """A tap on one of the big menu buttons."""
    message = ctx.update.effective_message
    text = message.text if message and message.text else ""
    key = labels(ctx.rt.translator).get(text)
    if key is None:
        return
    if key in FACILITATOR_KEYS and not ctx.person.is_facilitator:
        ctx.reply(ctx.t("errors.facilitators_only"))
        return
    await ACTIONS.get(key, _coming_soon)(ctx)
