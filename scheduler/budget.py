"""Jobs of the participatory budget (placeholder until built)."""

from __future__ import annotations

from bot.context import MiroirContext

EVERY_SECONDS = 30.0


async def job(context: MiroirContext) -> None:
    """JobQueue entry point: basket reminders and rounds that end."""
