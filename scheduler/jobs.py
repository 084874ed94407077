"""Periodic jobs on PTB's JobQueue (APScheduler): thin wrappers around services."""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.runtime import Runtime

log = logging.getLogger(__name__)


def runtime_of(context: ContextTypes.DEFAULT_TYPE) -> Runtime:
    rt = context.bot_data["runtime"]
    assert isinstance(rt, Runtime)
    return rt


def schedule(app: Application[Any, Any, Any, Any, Any, Any], rt: Runtime) -> None:
    """Start every periodic job; each runs at most once at a time."""
    from scheduler import broadcasts, group_edits, reminders

    queue = app.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    every: list[tuple[str, Any, float]] = [
        ("broadcasts", broadcasts.job, broadcasts.REPORT_EVERY_SECONDS),
        ("reminders", reminders.reminders_job, reminders.REMINDERS_EVERY_SECONDS),
        ("materialize", reminders.materialize_job, reminders.MATERIALIZE_EVERY_SECONDS),
        ("group_edits", group_edits.flush_job, 1.0),
    ]
    for name, callback, seconds in every:
        queue.run_repeating(
            callback, interval=seconds, first=1.0, name=name, job_kwargs={"max_instances": 1}
        )
