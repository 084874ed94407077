"""What happens to everything no other handler took: a kind word, never an exception."""

from __future__ import annotations

from telegram import ChatMember, Update

from bot.context import MiroirContext
from bot.i18n import N_
from bot.services import people
from handlers.capability import private_only
from handlers.ctx import Ctx, with_person


@with_person()
async def unknown_command(ctx: Ctx) -> None:
    """A "/" command the bot does not know."""
    ctx.show_menu(N_("fallback.unknown_command"))


@private_only  # in a group, only the toast of a private button (no person is created)
@with_person(needs_consent=False)
async def stale_button(ctx: Ctx) -> None:
    """A button from an old message, or callback data that does not parse."""
    ctx.stale()


async def private_membership(update: Update, context: MiroirContext) -> None:
    """A person blocked (or unblocked) the bot: stop or resume sending to them."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    status = change.new_chat_member.status
    reachable = status not in (ChatMember.BANNED, ChatMember.LEFT)
    async with context.runtime.db.transaction() as session:
        await people.mark_reachable(session, telegram_id=change.chat.id, reachable=reachable)
