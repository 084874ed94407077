"""Demo data for the sandbox's first start (placeholder until built)."""

from __future__ import annotations

from bot.sandbox.core import Sandbox


async def seed(sandbox: Sandbox) -> None:
    """A workshop with its next sessions, a past one with attendance, moods, projects."""
