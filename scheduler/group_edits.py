"""The group's reminder shows live counts, edited at most once every few seconds.

Groups allow about 20 messages a minute. Twenty taps in ten seconds must not mean twenty
edits: the first tap edits at once, later ones mark the message dirty, and one edit
later shows the counts of all of them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes, ExtBot

from bot.http import not_modified
from bot.runtime import Runtime
from bot.services import calendar, reminders, rsvp, session_texts
from handlers.keyboards import buttons_markup
from scheduler.jobs import runtime_of
from scheduler.reminders import settings_of

log = logging.getLogger(__name__)

MIN_INTERVAL = timedelta(seconds=5)


class GroupEditor:
    """Coalesces the count updates of group reminder messages."""

    def __init__(self, rt: Runtime, bot: ExtBot[Any]) -> None:
        self.rt = rt
        self.bot = bot
        self._last_edit: dict[int, datetime] = {}
        self._dirty: set[int] = set()
        self.edits = 0

    async def touch(self, occurrence_id: int) -> None:
        """An answer changed the counts: edit now if allowed, else soon."""
        self._dirty.add(occurrence_id)
        await self.flush(only=occurrence_id)

    async def flush(self, only: int | None = None) -> int:
        """Edit every dirty message whose quiet interval has passed; returns edits made."""
        now = self.rt.clock.now()
        done = 0
        for occurrence_id in sorted(self._dirty):
            if only is not None and occurrence_id != only:
                continue
            last = self._last_edit.get(occurrence_id)
            if last is not None and now - last < MIN_INTERVAL:
                continue
            self._dirty.discard(occurrence_id)
            self._last_edit[occurrence_id] = now
            if await self._edit(occurrence_id):
                done += 1
        return done

    async def _edit(self, occurrence_id: int) -> bool:
        rt = self.rt
        async with rt.db.transaction() as session:
            occurrence = await calendar.get_occurrence(session, occurrence_id)
            if occurrence is None:
                return False
            target = await reminders.group_message(session, occurrence)
            if target is None:
                return False
            seats = await rsvp.seats(session, occurrence)
        cfg = settings_of(rt)
        text = reminders.group_text(rt.translator, cfg, occurrence, seats)
        buttons = session_texts.rsvp_buttons(rt.translator, cfg.group_language, occurrence_id)
        markup = buttons_markup(buttons)
        chat_id, message_id = target
        try:
            await self.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
        except BadRequest as exc:
            if not not_modified(exc):
                log.warning("group message %s/%s not edited: %s", chat_id, message_id, exc)
            return False
        except TelegramError as exc:
            log.warning("group message %s/%s not edited: %s", chat_id, message_id, exc)
            self._dirty.add(occurrence_id)  # try again at the next flush
            return False
        self.edits += 1
        return True


async def flush_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    editor = runtime_of(context).group_editor
    if editor is not None:
        await editor.flush()
