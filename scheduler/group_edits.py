"""The group's reminder shows live counts, edited at most once every few seconds.

The post is written in the group's language (chosen at /lier), like the reminder itself.

Groups allow about 20 messages a minute. Twenty taps in ten seconds must not mean twenty
edits: the first tap edits at once, later ones mark the message dirty, and one edit
later shows the counts of all of them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram.error import BadRequest, TelegramError

from bot.clock import Clock
from bot.config import Settings
from bot.context import MiroirContext
from bot.db import Database
from bot.http import not_modified
from bot.i18n import Translator
from bot.sending import Bot, inline_keyboard
from bot.services import calendar, cards, notices, reminders, rsvp

log = logging.getLogger(__name__)

MIN_INTERVAL = timedelta(seconds=5)


class GroupEditor:
    """Coalesces the count updates of group reminder messages."""

    def __init__(
        self,
        *,
        bot: Bot,
        db: Database,
        clock: Clock,
        translator: Translator,
        settings: Settings,
    ) -> None:
        self.bot = bot
        self.db = db
        self.clock = clock
        self.translator = translator
        self.settings = settings
        self._last_edit: dict[int, datetime] = {}
        self._dirty: set[int] = set()
        # The text each session's group message shows, as last drawn: a tap that left the
        # counts as they were must not send the same text again (Telegram refuses it).
        self._shown: dict[int, str | None] = {}
        self.edits = 0

    async def touch(self, occurrence_id: int) -> None:
        """An answer changed the counts: edit now if allowed, else soon."""
        self._dirty.add(occurrence_id)
        await self.flush(only=occurrence_id)

    async def flush(self, only: int | None = None) -> int:
        """Edit every dirty message whose quiet interval has passed; returns edits made."""
        now = self.clock.now()
        done = 0
        for occurrence_id in sorted(self._dirty):
            if only is not None and occurrence_id != only:
                continue
            last = self._last_edit.get(occurrence_id)
            if last is not None and now - last < MIN_INTERVAL:
                continue
            self._dirty.discard(occurrence_id)
            self._last_edit[occurrence_id] = now
            try:
                edited = await self._edit(occurrence_id)
            except Exception:
                # The database is away (or worse): the counts still need showing.
                self._dirty.add(occurrence_id)
                raise
            if edited:
                done += 1
        return done

    async def _edit(self, occurrence_id: int) -> bool:
        async with self.db.transaction() as session:
            occurrence = await calendar.get_occurrence(session, occurrence_id)
            if occurrence is None:
                return False
            target = await reminders.group_message(session, occurrence)
            if target is None:
                return False
            seats = await rsvp.seats(session, occurrence)
            lang = await notices.group_language_of(
                session, occurrence, self.settings.default_language
            )
        tz = self.settings.tz
        today = self.clock.now().astimezone(tz).date()
        text = reminders.group_text(self.translator, lang, tz, occurrence, seats, today=today)
        if text == self._shown.get(occurrence_id, target.text):
            return False  # the buttons follow the text's language: they are the same too
        buttons = cards.rsvp_buttons(self.translator, lang, occurrence_id)
        markup = inline_keyboard(buttons)
        chat_id, message_id = target.chat_id, target.message_id
        try:
            await self.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
        except BadRequest as exc:
            if not_modified(exc):
                self._shown[occurrence_id] = text
            else:
                log.warning("group message %s/%s not edited: %s", chat_id, message_id, exc)
            return False
        except TelegramError as exc:
            log.warning("group message %s/%s not edited: %s", chat_id, message_id, exc)
            self._dirty.add(occurrence_id)  # try again at the next flush
            return False
        self._shown[occurrence_id] = text
        self.edits += 1
        return True


async def flush_job(context: MiroirContext) -> None:
    """JobQueue entry point: the edits that had to wait."""
    await context.runtime.group_counts.flush()
