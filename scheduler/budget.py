"""Jobs of the participatory budget: basket reminders, and rounds that end."""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import MiroirContext
from bot.runtime import Runtime
from bot.services import budget

EVERY_SECONDS = 30.0


@dataclass(frozen=True)
class Tick:
    reminders: int  # reminder messages enqueued
    closed: list[budget.Result]  # rounds closed, with their results


async def tick(rt: Runtime) -> Tick:
    """Enqueue the reminders that are due, then close the rounds whose end has passed.

    Two transactions: a failure while closing does not take back the reminders.
    """
    now = rt.clock.now()
    async with rt.db.transaction() as session:
        reminders = await budget.enqueue_reminders(
            session, now=now, translator=rt.translator, tz=rt.settings.tz
        )
    async with rt.db.transaction() as session:
        closed = await budget.close_due(session, now=now, translator=rt.translator)
    if reminders or closed:
        rt.wake_outbox()
    return Tick(reminders, closed)


async def job(context: MiroirContext) -> None:
    """JobQueue entry point: basket reminders and rounds that end."""
    await tick(context.runtime)
