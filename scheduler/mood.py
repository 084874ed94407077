"""Jobs of the mood check-ins: the prompts after sessions, and deleting old answers."""

from __future__ import annotations

from datetime import timedelta

from bot.config import Settings
from bot.context import MiroirContext
from bot.runtime import Runtime
from bot.services import mood
from bot.services.mood import PromptSettings

PROMPTS_EVERY_SECONDS = 30.0
RETENTION_EVERY_SECONDS = 3600.0


def prompt_settings(s: Settings) -> PromptSettings:
    return PromptSettings(
        tz=s.tz,
        delay=timedelta(minutes=s.mood_prompt_delay_minutes),
        quiet_start=s.quiet_hours_start,
        quiet_end=s.quiet_hours_end,
    )


async def prompt_tick(rt: Runtime) -> int:
    """Enqueue "Comment vous sentez-vous ?" for sessions whose delay has passed."""
    async with rt.db.transaction() as session:
        added = await mood.enqueue_prompts(
            session,
            now=rt.clock.now(),
            cfg=prompt_settings(rt.settings),
            translator=rt.translator,
        )
    if added:
        rt.wake_outbox()
    return added


async def retention_tick(rt: Runtime) -> int:
    """Delete check-ins, words and scores older than MOOD_RETENTION_MONTHS."""
    today = rt.clock.now().astimezone(rt.settings.tz).date()
    async with rt.db.transaction() as session:
        return await mood.forget_old(
            session, today=today, months=rt.settings.mood_retention_months
        )


async def prompts_job(context: MiroirContext) -> None:
    """JobQueue entry point: mood prompts."""
    await prompt_tick(context.runtime)


async def retention_job(context: MiroirContext) -> None:
    """JobQueue entry point: old check-ins deleted."""
    await retention_tick(context.runtime)
