"""A Telegram group of the workshop: a facilitator links it to a series with /lier.

After the workshop, the facilitator chooses the group's language (🇫🇷 Français /
🇬🇧 English): what the bot posts in the group (the day-before reminder with live counts,
never names; a cancelled or moved session) is written in it. Until then, and for a group
linked before, the deployment's DEFAULT_LANGUAGE is used.
"""

from __future__ import annotations

from bot.callback_data import ID, ButtonKind, Callback
from bot.i18n import LANGUAGES, N_
from bot.services import calendar
from bot.services.names import title_of
from handlers.capability import ButtonRoute, Capability, Command, Who
from handlers.ctx import Ctx, with_person
from handlers.keyboards import LANGUAGE_LABEL_KEYS, inline

LINK_GROUP = ButtonKind("lk", (ID,))  # link the current group to a series
GROUP_LANGUAGE = ButtonKind("lkg", (ID, "|".join(LANGUAGES)))  # ... and its language


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
    translator = ctx.rt.translator
    ctx.reply(
        ctx.t("group.link_choose"),
        inline([[(title_of(s, translator, ctx.lang), LINK_GROUP.make(s.id))] for s in series]),
    )


def _tapped_in_group(ctx: Ctx, kind: ButtonKind) -> tuple[Callback, int] | None:
    """The button and the group it was tapped in, from a facilitator; else say no."""
    parsed = ctx.button(kind)
    chat = ctx.update.effective_chat
    if not ctx.person.is_facilitator:
        ctx.answer(ctx.t("group.only_facilitators"), alert=True)
        return None
    if parsed is None or chat is None or chat.type == "private":
        ctx.stale()
        return None
    return parsed, chat.id


@with_person(needs_consent=False)
async def on_link(ctx: Ctx) -> None:
    """A facilitator chose the workshop this group follows: then its language."""
    tapped = _tapped_in_group(ctx, LINK_GROUP)
    if tapped is None:
        return
    parsed, chat_id = tapped
    try:
        series = await calendar.link_group(
            ctx.session, series_id=parsed.int_arg(0), chat_id=chat_id, by=ctx.person, now=ctx.now
        )
    except calendar.CalendarError:
        ctx.answer(ctx.t("errors.stale_button"), alert=True)
        return
    ctx.answer()
    title = title_of(series, ctx.rt.translator, ctx.lang)
    ctx.edit(
        ctx.t("group.linked", title=title) + "\n" + ctx.t("group.link_language"),
        inline(
            [
                [
                    (ctx.t(LANGUAGE_LABEL_KEYS[lang]), GROUP_LANGUAGE.make(series.id, lang))
                    for lang in LANGUAGES
                ]
            ]
        ),
    )


@with_person(needs_consent=False)
async def on_language(ctx: Ctx) -> None:
    """The group's language: what the bot posts in the group is written in it."""
    tapped = _tapped_in_group(ctx, GROUP_LANGUAGE)
    if tapped is None:
        return
    parsed, chat_id = tapped
    lang = parsed.args[1]
    try:
        series = await calendar.link_group(
            ctx.session,
            series_id=parsed.int_arg(0),
            chat_id=chat_id,
            by=ctx.person,
            now=ctx.now,
            language=lang,
        )
    except calendar.CalendarError:
        ctx.answer(ctx.t("errors.stale_button"), alert=True)
        return
    ctx.answer()
    # From now on the group reads this language: this message too.
    t = ctx.rt.translator.t
    title = title_of(series, ctx.rt.translator, lang)
    ctx.edit(t("group.linked", lang, title=title) + "\n" + t("group.link_language_set", lang))


CAPABILITY = Capability(
    name="groups",
    commands=(Command("lier", "link", link_command, N_("commands.link"), who=Who.GROUPS),),
    buttons=(
        ButtonRoute(LINK_GROUP, on_link, facilitators_only=True, in_groups=True),
        ButtonRoute(GROUP_LANGUAGE, on_language, facilitators_only=True, in_groups=True),
    ),
)
