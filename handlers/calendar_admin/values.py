"""The values offered as buttons, and the readers of typed ones, for a new or changed series."""

from __future__ import annotations

import re
from datetime import time

from bot.services import calendar

TIME_CHOICES = (time(10), time(14), time(14, 30), time(18))
DURATION_CHOICES = (60, 90, 120, 180)
CAPACITY_CHOICES = (10, 15, 20, 25)


def time_value(moment: time) -> str:
    """An offered start time as a button carries it."""
    return moment.strftime("%H%M")


def time_from_value(value: str) -> time | None:
    """The offered start time a button carried, or None if it is not one of them."""
    return next((t for t in TIME_CHOICES if time_value(t) == value), None)


def number(value: str) -> int | None:
    """A button's small number; None for anything else."""
    return int(value) if re.fullmatch(r"[0-9]+", value) else None


def clean(text: str, limit: int) -> str | None:
    text = text.strip()
    return text if 0 < len(text) <= limit else None


def read_capacity(text: str) -> int | None:
    # [0-9] rather than isdigit(): "²" or "٣" are digits to Python, not to a facilitator.
    text = text.strip()
    if not re.fullmatch(r"[0-9]{1,3}", text):
        return None
    value = int(text)
    return value if 1 <= value <= calendar.MAX_CAPACITY else None
