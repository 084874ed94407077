"""Callback data: compact prefixed strings ("lang:fr"), built and parsed in one place.

Telegram gives back whatever a button carried, and anyone can forge it, so every
field is checked here against a pattern; ids are re-checked against the database by
the handler that acts on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
SEP = ":"

ID = r"[1-9]\d{0,9}"

# Every kind of button, with one regex per argument. Kept in one place (here rather than
# in handlers/) because outbox rows built by services carry buttons too.
SCHEMAS: dict[str, tuple[str, ...]] = {
    "lang": (r"fr|en",),
    "consent": (r"yes|no",),
    # announcements
    "ana": (r"all|next|fr|en",),  # audience
    "anw": (r"now|later",),  # when
    "ank": (r"[A-Za-z0-9_-]{6,16}", r"0|1"),  # confirm: request key, urgent
    "ans": (),  # split a long text
    "anx": (),  # drop the draft
    "anc": (ID,),  # cancel a scheduled announcement
    # sessions and answers
    "rv": (r"y|m|n|p|q", ID),  # answer: yes, maybe, no, +1 on, +1 off; occurrence
    "ics": (ID,),  # calendar file of a series
    "rem": (r"d|h|show",),  # reminder choices: day before, hours before
    "lk": (ID,),  # link the current group to a series
}


@dataclass(frozen=True)
class Callback:
    kind: str
    args: tuple[str, ...]

    def int_arg(self, index: int) -> int:
        return int(self.args[index])


def register(kind: str, *arg_patterns: str) -> None:
    """Add a kind of button (a capability's own, e.g. the facilitators' calendar)."""
    if kind in SCHEMAS and SCHEMAS[kind] != arg_patterns:
        raise ValueError(f"callback kind {kind!r} registered twice")
    SCHEMAS[kind] = arg_patterns


def make(kind: str, *args: object) -> str:
    data = SEP.join([kind, *(str(a) for a in args)])
    if kind not in SCHEMAS:
        raise ValueError(f"unknown callback kind {kind!r}")
    if parse(data) is None:
        raise ValueError(f"callback data {data!r} does not match its schema")
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data {data!r} exceeds {MAX_BYTES} bytes")
    return data


def parse(data: str | None) -> Callback | None:
    """Return the parsed callback, or None for anything malformed or unknown."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    kind, *args = data.split(SEP)
    patterns = SCHEMAS.get(kind)
    if patterns is None or len(args) != len(patterns):
        return None
    for value, pattern in zip(args, patterns, strict=True):
        if not re.fullmatch(pattern, value):
            return None
    return Callback(kind, tuple(args))


def pattern(kind: str) -> str:
    """Regex for CallbackQueryHandler: routes by kind; parse() validates the rest."""
    return f"^{re.escape(kind)}(?::|$)"
