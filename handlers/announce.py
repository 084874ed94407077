"""Facilitators' announcements: content, preview, audience, time, confirmation.

The draft lives in user_data until it is confirmed; nothing is written and nothing is
sent before "Envoyer". The confirmation is idempotent (a double tap finds the same
request key), and the announcement's messages go through the outbox.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardMarkup, Message

from bot.callback_data import ID, ButtonKind
from bot.context import Draft, MenuEntry
from bot.i18n import N_
from bot.models import ContentType
from bot.sending import inline_keyboard, send_content
from bot.services import broadcasts, outbox, project_board
from bot.services.broadcasts import Audience, Content
from handlers.capability import ButtonRoute, Capability, Command, Input, MenuItem, Who
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline

CONTENT = "announce.content"
WHEN_TEXT = "announce.when"

AUDIENCE_CHOICE = ButtonKind("ana", ("|".join(Audience),))
WHEN_CHOICE = ButtonKind("anw", (r"now|later",))
CONFIRM = ButtonKind("ank", (r"[A-Za-z0-9_-]{6,16}", r"0|1"))  # the request key, urgent
SPLIT = ButtonKind("ans")  # cut a long text into several messages
DROP = ButtonKind("anx")  # forget the draft
UNSCHEDULE = ButtonKind("anc", (ID,))  # cancel a scheduled announcement
# The project whose supporters (or volunteers) an announcement is for: the audience, the id.
PROJECT_CHOICE = ButtonKind("anp", ("|".join(broadcasts.PROJECT_AUDIENCES), ID))
AUDIENCES_AGAIN = ButtonKind("anb")  # ⬅️ Retour from the projects to the audiences

AUDIENCE_LABELS = {
    Audience.EVERYONE: N_("announce.audience_all"),
    Audience.NEXT_SESSION: N_("announce.audience_next"),
    Audience.FRENCH: N_("announce.audience_fr"),
    Audience.ENGLISH: N_("announce.audience_en"),
}
# "👍 Soutiens d'un projet": first the audience, then the project (with its count).
PROJECT_AUDIENCE_LABELS = {
    Audience.PROJECT_SUPPORTERS: N_("announce.audience_supporters"),
    Audience.PROJECT_VOLUNTEERS: N_("announce.audience_volunteers"),
}
PROJECT_CHOSEN_LABELS = {
    Audience.PROJECT_SUPPORTERS: N_("announce.audience_project_supporters"),
    Audience.PROJECT_VOLUNTEERS: N_("announce.audience_project_volunteers"),
}
# A project's title is cut on its button (the chosen audience shows it whole).
TITLE_ON_BUTTON = 40


@dataclass
class AnnouncementDraft(Draft):
    """An announcement being written; nothing is saved before "Envoyer"."""

    # Makes the confirmation idempotent: a double tap finds the announcement it created.
    key: str
    content: Content | None = None
    long_text: str | None = None  # a text over the limit, until the facilitator agrees to cut it
    audience: Audience | None = None
    audience_param: str | None = None  # the project of a project's audience
    count: int = 0
    send_at: datetime | None = None  # None: now


def _draft(ctx: Ctx) -> AnnouncementDraft | None:
    return ctx.draft(AnnouncementDraft)


def _cancel_row(ctx: Ctx) -> list[tuple[str, str]]:
    return [(ctx.t("announce.button_cancel"), DROP.make())]


async def start(ctx: Ctx) -> None:
    """📣 Annonce: the first step, ask for the content."""
    ctx.start_draft(AnnouncementDraft(key=secrets.token_urlsafe(9)))
    ctx.expect(CONTENT)
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
    if len(text) > broadcasts.TEXT_LIMIT:
        draft.long_text = text
        parts = broadcasts.split_text(text)
        ctx.reply(
            ctx.t("announce.too_long", length=len(text), limit=broadcasts.TEXT_LIMIT),
            inline(
                [
                    [(ctx.t("announce.button_split", count=len(parts)), SPLIT.make())],
                    _cancel_row(ctx),
                ]
            ),
        )
        return
    draft.content = Content(ContentType.TEXT, (text,), None)
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
    if len(caption) > broadcasts.CAPTION_LIMIT:
        ctx.reply(
            ctx.t("announce.caption_too_long", length=len(caption), limit=broadcasts.CAPTION_LIMIT)
        )
        return
    draft.content = Content(kind, (caption,) if caption else (), file_id)
    await _preview(ctx, draft)


@with_person(facilitator_only=True)
async def on_split(ctx: Ctx) -> None:
    """Accept cutting a too-long text into several messages."""
    draft = _draft(ctx)
    if draft is None or draft.long_text is None:
        ctx.stale()
        return
    parts = broadcasts.split_text(draft.long_text)
    draft.long_text = None
    draft.content = Content(ContentType.TEXT, tuple(parts), None)
    ctx.remove_buttons()
    await _preview(ctx, draft)


def _send_like_participants(ctx: Ctx, content: Content) -> None:
    """The preview: the very messages participants get (who writes, "💬 Répondre"),
    sent with the very call the outbox makes."""
    bot, chat_id = ctx.context.bot, ctx.chat_id
    preview = broadcasts.pieces(
        content,
        author_name=ctx.person.display_name,
        lang=ctx.lang,
        translator=ctx.rt.translator,
        broadcast_id=broadcasts.PREVIEW,
    )

    async def send() -> None:
        for piece in preview:
            await send_content(
                bot,
                chat_id,
                content_type=piece.content_type,
                text=piece.text,
                file_id=piece.file_id,
                reply_markup=inline_keyboard(piece.buttons) if piece.buttons else None,
            )

    ctx.later(send)


async def _audience_keyboard(ctx: Ctx) -> InlineKeyboardMarkup:
    rows = []
    for audience, key in AUDIENCE_LABELS.items():
        if audience not in broadcasts.AUDIENCES:
            continue
        count = await broadcasts.count_audience(
            ctx.session, audience, ctx.now, exclude_id=ctx.person.id
        )
        rows.append([(ctx.t(key, count=count), AUDIENCE_CHOICE.make(audience.value))])
    projects = await project_board.projects_for_audience(ctx.session, exclude_id=ctx.person.id)
    for audience, key in PROJECT_AUDIENCE_LABELS.items():
        kind = broadcasts.PROJECT_AUDIENCES[audience]
        if any(project.of(kind) for project in projects):
            rows.append([(ctx.t(key), AUDIENCE_CHOICE.make(audience.value))])
    rows.append(_cancel_row(ctx))
    return inline(rows)


def _on_button(title: str) -> str:
    return title if len(title) <= TITLE_ON_BUTTON else title[: TITLE_ON_BUTTON - 1] + "…"


async def _projects_keyboard(ctx: Ctx, audience: Audience) -> InlineKeyboardMarkup | None:
    """The projects whose supporters (or volunteers) the announcement may be for."""
    kind = broadcasts.PROJECT_AUDIENCES[audience]
    projects = await project_board.projects_for_audience(ctx.session, exclude_id=ctx.person.id)
    rows = [
        [
            (
                f"{_on_button(project.title)} ({project.of(kind)})",
                PROJECT_CHOICE.make(audience.value, project.id),
            )
        ]
        for project in projects
        if project.of(kind)
    ]
    if not rows:
        return None
    rows.append([(ctx.t("announce.button_back"), AUDIENCES_AGAIN.make())])
    rows.append(_cancel_row(ctx))
    return inline(rows)


async def _preview(ctx: Ctx, draft: AnnouncementDraft) -> None:
    ctx.stop_expecting()  # the content is in; buttons lead from here
    ctx.reply(ctx.t("announce.preview_intro"))
    assert draft.content is not None
    _send_like_participants(ctx, draft.content)
    ctx.reply(ctx.t("announce.ask_audience"), await _audience_keyboard(ctx))


@with_person(facilitator_only=True)
async def on_audience(ctx: Ctx) -> None:
    draft = _draft(ctx)
    parsed = ctx.button(AUDIENCE_CHOICE)
    if draft is None or parsed is None or draft.content is None:
        ctx.stale()
        return
    audience = Audience(parsed.args[0])
    if audience in broadcasts.PROJECT_AUDIENCES:
        keyboard = await _projects_keyboard(ctx, audience)
        if keyboard is None:
            ctx.answer(ctx.t("announce.empty_audience"), alert=True)
            return
        ctx.edit(ctx.t("announce.pick_project"), keyboard)
        return
    if audience not in broadcasts.AUDIENCES:
        ctx.stale()
        return
    count = await broadcasts.count_audience(
        ctx.session, audience, ctx.now, exclude_id=ctx.person.id
    )
    if count == 0:
        ctx.answer(ctx.t("announce.empty_audience"), alert=True)
        return
    label = ctx.t(AUDIENCE_LABELS[audience], count=count)
    _audience_chosen(ctx, draft, audience, None, label, count)


@with_person(facilitator_only=True)
async def on_project(ctx: Ctx) -> None:
    """A project picked: the announcement goes to its supporters (or volunteers)."""
    draft = _draft(ctx)
    parsed = ctx.button(PROJECT_CHOICE)
    if draft is None or parsed is None or draft.content is None:
        ctx.stale()
        return
    audience, project_id = Audience(parsed.args[0]), parsed.int_arg(1)
    project = await project_board.published(ctx.session, project_id)
    if project is None:
        ctx.stale()
        return
    param = str(project_id)
    count = await broadcasts.count_audience(
        ctx.session, audience, ctx.now, param=param, exclude_id=ctx.person.id
    )
    if count == 0:
        ctx.answer(ctx.t("announce.empty_audience"), alert=True)
        return
    label = ctx.t(PROJECT_CHOSEN_LABELS[audience], title=project.title, count=count)
    _audience_chosen(ctx, draft, audience, param, label, count)


@with_person(facilitator_only=True)
async def on_audiences_again(ctx: Ctx) -> None:
    """⬅️ Retour from the projects: the audiences again."""
    draft = _draft(ctx)
    if draft is None or draft.content is None:
        ctx.stale()
        return
    ctx.edit(ctx.t("announce.ask_audience"), await _audience_keyboard(ctx))


def _audience_chosen(
    ctx: Ctx,
    draft: AnnouncementDraft,
    audience: Audience,
    param: str | None,
    label: str,
    count: int,
) -> None:
    """The audience is set: say it on the audience message, then ask when."""
    draft.audience, draft.audience_param, draft.count = audience, param, count
    ctx.edit(ctx.t("announce.audience_chosen", label=label))
    ctx.reply(
        ctx.t("announce.ask_when"),
        inline(
            [
                [(ctx.t("announce.button_now"), WHEN_CHOICE.make("now"))],
                [(ctx.t("announce.button_later"), WHEN_CHOICE.make("later"))],
                _cancel_row(ctx),
            ]
        ),
    )


@with_person(facilitator_only=True)
async def on_when(ctx: Ctx) -> None:
    draft = _draft(ctx)
    parsed = ctx.button(WHEN_CHOICE)
    if draft is None or parsed is None or draft.audience is None:
        ctx.stale()
        return
    ctx.remove_buttons()
    if parsed.args[0] == "now":
        draft.send_at = None
        _confirm_screen(ctx, draft)
        return
    ctx.expect(WHEN_TEXT)
    ctx.reply(ctx.t("announce.ask_datetime"))


async def on_when_text(ctx: Ctx, text: str) -> None:
    draft = _draft(ctx)
    if draft is None:
        return
    moment = ctx.typed_future(
        text, unclear=N_("announce.bad_datetime"), past=N_("announce.past_datetime")
    )
    if isinstance(moment, str):
        ctx.reply(moment)
        return
    draft.send_at = moment
    ctx.stop_expecting()
    _confirm_screen(ctx, draft)


def _confirm_screen(ctx: Ctx, draft: AnnouncementDraft) -> None:
    send_at = draft.send_at
    when = ctx.fmt_datetime(send_at) if send_at else ctx.t("announce.now")
    text = ctx.t("announce.confirm", count=draft.count, when=when)
    s = ctx.rt.settings
    moment = send_at or ctx.now
    if outbox.in_quiet_hours(moment, s.tz, s.quiet_hours_start, s.quiet_hours_end):
        end = datetime.combine(moment.astimezone(s.tz).date(), s.quiet_hours_end, s.tz)
        end_text = ctx.rt.translator.format_time(end, ctx.lang, s.tz)
        text += "\n\n" + ctx.t("announce.quiet_warning", end=end_text)
    key = draft.key
    ctx.reply(
        text,
        inline(
            [
                [(ctx.t("announce.button_send"), CONFIRM.make(key, 0))],
                [(ctx.t("announce.button_send_urgent"), CONFIRM.make(key, 1))],
                _cancel_row(ctx),
            ]
        ),
    )


@with_person(facilitator_only=True)
async def on_confirm(ctx: Ctx) -> None:
    parsed = ctx.button(CONFIRM)
    if parsed is None:
        ctx.stale()
        return
    key, urgent = parsed.args[0], parsed.args[1] == "1"
    draft = _draft(ctx)
    if draft is None or draft.key != key or draft.content is None or draft.audience is None:
        # A second tap on "Envoyer", or a button from an old draft.
        done = await broadcasts.by_request_key(ctx.session, key)
        # No edit here: the first tap is taking the buttons away already.
        ctx.answer(ctx.t("announce.already_sent") if done else ctx.t("errors.stale_button"))
        return
    # Taken before any await: a concurrent second tap finds no draft.
    ctx.clear()
    try:
        broadcast, _created = await broadcasts.create_broadcast(
            ctx.session,
            creator=ctx.person,
            content=draft.content,
            audience=draft.audience,
            audience_param=draft.audience_param,
            send_at=draft.send_at or ctx.now,
            urgent=urgent,
            request_key=key,
            report_chat_id=ctx.chat_id,
            now=ctx.now,
            translator=ctx.rt.translator,
        )
    except broadcasts.EmptyAudience:
        ctx.state.draft = draft
        ctx.answer(ctx.t("announce.empty_audience"), alert=True)
        return
    except broadcasts.InThePast:
        ctx.state.draft = draft
        ctx.expect(WHEN_TEXT)
        ctx.remove_buttons()
        ctx.reply(ctx.t("announce.past_confirm"))
        return
    except BaseException:
        ctx.state.draft = draft  # nothing was saved: keep the draft for another try
        raise
    ctx.answer(ctx.t("announce.confirmed_toast"))
    ctx.remove_buttons()
    if broadcast.send_at > ctx.now:
        ctx.reply(
            ctx.t("announce.scheduled", when=ctx.fmt_datetime(broadcast.send_at)),
            inline([[(ctx.t("announce.button_unschedule"), UNSCHEDULE.make(broadcast.id))]]),
        )
    ctx.show_menu(N_("announce.menu_back"))


@with_person(facilitator_only=True)
async def on_drop(ctx: Ctx) -> None:
    """❌ in any step: forget the draft."""
    had = _draft(ctx) is not None
    ctx.clear()
    ctx.remove_buttons()
    ctx.show_menu(N_("cancel.done") if had else N_("cancel.nothing"))


@with_person(facilitator_only=True)
async def on_unschedule(ctx: Ctx) -> None:
    """Cancel a scheduled announcement, until it starts."""
    parsed = ctx.button(UNSCHEDULE)
    if parsed is None:
        ctx.stale()
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
            inline([[(ctx.t("announce.button_unschedule"), UNSCHEDULE.make(item.id))]]),
        )


@with_person(facilitator_only=True)
async def outbox_command(ctx: Ctx) -> None:
    """/envois: the outbox at a glance."""
    await show_outbox(ctx)


CAPABILITY = Capability(
    name="announce",
    commands=(
        Command("annonce", "announce", command, N_("commands.announce"), who=Who.FACILITATORS),
        Command("envois", "outbox", outbox_command, N_("commands.outbox"), who=Who.FACILITATORS),
    ),
    buttons=(
        ButtonRoute(AUDIENCE_CHOICE, on_audience, facilitators_only=True),
        ButtonRoute(PROJECT_CHOICE, on_project, facilitators_only=True),
        ButtonRoute(AUDIENCES_AGAIN, on_audiences_again, facilitators_only=True),
        ButtonRoute(WHEN_CHOICE, on_when, facilitators_only=True),
        ButtonRoute(CONFIRM, on_confirm, facilitators_only=True),
        ButtonRoute(SPLIT, on_split, facilitators_only=True),
        ButtonRoute(DROP, on_drop, facilitators_only=True),
        ButtonRoute(UNSCHEDULE, on_unschedule, facilitators_only=True),
    ),
    menu=(
        MenuItem(MenuEntry(N_("menu.announce"), facilitators_only=True), start),
        MenuItem(MenuEntry(N_("menu.outbox"), facilitators_only=True), show_outbox),
    ),
    inputs=(
        Input(CONTENT, on_content_text, on_content_media),
        Input(WHEN_TEXT, on_when_text),
    ),
)
