"""The care path: after the lowest face (or a low well-being score), a kind offer of contact.

"Voulez-vous qu'une personne de l'équipe vous appelle ou vous écrive ?" Only a yes alerts
the facilitators (through the outbox): who, and how to reach them, never the mood. Every
answer keeps the national suicide prevention line (3114) and the emergency number (15) in
view. A facilitator answers from the alert's "💬 Écrire à Ana", through the bot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import KeyboardButton, Message, ReplyKeyboardMarkup

from bot.callback_data import CARE_WRITE
from bot.context import Draft
from bot.i18n import N_
from bot.services import mood
from bot.services.mood import Contact
from bot.services.talk import first_name, join_names
from handlers.capability import ButtonRoute, Input
from handlers.ctx import Ctx, with_person
from handlers.keyboards import inline
from handlers.mood.buttons import CARE
from handlers.mood.steps import CheckInDraft, ask_word

PHONE = "care.phone"  # the input: the person's number, shared with a tap or typed
TEAM_MESSAGE = "care.team_message"  # the input: a facilitator's message to the person
# 9 to 15 digits once spaces, dots, dashes and a leading + are taken out.
PHONE_SHAPE = re.compile(r"\+?\d{9,15}")


@dataclass
class Writing(Draft):
    """A facilitator writes to someone who asked to be contacted."""

    person_id: int
    name: str


def _help_lines(ctx: Ctx) -> str:
    return ctx.t("care.lines")


def offer_care(ctx: Ctx) -> None:
    """The offer, with the 3114 and the 15 in the same message (always)."""
    ctx.reply(
        ctx.t("care.offer") + "\n\n" + _help_lines(ctx),
        inline(
            [
                [(ctx.t("care.button_call"), CARE.make("call"))],
                [(ctx.t("care.button_write"), CARE.make("write"))],
                [(ctx.t("care.button_no"), CARE.make("no"))],
            ]
        ),
    )


def _then(ctx: Ctx) -> None:
    """After the care answer, the check-in goes on with its optional word."""
    draft = ctx.draft(CheckInDraft)
    if draft is not None and draft.care_pending:
        draft.care_pending = False
        ask_word(ctx, draft)


def _told(ctx: Ctx, key: str, names: list[str]) -> str:
    if not names:
        return ctx.t("care.nobody")
    return ctx.t(key, names=join_names(names, ctx.lang), count=len(names))


@with_person()
async def on_care(ctx: Ctx) -> None:
    """📞 Oui, appelez-moi / 💬 Oui, écrivez-moi / ❌ Non merci."""
    parsed = ctx.button(CARE)
    query = ctx.query
    if parsed is None or query is None or query.message is None:
        ctx.stale()
        return
    choice = parsed.args[0]
    if choice == "no":
        ctx.edit(ctx.t("care.no_thanks") + "\n\n" + _help_lines(ctx))
        _then(ctx)
        return
    if choice == "call":
        ctx.edit(ctx.t("care.call_ok") + "\n\n" + _help_lines(ctx))
        ctx.expect(PHONE)
        ctx.reply(ctx.t("care.ask_phone"), _phone_keyboard(ctx))
        return
    names, new = await mood.alert_team(
        ctx.session,
        person=ctx.person,
        contact=Contact.WRITE,
        request_key=f"m{query.message.message_id}",
        now=ctx.now,
        translator=ctx.rt.translator,
    )
    if not new and names:
        ctx.answer(ctx.t("care.already_told"))
        return
    ctx.edit(_told(ctx, N_("care.told_write"), names) + "\n\n" + _help_lines(ctx))
    _then(ctx)


def _phone_keyboard(ctx: Ctx) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(ctx.t("care.button_send_number"), request_contact=True)],
            [KeyboardButton(ctx.t("care.button_no_call"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def phone_of(text: str) -> str | None:
    """A phone number as typed ("06 12 34 56 78", "+33 6 12..."), or None."""
    compact = re.sub(r"[\s.\-()]", "", text)
    return compact if PHONE_SHAPE.fullmatch(compact) else None


async def _call_me(ctx: Ctx, phone: str, message_id: int) -> None:
    names, _new = await mood.alert_team(
        ctx.session,
        person=ctx.person,
        contact=Contact.CALL,
        request_key=f"p{message_id}",
        now=ctx.now,
        translator=ctx.rt.translator,
        phone=phone,
    )
    ctx.stop_expecting()
    ctx.show_menu(N_("care.told_call") if names else N_("care.nobody"), names=_names(ctx, names))
    _then(ctx)


def _names(ctx: Ctx, names: list[str]) -> str:
    return join_names(names, ctx.lang)


async def on_phone_text(ctx: Ctx, text: str) -> None:
    """A number typed instead of the button, or "❌ Finalement non"."""
    message = ctx.update.effective_message
    if text.strip() == ctx.t("care.button_no_call"):
        ctx.stop_expecting()
        ctx.show_menu(N_("care.no_call"))
        _then(ctx)
        return
    phone = phone_of(text)
    if phone is None or message is None:
        ctx.reply(ctx.t("care.phone_again"), _phone_keyboard(ctx))
        return
    await _call_me(ctx, phone, message.message_id)


async def on_phone_media(ctx: Ctx, message: Message) -> None:
    """The "📞 Envoyer mon numéro" button shares the person's own contact."""
    contact = message.contact
    if contact is None:
        ctx.reply(ctx.t("care.phone_button_please"), _phone_keyboard(ctx))
        return
    if contact.user_id != ctx.person.telegram_id:
        ctx.reply(ctx.t("care.phone_own_please"), _phone_keyboard(ctx))
        return
    await _call_me(ctx, contact.phone_number, message.message_id)


# --- a facilitator answers ------------------------------------------------------------


@with_person(facilitator_only=True)
async def on_write_to(ctx: Ctx) -> None:
    """💬 Écrire à Ana, under a care alert: the next message goes to Ana."""
    parsed = ctx.button(CARE_WRITE)
    if parsed is None:
        ctx.stale()
        return
    person = await mood.person_to_contact(ctx.session, person_id=parsed.int_arg(0))
    if person is None:
        ctx.answer(ctx.t("care.gone"), alert=True)
        return
    name = first_name(person.display_name)
    ctx.start_draft(Writing(person.id, name))
    ctx.expect(TEAM_MESSAGE)
    ctx.reply(ctx.t("care.ask_team_message", name=name))


async def on_team_text(ctx: Ctx, text: str) -> None:
    writing = ctx.draft(Writing)
    message = ctx.update.effective_message
    if writing is None or message is None:
        ctx.clear()
        return
    if not ctx.person.is_facilitator:  # no longer one since the button was tapped
        ctx.clear()
        ctx.reply(ctx.t("group.only_facilitators"))
        return
    text = text.strip()
    if not text:
        ctx.reply(ctx.t("care.ask_team_message", name=writing.name))
        return
    person = await mood.write_to(
        ctx.session,
        sender=ctx.person,
        person_id=writing.person_id,
        text=text,
        message_id=message.message_id,
        now=ctx.now,
        translator=ctx.rt.translator,
    )
    ctx.clear()
    if person is None:
        ctx.reply(ctx.t("care.gone"))
        return
    ctx.reply(ctx.t("care.team_sent", name=writing.name))


async def on_team_media(ctx: Ctx, message: Message) -> None:
    writing = ctx.draft(Writing)
    name = writing.name if writing is not None else ""
    ctx.reply(ctx.t("care.team_words_please", name=name))


BUTTONS = (
    ButtonRoute(CARE, on_care),
    ButtonRoute(CARE_WRITE, on_write_to, facilitators_only=True),
)
INPUTS = (
    Input(PHONE, on_phone_text, on_phone_media),
    Input(TEAM_MESSAGE, on_team_text, on_team_media),
)
