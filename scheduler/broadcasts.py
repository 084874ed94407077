"""Announcements over time: start the scheduled ones, keep the reports up to date."""

from __future__ import annotations

import logging

from telegram.error import BadRequest, TelegramError

from bot.context import MiroirContext
from bot.http import not_modified
from bot.models import OutboxState
from bot.runtime import Runtime
from bot.sending import Bot
from bot.services import broadcasts

log = logging.getLogger(__name__)

# The report message is edited at most once per tick.
REPORT_EVERY_SECONDS = 3.0


async def tick(rt: Runtime, bot: Bot) -> None:
    """Start due announcements; edit each running report; close the finished ones."""
    now = rt.clock.now()
    async with rt.db.transaction() as session:
        started = await broadcasts.start_due(
            session,
            now=now,
            translator=rt.translator,
            default_language=rt.settings.default_language,
        )
    edits: list[tuple[int, int, str]] = []
    finished = False
    async with rt.db.transaction() as session:
        for broadcast in await broadcasts.active(session):
            figures = await broadcasts.report(session, broadcast.id)
            row = await broadcasts.report_row(session, broadcast.id)
            if row is not None and row.state in (OutboxState.PENDING, OutboxState.SENDING):
                continue  # the report message itself is not out yet
            author_lang = await broadcasts.author_language(
                session, broadcast, default_language=rt.settings.default_language
            )
            text = broadcasts.render_report(
                rt.translator, author_lang, figures, final=figures.done
            )
            if row is not None and row.telegram_message_id and text != broadcast.report_text:
                edits.append((row.chat_id, row.telegram_message_id, text))
                broadcast.report_text = text
            if figures.done:
                await broadcasts.finish(session, broadcast, now=now, translator=rt.translator)
                finished = True
    if started or finished:
        rt.wake_outbox()
    for chat_id, message_id, text in edits:
        try:
            await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id)
        except BadRequest as exc:
            if not not_modified(exc):
                log.warning("report %s/%s not edited: %s", chat_id, message_id, exc)
        except TelegramError as exc:
            log.warning("report %s/%s not edited: %s", chat_id, message_id, exc)


async def job(context: MiroirContext) -> None:
    """JobQueue entry point."""
    await tick(context.runtime, context.bot)
