"""The flood guard: before any other handler, one person sending too much is paused.

It runs in a PTB group of its own, ahead of everything (`GROUP`), and looks at what is
addressed to the bot: button taps anywhere, messages in a private chat, commands in a
group. A group's chatter is not counted (the bot does not answer it), and a person is
counted apart from the other members of the group they tap in.

The update that starts a pause gets one gentle word in the person's language: a message
in their private chat, or, for a tap in a group, a toast only they see (nothing is posted
in the group; a command typed in a group gets no word). During the pause their updates
stop here (`ApplicationHandlerStop`). A tap still gets an empty answer: without it the
phone shows a spinner for several seconds, and a spinning button invites more taps.
Answers cost no message budget and have their own connection pool (bot/http.py), but
each is a request: past a hand's pace (no hand taps 50 times a second) taps are not
answered at all, so a flood costs little more than reading it (benchmarks/flood_bench.py).

Facilitators tap in bursts (who came, name after name): the first time they cross the
line the guard checks the role (settings, then the database, once) and gives them a
larger allowance instead of a pause; a stuck phone still stops at three times the limit.
"""

from __future__ import annotations

import logging
import math

from telegram import CallbackQuery, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.context import MiroirContext
from bot.i18n import normalize_language
from bot.runtime import Runtime
from bot.services import people
from bot.services.flood import FloodLimiter, FloodLimits, Verdict

log = logging.getLogger(__name__)

# PTB runs the groups in ascending order; this one comes before the capabilities' (0).
GROUP = -1


def limits(rt: Runtime) -> FloodLimits:
    settings = rt.settings
    return FloodLimits(
        updates=settings.flood_updates,
        window=settings.flood_window_seconds,
        pause=settings.flood_pause_seconds,
    )


def counted(update: Update) -> bool:
    """What a person addresses to the bot: taps, private messages, commands in a group."""
    if update.callback_query is not None:
        return True
    chat = update.effective_chat
    if chat is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return update.message is not None or update.edited_message is not None
    message = update.message
    return message is not None and (message.text or "").startswith("/")


async def _is_facilitator(rt: Runtime, telegram_id: int) -> bool:
    if telegram_id in rt.settings.facilitator_ids:
        return True
    async with rt.db.transaction() as session:
        person = await people.get_by_telegram_id(session, telegram_id)
        return person is not None and person.is_facilitator


class FloodGuard:
    """The limiter of one Application and the callback PTB runs for every update."""

    def __init__(self) -> None:
        self.limiter = FloodLimiter()

    def handler(self) -> TypeHandler[Update, MiroirContext, None]:
        return TypeHandler(Update, self.check)

    async def check(self, update: Update, context: MiroirContext) -> None:
        user = update.effective_user
        if user is None or user.is_bot or not counted(update):
            return
        rt = context.runtime
        now = rt.clock.now().timestamp()
        verdict = self.limiter.hit(user.id, now=now, limits=limits(rt))
        if verdict is Verdict.PASS:
            return
        if verdict is Verdict.WARN:
            if await _is_facilitator(rt, user.id) and self.limiter.trust(user.id):
                return
            log.info("update %s: user %s paused for flooding", update.update_id, user.id)
            await self._slow_down(update, context)
        elif verdict is Verdict.DROP and update.callback_query is not None:
            await _answer(update.callback_query, None)
        raise ApplicationHandlerStop

    async def _slow_down(self, update: Update, context: MiroirContext) -> None:
        """The one gentle word of a pause, to this person only."""
        rt = context.runtime
        user = update.effective_user
        known = context.user_data.language if context.user_data is not None else None
        lang = known or normalize_language(
            user.language_code if user else None, rt.settings.default_language
        )
        seconds = math.ceil(rt.settings.flood_pause_seconds)
        text = rt.t("flood.slow_down", lang, count=seconds)
        chat = update.effective_chat
        private = chat is not None and chat.type == ChatType.PRIVATE
        query = update.callback_query
        if query is not None:
            await _answer(query, None if private else text)
        if chat is not None and private:
            try:
                await context.bot.send_message(chat.id, text)
            except TelegramError as exc:
                log.warning("update %s: could not say slow down: %r", update.update_id, exc)


async def _answer(query: CallbackQuery, text: str | None) -> None:
    """Stop the spinner; a failed answer (a query too old) changes nothing for anyone."""
    try:
        await query.answer(text[:200] if text else None)
    except TelegramError as exc:
        log.debug("callback %s not answered: %r", query.id, exc)
