"""The per-update context: one transaction, the current Person, replies after the commit.

Handlers queue what they want to say on the Ctx; the wrapper commits first and sends
afterwards, so a user is never told about a change that was rolled back, and the
database is never held while Telegram is slow. The Ctx also carries the person's
conversation state (what the next text answers, the draft in progress) and the menu.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError
from telegram import (
    CallbackQuery,
    Chat,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    User,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.callback_data import ButtonKind, Callback
from bot.context import Draft, MenuEntry, MiroirContext, UserState
from bot.http import not_modified
from bot.i18n import N_, normalize_language
from bot.models import Person
from bot.runtime import Runtime
from bot.services import people
from bot.services.timeparse import parse_datetime
from handlers.keyboards import consent_keyboard, main_menu

log = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
Action = Callable[[], Awaitable[Any]]


D = TypeVar("D", bound=Draft)


@dataclass
class Ctx:
    """Everything a handler needs for one update."""

    update: Update
    context: MiroirContext
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
    def today(self) -> date:
        """Today's date where the workshop is (TIMEZONE), not in UTC."""
        return self.now.astimezone(self.rt.settings.tz).date()

    @property
    def chat_id(self) -> int:
        """Where the bot answers: the chat of the update, except for a tap in a group, whose
        answer is for the person who tapped (their private chat), not for the group."""
        chat = self.update.effective_chat
        user = self.update.effective_user
        tapped_elsewhere = self.query is not None and (chat is None or chat.type != Chat.PRIVATE)
        if chat is not None and not tapped_elsewhere:
            return chat.id
        return user.id if user is not None else 0

    @property
    def query(self) -> CallbackQuery | None:
        return self.update.callback_query

    def t(self, key: str, /, **params: object) -> str:
        return self.rt.t(key, self.lang, **params)

    # --- the conversation state -------------------------------------------------------

    @property
    def state(self) -> UserState:
        state = self.context.user_data
        if state is None:  # with_person only runs for updates that have a user
            raise RuntimeError("no user state for this update")
        return state

    def expect(self, input_name: str) -> None:
        """The next text (or file) this person sends answers this input."""
        self.state.awaiting = input_name

    def stop_expecting(self) -> None:
        """The conversation goes on with buttons only."""
        self.state.awaiting = None

    def draft(self, kind: type[D]) -> D | None:
        """The draft in progress if it is of this kind."""
        draft = self.state.draft
        return draft if isinstance(draft, kind) else None

    def start_draft(self, draft: Draft) -> None:
        """Begin a conversation: any other one in progress is dropped."""
        self.clear()
        self.state.draft = draft

    def clear(self) -> None:
        """Leave any conversation: forget what was awaited and the draft."""
        self.state.awaiting = None
        self.state.draft = None

    # --- buttons --------------------------------------------------------------------

    def button(self, kind: ButtonKind) -> Callback | None:
        """The tapped button read as this kind, or None when it is malformed or forged."""
        return kind.parse(self.query.data if self.query else None)

    def stale(self) -> None:
        """Say that the tapped button is out of date (a pop-up the person must close)."""
        self.answer(self.t("errors.stale_button"), alert=True)

    # --- the menu -------------------------------------------------------------------

    @property
    def menu_entries(self) -> tuple[MenuEntry, ...]:
        return self.context.bot_data.menu

    def show_menu(self, key: str = N_("menu.here"), **params: object) -> None:
        """A message with the big buttons under it."""
        entries = [
            e for e in self.menu_entries if self.person.is_facilitator or not e.facilitators_only
        ]
        self.reply(self.t(key, **params), main_menu(self.t, entries))

    def ask_consent(self) -> None:
        """Anything before consent leads back to the privacy notice."""
        self.answer(self.t("consent.needed_toast"))
        self.reply(self.t("consent.notice"), consent_keyboard(self.t))

    def fmt_datetime(self, moment: datetime) -> str:
        return self.rt.translator.format_datetime(moment, self.lang, self.rt.settings.tz)

    def typed_future(self, text: str, *, unclear: str, past: str) -> datetime | str:
        """A day and time typed for later ("mardi 14h"), or what to say when it is not one:
        the `unclear` text, or the `past` one (which names the moment understood)."""
        moment = parse_datetime(text, now=self.now, tz=self.rt.settings.tz, lang=self.lang)
        if moment is None:
            return self.t(unclear)
        if moment <= self.now:
            return self.t(past, when=self.fmt_datetime(moment))
        return moment

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

    def reply_photo(
        self, png: bytes | Callable[[], Awaitable[bytes]], caption: str, markup: Markup = None
    ) -> None:
        """Send a picture (a chart) to the current chat, after the commit.

        Give a picture still to draw as a function: it is drawn after the commit, so the
        database is not held while the drawing runs.
        """
        bot = self.context.bot
        chat_id = self.chat_id

        async def send() -> Message:
            picture = png if isinstance(png, bytes) else await png()
            return await bot.send_photo(chat_id, picture, caption=caption, reply_markup=markup)

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
        if isinstance(message, Message):
            # (The text of a message is its plain text: it never equals HTML markup.)
            if not html and message.text == text and message.reply_markup == markup:
                return  # the message shows this already
            if not self._draw(message.chat.id, message.message_id, text, markup):
                return  # a double tap: the first one drew it

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

    def _draw(self, chat_id: int, message_id: int, text: str, markup: Markup) -> bool:
        """Whether to make this edit: not when this person's last edit drew it already.

        Two taps in flight at once both carry the message as it was before either one
        changed it; Telegram refuses the second, identical edit. The check and the note
        happen with no await between them, so concurrent taps of one person see each other.
        """
        drawn = (chat_id, message_id, text, markup.to_json() if markup is not None else "")
        if self.state.last_edit == drawn:
            return False
        self.state.last_edit = drawn
        return True

    def edit_buttons(self, markup: InlineKeyboardMarkup | None) -> None:
        """Replace only the buttons of the tapped message, after the commit (once, even
        for two taps at once; not at all when it shows these buttons already)."""
        query = self.query
        message = query.message if query is not None else None
        if not isinstance(message, Message) or message.reply_markup == markup:
            return
        if not self._draw(message.chat.id, message.message_id, message.text or "", markup):
            return
        bot = self.context.bot
        chat_id, message_id = message.chat.id, message.message_id

        async def refresh() -> None:
            try:
                await bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=message_id, reply_markup=markup
                )
            except BadRequest as exc:
                if not not_modified(exc):
                    raise

        self.actions.append(refresh)

    def remove_buttons(self) -> None:
        """Take the inline buttons off the tapped message (so it cannot be tapped again)."""
        query = self.query
        if query is None or query.message is None:
            return
        message = query.message
        if not isinstance(message, Message) or message.reply_markup is None:
            return
        self.remove_buttons_of(message.chat.id, message.message_id, message.text or "")

    def remove_buttons_of(self, chat_id: int, message_id: int, text: str = "") -> None:
        """Take the inline buttons off one of the bot's messages, after the commit (once,
        even for two taps at once; `text`, when known, is what the message shows)."""
        if not self._draw(chat_id, message_id, text, None):
            return
        bot = self.context.bot

        async def strip() -> None:
            try:
                await bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=message_id, reply_markup=None
                )
            except BadRequest as exc:
                if not not_modified(exc):
                    raise

        self.actions.append(strip)

    def later(self, action: Action) -> None:
        """Run any other Telegram call after the commit."""
        self.actions.append(action)


def voice_seconds(message: Message) -> int:
    """A voice note's length in seconds (PTB 22 gives an int or a timedelta); 0 without one."""
    voice = message.voice
    if voice is None:
        return 0
    duration: object = voice.duration
    if isinstance(duration, timedelta):
        return int(duration.total_seconds())
    return int(duration) if isinstance(duration, int | float) else 0


Handler = Callable[[Ctx], Awaitable[None]]
UpdateCallback = Callable[[Update, MiroirContext], Coroutine[Any, Any, None]]


def with_person(
    *, needs_consent: bool = True, facilitator_only: bool = False
) -> Callable[[Handler], UpdateCallback]:
    """Wrap a handler: one transaction, the current Person, then replies after commit."""

    def decorate(fn: Handler) -> UpdateCallback:
        @functools.wraps(fn)
        async def wrapper(update: Update, context: MiroirContext) -> None:
            user = update.effective_user
            if user is None or user.is_bot:
                return
            rt = context.runtime
            try:
                ctx = await _handle(update, context, fn, user, needs_consent, facilitator_only)
            except StaleDataError:
                # The person was erased by another of their own updates at the same moment
                # (a forget, a "Non merci"): there is no one left to answer.
                log.info("update %s: the person was erased meanwhile", update.update_id)
                if update.callback_query is not None:
                    with contextlib.suppress(TelegramError):
                        await update.callback_query.answer()  # stop the phone's spinner
                return
            rt.wake_outbox()
            for action in ctx.actions:
                await action()

        return wrapper

    return decorate


async def _handle(
    update: Update,
    context: MiroirContext,
    fn: Handler,
    user: User,
    needs_consent: bool,
    facilitator_only: bool,
) -> Ctx:
    """The transaction of one update: the Person, the handler, the commit."""
    rt = context.runtime
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
            context.user_data.language = person.language
        if needs_consent and not person.has_consented:
            ctx.ask_consent()
        elif facilitator_only and not person.is_facilitator:
            ctx.answer(ctx.t("errors.facilitators_only"), alert=True)
            if ctx.query is None:
                ctx.reply(ctx.t("errors.facilitators_only"))
        else:
            await fn(ctx)
        if ctx.query is not None and not ctx.answered:
            ctx.answer()
    return ctx
