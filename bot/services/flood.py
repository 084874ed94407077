"""Flood protection: one person sending too much too fast is paused, nobody else.

Counted per person, in memory, on a clock the caller gives (seconds as a float), so tests
move time instead of sleeping. More than `updates` in the last `window` seconds starts a
pause of `pause` seconds: the update that crossed the line gets WARN (say so, once), the
ones during the pause get DROP, and the pause ends with a fresh count. The pause counts
too: past `updates` in a window (a script, not a hand) its updates get IGNORE, so a
flood of 50 taps a second does not cost an answer each. People idle for a window (and
not paused) are forgotten: memory follows who is active, not who ever wrote.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field

# Facilitators work in bursts (marking who came, name after name): once they are known
# as facilitators their allowance is this many times a participant's, still far below
# what a stuck phone or a script sends.
TRUSTED_FACTOR = 3


class Verdict(enum.Enum):
    PASS = "pass"  # handle the update
    WARN = "warn"  # a pause starts with this update: say so (once) and drop it
    DROP = "drop"  # paused: drop it without a word (a tap still gets its empty answer)
    IGNORE = "ignore"  # paused and still far too fast (a script): not even an answer


@dataclass(frozen=True)
class FloodLimits:
    updates: int  # allowed in one window; one more starts the pause
    window: float  # seconds
    pause: float  # seconds

    def __post_init__(self) -> None:
        if self.updates < 1 or self.window <= 0 or self.pause <= 0:
            raise ValueError(f"flood limits must be positive: {self}")


@dataclass
class _Person:
    last: float
    times: deque[float] = field(default_factory=deque)  # the updates counted, in the window
    paused_until: float | None = None
    dropped: deque[float] = field(default_factory=deque)  # the pause's, in the window
    trusted: bool = False


class FloodLimiter:
    """Who is sending too much: `hit` once per update, with the time it arrived."""

    def __init__(self) -> None:
        self._people: dict[Hashable, _Person] = {}
        self._swept = float("-inf")

    def __len__(self) -> int:
        """How many people are remembered (active in the last window, or paused)."""
        return len(self._people)

    def hit(self, key: Hashable, *, now: float, limits: FloodLimits) -> Verdict:
        """Count one update of `key` at `now`; what to do with it."""
        self._sweep(now, limits)
        person = self._people.get(key)
        if person is None or now < person.last:
            # New, or the clock went back (a system clock stepped by NTP): start afresh
            # rather than keep someone paused for the length of the jump.
            person = self._people[key] = _Person(last=now)
        person.last = now
        times, dropped = person.times, person.dropped
        if person.paused_until is not None and now >= person.paused_until:
            person.paused_until = None
            times.clear()
            dropped.clear()
        allowed = limits.updates * (TRUSTED_FACTOR if person.trusted else 1)
        if person.paused_until is not None:
            _slide(dropped, now - limits.window)
            if len(dropped) >= allowed:
                return Verdict.IGNORE  # not kept: the deque never grows past `allowed`
            dropped.append(now)
            return Verdict.DROP
        times.append(now)
        _slide(times, now - limits.window)
        if len(times) <= allowed:
            return Verdict.PASS
        person.paused_until = now + limits.pause
        return Verdict.WARN

    def trust(self, key: Hashable) -> bool:
        """`key` turned out to be a facilitator: lift the pause just started and raise the
        allowance. False when they were trusted already (then the pause stands)."""
        person = self._people.get(key)
        if person is None or person.trusted:
            return False
        person.trusted = True
        person.paused_until = None
        return True

    def _sweep(self, now: float, limits: FloodLimits) -> None:
        """Forget the idle, at most once a window (each sweep looks at everyone)."""
        if now - self._swept < limits.window and now >= self._swept:
            return
        self._swept = now
        idle_since = now - limits.window
        self._people = {
            key: person
            for key, person in self._people.items()
            if person.last > idle_since
            or (person.paused_until is not None and person.paused_until > now)
        }


def _slide(times: deque[float], after: float) -> None:
    """Forget the times that left the window (those at or before `after`)."""
    while times and times[0] <= after:
        times.popleft()
