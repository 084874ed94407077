"""What the tests share: the people who open the bot, what they see, and the bot's own work.

A handler test tells a person's story with these helpers::

    async def test_ana_says_she_comes(
        app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock
    ) -> None:
        await workshop(fake, database, clock)       # Claire runs a workshop on Tuesdays
        ana = await onboard(fake, 201, "Ana")       # Ana opens the bot and says yes to privacy
        await ana.tap("📅 Prochains ateliers")
        card = message_starting(ana, "🎨")
        await ana.tap_in(card.message_id, "✅ Je viens")
        assert toast(ana) == "✅ C'est noté : vous venez !"

The people are the fake's FakeUser objects (`send`, `tap`, `tap_in`, `messages`...); the
helpers below add what several test files need and the fake does not say on its own: a
message that must be there (never None), the bot's runtime, its outbox.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypedDict, Unpack

from sqlalchemy import func, select

from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.models import Base, Occurrence, OutboxMessage, Person
from bot.runtime import Runtime
from bot.sandbox.fake_telegram import FakeChannel, FakeGroup, FakeTelegram, FakeUser, StoredMessage
from bot.services.outbox import Button
from scheduler.outbox import OutboxSender
from tests import factories
from tests.factories import SeriesOptions

# --- the world every test starts from -------------------------------------------------

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawTEST"
BOT_ID = 123456789
BOT_USERNAME = "miroir_test_bot"
# Claire, the facilitator the settings name (FACILITATOR_IDS).
FACILITATOR_ID = 9001
# A Tuesday morning in Dijon (UTC+1 in November).
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
# The repository's root folder (for subprocesses and source scans).
ROOT = Path(__file__).resolve().parents[1]

Language = Literal["fr", "en"]
# A chat the bot writes in: a person's private chat, a group or a channel.
Chat = FakeUser | FakeGroup | FakeChannel
# A Bot API object as the fake stores it (a command of the "/" list, a callback answer...).
JSON = dict[str, Any]

# What a newcomer taps in each language: the language button, then "I agree".
_ONBOARDING_TAPS: dict[Language, tuple[str, str]] = {
    "fr": ("🇫🇷 Français", "✅ Je suis d'accord"),
    "en": ("🇬🇧 English", "✅ I agree"),
}


# --- people ---------------------------------------------------------------------------


async def onboard(
    fake: FakeTelegram, telegram_id: int, name: str = "Ana", *, language: Language = "fr"
) -> FakeUser:
    """Someone opens the bot: /start, picks a language, agrees to the privacy notice."""
    person = fake.user(telegram_id, name, language_code=language)
    language_button, agree_button = _ONBOARDING_TAPS[language]
    await person.send("/start")
    await person.tap(language_button)
    await person.tap(agree_button)
    return person


async def onboard_claire(fake: FakeTelegram, *, language: Language = "fr") -> FakeUser:
    """Claire, the facilitator the settings name, after she opened the bot."""
    return await onboard(fake, FACILITATOR_ID, "Claire", language=language)


async def workshop(
    fake: FakeTelegram, database: Database, clock: FrozenClock, **series: Unpack[SeriesOptions]
) -> list[Occurrence]:
    """Claire opens the bot and runs a weekly workshop, "Art-thérapie" on Tuesdays at 14:00
    for 20 people unless told otherwise; returns its sessions, soonest first."""
    await onboard_claire(fake)
    claire = await factories.person(
        database, clock.now(), FACILITATOR_ID, "Claire", facilitator=True
    )
    return await factories.series(database, clock.now(), claire, **series)


async def stored_person(database: Database, telegram_id: int) -> Person | None:
    """What the bot keeps about this person (None: nothing at all)."""
    async with database.transaction() as session:
        return await session.scalar(select(Person).where(Person.telegram_id == telegram_id))


# --- what a person sees ---------------------------------------------------------------


def text_of(message: StoredMessage | None) -> str:
    """The text of a message that must be there and hold text."""
    assert message is not None, "no such message"
    assert message.text is not None, f"a {message.kind} message without text"
    return message.text


def last_message(chat: Chat) -> StoredMessage:
    """The newest message the bot left in this chat (deleted ones do not count)."""
    message = chat.last
    assert message is not None, "the bot has written nothing here"
    return message


def last_text(chat: Chat) -> str:
    """The text of the newest message the bot left in this chat."""
    return text_of(last_message(chat))


def messages_starting(chat: Chat, start: str | tuple[str, ...]) -> list[StoredMessage]:
    """Every message the bot wrote in this chat whose text starts with `start`, in order."""
    return [m for m in chat.messages if (m.text or "").startswith(start)]


def message_starting(chat: Chat, start: str | tuple[str, ...]) -> StoredMessage:
    """The first message the bot wrote in this chat whose text starts with `start`."""
    found = messages_starting(chat, start)
    assert found, f"no message starting with {start!r}"
    return found[0]


def current(chat: Chat, message: StoredMessage) -> StoredMessage:
    """`message` as it reads now, after the bot's edits (it must not have been deleted)."""
    latest = chat.chat.find(message.message_id)
    assert latest is not None, f"message {message.message_id} was deleted"
    return latest


def menu(user: FakeUser) -> list[list[str]]:
    """The big buttons under the person's text box, row by row (there must be some)."""
    keyboard = user.reply_keyboard
    assert keyboard is not None, f"{user.first_name} has no menu"
    return keyboard


def toast(user: FakeUser) -> str:
    """What the bot said in the little notice Telegram shows after the person's last tap."""
    answers = user.callback_answers
    assert answers, f"no tap of {user.first_name} was answered"
    text = answers[-1].get("text")
    assert isinstance(text, str), "the last tap was answered without words"
    return text


def command_list(
    fake: FakeTelegram, *, chat_id: int | None = None, language: str = ""
) -> list[JSON]:
    """The "/" list Telegram shows: in one chat, or by default (for one language)."""
    scope = {"type": "chat", "chat_id": chat_id} if chat_id is not None else None
    commands = fake.commands(scope, language)
    assert commands is not None, f"no command list for {scope} in {language!r}"
    return commands


# --- the bot's own work ---------------------------------------------------------------


def runtime(app: MiroirApp) -> Runtime:
    """Everything the handlers and jobs share: settings, database, clock, outbox..."""
    return app.bot_data.runtime


def sender(app: MiroirApp) -> OutboxSender:
    """The outbox sender the app was built with (tests drive it: `background=False`)."""
    outbox = runtime(app).outbox
    assert isinstance(outbox, OutboxSender)
    return outbox


async def deliver(app: MiroirApp) -> None:
    """Send what waits in the outbox, as the running bot's sender does on its own."""
    await sender(app).drain()


# --- the database ---------------------------------------------------------------------


async def count(database: Database, model: type[Base]) -> int:
    """How many rows of `model` the database holds."""
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def outbox_rows(database: Database) -> list[OutboxMessage]:
    """Every message the outbox holds, in the order it was enqueued."""
    async with database.transaction() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


class OutgoingOptions(TypedDict, total=False):
    """What a test may set on an enqueued message besides its chat, key and text."""

    buttons: list[list[Button]]
    priority: int
    urgent: bool
    not_before: datetime
    expires_at: datetime
    reachable: bool


# --- the bot as a real process (end-to-end tests) -------------------------------------


def start_bot(
    *args: str, folder: Path, api_url: str, database_url: str, **env: str
) -> subprocess.Popen[str]:
    """`python -m bot [args]` as its own process in `folder`, talking to the fake Bot API at
    `api_url`; `env` adds settings (FACILITATOR_IDS="9001"...). Stop it with `stop_bot`."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=folder,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(folder),
            "PYTHONPATH": str(ROOT),
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api_url,
            "DATABASE_URL": database_url,
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop_bot(process: subprocess.Popen[str]) -> str:
    """Ask the bot to stop as a service manager does (SIGTERM); returns all it printed."""
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output
