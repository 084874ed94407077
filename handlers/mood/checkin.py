"""The check-in: five faces, the mood consent the first time, then one optional word.

The faces come under the prompt the outbox sends after a session, or under the mood
screen ("🙂 Mon humeur", /humeur). A tap on a face keeps it (after the mood consent, asked
once in plain words), says so on the same message, then offers one optional step: a word,
typed or spoken, or ⏭️ Passer; a word brings "Partager avec l'équipe ?" (no by default).
The lowest face first brings the care offer.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message

from bot.callback_data import MOOD_FACE
from bot.i18n import N_
from bot.services import mood
from handlers.ctx import Ctx, voice_seconds, with_person
from handlers.keyboards import inline
from handlers.mood.buttons import CONSENT, MINE, SHARE, SKIP_WORD, WEEKS
from handlers.mood.care import offer_care
from handlers.mood.steps import CheckInDraft, ask_share, ask_word


def _faces(ctx: Ctx) -> list[list[tuple[str, str]]]:
    return [
        [(button.text, button.callback_data or "") for button in row]
        for row in mood.face_buttons(ctx.person.id, ctx.today)
    ]


def screen(ctx: Ctx, *, intro: str | None = None) -> tuple[str, InlineKeyboardMarkup]:
    """The mood screen: the question and its faces, then "📈 Mes semaines" and "🔒"."""
    rows = _faces(ctx)
    if ctx.person.mood_consented:
        rows += [
            [(ctx.t("mood.button_weeks"), WEEKS.make())],
            [(ctx.t("mood.button_mine"), MINE.make())],
        ]
    text = ctx.t("mood.question")
    return (intro + "\n" + text if intro else text), inline(rows)


async def show(ctx: Ctx) -> None:
    """🙂 Mon humeur (and /humeur): how do you feel today?"""
    ctx.clear()
    intro = None
    if ctx.person.mood_consented:
        done = await mood.today_check_in(ctx.session, person_id=ctx.person.id, today=ctx.today)
        if done is not None:
            intro = ctx.t("mood.already_today", face=mood.FACES[done.mood])
    text, keyboard = screen(ctx, intro=intro)
    ctx.reply(text, keyboard)


def _consent_keyboard(ctx: Ctx) -> InlineKeyboardMarkup:
    return inline(
        [
            [(ctx.t("mood.consent_yes"), CONSENT.make("yes"))],
            [(ctx.t("mood.consent_no"), CONSENT.make("no"))],
        ]
    )


@with_person()
async def on_face(ctx: Ctx) -> None:
    """A face under a prompt or the mood screen: keep it (or ask the consent first)."""
    parsed = ctx.button(MOOD_FACE)
    query = ctx.query
    if parsed is None or query is None or query.message is None:
        ctx.stale()
        return
    if parsed.int_arg(0) != ctx.person.id:
        ctx.answer(ctx.t("mood.not_yours"), alert=True)
        return
    day = mood.day_of(parsed.args[1])
    if day is None or day > ctx.today:
        ctx.stale()
        return
    value = parsed.int_arg(2)
    message_id = query.message.message_id
    draft = ctx.draft(CheckInDraft)
    if draft is not None and draft.message_id == message_id and draft.mood == value:
        # A double tap: the first one is kept (or being kept) already.
        ctx.answer(ctx.t("mood.noted_toast"))
        return
    draft = CheckInDraft(mood=value, day=day, message_id=message_id)
    ctx.start_draft(draft)
    if not ctx.person.mood_consented:
        ctx.edit(
            ctx.t("mood.consent", months=ctx.rt.settings.mood_retention_months),
            _consent_keyboard(ctx),
        )
        return
    await _keep(ctx, draft)


async def _keep(ctx: Ctx, draft: CheckInDraft) -> None:
    """Store the face, say so on the same message, then care or the word."""
    recorded = await mood.record(
        ctx.session,
        person=ctx.person,
        mood=draft.mood,
        day=draft.day,
        today=ctx.today,
        now=ctx.now,
        occurrence_id=draft.occurrence_id,
    )
    draft.check_in_id = recorded.check_in_id
    lines = [ctx.t("mood.noted", face=mood.FACES[draft.mood])]
    if recorded.late:
        lines.append(ctx.t("mood.late"))
    if recorded.replaced:
        lines.append(ctx.t("mood.replaced"))
    ctx.answer(ctx.t("mood.noted_toast"))
    ctx.edit("\n".join(lines))
    if recorded.offer_care:
        draft.care_pending = True
        offer_care(ctx)
        return
    ask_word(ctx, draft)


@with_person()
async def on_consent(ctx: Ctx) -> None:
    """✅ D'accord / ❌ Non merci to the mood consent."""
    parsed = ctx.button(CONSENT)
    if parsed is None:
        ctx.stale()
        return
    draft = ctx.draft(CheckInDraft)
    if parsed.args[0] == "no":
        await mood.decline(ctx.session, person=ctx.person, now=ctx.now)
        ctx.clear()
        ctx.edit(ctx.t("mood.consent_declined"))
        return
    if not ctx.person.mood_consented:
        await mood.give_consent(ctx.session, person=ctx.person, now=ctx.now)
    if draft is None or draft.check_in_id is not None:
        # The bot restarted since the face was tapped: ask for it again.
        text, keyboard = screen(ctx, intro=ctx.t("mood.consent_thanks"))
        ctx.edit(text, keyboard)
        return
    await _keep(ctx, draft)


# --- the optional word ----------------------------------------------------------------


def _word_draft(ctx: Ctx) -> CheckInDraft | None:
    draft = ctx.draft(CheckInDraft)
    return draft if draft is not None and draft.check_in_id is not None else None


async def on_word_text(ctx: Ctx, text: str) -> None:
    """A word typed after the face (500 characters at most)."""
    draft = _word_draft(ctx)
    if draft is None or draft.check_in_id is None:
        ctx.clear()
        ctx.show_menu(N_("mood.word_lost"))
        return
    text = text.strip()
    if not text:
        ask_word(ctx, draft)
        return
    if len(text) > mood.NOTE_LIMIT:
        ctx.reply(ctx.t("mood.word_too_long", length=len(text), limit=mood.NOTE_LIMIT))
        return
    await _save_word(ctx, draft.check_in_id, note=text)


async def on_word_media(ctx: Ctx, message: Message) -> None:
    """A voice note after the face (3 minutes at most), kept by its file id."""
    draft = _word_draft(ctx)
    if draft is None or draft.check_in_id is None:
        ctx.clear()
        ctx.show_menu(N_("mood.word_lost"))
        return
    voice = message.voice
    if voice is None:
        ctx.reply(ctx.t("mood.word_kinds"))
        return
    if voice_seconds(message) > mood.VOICE_LIMIT_SECONDS:
        ctx.reply(ctx.t("mood.voice_too_long", minutes=mood.VOICE_LIMIT_SECONDS // 60))
        return
    await _save_word(ctx, draft.check_in_id, voice_file_id=voice.file_id)


async def _save_word(
    ctx: Ctx, check_in_id: int, *, note: str | None = None, voice_file_id: str | None = None
) -> None:
    kept = await mood.add_word(
        ctx.session,
        person_id=ctx.person.id,
        check_in_id=check_in_id,
        now=ctx.now,
        note=note,
        voice_file_id=voice_file_id,
    )
    if not kept:
        ctx.clear()
        ctx.show_menu(N_("mood.word_lost"))
        return
    ask_share(ctx, check_in_id)


@with_person()
async def on_skip(ctx: Ctx) -> None:
    """⏭️ Passer: no word."""
    parsed = ctx.button(SKIP_WORD)
    if parsed is None:
        ctx.stale()
        return
    draft = _word_draft(ctx)
    if draft is not None and draft.check_in_id == parsed.int_arg(0):
        ctx.clear()
    ctx.edit(ctx.t("mood.skipped"))


@with_person()
async def on_share(ctx: Ctx) -> None:
    """🔒 Non, pour moi / 👥 Oui, partager."""
    parsed = ctx.button(SHARE)
    if parsed is None:
        ctx.stale()
        return
    shared = parsed.args[1] == "yes"
    found = await mood.share(
        ctx.session,
        person_id=ctx.person.id,
        check_in_id=parsed.int_arg(0),
        shared=shared,
        now=ctx.now,
    )
    if found is None:
        ctx.stale()
        ctx.remove_buttons()
        return
    draft = ctx.draft(CheckInDraft)
    if draft is not None and draft.check_in_id == found.id:
        ctx.clear()
    ctx.edit(ctx.t(N_("mood.shared") if shared else N_("mood.kept_private")))
