"""People who stopped using the bot: the warning, then the erasure a grace period later."""

from __future__ import annotations

from datetime import timedelta

from bot.config import Settings
from bot.context import MiroirContext
from bot.runtime import Runtime
from bot.services import inactivity
from bot.services.inactivity import InactivitySettings

# Absences are counted in months and the grace in days: once an hour is plenty.
EVERY_SECONDS = 3600.0


def settings_of(s: Settings) -> InactivitySettings:
    return InactivitySettings(
        months=s.inactive_months,
        grace=timedelta(days=s.inactive_grace_days),
        tz=s.tz,
        quiet_start=s.quiet_hours_start,
        quiet_end=s.quiet_hours_end,
    )


async def tick(rt: Runtime) -> tuple[int, int]:
    """Warn who reached the limit, erase who was warned long enough ago: (warned, erased)."""
    cfg = settings_of(rt.settings)
    async with rt.db.transaction() as session:
        erased = await inactivity.remove_expired(session, now=rt.clock.now(), cfg=cfg)
    async with rt.db.transaction() as session:
        warned = await inactivity.warn(
            session, now=rt.clock.now(), cfg=cfg, translator=rt.translator
        )
    if warned:
        rt.wake_outbox()
    return warned, len(erased)


async def job(context: MiroirContext) -> None:
    """JobQueue entry point: inactivity warnings and erasures."""
    await tick(context.runtime)
