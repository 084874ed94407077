"""The monthly report: on the first local day of a month, when MONTHLY_REPORT is on, each
facilitator is told last month's report is ready (through the outbox, once per month)."""

from __future__ import annotations

from bot.context import MiroirContext
from bot.runtime import Runtime
from bot.services import funder_report

# The first day lasts 24 hours: a look every 10 minutes is soon enough.
EVERY_SECONDS = 600.0


async def tick(rt: Runtime) -> int:
    """Enqueue the monthly messages that are due; how many were new."""
    s = rt.settings
    if not s.monthly_report:
        return 0
    async with rt.db.transaction() as session:
        added = await funder_report.enqueue_monthly(
            session, now=rt.clock.now(), tz=s.tz, translator=rt.translator
        )
    if added:
        rt.wake_outbox()
    return added


async def job(context: MiroirContext) -> None:
    """JobQueue entry point: the monthly report's message, on the first day."""
    await tick(context.runtime)
