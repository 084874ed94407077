"""Facilitators' calendar (being written)."""

from __future__ import annotations

from telegram.ext import Application


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add the calendar's handlers."""
