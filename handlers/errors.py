"""The global error handler: apologise, log with the update id, carry on."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.context import MiroirContext
from bot.i18n import normalize_language
from bot.services import people

log = logging.getLogger("miroir.errors")


async def on_error(update: object, context: MiroirContext) -> None:
    """Log the failure; tell the person in their language that something went wrong."""
    error = context.error
    if not isinstance(update, Update):
        log.error("error outside an update: %r", error, exc_info=error)
        return
    rt = context.runtime
    user = update.effective_user
    if isinstance(error, Forbidden):
        if user is not None:
            log.info("update %s: user %s blocked the bot", update.update_id, user.id)
            async with rt.db.transaction() as session:
                await people.mark_reachable(session, telegram_id=user.id, reachable=False)
        return
    log.error("update %s failed: %r", update.update_id, error, exc_info=error)
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        return
    known = context.user_data.language if context.user_data is not None else None
    lang = known or normalize_language(
        user.language_code if user else None, rt.settings.default_language
    )
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(rt.t("errors.sorry_toast", lang))
        await context.bot.send_message(chat.id, rt.t("errors.sorry", lang))
    except TelegramError as exc:
        log.warning("update %s: could not apologise: %r", update.update_id, exc)
