"""People write to the facilitators: what they said, who reads it, and typed answers.

A participant's message that answers no question ("Merci Claire, à demain", a voice
note) is passed on to every facilitator through the outbox, with the person's name, in
the same transaction as the person's "yes". A reply to an announcement goes the same way.

A typed "oui", "non" or "peut-être" just after a session card or a reminder is the
answer to that session: `answered_session` finds which one, and `answer_of` reads the
words, in French or English.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from babel.lists import format_list
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callback_data import RSVP_ANSWER, TapCode
from bot.i18n import Translator
from bot.models import (
    ContentType,
    Occurrence,
    OccurrenceStatus,
    OutboxMessage,
    OutboxState,
    Person,
    Role,
)
from bot.services import outbox
from bot.services.outbox import Outgoing
from bot.services.reminders import REMINDER_KIND

TALK_KIND = "talk"  # a message a person wrote to the facilitators
REPLY_KIND = "announcement_reply"  # an answer to an announcement
# A card shown this recently, or a reminder sent this recently, is what "oui" answers.
CARD_WINDOW = timedelta(hours=4)
REMINDER_WINDOW = timedelta(hours=24)
# How many recent reminders are looked at to find one whose session is still to come.
RECENT_REMINDERS = 5
# A first name longer than this is cut (it goes into headers and short lines).
FIRST_NAME_LENGTH = 40


@dataclass(frozen=True)
class Said:
    """What a person sent: a text, or a photo, voice note or document kept by its file id."""

    content_type: ContentType
    text: str | None = None  # the text, or the caption of a file
    file_id: str | None = None


def first_name(display_name: str) -> str:
    """ "Claire" for "Claire Dupont" (what people call each other in the workshop)."""
    parts = display_name.split()
    return (parts[0] if parts else display_name)[:FIRST_NAME_LENGTH] or "?"


def join_names(names: Sequence[str], lang: str) -> str:
    """ "Claire et Karim", "Claire, Karim et Léa" ("Claire and Karim" in English)."""
    return str(format_list(list(names), locale=lang)) if names else ""


async def facilitators(session: AsyncSession, *, exclude_id: int | None = None) -> list[Person]:
    """The facilitators a message can reach (they use Telegram and said yes to privacy)."""
    rows = await session.scalars(
        select(Person)
        .where(
            Person.role == Role.FACILITATOR,
            Person.consent_at.is_not(None),
            Person.telegram_id.is_not(None),
        )
        .order_by(Person.id)
    )
    return [p for p in rows if p.id != exclude_id]


async def facilitator_names(session: AsyncSession, *, exclude_id: int | None = None) -> list[str]:
    """The first names of the facilitators who would read a message, in a stable order."""
    return [first_name(p.display_name) for p in await facilitators(session, exclude_id=exclude_id)]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _body(header: str, said: Said) -> str:
    """The header, then what the person wrote, cut to what Telegram takes."""
    limit = outbox.TEXT_LIMIT if said.content_type == ContentType.TEXT else outbox.CAPTION_LIMIT
    if not said.text:
        return header[:limit]
    room = limit - len(header) - 2
    return header + "\n\n" + _cut(said.text, room)


def _dedupe_prefix(kind: str, sender: Person, message_id: int) -> str:
    return f"{kind}:{sender.telegram_id}:{message_id}:"


async def pass_on(
    session: AsyncSession,
    *,
    sender: Person,
    said: Said,
    message_id: int,
    now: datetime,
    translator: Translator,
    about: str | None = None,
) -> list[str]:
    """Send what `sender` said to every facilitator but them; returns the readers' names.

    `about` is the beginning of the announcement the person answers when they answer one
    ("" when it is no longer known); None for a message of their own.
    Idempotent on the person's message: passing the same message twice sends it once.
    """
    readers = await facilitators(session, exclude_id=sender.id)
    kind = REPLY_KIND if about is not None else TALK_KIND
    name = sender.display_name
    messages = []
    for reader in readers:
        if about is None:
            header = translator.t("talk.forward", reader.language, name=name)
        else:
            header = translator.t("talk.forward_reply", reader.language, name=name)
            if about:
                header += "\n" + translator.t("talk.forward_about", reader.language, about=about)
        assert reader.telegram_id is not None  # facilitators() keeps people with Telegram
        messages.append(
            Outgoing(
                chat_id=reader.telegram_id,
                person_id=reader.id,
                kind=kind,
                dedupe_key=_dedupe_prefix(kind, sender, message_id) + str(reader.id),
                text=_body(header, said),
                content_type=said.content_type,
                file_id=said.file_id,
                reachable=reader.reachable,
                # A person waits for someone to read them: before routine messages.
                priority=30,
            )
        )
    await outbox.enqueue_many(session, messages, now=now)
    return [first_name(r.display_name) for r in readers]


async def was_passed_on(session: AsyncSession, *, sender: Person, message_id: int) -> bool:
    """Whether this message of the person's was already passed on (a second tap on ✅)."""
    prefix = _dedupe_prefix(TALK_KIND, sender, message_id)
    found = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key.startswith(prefix)).limit(1)
    )
    return found is not None


# --- typed answers to a session ----------------------------------------------------------

_YES = frozenset(
    {
        "oui",
        "ouais",
        "ouai",
        "oui je viens",
        "je viens",
        "je vais venir",
        "je serai la",
        "present",
        "presente",
        "ok je viens",
        "yes",
        "yeah",
        "yep",
        "yes i'm coming",
        "i'm coming",
        "im coming",
        "i am coming",
        "i'll come",
        "i will come",
        "i'll be there",
        "✅",
        "👍",
    }
)
_NO = frozenset(
    {
        "non",
        "je viens pas",
        "je ne viens pas",
        "non je ne viens pas",
        "non je viens pas",
        "je peux pas",
        "je ne peux pas",
        "no",
        "nope",
        "not coming",
        "i'm not coming",
        "im not coming",
        "i am not coming",
        "no i'm not coming",
        "i can't come",
        "i cannot come",
        "❌",
    }
)
_MAYBE = frozenset({"peut-etre", "peut etre", "peutetre", "p'tet", "maybe", "perhaps", "🤔"})
_CODES = {**dict.fromkeys(_YES, TapCode.YES), **dict.fromkeys(_NO, TapCode.NO)}
_CODES.update(dict.fromkeys(_MAYBE, TapCode.MAYBE))
# Words of politeness around an answer: "Oui merci !", "Yes, thanks".
_POLITE = re.compile(r"\s*\b(merci beaucoup|merci|thanks|thank you|bien sur|of course)\s*$")
_REPEATED = re.compile(r"^(\w+)( \1)+$")  # "oui oui"
# What is not a letter, a digit, an apostrophe, a hyphen or a space goes (emoji, "!").
_NOISE = re.compile(r"[^\w' -]+")
# Emoji that are an answer on their own; the skin tone or variation selector is ignored.
_ANSWER_EMOJI = re.compile(r"^\s*(✅|👍|❌|🤔)[\ufe0f\U0001f3fb-\U0001f3ff]*\s*$")


def _normalize(text: str) -> str:
    lowered = text.casefold().replace("’", "'").replace("`", "'")
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(c)
    )
    words = " ".join(_NOISE.sub(" ", plain).split()).strip(" -'")
    words = _POLITE.sub("", words).strip(" -'")
    return _REPEATED.sub(r"\1", words)


def answer_of(text: str) -> TapCode | None:
    """The answer a short typed message gives ("Oui !", "je viens", "no", "peut-être")."""
    if len(text) > 60:
        return None  # a longer message says more than yes or no: it is for a person
    emoji = _ANSWER_EMOJI.match(text)
    if emoji:
        return _CODES.get(emoji.group(1))
    return _CODES.get(_normalize(text))


def _occurrence_in(buttons: list[list[dict[str, Any]]] | None) -> int | None:
    """The session whose answer buttons a message carries."""
    for row in buttons or []:
        for button in row:
            parsed = RSVP_ANSWER.parse(button.get("callback_data"))
            if parsed is not None:
                return parsed.int_arg(1)
    return None


async def _still_to_come(
    session: AsyncSession, occurrence_id: int, now: datetime
) -> Occurrence | None:
    occurrence = await session.get(Occurrence, occurrence_id)
    if (
        occurrence is None
        or occurrence.status != OccurrenceStatus.SCHEDULED
        or occurrence.starts_at <= now
    ):
        return None
    return occurrence


async def _reminder_sessions(
    session: AsyncSession, *, person_id: int, now: datetime
) -> list[tuple[int, datetime]]:
    """(session, when sent) of the reminders sent to this person lately, newest first."""
    rows = await session.execute(
        select(OutboxMessage.buttons, OutboxMessage.sent_at)
        .where(
            OutboxMessage.kind == REMINDER_KIND,
            OutboxMessage.person_id == person_id,
            OutboxMessage.state == OutboxState.SENT,
            OutboxMessage.sent_at >= now - REMINDER_WINDOW,
        )
        .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
        .limit(RECENT_REMINDERS)
    )
    found = []
    for buttons, sent_at in rows.all():
        occurrence_id = _occurrence_in(buttons)
        if occurrence_id is not None and sent_at is not None:
            found.append((occurrence_id, sent_at))
    return found


async def quoted_reminder(
    session: AsyncSession, *, chat_id: int, telegram_message_id: int
) -> int | None:
    """The session of the reminder a person quotes with Telegram's Reply, if it is one."""
    buttons = await session.scalar(
        select(OutboxMessage.buttons).where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.telegram_message_id == telegram_message_id,
            OutboxMessage.kind == REMINDER_KIND,
        )
    )
    return _occurrence_in(buttons)


async def answered_session(
    session: AsyncSession,
    *,
    person_id: int,
    last_card: tuple[int, datetime] | None,
    now: datetime,
    quoted: int | None = None,
) -> Occurrence | None:
    """The session a typed "oui" answers, if the person just saw one; None otherwise.

    In order: the reminder the message quotes (`quoted`, a session id); else the newest
    of the card shown last (`last_card`: session, when) within CARD_WINDOW and the
    reminders sent to the person within REMINDER_WINDOW. Only a session still to come
    counts: one that started or was cancelled is no longer a question.
    """
    if quoted is not None:
        return await _still_to_come(session, quoted, now)
    candidates = await _reminder_sessions(session, person_id=person_id, now=now)
    if last_card is not None and now - last_card[1] <= CARD_WINDOW:
        candidates.append(last_card)
    for occurrence_id, _shown in sorted(candidates, key=lambda c: c[1], reverse=True):
        occurrence = await _still_to_come(session, occurrence_id, now)
        if occurrence is not None:
            return occurrence
    return None
