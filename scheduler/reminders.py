"""Jobs of the calendar: write sessions ahead, enqueue reminders when they fall due."""

from __future__ import annotations

from datetime import timedelta

from bot.config import Settings
from bot.context import MiroirContext
from bot.runtime import Runtime
from bot.services import calendar, reminders
from bot.services.reminders import ReminderSettings

# Reminders are looked for this often, and written this far ahead with their exact time,
# so the sender sends them on time whatever the job's phase.
REMINDERS_EVERY_SECONDS = 1.0
LEAD = timedelta(seconds=2)
MATERIALIZE_EVERY_SECONDS = 3600.0


def settings_of(s: Settings) -> ReminderSettings:
    return ReminderSettings(
        tz=s.tz,
        day_before_at=s.reminder_day_before_at,
        hours_before=s.reminder_hours_before,
        default_language=s.default_language,
        remind_facilitators=s.remind_facilitators,
        quiet_start=s.quiet_hours_start,
        quiet_end=s.quiet_hours_end,
    )


async def tick(rt: Runtime) -> int:
    """Enqueue the reminders due now (and those missed while the bot was down)."""
    async with rt.db.transaction() as session:
        added = await reminders.enqueue_due(
            session,
            now=rt.clock.now(),
            cfg=settings_of(rt.settings),
            translator=rt.translator,
            lead=LEAD,
        )
    if added:
        rt.wake_outbox()
    return added


async def materialize(rt: Runtime) -> int:
    async with rt.db.transaction() as session:
        return await calendar.materialize_all(session, now=rt.clock.now(), tz=rt.settings.tz)


async def reminders_job(context: MiroirContext) -> None:
    """JobQueue entry point: reminders."""
    await tick(context.runtime)


async def materialize_job(context: MiroirContext) -> None:
    """JobQueue entry point: sessions written ahead."""
    await materialize(context.runtime)
