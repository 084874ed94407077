"""The fortnightly well-being questionnaire prompt, for those who opted in."""

from __future__ import annotations

from datetime import timedelta

from bot.config import Settings
from bot.context import MiroirContext
from bot.runtime import Runtime
from bot.services import wellbeing
from bot.services.mood import PromptSettings

# A prompt falls due every 14 days per person: once a minute is more than enough.
EVERY_SECONDS = 60.0


def settings_of(s: Settings) -> PromptSettings:
    return PromptSettings(
        tz=s.tz,
        delay=timedelta(0),
        quiet_start=s.quiet_hours_start,
        quiet_end=s.quiet_hours_end,
    )


async def tick(rt: Runtime) -> int:
    """Enqueue the prompts that fell due (held to the end of quiet hours)."""
    async with rt.db.transaction() as session:
        added = await wellbeing.enqueue_due(
            session, now=rt.clock.now(), cfg=settings_of(rt.settings), translator=rt.translator
        )
    if added:
        rt.wake_outbox()
    return added


async def job(context: MiroirContext) -> None:
    """JobQueue entry point: well-being prompts that fall due."""
    await tick(context.runtime)
