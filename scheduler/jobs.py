"""Periodic jobs on PTB's JobQueue (APScheduler): thin wrappers around services."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from bot.context import MiroirApp, MiroirContext
from scheduler import (
    broadcasts,
    budget,
    group_edits,
    inactivity,
    mood,
    reminders,
    report,
    wellbeing,
)

log = logging.getLogger(__name__)

JobCallback = Callable[[MiroirContext], Coroutine[Any, Any, None]]


def schedule(app: MiroirApp) -> None:
    """Start every periodic job; each runs at most once at a time."""
    queue = app.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    every: list[tuple[str, JobCallback, float]] = [
        ("broadcasts", broadcasts.job, broadcasts.REPORT_EVERY_SECONDS),
        ("reminders", reminders.reminders_job, reminders.REMINDERS_EVERY_SECONDS),
        ("materialize", reminders.materialize_job, reminders.MATERIALIZE_EVERY_SECONDS),
        ("group_edits", group_edits.flush_job, 1.0),
        ("mood_prompts", mood.prompts_job, mood.PROMPTS_EVERY_SECONDS),
        ("mood_retention", mood.retention_job, mood.RETENTION_EVERY_SECONDS),
        ("wellbeing_prompts", wellbeing.job, wellbeing.EVERY_SECONDS),
        ("budget", budget.job, budget.EVERY_SECONDS),
        ("inactivity", inactivity.job, inactivity.EVERY_SECONDS),
        ("monthly_report", report.job, report.EVERY_SECONDS),
    ]
    for name, callback, seconds in every:
        queue.run_repeating(
            callback, interval=seconds, first=1.0, name=name, job_kwargs={"max_instances": 1}
        )
