"""Telegram's side of a message, once: keyboards from Button rows, content by its type.

Handlers (a reply, the preview of an announcement) and the outbox sender both send
text, photos, voice notes and documents with inline buttons; they share these two
functions so that a preview is exactly what participants will receive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.ext import ExtBot

from bot.models import ContentType
from bot.services.outbox import Button


@dataclass(frozen=True)
class LimitArgs:
    """Per-call options of the rate limiter (`rate_limit_args=`): the outbox handles 429 itself."""

    retry_on_429: bool = True


# The Bot as the application builds it: its rate limiter takes LimitArgs.
Bot = ExtBot[LimitArgs]


def inline_keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup:
    """Inline buttons from the services' Button rows (the rows outbox messages carry)."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=b.callback_data, url=b.url) for b in row]
            for row in rows
        ]
    )


def stored_keyboard(
    rows: Sequence[Sequence[Mapping[str, str]]] | None,
) -> InlineKeyboardMarkup | None:
    """The keyboard of an outbox row, as stored (Button.as_dict)."""
    if not rows:
        return None
    return inline_keyboard([[Button(**button) for button in row] for row in rows])


async def send_content(
    bot: Bot,
    chat_id: int,
    *,
    content_type: ContentType,
    text: str | None,
    file_id: str | None = None,
    reply_markup: InlineKeyboardMarkup | None = None,
    parse_mode: str | None = None,
    reply_to_message_id: int | None = None,
    rate_limit_args: LimitArgs | None = None,
) -> Message:
    """One message of any content type; `text` is the caption of a file."""
    common: dict[str, Any] = {
        "reply_markup": reply_markup,
        "parse_mode": parse_mode,
        "reply_parameters": (
            ReplyParameters(reply_to_message_id, allow_sending_without_reply=True)
            if reply_to_message_id
            else None
        ),
        "rate_limit_args": rate_limit_args,
    }
    media = file_id or ""
    if content_type == ContentType.PHOTO:
        return await bot.send_photo(chat_id, media, caption=text, **common)
    if content_type == ContentType.VOICE:
        return await bot.send_voice(chat_id, media, caption=text, **common)
    if content_type == ContentType.DOCUMENT:
        return await bot.send_document(chat_id, media, caption=text, **common)
    return await bot.send_message(chat_id, text or "", **common)
