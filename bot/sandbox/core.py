"""The sandbox's moving parts: the real application, the Telegram stand-in, the people
who talk to it (personas) and a clock that can be moved forward.

Nothing is faked beyond Telegram and time: the handlers, services, database code, the
scheduler's jobs and the outbox sender are the production ones. The stand-in is the one
the tests use; every request the bot makes is checked against the Bot API specification
and a refused one is listed in `violations`, which the page shows.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from telegram import Update

from bot.app import build_application
from bot.config import Settings
from bot.context import MiroirApp
from bot.runtime import Runtime
from bot.sandbox.fake_telegram import FakeGroup, FakeTelegram, FakeUser, ptb_request
from scheduler import budget as budget_jobs
from scheduler import mood as mood_jobs
from scheduler import reminders as reminder_jobs
from scheduler import wellbeing as wellbeing_jobs

log = logging.getLogger("miroir.sandbox")

# A token of the right shape that Telegram never issued: the stand-in takes it.
TOKEN = "123456789:SANDBOXsandboxSANDBOXsandboxSANDBOXsand"
BOT_ID = 123456789
BOT_USERNAME = "miroir_sandbox_bot"
GROUP_ID = -1001000000001
DEFAULT_PORT = 8080


class MovableClock:
    """The system clock plus an offset that only grows: "⏩ +1 h" moves everything on."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def move_to(self, moment: datetime) -> None:
        """Jump to `moment` (never back: time in a sandbox only goes forward)."""
        ahead = moment - self.now()
        if ahead > timedelta(0):
            self.offset += ahead


class Role(enum.StrEnum):
    PARTICIPANT = "participant"
    FACILITATOR = "facilitator"


@dataclass(frozen=True)
class Persona:
    """Someone the page can speak as: a Telegram user with their private chat."""

    key: str
    name: str
    language: str
    role: Role
    user: FakeUser


# (key, Telegram id, first name, language, role): two French participants, one English
# participant and a facilitator.
PERSONAS: tuple[tuple[str, int, str, str, Role], ...] = (
    ("nadia", 1001, "Nadia", "fr", Role.PARTICIPANT),
    ("karim", 1002, "Karim", "fr", Role.PARTICIPANT),
    ("john", 1003, "John", "en", Role.PARTICIPANT),
    ("claire", 1000, "Claire", "fr", Role.FACILITATOR),
)
FACILITATOR_IDS = frozenset(tid for _k, tid, _n, _l, role in PERSONAS if role is Role.FACILITATOR)


def sandbox_settings(data_dir: Path) -> Settings:
    """The sandbox's own settings: its own SQLite file, never the production database."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=SecretStr(TOKEN),
        database_url=f"sqlite+aiosqlite:///{data_dir / 'sandbox.db'}",
        facilitator_ids=FACILITATOR_IDS,
        # Quiet hours would hold messages whenever someone tries it in the evening.
        quiet_hours_start="00:00",  # type: ignore[arg-type]
        quiet_hours_end="00:00",  # type: ignore[arg-type]
        # One person taps quickly through many screens: Telegram's 1 message a second per
        # chat would make the page feel slow, and the stand-in does not need it.
        outbox_private_per_second=30.0,
        # Someone trying every screen taps faster than a participant would.
        flood_updates=60,
    )


class Sandbox:
    """The real bot wired to the stand-in, with its personas and its movable clock."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.clock = MovableClock()
        # The stand-in dates messages by the sandbox's clock, so a move shows in the chat.
        self.fake = FakeTelegram(
            token=TOKEN,
            bot_id=BOT_ID,
            bot_username=BOT_USERNAME,
            now=lambda: self.clock.now().timestamp(),
        )
        self.settings = sandbox_settings(data_dir)
        self.app: MiroirApp = build_application(
            self.settings,
            request=ptb_request(self.fake),
            updates_request=ptb_request(self.fake),
            clock=self.clock,
        )
        self.personas: dict[str, Persona] = {
            key: Persona(
                key, name, language, role, self.fake.user(tid, name, language_code=language)
            )
            for key, tid, name, language, role in PERSONAS
        }
        self.group: FakeGroup = self.fake.group(GROUP_ID, "Miroir de soi")

    @property
    def rt(self) -> Runtime:
        return self.app.bot_data.runtime

    async def _deliver(self, update: dict[str, Any]) -> None:
        """What a persona does reaches the bot as Telegram would send it."""
        await self.app.update_queue.put(Update.de_json(update, self.app.bot))

    async def start(self) -> None:
        """Start the application (its jobs and outbox sender) without polling Telegram."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.fake.set_update_sink(self._deliver)
        await self.app.initialize()
        if self.app.post_init is not None:
            await self.app.post_init(self.app)
        await self.app.start()
        for persona in self.personas.values():
            self.group.add_member(persona.user)

    async def stop(self) -> None:
        if self.app.running:
            await self.app.stop()
        if self.app.post_stop is not None:
            await self.app.post_stop(self.app)
        await self.app.shutdown()
        if self.app.post_shutdown is not None:
            await self.app.post_shutdown(self.app)

    async def catch_up(self) -> None:
        """After the clock moved: run the scheduled work now rather than at its next beat."""
        rt = self.rt
        await reminder_jobs.tick(rt)
        await mood_jobs.prompt_tick(rt)
        await wellbeing_jobs.tick(rt)
        await budget_jobs.tick(rt)
        rt.wake_outbox()

    async def move_clock(self, moment: datetime) -> datetime:
        self.clock.move_to(moment)
        await self.catch_up()
        return self.clock.now()

    @property
    def version(self) -> int:
        """Grows whenever the bot or a persona did something (the page redraws then)."""
        return len(self.fake.requests) + sum(len(c.messages) for c in self.fake.chats.values())
