"""The flood-limit throttle, driven by a fake monotonic clock (no real sleeping)."""

from __future__ import annotations

from typing import NoReturn, TypedDict, Unpack

import pytest
from telegram.error import RetryAfter

from bot.sending import LimitArgs
from scheduler.ratelimit import TelegramRateLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.starts: list[tuple[float, object]] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


class Limits(TypedDict, total=False):
    per_second: float
    private_per_second: float
    group_per_minute: float
    private_burst: int


def limiter(t: FakeTime, **limits: Unpack[Limits]) -> TelegramRateLimiter:
    """The real limiter on `t`'s clock, without the safety margin."""
    return TelegramRateLimiter(monotonic=t.monotonic, sleep=t.sleep, safety=1.0, **limits)


async def _send(
    rl: TelegramRateLimiter, t: FakeTime, chat: int, endpoint: str = "sendMessage"
) -> None:
    """One call to `endpoint` for `chat`, through the limiter; `t.starts` notes when it ran."""

    async def call() -> dict[str, bool]:
        t.starts.append((t.now, chat))
        return {"ok": True}

    await rl.process_request(call, (), {}, endpoint, {"chat_id": chat}, None)


async def test_overall_rate_is_respected() -> None:
    t = FakeTime()
    rl = limiter(t, per_second=30)
    for chat in range(1, 91):
        await _send(rl, t, chat)
    times = [s for s, _ in t.starts]
    # 90 messages to 90 people at 30/s take 3 seconds, never more than 30 in a second.
    assert times[-1] == pytest.approx(89 / 30)
    assert all(sum(1 for x in times if a <= x < a + 1 - 1e-9) <= 30 for a in times)


async def test_one_message_a_second_per_private_chat_after_a_small_burst() -> None:
    t = FakeTime()
    rl = limiter(t, per_second=1000, private_per_second=1, private_burst=3)
    for _ in range(6):
        await _send(rl, t, 42)
    times = [s for s, _ in t.starts]
    # Three at once (a reply and its menu), then one a second.
    assert times == pytest.approx([0.0, 0.0, 0.0, 1.0, 2.0, 3.0], abs=0.01)


async def test_groups_get_twenty_messages_a_minute() -> None:
    t = FakeTime()
    rl = limiter(t, per_second=1000, group_per_minute=20)
    for _ in range(21):
        await _send(rl, t, -100123)
    times = [s for s, _ in t.starts]
    assert times[20] - times[0] == pytest.approx(60.0, abs=0.05)


async def test_answers_to_button_taps_are_never_throttled() -> None:
    t = FakeTime()
    rl = limiter(t, per_second=1)
    for _ in range(5):
        await _send(rl, t, 1, "answerCallbackQuery")
    assert t.now == 0.0


async def test_interactive_429_waits_and_retries_but_outbox_calls_get_it_back() -> None:
    t = FakeTime()
    rl = limiter(t, per_second=1000)
    calls: list[float] = []

    async def flaky() -> bool:
        calls.append(t.now)
        if len(calls) == 1:
            raise RetryAfter(5)
        return True

    assert await rl.process_request(flaky, (), {}, "sendMessage", {"chat_id": 9}, None) is True
    assert calls[1] - calls[0] >= 5

    async def always_busy() -> NoReturn:
        raise RetryAfter(3)

    with pytest.raises(RetryAfter):
        await rl.process_request(
            always_busy, (), {}, "sendMessage", {"chat_id": 10}, LimitArgs(retry_on_429=False)
        )


async def test_429_for_one_chat_holds_that_chat_only_but_several_hold_everything() -> None:
    t = FakeTime()
    rl = limiter(t, per_second=1000)
    rl.penalize(1, 10)
    await _send(rl, t, 2)
    assert t.now < 0.01  # another chat goes on
    for chat in (3, 4, 5):
        rl.penalize(chat, 5)
    await _send(rl, t, 6)
    assert t.now >= 5  # three chats refused within a second: everything waited


async def test_waits_and_429s_are_counted_for_the_metrics() -> None:
    t = FakeTime()
    rl = limiter(t, per_second=1)
    await _send(rl, t, 1)
    assert (rl.waits, rl.waited_seconds) == (0, 0.0)  # the first one goes at once
    await _send(rl, t, 2)
    await _send(rl, t, 3)
    assert rl.waits == 2
    assert rl.waited_seconds == pytest.approx(2.0)
    assert t.now == pytest.approx(2.0)
    assert rl.retry_afters == 0

    calls: list[float] = []

    async def busy_once() -> bool:
        calls.append(t.now)
        if len(calls) == 1:
            raise RetryAfter(5)
        return True

    await rl.process_request(busy_once, (), {}, "sendMessage", {"chat_id": 7}, None)
    assert rl.retry_afters == 1
    assert rl.waits == 4  # the first try waited for its turn, the retry for the pause
