"""One transaction and the current Person per update; replies go out after the commit.

Handlers queue what they want to say on the Ctx; the wrapper commits first and sends
afterwards, so a user is never told about a change that was rolled back, and the
database is never held while Telegram is slow.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.http import not_modified
from bot.i18n import normalize_language
from bot.models import Person
from bot.runtime import Runtime
from bot.services import people

log = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
Action = Callable[[], Awaitable[Any]]


def runtime(context: ContextTypes.DEFAULT_TYPE) -> Runtime:
    rt = context.bot_data["runtime"]
    assert isinstance(rt, Runtime)
    return rt


@dataclass
class Ctx:
    """Everything a handler needs for one update."""

    update: Update
    context: ContextTypes.DEFAULT_TYPE
    rt: Runtime
    session: AsyncSession
    person: Person
    now: datetime
    actions: list[Action] = field(default_factory=list)
    answered: bool = False

    @property
    def lang(self) -> str:
        return self.person.language

    @property
    def chat_id(self) -> int:
        chat = self.update.effective_chat
        return chat.id if chat is not None else self.person.telegram_id

    @property
    def query(self) -> CallbackQuery | None:
        return self.update.callback_query

    def t(self, key: str, /, **params: object) -> str:
        return self.rt.t(key, self.lang, **params)

    def fmt_datetime(self, moment: datetime) -> str:
        return self.rt.translator.format_datetime(moment, self.lang, self.rt.settings.tz)

    def reply(self, text: str, markup: Markup = None, *, html: bool = False) -> None:
        """Send a new message to the current chat, after the commit."""
        bot = self.context.bot
        chat_id = self.chat_id
        parse_mode = ParseMode.HTML if html else None

        async def send() -> Message:
            return await bot.send_message(
                chat_id, text, reply_markup=markup, parse_mode=parse_mode
            )

        self.actions.append(send)

    def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        """Answer the tapped button (stops the spinner); text shows as a small toast."""
        query = self.query
        if query is None or self.answered:
            return
        self.answered = True

        async def answer() -> bool:
            return await query.answer(text[:200] if text else None, show_alert=alert)

        # Answer first: the spinner should stop before anything slower happens.
        self.actions.insert(0, answer)

    def edit(
        self, text: str, markup: InlineKeyboardMarkup | None = None, *, html: bool = False
    ) -> None:
        """Replace the text of the message whose button was tapped."""
        query = self.query
        if query is None or query.message is None:
            self.reply(text, markup, html=html)
            return
        message = query.message
        parse_mode = ParseMode.HTML if html else None

        async def edit() -> Any:
            try:
                return await self.context.bot.edit_message_text(
                    text,
                    chat_id=message.chat.id,
                    message_id=message.message_id,
                    reply_markup=markup,
                    parse_mode=parse_mode,
                )
            except BadRequest as exc:
                # Tapping the same button twice would re-send identical content.
                if not not_modified(exc):
                    raise
                return None

        self.actions.append(edit)

    def remove_buttons(self) -> None:
        """Take the inline buttons off the tapped message (so it cannot be tapped again)."""
        query = self.query
        if query is None or query.message is None:
            return
        message = query.message
        if not isinstance(message, Message) or message.reply_markup is None:
            return

        async def strip() -> Any:
            try:
                return await self.context.bot.edit_message_reply_markup(
                    chat_id=message.chat.id, message_id=message.message_id, reply_markup=None
                )
            except BadRequest as exc:
                if not not_modified(exc):
                    raise
                return None

        self.actions.append(strip)

    def later(self, action: Action) -> None:
        """Run any other Telegram call after the commit."""
        self.actions.append(action)


Handler = Callable[[Ctx], Awaitable[None]]
UpdateCallback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def with_person(
    *, needs_consent: bool = True, facilitator_only: bool = False
) -> Callable[[Handler], UpdateCallback]:
    """Wrap a handler: one transaction, the current Person, then replies after commit."""

    def decorate(fn: Handler) -> UpdateCallback:
        @functools.wraps(fn)
        async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            user = update.effective_user
            if user is None or user.is_bot:
                return
            rt = runtime(context)
            now = rt.clock.now()
            async with rt.db.transaction() as session:
                person = await people.touch_person(
                    session,
                    telegram_id=user.id,
                    first_name=user.first_name,
                    last_name=user.last_name,
                    language=normalize_language(user.language_code, rt.settings.default_language),
                    now=now,
                    facilitator_ids=rt.settings.facilitator_ids,
                )
                ctx = Ctx(update, context, rt, session, person, now)
                # The error handler apologises in this language even after a rollback.
                if context.user_data is not None:
                    context.user_data["lang"] = person.language
                if needs_consent and not person.has_consented:
                    from handlers.onboarding import ask_consent_again

                    await ask_consent_again(ctx)
                elif facilitator_only and not person.is_facilitator:
                    ctx.answer(ctx.t("errors.facilitators_only"), alert=True)
                    if ctx.query is None:
                        ctx.reply(ctx.t("errors.facilitators_only"))
                else:
                    await fn(ctx)
                if ctx.query is not None and not ctx.answered:
                    ctx.answer()
            rt.wake_outbox()
            for action in ctx.actions:
                await action()

        return wrapper

    return decorate
