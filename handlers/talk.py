"""People want to talk: messages for the facilitators, replies, and typed answers.

What a person sends that no conversation waits for is rarely a mistake: "Merci Claire, à
demain", a voice note, a photo. Instead of "I did not understand", the bot offers to pass
it on ("📨 Je l'envoie aux animateurs ?" ✅ / ❌) and says who will read it; nothing is
kept unless the person says yes. A reply to an announcement (Telegram's Reply, or the
"💬 Répondre" button under it) and a message written after "💬 Écrire aux animateurs"
(in the help) go at once: the person asked to write, so the bot does not ask again.

A typed "oui", "non" or "peut-être" just after a session card or a reminder is the answer
to that session, written like a tap on its button (seats and waiting list included), and
the card comes back to show what was understood.

These are the router's last hooks, in this order: a reply to an announcement, a typed
answer, then the offer to pass the message on (which takes any text, voice note, photo or
document). A sticker or a location falls through to the router's kind answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardMarkup, Message

from bot.callback_data import REPLY_BUTTON, ButtonKind
from bot.context import Draft
from bot.i18n import N_
from bot.models import ContentType
from bot.sending import inline_keyboard
from bot.services import broadcasts, cards, people, rsvp, taps
from bot.services import talk as talk_service
from bot.services.rsvp import MyAnswer
from bot.services.talk import Said
from bot.services.taps import TapRequest
from handlers.capability import ButtonRoute, Capability, Input
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline

# A Telegram message id (a person's message, in their chat with the bot).
MESSAGE_ID = r"[1-9]\d{0,11}"
WRITE = ButtonKind("tkw")  # 💬 Écrire aux animateurs (in the help)
SEND = ButtonKind("tks", (MESSAGE_ID,))  # ✅ pass the pending message on
DROP = ButtonKind("tkx", (f"0|{MESSAGE_ID}",))  # ❌ keep nothing (0: stop writing)

MESSAGE = "talk.message"  # the message after "💬 Écrire aux animateurs" or "💬 Répondre"
# Beginning of the announcement a forwarded answer quotes.
ABOUT_LENGTH = 40


@dataclass
class PendingMessage(Draft):
    """A message the bot offered to pass on; nothing is kept unless the person says yes."""

    said: Said
    message_id: int  # the person's message: the ✅ button names it
    received_at: datetime
    question_id: int | None = None  # the bot's question, once sent (to take its buttons off)
    sending: bool = False  # ✅ was tapped: a second tap is told it is done


@dataclass
class Writing(Draft):
    """The person tapped "💬 Écrire aux animateurs" or "💬 Répondre": the next message goes."""

    broadcast_id: int | None = None  # the announcement answered, if any
    prompt_id: int | None = None  # the bot's "✍️ Écrivez..." message, once sent


def said_of(message: Message) -> Said | None:
    """What a message holds that a facilitator can read, see or hear; None for the rest."""
    caption = (message.caption or "").strip() or None
    if message.text is not None:
        text = message.text.strip()
        return Said(ContentType.TEXT, text) if text else None
    if message.voice is not None:
        return Said(ContentType.VOICE, caption, message.voice.file_id)
    if message.photo:
        return Said(ContentType.PHOTO, caption, message.photo[-1].file_id)
    if message.document is not None:
        return Said(ContentType.DOCUMENT, caption, message.document.file_id)
    return None  # a sticker, a location...


def write_button(ctx: Ctx) -> tuple[str, str]:
    """ "💬 Écrire aux animateurs": the help offers it."""
    return ctx.t("talk.button_write"), WRITE.make()


def _readers_line(ctx: Ctx, key: str, names: list[str]) -> str:
    return ctx.t(key, names=talk_service.join_names(names, ctx.lang), count=len(names))


def _remember_id(ctx: Ctx, text: str, markup: InlineKeyboardMarkup, draft: Draft) -> None:
    """Send a message after the commit and keep its id on the draft (to edit it later)."""
    bot, chat_id = ctx.context.bot, ctx.chat_id

    async def send() -> None:
        sent = await bot.send_message(chat_id, text, reply_markup=markup)
        if isinstance(draft, PendingMessage):
            draft.question_id = sent.message_id
        elif isinstance(draft, Writing):
            draft.prompt_id = sent.message_id

    ctx.later(send)


def _strip_buttons(ctx: Ctx, message_id: int | None) -> None:
    """Take the buttons off one of the bot's earlier messages (an old question)."""
    if message_id is not None:
        ctx.remove_buttons_of(ctx.chat_id, message_id)


async def _about(ctx: Ctx, broadcast_id: int | None) -> str | None:
    """The beginning of the announcement a person answers, for the facilitators."""
    if broadcast_id is None:
        return None
    broadcast = await broadcasts.get(ctx.session, broadcast_id)
    if broadcast is None:
        return ""
    return broadcasts.preview_text(broadcast, ABOUT_LENGTH)


async def _pass_on_now(ctx: Ctx, said: Said, message_id: int, about: str | None) -> None:
    """The person asked to write: their message goes at once, and they learn who reads it."""
    readers = await talk_service.pass_on(
        ctx.session,
        sender=ctx.person,
        said=said,
        message_id=message_id,
        now=ctx.now,
        translator=ctx.rt.translator,
        about=about,
    )
    if readers:
        ctx.reply(_readers_line(ctx, N_("talk.sent"), readers))
    else:
        ctx.reply(ctx.t("talk.nobody"))


# --- 1. a message nobody asked for: offer to pass it on ---------------------------------


async def offer(ctx: Ctx, message: Message) -> bool:
    """Any text, voice note, photo or document: "📨 Je l'envoie aux animateurs ?"."""
    said = said_of(message)
    if said is None:
        return False
    draft = ctx.state.draft
    if draft is not None and not isinstance(draft, PendingMessage):
        return False  # another conversation waits for its buttons: keep it
    names = await talk_service.facilitator_names(ctx.session, exclude_id=ctx.person.id)
    if not names:
        return False  # nobody to read it (a facilitator on their own)
    previous = ctx.draft(PendingMessage)
    pending = PendingMessage(said, message.message_id, ctx.now)
    ctx.start_draft(pending)
    question = _readers_line(ctx, N_("talk.offer"), names)
    if previous is not None:
        _strip_buttons(ctx, previous.question_id)
        question = ctx.t("talk.replaced") + "\n" + question
    keyboard = inline(
        [
            [(ctx.t("talk.button_send"), SEND.make(message.message_id))],
            [(ctx.t("talk.button_keep"), DROP.make(message.message_id))],
        ]
    )
    _remember_id(ctx, question, keyboard, pending)
    return True


@with_person()
async def on_send(ctx: Ctx) -> None:
    """✅ under the question: the message goes to every facilitator."""
    parsed = ctx.button(SEND)
    if parsed is None:
        ctx.stale()
        return
    message_id = parsed.int_arg(0)
    pending = ctx.draft(PendingMessage)
    if pending is None or pending.message_id != message_id or pending.sending:
        done = await talk_service.was_passed_on(
            ctx.session, sender=ctx.person, message_id=message_id
        )
        if done or (pending is not None and pending.sending):
            # The first tap takes the buttons off already.
            ctx.answer(ctx.t("talk.already_sent"))
        else:
            # The bot restarted, or a newer message replaced this one.
            ctx.answer(ctx.t("talk.lost"), alert=True)
            ctx.remove_buttons()
        return
    pending.sending = True  # before any await: a second tap finds it taken
    try:
        readers = await talk_service.pass_on(
            ctx.session,
            sender=ctx.person,
            said=pending.said,
            message_id=pending.message_id,
            now=ctx.now,
            translator=ctx.rt.translator,
        )
    except BaseException:
        pending.sending = False  # nothing was saved: the person may tap again
        raise
    ctx.clear()
    if not readers:
        ctx.edit(ctx.t("talk.nobody"))
        return
    ctx.answer(ctx.t("talk.sent_toast"))
    ctx.edit(_readers_line(ctx, N_("talk.sent"), readers))


@with_person()
async def on_drop(ctx: Ctx) -> None:
    """❌ under the question, or under "✍️ Écrivez votre message": nothing is kept."""
    parsed = ctx.button(DROP)
    if parsed is None:
        ctx.stale()
        return
    message_id = parsed.int_arg(0)
    pending = ctx.draft(PendingMessage)
    # Only the conversation this button belongs to ends (not a newer message's).
    if message_id:
        ends = pending is not None and pending.message_id == message_id
    else:
        ends = ctx.draft(Writing) is not None
    if ends:
        ctx.clear()
    ctx.answer()
    ctx.edit(ctx.t("talk.dropped"))


# --- 2 and 4. answers to an announcement, and messages the person chose to write --------


async def reply_to_announcement(ctx: Ctx, message: Message) -> bool:
    """Telegram's Reply to an announcement: text, voice note or photo, passed on at once."""
    quoted = message.reply_to_message
    if quoted is None:
        return False
    found = await broadcasts.announcement_replied_to(
        ctx.session, chat_id=ctx.chat_id, telegram_message_id=quoted.message_id
    )
    said = said_of(message)
    if found is None or said is None:
        return False
    about = await _about(ctx, found.broadcast_id) or ""  # "": no longer known
    await _pass_on_now(ctx, said, message.message_id, about)
    return True


async def _start_writing(ctx: Ctx, writing: Writing, key: str) -> None:
    names = await talk_service.facilitator_names(ctx.session, exclude_id=ctx.person.id)
    if not names:
        ctx.answer(ctx.t("talk.nobody"), alert=True)
        return
    ctx.answer()
    ctx.start_draft(writing)
    ctx.expect(MESSAGE)
    text = ctx.t(key) + "\n" + _readers_line(ctx, N_("talk.readers"), names)
    keyboard = inline([[(ctx.t("talk.button_stop"), DROP.make(0))]])
    _remember_id(ctx, text, keyboard, writing)


@with_person()
async def on_write(ctx: Ctx) -> None:
    """💬 Écrire aux animateurs: the next message goes to them."""
    await _start_writing(ctx, Writing(), N_("talk.ask_message"))


@with_person()
async def on_reply_button(ctx: Ctx) -> None:
    """💬 Répondre under an announcement: the next message answers it."""
    parsed = ctx.button(REPLY_BUTTON)
    if parsed is None:
        ctx.stale()
        return
    broadcast_id = parsed.int_arg(0)
    if broadcast_id == broadcasts.PREVIEW:
        ctx.answer(ctx.t("talk.preview_button"), alert=True)
        return
    if await broadcasts.get(ctx.session, broadcast_id) is None:
        ctx.stale()
        return
    await _start_writing(ctx, Writing(broadcast_id=broadcast_id), N_("talk.ask_reply"))


async def _written(ctx: Ctx, said: Said) -> None:
    writing = ctx.draft(Writing)
    message = ctx.update.effective_message
    if writing is None or message is None:
        ctx.clear()
        return
    ctx.clear()
    _strip_buttons(ctx, writing.prompt_id)
    await _pass_on_now(ctx, said, message.message_id, await _about(ctx, writing.broadcast_id))


async def on_message_text(ctx: Ctx, text: str) -> None:
    text = text.strip()
    if not text:
        ctx.reply(ctx.t("talk.kinds"))
        return
    await _written(ctx, Said(ContentType.TEXT, text))


async def on_message_media(ctx: Ctx, message: Message) -> None:
    said = said_of(message)
    if said is None:
        ctx.reply(ctx.t("talk.kinds"))  # a sticker: still waiting for the message
        return
    await _written(ctx, said)


# --- 3. "oui" just after a card or a reminder -------------------------------------------


async def typed_answer(ctx: Ctx, message: Message) -> bool:
    """ "oui", "je viens", "non", "peut-être"... as the answer to the session just shown."""
    user = ctx.update.effective_user
    if message.text is None or user is None:
        return False
    code = talk_service.answer_of(message.text)
    if code is None:
        return False
    quoted = None
    if message.reply_to_message is not None:
        quoted = await talk_service.quoted_reminder(
            ctx.session,
            chat_id=ctx.chat_id,
            telegram_message_id=message.reply_to_message.message_id,
        )
    occurrence = await talk_service.answered_session(
        ctx.session,
        person_id=ctx.person.id,
        last_card=ctx.state.last_card,
        now=ctx.now,
        quoted=quoted,
    )
    if occurrence is None:
        return False
    rt = ctx.rt
    request = TapRequest(
        people.UserInfo(user.id, user.first_name, user.last_name, ctx.lang), occurrence.id, code
    )
    (result,) = await taps.process_taps(
        ctx.session,
        [request],
        now=ctx.now,
        translator=rt.translator,
        tz=rt.settings.tz,
        facilitator_ids=rt.settings.facilitator_ids,
    )
    outcome = result.outcome
    if not isinstance(outcome, rsvp.Outcome):
        ctx.reply(ctx.t("talk.answer_closed"))
        return True
    mine = MyAnswer(outcome.answer, outcome.plus_one, outcome.position)
    tz = rt.settings.tz
    card = cards.card(
        rt.translator,
        ctx.lang,
        tz,
        result.occurrence or occurrence,
        outcome.seats,
        mine,
        today=ctx.now.astimezone(tz).date(),
    )
    ctx.reply(
        ctx.t("talk.answer_noted") + "\n\n" + card,
        inline_keyboard(cards.rsvp_buttons(rt.translator, ctx.lang, occurrence.id, mine)),
    )
    ctx.state.last_card = (occurrence.id, ctx.now)
    return True


CAPABILITY = Capability(
    name="talk",
    buttons=(
        ButtonRoute(WRITE, on_write),
        ButtonRoute(SEND, on_send),
        ButtonRoute(DROP, on_drop),
        ButtonRoute(REPLY_BUTTON, on_reply_button),
    ),
    inputs=(Input(MESSAGE, on_message_text, on_message_media),),
    # In this order; the offer takes any message with words, a voice or a picture.
    reply_hooks=(reply_to_announcement, typed_answer, offer),
)
