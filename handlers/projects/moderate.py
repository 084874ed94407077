"""What facilitators do with a new proposal: ✅ Publier, ✏️ Demander une modification, ❌ Refuser.

Each proposal reaches every facilitator through the outbox (bot.services.projects), and
"🛠️ À valider" shows the ones still waiting. ✅ Publier acts at once; a change or a refusal
asks for a typed reason first (the author reads it), with ❌ Annuler to go back. The
first facilitator to decide wins: every facilitator's copy of the proposal then shows
who decided, and a later tap says "Déjà fait par Claire" and changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Message
from telegram.error import TelegramError

from bot.callback_data import PROJECT_REVIEW, ButtonKind
from bot.context import Draft
from bot.i18n import N_
from bot.models import Project, ProjectStatus
from bot.sending import inline_keyboard
from bot.services import projects
from bot.services.projects import (
    REASON_LIMIT,
    Decision,
    ProjectError,
    Reviewed,
    ReviewOutcome,
)
from handlers.capability import ButtonRoute, Input
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline
from handlers.projects.buttons import GO, Go

log = logging.getLogger(__name__)

REASON = "review.reason"
# ❌ Annuler while writing a reason: back, nothing changes.
CANCEL_REASON = ButtonKind("pjrx")

# Proposals shown at once by "🛠️ À valider" (the oldest first).
PENDING_LIMIT = 10

ASK_REASON = {
    Decision.CHANGES: N_("review.ask_changes"),
    Decision.REFUSE: N_("review.ask_refuse"),
}
DONE_TOAST = {
    Decision.PUBLISH: N_("review.toast_published"),
    Decision.CHANGES: N_("review.toast_changes"),
    Decision.REFUSE: N_("review.toast_refused"),
}


@dataclass
class ReasonDraft(Draft):
    """A facilitator writes why they ask for a change or refuse; nothing is saved before."""

    project_id: int
    decision: Decision
    # The proposal's message they tapped (chat, message), to show the outcome on it.
    shown: tuple[int, int] | None
    prompt_id: int | None = None  # the bot's "✍️ Écrivez..." message, once sent


def _tapped(ctx: Ctx) -> tuple[int, int] | None:
    query = ctx.query
    message = query.message if query is not None else None
    return (message.chat.id, message.message_id) if message is not None else None


def _has_buttons(ctx: Ctx) -> bool:
    message = ctx.query.message if ctx.query is not None else None
    return isinstance(message, Message) and message.reply_markup is not None


def _edit_message(ctx: Ctx, chat_id: int, message_id: int, text: str) -> None:
    """Replace a proposal's message with its outcome (buttons gone), after the commit."""
    bot = ctx.context.bot

    async def edit() -> None:
        try:
            await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id)
        except TelegramError as exc:
            # Deleted, too old, or already showing it: the decision stands all the same.
            log.info("proposal message %s/%s not updated: %s", chat_id, message_id, exc)

    ctx.later(edit)


async def _show_outcome(ctx: Ctx, outcome: ReviewOutcome, shown: tuple[int, int] | None) -> None:
    """Every facilitator's copy of the proposal says who decided what."""
    translator = ctx.rt.translator
    targets = {(c.chat_id, c.message_id): c.lang for c in outcome.copies}
    if shown is not None:
        targets.setdefault(shown, ctx.lang)
    for (chat_id, message_id), lang in targets.items():
        line = projects.outcome_line(translator, lang, outcome.status, outcome.by_name)
        if outcome.note:
            line += "\n" + translator.t("review.note", lang, reason=outcome.note)
        text = await projects.review_text(
            ctx.session, outcome.project, lang=lang, translator=translator, outcome=line
        )
        _edit_message(ctx, chat_id, message_id, text)


async def _author(ctx: Ctx, project: Project) -> str:
    return await projects.name_of(ctx.session, project.author_id) or ctx.t("propose.someone")


async def _decide(
    ctx: Ctx,
    draft: ReasonDraft | None,
    *,
    project_id: int,
    decision: Decision,
    reason: str | None,
    shown: tuple[int, int] | None,
) -> None:
    try:
        outcome = await projects.review(
            ctx.session,
            project_id=project_id,
            decision=decision,
            reason=reason,
            by=ctx.person,
            now=ctx.now,
            translator=ctx.rt.translator,
            shown=shown,
        )
    except ProjectError:
        ctx.clear()
        ctx.stale()
        return
    ctx.clear()
    if draft is not None and draft.prompt_id is not None:
        ctx.remove_buttons_of(ctx.chat_id, draft.prompt_id)
    if outcome.result is Reviewed.DONE:
        author = await _author(ctx, outcome.project)
        ctx.answer(ctx.t(DONE_TOAST[decision]))
        await _show_outcome(ctx, outcome, shown)
        if draft is not None:
            ctx.reply(ctx.t("review.told", name=author))
        return
    if outcome.result is Reviewed.ALREADY:
        text = ctx.t("review.already", name=outcome.by_name or ctx.t("propose.someone"))
        if _has_buttons(ctx):  # a copy nobody updated yet (shown by "🛠️ À valider")
            await _show_outcome(ctx, outcome, shown)
    else:
        text = ctx.t("review.outdated", name=await _author(ctx, outcome.project))
        ctx.remove_buttons()  # this copy is about a version nobody should decide on
    if ctx.query is not None:
        ctx.answer(text, alert=True)
    else:
        ctx.reply(text)


@with_person(facilitator_only=True)
async def on_review(ctx: Ctx) -> None:
    """✅ Publier / ✏️ Demander une modification / ❌ Refuser under a proposal."""
    parsed = ctx.button(PROJECT_REVIEW)
    if parsed is None:
        ctx.stale()
        return
    decision = Decision(parsed.args[0])
    project_id = parsed.int_arg(1)
    shown = _tapped(ctx)
    if decision is Decision.PUBLISH:
        await _decide(
            ctx, None, project_id=project_id, decision=decision, reason=None, shown=shown
        )
        return
    project = await projects.get(ctx.session, project_id)
    if project is None:
        ctx.stale()
        return
    if project.status != ProjectStatus.PROPOSED or await projects.copy_is_outdated(
        ctx.session, project.id, shown
    ):
        # Says who decided, or that a newer version came; nothing changes.
        await _decide(
            ctx, None, project_id=project_id, decision=decision, reason=None, shown=shown
        )
        return
    ctx.answer()
    draft = ReasonDraft(project.id, decision, shown)
    ctx.start_draft(draft)
    ctx.expect(REASON)
    text = ctx.t(ASK_REASON[decision], name=await _author(ctx, project), title=project.title)
    keyboard = inline([[(ctx.t("review.button_cancel"), CANCEL_REASON.make())]])
    bot, chat_id = ctx.context.bot, ctx.chat_id

    async def send() -> None:
        sent = await bot.send_message(chat_id, text, reply_markup=keyboard)
        draft.prompt_id = sent.message_id

    ctx.later(send)


async def on_reason(ctx: Ctx, text: str) -> None:
    draft = ctx.draft(ReasonDraft)
    if draft is None:
        ctx.clear()
        ctx.show_menu()
        return
    if not ctx.person.is_facilitator:  # no longer one since the button was tapped
        ctx.clear()
        ctx.reply(ctx.t("group.only_facilitators"))
        return
    reason = text.strip()
    keyboard = inline([[(ctx.t("review.button_cancel"), CANCEL_REASON.make())]])
    if not reason:
        ctx.reply(ctx.t("review.reason_empty"), keyboard)
        return
    if len(reason) > REASON_LIMIT:
        too_long = ctx.t("review.reason_too_long", length=len(reason), limit=REASON_LIMIT)
        ctx.reply(too_long, keyboard)
        return
    await _decide(
        ctx,
        draft,
        project_id=draft.project_id,
        decision=draft.decision,
        reason=reason,
        shown=draft.shown,
    )


async def on_reason_media(ctx: Ctx, message: Message) -> None:
    keyboard = inline([[(ctx.t("review.button_cancel"), CANCEL_REASON.make())]])
    ctx.reply(ctx.t("review.reason_words"), keyboard)


@with_person(facilitator_only=True)
async def on_cancel(ctx: Ctx) -> None:
    """❌ Annuler while writing a reason: nothing changes."""
    if ctx.draft(ReasonDraft) is None:
        ctx.stale()
        ctx.remove_buttons()
        return
    ctx.clear()
    ctx.answer()
    ctx.edit(ctx.t("review.cancelled"))


async def pending(ctx: Ctx) -> None:
    """🛠️ À valider (facilitators)."""
    ctx.clear()
    back = inline([[(ctx.t("propose.button_back"), GO.make(Go.HOME))]])
    waiting = await projects.waiting(ctx.session, limit=PENDING_LIMIT)
    if not waiting:
        ctx.reply(ctx.t("review.nothing"), back)
        return
    total = await projects.waiting_count(ctx.session)
    ctx.reply(ctx.t("review.pending_intro", count=total))
    translator = ctx.rt.translator
    bot, chat_id = ctx.context.bot, ctx.chat_id
    for project in waiting:
        file_id = project.voice_file_id
        if file_id:
            caption = projects.voice_caption(project, lang=ctx.lang, translator=translator)

            async def voice(file_id: str = file_id, caption: str = caption) -> None:
                await bot.send_voice(chat_id, file_id, caption=caption)

            ctx.later(voice)
        text = await projects.review_text(
            ctx.session, project, lang=ctx.lang, translator=translator
        )
        ctx.reply(text, inline_keyboard(projects.review_buttons(translator, ctx.lang, project.id)))
    if total > len(waiting):
        ctx.reply(ctx.t("review.pending_more", count=total - len(waiting)), back)
    else:
        ctx.reply(ctx.t("review.pending_end"), back)


BUTTONS: tuple[ButtonRoute, ...] = (
    ButtonRoute(PROJECT_REVIEW, on_review, facilitators_only=True),
    ButtonRoute(CANCEL_REASON, on_cancel, facilitators_only=True),
)
INPUTS: tuple[Input, ...] = (Input(REASON, on_reason, on_reason_media),)
