"""The flood limiter: counted per person on the caller's clock, one warning per pause."""

from __future__ import annotations

import pytest

from bot.services.flood import TRUSTED_FACTOR, FloodLimiter, FloodLimits, Verdict

LIMITS = FloodLimits(updates=20, window=10.0, pause=30.0)
NADIA, KARIM = 201, 202


def burst(
    limiter: FloodLimiter, key: int, count: int, *, start: float, every: float = 0.1
) -> list[Verdict]:
    """`count` updates of one person, `every` seconds apart; their verdicts in order."""
    return [limiter.hit(key, now=start + i * every, limits=LIMITS) for i in range(count)]


def test_twenty_updates_in_ten_seconds_pass() -> None:
    limiter = FloodLimiter()
    assert burst(limiter, NADIA, 20, start=0.0) == [Verdict.PASS] * 20


def test_the_twenty_first_starts_a_pause_with_one_warning() -> None:
    limiter = FloodLimiter()
    verdicts = burst(limiter, NADIA, 25, start=0.0)
    assert verdicts[:20] == [Verdict.PASS] * 20
    assert verdicts[20] is Verdict.WARN
    assert verdicts[21:] == [Verdict.DROP] * 4


def test_one_warning_per_pause_however_long_the_flood() -> None:
    limiter = FloodLimiter()
    verdicts = burst(limiter, NADIA, 1_000, start=0.0, every=0.02)  # 20 s at 50 a second
    assert verdicts.count(Verdict.WARN) == 1
    assert verdicts.count(Verdict.PASS) == 20


def test_during_a_pause_only_a_hands_pace_is_answered() -> None:
    """Taps at a human pace get their (empty) answer; a script's excess gets nothing."""
    limiter = FloodLimiter()
    verdicts = burst(limiter, NADIA, 500, start=0.0, every=0.02)  # 10 s at 50 a second
    paused = verdicts[21:]
    assert paused[:20] == [Verdict.DROP] * 20
    assert set(paused[20:]) == {Verdict.IGNORE}
    # A hand's pace, one tap a second: every tap of the pause is answered.
    limiter = FloodLimiter()
    burst(limiter, KARIM, 21, start=0.0, every=0.0)
    assert set(burst(limiter, KARIM, 29, start=1.0, every=1.0)) == {Verdict.DROP}


def test_updates_spread_over_more_than_the_window_never_pause() -> None:
    limiter = FloodLimiter()
    # 21 updates, but the first left the window before the last came.
    verdicts = burst(limiter, NADIA, 100, start=0.0, every=0.51)
    assert set(verdicts) == {Verdict.PASS}


def test_the_window_slides() -> None:
    limiter = FloodLimiter()
    assert burst(limiter, NADIA, 20, start=0.0, every=0.0) == [Verdict.PASS] * 20
    # 10 s later the first twenty are out of the window: twenty more pass.
    assert burst(limiter, NADIA, 20, start=10.0, every=0.0) == [Verdict.PASS] * 20
    assert limiter.hit(NADIA, now=10.0, limits=LIMITS) is Verdict.WARN


def test_after_the_pause_the_count_starts_afresh() -> None:
    limiter = FloodLimiter()
    burst(limiter, NADIA, 21, start=0.0, every=0.0)
    assert limiter.hit(NADIA, now=29.9, limits=LIMITS) is Verdict.DROP
    assert burst(limiter, NADIA, 20, start=30.0, every=0.0) == [Verdict.PASS] * 20
    # Flooding again after the pause is a new pause, with its own warning.
    assert limiter.hit(NADIA, now=30.0, limits=LIMITS) is Verdict.WARN
    assert limiter.hit(NADIA, now=30.0, limits=LIMITS) is Verdict.DROP


def test_people_are_counted_apart() -> None:
    limiter = FloodLimiter()
    burst(limiter, NADIA, 25, start=0.0, every=0.0)
    assert burst(limiter, KARIM, 20, start=0.0, every=0.0) == [Verdict.PASS] * 20
    assert limiter.hit(NADIA, now=1.0, limits=LIMITS) is Verdict.DROP


def test_a_facilitator_once_trusted_gets_three_times_the_allowance() -> None:
    limiter = FloodLimiter()
    assert burst(limiter, NADIA, 21, start=0.0, every=0.0)[-1] is Verdict.WARN
    assert limiter.trust(NADIA) is True  # the pause just started is lifted
    allowed = LIMITS.updates * TRUSTED_FACTOR
    verdicts = burst(limiter, NADIA, allowed - 21 + 1, start=0.0, every=0.0)
    assert set(verdicts[:-1]) == {Verdict.PASS}
    assert verdicts[-1] is Verdict.WARN
    # Trusted already: the pause stands.
    assert limiter.trust(NADIA) is False
    assert limiter.hit(NADIA, now=1.0, limits=LIMITS) is Verdict.DROP


def test_trusting_someone_unknown_changes_nothing() -> None:
    limiter = FloodLimiter()
    assert limiter.trust(KARIM) is False
    assert len(limiter) == 0


def test_idle_people_are_forgotten() -> None:
    limiter = FloodLimiter()
    for person in range(1_000):
        limiter.hit(person, now=0.0, limits=LIMITS)
    assert len(limiter) == 1_000
    burst(limiter, NADIA, 21, start=0.0, every=0.0)  # paused until 30 s
    limiter.hit(KARIM, now=10.5, limits=LIMITS)
    # Everyone idle for a window went; Nadia stays while paused, Karim is active.
    assert len(limiter) == 2
    limiter.hit(KARIM, now=31.0, limits=LIMITS)
    assert len(limiter) == 1


def test_memory_follows_the_active_people_not_all_who_ever_wrote() -> None:
    limiter = FloodLimiter()
    for second in range(600):  # ten minutes, 50 new people a second
        for n in range(50):
            limiter.hit(second * 50 + n, now=float(second), limits=LIMITS)
    assert len(limiter) <= 50 * (LIMITS.window + 1) * 2


def test_a_clock_that_goes_back_does_not_pause_for_the_jump() -> None:
    limiter = FloodLimiter()
    burst(limiter, NADIA, 21, start=3_600.0, every=0.0)
    # The system clock is stepped back an hour: Nadia is not paused for an hour more.
    assert limiter.hit(NADIA, now=0.0, limits=LIMITS) is Verdict.PASS


@pytest.mark.parametrize(
    ("updates", "window", "pause"), [(0, 10.0, 30.0), (20, 0.0, 30.0), (20, 10.0, -1.0)]
)
def test_limits_must_be_positive(updates: int, window: float, pause: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        FloodLimits(updates=updates, window=window, pause=pause)
