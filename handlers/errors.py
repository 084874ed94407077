"""The global error handler: apologise, log with the update id, carry on.

When the database is away (PostgreSQL restarting), every update and every periodic job
fails the same way: the person gets a short apology in their language (read from memory
or from Telegram, since the database cannot tell), and nothing is logged here, because
the database says once that it is gone and once that it is back (`bot.db.Availability`).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError

from bot.context import MiroirContext
from bot.db import describe, is_connection_error
from bot.i18n import N_, normalize_language
from bot.services import people

log = logging.getLogger("miroir.errors")


async def on_error(update: object, context: MiroirContext) -> None:
    """Log the failure; tell the person in their language that something went wrong."""
    error = context.error
    rt = context.runtime
    outage = False
    if error is not None and is_connection_error(error):
        # No traceback for each of them: Database.transaction has noted the outage.
        outage = True
        log.debug("database unreachable: %s", describe(error))
    if not isinstance(update, Update):
        if not outage:
            log.error("error outside an update: %r", error, exc_info=error)
        return
    user = update.effective_user
    if isinstance(error, Forbidden):
        if user is not None:
            log.info("update %s: user %s blocked the bot", update.update_id, user.id)
            await _mark_unreachable(context, user.id)
        return
    if not outage:
        log.error("update %s failed: %r", update.update_id, error, exc_info=error)
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        return
    known = context.user_data.language if context.user_data is not None else None
    lang = known or normalize_language(
        user.language_code if user else None, rt.settings.default_language
    )
    toast, message = (
        (N_("faults.wait_toast"), N_("faults.wait"))
        if outage
        else (N_("errors.sorry_toast"), N_("errors.sorry"))
    )
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(rt.t(toast, lang))
        await context.bot.send_message(chat.id, rt.t(message, lang))
    except TelegramError as exc:
        log.warning("update %s: could not apologise: %r", update.update_id, exc)


async def _mark_unreachable(context: MiroirContext, telegram_id: int) -> None:
    try:
        async with context.runtime.db.transaction() as session:
            await people.mark_reachable(session, telegram_id=telegram_id, reachable=False)
    except Exception as error:
        # The outbox marks them again at its next message to them.
        if not is_connection_error(error):
            raise
