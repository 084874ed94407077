"""Button data read back: anything forged or malformed is refused before any query."""

from __future__ import annotations

from bot.callback_data import ID, MAX_ID, ButtonKind

KIND = ButtonKind("xx", (ID,))


def test_an_id_a_database_can_hold_is_read() -> None:
    parsed = KIND.parse(f"xx:{MAX_ID}")
    assert parsed is not None and parsed.int_arg(0) == MAX_ID


def test_a_forged_id_too_big_for_the_database_is_refused() -> None:
    # PostgreSQL refuses a query with 8000000000 for an INTEGER: the tap must not reach it.
    assert KIND.parse(f"xx:{MAX_ID + 1}") is None
    assert KIND.parse("xx:8000000000") is None
