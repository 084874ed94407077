"""Start, language, privacy consent, menu, help and facilitator invitations."""

from __future__ import annotations

from telegram.ext import ContextTypes

from bot import callback_data as cb
from bot.i18n import N_
from bot.services import people
from bot.services.people import InvitationOutcome
from handlers.commands import set_chat_commands
from handlers.decorators import Ctx, with_person
from handlers.keyboards import consent_keyboard, language_keyboard, main_menu
from handlers.menu import register_action

INVITATION_MESSAGES = {
    InvitationOutcome.PROMOTED: N_("invite.promoted"),
    InvitationOutcome.ALREADY_FACILITATOR: N_("invite.already"),
    InvitationOutcome.EXPIRED: N_("invite.expired"),
    InvitationOutcome.USED: N_("invite.used"),
    InvitationOutcome.UNKNOWN: N_("start.unknown_link"),
}


def show_menu(ctx: Ctx, key: str = N_("menu.here"), **params: object) -> None:
    ctx.reply(ctx.t(key, **params), main_menu(ctx.t, facilitator=ctx.person.is_facilitator))


def refresh_commands(ctx: Ctx) -> None:
    bot, rt, person = ctx.context.bot, ctx.rt, ctx.person

    async def refresh() -> None:
        await set_chat_commands(bot, rt, person)

    ctx.later(refresh)


async def ask_consent_again(ctx: Ctx) -> None:
    """Anything before consent leads back to the privacy notice."""
    ctx.answer(ctx.t("consent.needed_toast"))
    ctx.reply(ctx.t("consent.notice"), consent_keyboard(ctx.t))


def _start_payload(context: ContextTypes.DEFAULT_TYPE) -> str | None:
    args = context.args or []
    return args[0] if args else None


@with_person(needs_consent=False)
async def start(ctx: Ctx) -> None:
    """/start: onboarding for a newcomer, the menu for everyone else."""
    payload = _start_payload(ctx.context)
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
        ctx.reply(ctx.t("start.choose_language"), language_keyboard(ctx.t))
        return
    show_menu(ctx)
    if promoted or ctx.person.is_facilitator:
        refresh_commands(ctx)


@with_person(needs_consent=False)
async def choose_language(ctx: Ctx) -> None:
    """A tap on Français / English, during onboarding or from /language."""
    parsed = cb.parse(ctx.query.data if ctx.query else None)
    if parsed is None:
        ctx.answer(ctx.t("errors.stale_button"))
        return
    await people.set_language(ctx.session, ctx.person, parsed.args[0])
    ctx.answer(ctx.t("lang.chosen_toast"))
    ctx.edit(ctx.t("lang.chosen"))
    if not ctx.person.has_consented:
        ctx.reply(ctx.t("consent.notice"), consent_keyboard(ctx.t))
        return
    show_menu(ctx, N_("lang.changed"))
    refresh_commands(ctx)


@with_person(needs_consent=False)
async def consent(ctx: Ctx) -> None:
    """Yes or no to the privacy notice."""
    parsed = cb.parse(ctx.query.data if ctx.query else None)
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
        ctx.edit(ctx.t("consent.refused"))
        return
    first_time = await people.give_consent(ctx.session, ctx.person, now=ctx.now)
    ctx.answer(ctx.t("consent.thanks_toast"))
    ctx.edit(ctx.t("consent.accepted"))
    if first_time:
        ctx.reply(ctx.t("start.welcome", name=ctx.person.display_name))
    show_menu(ctx)
    refresh_commands(ctx)


@with_person()
async def menu(ctx: Ctx) -> None:
    """/menu: show the big buttons again."""
    show_menu(ctx)


async def show_help(ctx: Ctx) -> None:
    key = N_("help.facilitator") if ctx.person.is_facilitator else N_("help.participant")
    show_menu(ctx, key)


@with_person()
async def help_(ctx: Ctx) -> None:
    """/help and the Aide button."""
    await show_help(ctx)


@with_person(needs_consent=False)
async def language(ctx: Ctx) -> None:
    """/language: switch language at any time."""
    ctx.reply(ctx.t("lang.choose"), language_keyboard(ctx.t))


async def create_invite(ctx: Ctx) -> None:
    payload = await people.create_invitation(ctx.session, creator=ctx.person, now=ctx.now)
    link = f"https://t.me/{ctx.rt.bot_username}?start={payload}"
    ctx.reply(ctx.t("invite.created"))
    ctx.reply(link)


@with_person(facilitator_only=True)
async def invite(ctx: Ctx) -> None:
    """/invite: a single-use link that makes its opener a facilitator."""
    await create_invite(ctx)


register_action(N_("menu.help"), show_help)
register_action(N_("menu.invite"), create_invite)
