"""A Telegram group of the workshop: a facilitator links it to a series with /lier.

The group then gets the day-before reminder with live counts (never names).
"""

from __future__ import annotations

from bot.callback_data import ID, ButtonKind
from bot.i18n import N_
from bot.services import calendar
from handlers.capability import ButtonRoute, Capability, Command, Who
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline

LINK_GROUP = ButtonKind("lk", (ID,))  # link the current group to a series


@with_person(needs_consent=False)
async def link_command(ctx: Ctx) -> None:
    """/lier in a group: a facilitator chooses which workshop this group follows."""
    if not ctx.person.is_facilitator:
        ctx.reply(ctx.t("group.only_facilitators"))
        return
    series = await calendar.active_series(ctx.session)
    if not series:
        ctx.reply(ctx.t("group.link_none"))
        return
    ctx.reply(
        ctx.t("group.link_choose"), inline([[(s.title, LINK_GROUP.make(s.id))] for s in series])
    )


@with_person(needs_consent=False)
async def on_link(ctx: Ctx) -> None:
    """A facilitator chose the workshop this group follows."""
    parsed = ctx.button(LINK_GROUP)
    chat = ctx.update.effective_chat
    if not ctx.person.is_facilitator:
        ctx.answer(ctx.t("group.only_facilitators"), alert=True)
        return
    if parsed is None or chat is None or chat.type == "private":
        ctx.answer(ctx.t("errors.stale_button"), alert=True)
        return
    try:
        series = await calendar.link_group(
            ctx.session, series_id=parsed.int_arg(0), chat_id=chat.id, by=ctx.person, now=ctx.now
        )
    except calendar.CalendarError:
        ctx.answer(ctx.t("errors.stale_button"), alert=True)
        return
    ctx.answer()
    ctx.edit(ctx.t("group.linked", title=series.title))


CAPABILITY = Capability(
    name="groups",
    commands=(Command("lier", "link", link_command, N_("commands.link"), who=Who.GROUPS),),
    buttons=(ButtonRoute(LINK_GROUP, on_link, facilitators_only=True),),
)
