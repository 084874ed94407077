"""Facilitators' announcements: content, preview, audience, time, confirmation.

The draft lives in user_data until it is confirmed; nothing is written and nothing is
sent before "Envoyer". The confirmation is idempotent (a double tap finds the same
request key), and the announcement's messages go through the outbox.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardMarkup, Message
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import callback_data as cb
from bot.i18n import N_
from bot.models import ContentType
from bot.services import broadcasts, outbox
from bot.services.broadcasts import Audience, Draft
from bot.services.timeparse import parse_datetime
from handlers import router
from handlers.commands import CommandSpec, add_command
from handlers.decorators import Ctx, with_person
from handlers.keyboards import inline
from handlers.menu import register_action
from handlers.onboarding import show_menu

DRAFT = "announce"
CONTENT = "announce.content"
WHEN_TEXT = "announce.when"
AUDIENCE_LABELS = {
    Audience.EVERYONE: N_("announce.audience_all"),
    Audience.NEXT_SESSION: N_("announce.audience_next"),
    Audience.FRENCH: N_("announce.audience_fr"),
    Audience.ENGLISH: N_("announce.audience_en"),
}

router.DRAFT_KEYS.add(DRAFT)


def _draft(ctx: Ctx) -> dict[str, Any] | None:
    data = ctx.context.user_data
    draft = data.get(DRAFT) if data is not None else None
    return draft if isinstance(draft, dict) else None


def _cancel_row(ctx: Ctx) -> list[tuple[str, str]]:
    return [(ctx.t("announce.button_cancel"), cb.make("anx"))]


async def start(ctx: Ctx) -> None:
    """The first step: ask for the content."""
    router.clear(ctx)
    assert ctx.context.user_data is not None
    ctx.context.user_data[DRAFT] = {"key": secrets.token_urlsafe(9)}
    router.expect(ctx, CONTENT)
    ctx.reply(ctx.t("announce.ask_content"), inline([_cancel_row(ctx)]))


@with_person(facilitator_only=True)
async def command(ctx: Ctx) -> None:
    """/annonce: write to the group."""
    await start(ctx)


async def on_content_text(ctx: Ctx, text: str) -> None:
    draft = _draft(ctx)
    if draft is None:
        return
    text = text.strip()
    if not text:
        ctx.reply(ctx.t("announce.empty"))
        return
    if len(text) > outbox.TEXT_LIMIT:
        draft["long_text"] = text
        parts = broadcasts.split_text(text)
        ctx.reply(
            ctx.t("announce.too_long", length=len(text), limit=outbox.TEXT_LIMIT),
            inline(
                [
                    [(ctx.t("announce.button_split", count=len(parts)), cb.make("ans"))],
                    _cancel_row(ctx),
                ]
            ),
        )
        return
    draft.update(content_type=ContentType.TEXT, parts=[text], file_id=None)
    await _preview(ctx, draft)


async def on_content_media(ctx: Ctx, message: Message) -> None:
    draft = _draft(ctx)
    if draft is None:
        return
    if message.photo:
        kind, file_id = ContentType.PHOTO, message.photo[-1].file_id
    elif message.voice:
        kind, file_id = ContentType.VOICE, message.voice.file_id
    elif message.document:
        kind, file_id = ContentType.DOCUMENT, message.document.file_id
    else:
        ctx.reply(ctx.t("announce.content_kinds"))
        return
    caption = (message.caption or "").strip()
    if len(caption) > outbox.CAPTION_LIMIT:
        ctx.reply(
            ctx.t("announce.caption_too_long", length=len(caption), limit=outbox.CAPTION_LIMIT)
        )
        return
    draft.update(content_type=kind, parts=[caption] if caption else [], file_id=file_id)
    await _preview(ctx, draft)


@with_person(facilitator_only=True)
async def on_split(ctx: Ctx) -> None:
    """Accept cutting a too-long text into several messages."""
    draft = _draft(ctx)
    if draft is None or "long_text" not in draft:
        ctx.answer(ctx.t("errors.stale_button"), alert=True)
        return
    parts = broadcasts.split_text(draft.pop("long_text"))
    draft.update(content_type=ContentType.TEXT, parts=parts, file_id=None)
    ctx.remove_buttons()
    await _preview(ctx, draft)


def _send_like_participants(ctx: Ctx, draft: dict[str, Any]) -> None:
    """The preview is sent with the very same call the outbox will make."""
    bot, chat_id = ctx.context.bot, ctx.chat_id
    kind, parts, file_id = draft["content_type"], list(draft["parts"]), draft["file_id"]

    async def send() -> None:
        if kind == ContentType.TEXT:
            for part in parts:
                await bot.send_message(chat_id, part)
            return
        caption = parts[0] if parts else None
        if kind == ContentType.PHOTO:
            await bot.send_photo(chat_id, file_id, caption=caption)
        elif kind == ContentType.VOICE:
            await bot.send_voice(chat_id, file_id, caption=caption)
        else:
            await bot.send_document(chat_id, file_id, caption=caption)

    ctx.later(send)


async def _audience_keyboard(ctx: Ctx) -> InlineKeyboardMarkup:
    rows = []
    for audience, key in AUDIENCE_LABELS.items():
        if audience not in broadcasts.AUDIENCES:
            continue
        count = await broadcasts.count_audience(
            ctx.session, audience, ctx.now, exclude_id=ctx.person.id
        )
        rows.append([(ctx.t(key, count=count), cb.make("ana", audience.value))])
    rows.append(_cancel_row(ctx))
    return inline(rows)


async def _preview(ctx: Ctx, draft: dict[str, Any]) -> None:
    router.stop_expecting(ctx)  # the content is in; buttons lead from here
    ctx.reply(ctx.t("announce.preview_intro"))
    _send_like_participants(ctx, draft)
    ctx.reply(ctx.t("announce.ask_audience"), await _audience_keyboard(ctx))


@with_person(facilitator_only=True)
async def on_audience(ctx: Ctx) -> None:
    draft = _draft(ctx)
    parsed = cb.parse(ctx.query.data if ctx.query else None)
    if draft is None or parsed is None or "content_type" not in draft:
        ctx.answer(ctx.t("errors.stale_button"), alert=True)
        return
    audience = parsed.args[0]
    if audience not in broadcasts.AUDIENCES:
        ctx.answer(ctx.t("errors.stale_button"), alert=True)
        return
    count = await broadcasts.count_audience(
        ctx.session, audience, ctx.now, exclude_id=ctx.person.id
    )
    if count == 0:
        ctx.answer(ctx.t("announce.empty_audience"), alert=True)
        return
    draft.update(audience=audience, count=count)
    ctx.edit(
        ctx.t(
            "announce.audience_chosen",
            label=ctx.t(AUDIENCE_LABELS[Audience(audience)], count=count),
        )
    )
    ctx.reply(
        ctx.t("announce.ask_when"),
        inline(
            [
                [(ctx.t("announce.button_now"), cb.make("anw", "now"))],
                [(ctx.t("announce.button_later"), cb.make("anw", "later"))],
                _cancel_row(ctx),
            ]
        ),
    )


@with_person(facilitator_only=True)
async def on_when(ctx: Ctx) -> None:
    draft = _draft(ctx)
    parsed = cb.parse(ctx.query.data if ctx.query else None)
    if draft is None or parsed is None or "audience" not in draft:
        ctx.answer(ctx.t("errors.stale_button"), alert=True)
        return
    ctx.remove_buttons()
    if parsed.args[0] == "now":
        draft["send_at"] = None
        _confirm_screen(ctx, draft)
        return
    router.expect(ctx, WHEN_TEXT)
    ctx.reply(ctx.t("announce.ask_datetime"))


async def on_when_text(ctx: Ctx, text: str) -> None:
    draft = _draft(ctx)
    if draft is None:
        return
    moment = parse_datetime(text, now=ctx.now, tz=ctx.rt.settings.timezone, lang=ctx.lang)
    if moment is None:
        ctx.reply(ctx.t("announce.bad_datetime"))
        return
    if moment <= ctx.now:
        ctx.reply(ctx.t("announce.past_datetime", when=ctx.fmt_datetime(moment)))
        return
    draft["send_at"] = moment.isoformat()
    router.stop_expecting(ctx)
    _confirm_screen(ctx, draft)


def _send_at(draft: dict[str, Any]) -> datetime | None:
    value = draft.get("send_at")
    return datetime.fromisoformat(value) if value else None


def _confirm_screen(ctx: Ctx, draft: dict[str, Any]) -> None:
    send_at = _send_at(draft)
    when = ctx.fmt_datetime(send_at) if send_at else ctx.t("announce.now")
    text = ctx.t("announce.confirm", count=draft["count"], when=when)
    s = ctx.rt.settings
    moment = send_at or ctx.now
    if outbox.in_quiet_hours(moment, s.tz, s.quiet_hours_start, s.quiet_hours_end):
        text += "\n\n" + ctx.t("announce.quiet_warning", end=s.quiet_hours_end.strftime("%H:%M"))
    key = draft["key"]
    ctx.reply(
        text,
        inline(
            [
                [(ctx.t("announce.button_send"), cb.make("ank", key, 0))],
                [(ctx.t("announce.button_send_urgent"), cb.make("ank", key, 1))],
                _cancel_row(ctx),
            ]
        ),
    )


@with_person(facilitator_only=True)
async def on_confirm(ctx: Ctx) -> None:
    parsed = cb.parse(ctx.query.data if ctx.query else None)
    if parsed is None:
        ctx.answer(ctx.t("errors.stale_button"), alert=True)
        return
    key, urgent = parsed.args[0], parsed.args[1] == "1"
    data = ctx.context.user_data
    draft = _draft(ctx)
    if draft is None or draft.get("key") != key or "count" not in draft:
        # A second tap on "Envoyer", or a button from an old draft.
        done = await broadcasts.by_request_key(ctx.session, key)
        # No edit here: the first tap is taking the buttons away already.
        ctx.answer(ctx.t("announce.already_sent") if done else ctx.t("errors.stale_button"))
        return
    # Taken before any await: a concurrent second tap finds no draft.
    assert data is not None
    data.pop(DRAFT, None)
    router.clear(ctx)
    try:
        broadcast, _created = await broadcasts.create_broadcast(
            ctx.session,
            creator=ctx.person,
            draft=Draft(draft["content_type"], tuple(draft["parts"]), draft["file_id"]),
            audience=draft["audience"],
            send_at=_send_at(draft) or ctx.now,
            urgent=urgent,
            request_key=key,
            report_chat_id=ctx.chat_id,
            now=ctx.now,
            translator=ctx.rt.translator,
        )
    except broadcasts.EmptyAudience:
        data[DRAFT] = draft
        ctx.answer(ctx.t("announce.empty_audience"), alert=True)
        return
    except broadcasts.InThePast:
        data[DRAFT] = draft
        router.expect(ctx, WHEN_TEXT)
        ctx.remove_buttons()
        ctx.reply(ctx.t("announce.past_confirm"))
        return
    except BaseException:
        data[DRAFT] = draft  # nothing was saved: keep the draft for another try
        raise
    ctx.answer(ctx.t("announce.confirmed_toast"))
    ctx.remove_buttons()
    if broadcast.send_at > ctx.now:
        ctx.reply(
            ctx.t("announce.scheduled", when=ctx.fmt_datetime(broadcast.send_at)),
            inline([[(ctx.t("announce.button_unschedule"), cb.make("anc", broadcast.id))]]),
        )
    show_menu(ctx, N_("announce.menu_back"))


@with_person(facilitator_only=True)
async def on_drop(ctx: Ctx) -> None:
    """❌ in any step: forget the draft."""
    had = _draft(ctx) is not None
    router.clear(ctx)
    ctx.remove_buttons()
    show_menu(ctx, N_("cancel.done") if had else N_("cancel.nothing"))


@with_person(facilitator_only=True)
async def on_unschedule(ctx: Ctx) -> None:
    """Cancel a scheduled announcement, until it starts."""
    parsed = cb.parse(ctx.query.data if ctx.query else None)
    if parsed is None:
        ctx.answer(ctx.t("errors.stale_button"), alert=True)
        return
    cancelled = await broadcasts.cancel_scheduled(
        ctx.session, broadcast_id=parsed.int_arg(0), person=ctx.person, now=ctx.now
    )
    ctx.remove_buttons()
    if cancelled:
        ctx.answer(ctx.t("announce.unscheduled_toast"))
        ctx.reply(ctx.t("announce.unscheduled"))
    else:
        ctx.answer(ctx.t("announce.too_late"), alert=True)


async def forward_reply(ctx: Ctx, message: Message) -> bool:
    """A participant answered an announcement: pass it on to the facilitators."""
    quoted = message.reply_to_message
    if quoted is None or not message.text:
        return False
    found = await broadcasts.announcement_replied_to(
        ctx.session, chat_id=ctx.person.telegram_id, telegram_message_id=quoted.message_id
    )
    if found is None:
        return False
    await broadcasts.forward_reply(
        ctx.session,
        sender=ctx.person,
        text=message.text,
        message_id=message.message_id,
        now=ctx.now,
        translator=ctx.rt.translator,
    )
    ctx.reply(ctx.t("announce.reply_thanks"))
    return True


async def show_outbox(ctx: Ctx) -> None:
    """📬 Envois: the outbox at a glance, and the announcements still to come."""
    view = await outbox.overview(ctx.session, now=ctx.now, tz=ctx.rt.settings.tz)
    lines = [
        ctx.t("outbox.title"),
        ctx.t("outbox.waiting", count=view.waiting + view.sending),
        ctx.t("outbox.sent_today", count=view.sent_today),
        ctx.t("outbox.failed_today", count=view.failed_today),
        ctx.t("outbox.unreachable", count=len(view.unreachable_people)),
    ]
    if view.unreachable_people:
        lines.append(ctx.t("outbox.unreachable_names", names=", ".join(view.unreachable_people)))
    ctx.reply("\n".join(lines))
    for item in await broadcasts.scheduled(ctx.session):
        ctx.reply(
            ctx.t(
                "announce.scheduled_item",
                when=ctx.fmt_datetime(item.send_at),
                preview=broadcasts.preview_text(item),
            ),
            inline([[(ctx.t("announce.button_unschedule"), cb.make("anc", item.id))]]),
        )


@with_person(facilitator_only=True)
async def outbox_command(ctx: Ctx) -> None:
    """/envois: the outbox at a glance."""
    await show_outbox(ctx)


def register(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler(["annonce", "announce"], command, filters=private))
    app.add_handler(CommandHandler(["envois", "outbox"], outbox_command, filters=private))
    app.add_handler(CallbackQueryHandler(on_audience, pattern=cb.pattern("ana")))
    app.add_handler(CallbackQueryHandler(on_when, pattern=cb.pattern("anw")))
    app.add_handler(CallbackQueryHandler(on_confirm, pattern=cb.pattern("ank")))
    app.add_handler(CallbackQueryHandler(on_split, pattern=cb.pattern("ans")))
    app.add_handler(CallbackQueryHandler(on_drop, pattern=cb.pattern("anx")))
    app.add_handler(CallbackQueryHandler(on_unschedule, pattern=cb.pattern("anc")))


router.TEXT_INPUTS[CONTENT] = on_content_text
router.MEDIA_INPUTS[CONTENT] = on_content_media
router.TEXT_INPUTS[WHEN_TEXT] = on_when_text
router.REPLY_HOOKS.append(forward_reply)
register_action(N_("menu.announce"), start)
register_action(N_("menu.outbox"), show_outbox)
add_command(CommandSpec("annonce", N_("commands.announce"), facilitator_only=True))
add_command(CommandSpec("envois", N_("commands.outbox"), facilitator_only=True))
