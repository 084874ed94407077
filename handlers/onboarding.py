"""Start, language, privacy consent, menu, help and facilitator invitations."""

from __future__ import annotations

from telegram import Message

from bot.callback_data import ButtonKind
from bot.context import MenuEntry
from bot.i18n import N_
from bot.services import people
from bot.services import talk as talk_service
from bot.services.people import InvitationOutcome
from handlers import rights_buttons
from handlers.capability import ButtonRoute, Capability, Command, MenuItem, Who
from handlers.commands import set_chat_commands
from handlers.ctx import Ctx, with_person
from handlers.keyboards import (
    CONSENT_CHOICE,
    LANGUAGE_CHOICE,
    consent_keyboard,
    inline,
    language_keyboard,
)
from handlers.talk import write_button

CHANGE_LANGUAGE = ButtonKind("langask")  # 🌐 in the help: the language buttons
START_AGAIN = ButtonKind("again")  # after "no" to the privacy notice: start again

INVITATION_MESSAGES = {
    InvitationOutcome.PROMOTED: N_("invite.promoted"),
    InvitationOutcome.ALREADY_FACILITATOR: N_("invite.already"),
    InvitationOutcome.EXPIRED: N_("invite.expired"),
    InvitationOutcome.USED: N_("invite.used"),
    InvitationOutcome.UNKNOWN: N_("start.unknown_link"),
}


def refresh_commands(ctx: Ctx) -> None:
    """After a change of language or role, the person's own "/" list follows."""
    bot, lists, person = ctx.context.bot, ctx.context.bot_data.command_lists, ctx.person

    async def refresh() -> None:
        await set_chat_commands(bot, lists, person)

    ctx.later(refresh)


def _choose_language(ctx: Ctx) -> None:
    ctx.reply(ctx.t("start.choose_language"), language_keyboard(ctx.t))


@with_person(needs_consent=False)
async def start(ctx: Ctx) -> None:
    """/start: onboarding for a newcomer, the menu for everyone else."""
    args = ctx.context.args or []
    payload = args[0] if args else None
    promoted = False
    if payload:
        if payload.startswith(people.INVITATION_PREFIX):
            result = await people.redeem_invitation(
                ctx.session, person=ctx.person, payload=payload, now=ctx.now
            )
            promoted = result.outcome is InvitationOutcome.PROMOTED
        else:
            result = people.InvitationResult(InvitationOutcome.UNKNOWN)
        ctx.reply(ctx.t(INVITATION_MESSAGES[result.outcome]))

    if not ctx.person.has_consented:
        _choose_language(ctx)
        return
    ctx.show_menu()
    if promoted or ctx.person.is_facilitator:
        refresh_commands(ctx)


def _draw_once(ctx: Ctx, text: str) -> bool:
    """Edit the tapped message into `text`; False when an earlier tap already drew it.

    A replayed tap finds the message showing `text`, and the second of two taps in flight
    finds the person's last edit equal to it: Ctx.edit sends nothing then (Telegram would
    refuse an identical edit), and what follows the edit is not said twice either.
    """
    query = ctx.query
    if query is None or not isinstance(query.message, Message):
        ctx.edit(text)  # nothing to compare with: a message Telegram no longer shows
        return True
    before = ctx.state.last_edit
    ctx.edit(text)
    return ctx.state.last_edit != before


@with_person(needs_consent=False)
async def choose_language(ctx: Ctx) -> None:
    """A tap on Français / English, during onboarding or from /language."""
    parsed = ctx.button(LANGUAGE_CHOICE)
    if parsed is None:
        ctx.answer(ctx.t("errors.stale_button"))
        return
    await people.set_language(ctx.session, ctx.person, parsed.args[0])
    ctx.answer(ctx.t("lang.chosen_toast"))
    if not _draw_once(ctx, ctx.t("lang.chosen")):
        return
    if not ctx.person.has_consented:
        ctx.reply(ctx.t("consent.notice"), consent_keyboard(ctx.t))
        return
    ctx.show_menu(N_("lang.changed"))
    refresh_commands(ctx)


@with_person(needs_consent=False)
async def consent(ctx: Ctx) -> None:
    """Yes or no to the privacy notice."""
    parsed = ctx.button(CONSENT_CHOICE)
    if parsed is None:
        ctx.answer(ctx.t("errors.stale_button"))
        return
    if parsed.args[0] == "no":
        if ctx.person.has_consented:
            # An old notice tapped after agreeing: refusing now would be a deletion
            # request, which deserves its own confirmation, not a stray button.
            ctx.answer(ctx.t("consent.already_toast"))
            ctx.remove_buttons()
            return
        await people.forget_person(ctx.session, ctx.person)
        ctx.answer()
        ctx.edit(
            ctx.t("consent.refused"),
            inline([[(ctx.t("consent.button_again"), START_AGAIN.make())]]),
        )
        return
    first_time = await people.give_consent(ctx.session, ctx.person, now=ctx.now)
    ctx.answer(ctx.t("consent.thanks_toast"))
    ctx.edit(ctx.t("consent.accepted"))
    if first_time:
        # Welcome and menu in one message: the big buttons come with the first words.
        name = talk_service.first_name(ctx.person.display_name)
        ctx.show_menu(N_("start.welcome"), name=name)
    else:
        ctx.show_menu()
    refresh_commands(ctx)


@with_person(needs_consent=False)
async def start_again(ctx: Ctx) -> None:
    """🔄 after saying no to the privacy notice: the start, as with /start."""
    ctx.answer()
    ctx.remove_buttons()
    if ctx.person.has_consented:
        ctx.show_menu()
        return
    _choose_language(ctx)


@with_person()
async def menu(ctx: Ctx) -> None:
    """/menu: show the big buttons again."""
    ctx.show_menu()


async def show_help(ctx: Ctx) -> None:
    """The Aide button: what the bot does, and a real way to reach a person.

    The facilitators' first names, the phone number when CONTACT_PHONE is set, and a
    "💬 Écrire aux animateurs" button; buttons for the language and for the person's
    data (see it, erase it) rather than commands.
    """
    key = N_("help.facilitator") if ctx.person.is_facilitator else N_("help.participant")
    names = await talk_service.facilitator_names(ctx.session, exclude_id=ctx.person.id)
    reach = []
    if names:
        joined = talk_service.join_names(names, ctx.lang)
        reach.append(ctx.t("help.write", names=joined, count=len(names)))
    phone = ctx.rt.settings.contact_phone
    if phone:
        reach.append(ctx.t("help.phone", phone=phone))
    text = "\n\n".join([ctx.t(key), "\n".join(reach)]) if reach else ctx.t(key)
    rows = [[write_button(ctx)]] if names else []
    rows.append([(ctx.t("help.button_language"), CHANGE_LANGUAGE.make())])
    rows += rights_buttons.help_rows(ctx.t)
    ctx.reply(text, inline(rows))


@with_person()
async def help_(ctx: Ctx) -> None:
    """/help (/aide)."""
    await show_help(ctx)


@with_person(needs_consent=False)
async def language(ctx: Ctx) -> None:
    """/language (/langue): switch language at any time."""
    ctx.reply(ctx.t("lang.choose"), language_keyboard(ctx.t))


@with_person()
async def language_button(ctx: Ctx) -> None:
    """🌐 in the help: the same as /langue, without typing it."""
    ctx.answer()
    ctx.reply(ctx.t("lang.choose"), language_keyboard(ctx.t))


async def create_invite(ctx: Ctx) -> None:
    """🔗 A single-use link that makes its opener a facilitator."""
    payload = await people.create_invitation(ctx.session, creator=ctx.person, now=ctx.now)
    link = f"https://t.me/{ctx.context.bot.username}?start={payload}"
    ctx.reply(ctx.t("invite.created"))
    ctx.reply(link)


@with_person(facilitator_only=True)
async def invite(ctx: Ctx) -> None:
    """/invite (/inviter)."""
    await create_invite(ctx)


CAPABILITY = Capability(
    name="onboarding",
    commands=(
        Command("start", "start", start, N_("commands.menu"), who=Who.UNLISTED),
        Command("menu", "menu", menu, N_("commands.menu")),
        Command("aide", "help", help_, N_("commands.help")),
        Command("langue", "language", language, N_("commands.language")),
    ),
    buttons=(
        ButtonRoute(LANGUAGE_CHOICE, choose_language),
        ButtonRoute(CONSENT_CHOICE, consent),
        ButtonRoute(CHANGE_LANGUAGE, language_button),
        ButtonRoute(START_AGAIN, start_again),
    ),
    menu=(MenuItem(MenuEntry(N_("menu.help")), show_help),),
)

INVITATIONS = Capability(
    name="invitations",
    commands=(Command("inviter", "invite", invite, N_("commands.invite"), who=Who.FACILITATORS),),
    menu=(MenuItem(MenuEntry(N_("menu.invite"), facilitators_only=True), create_invite),),
)
