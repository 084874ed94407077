"""Periodic jobs on PTB's JobQueue (APScheduler): thin wrappers around services."""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.runtime import Runtime

log = logging.getLogger(__name__)

# Every job and its period in seconds; capabilities add theirs.
JOBS: list[tuple[str, Any, float]] = []


def add_job(name: str, callback: Any, every_seconds: float) -> None:
    if all(existing[0] != name for existing in JOBS):
        JOBS.append((name, callback, every_seconds))


def schedule(app: Application[Any, Any, Any, Any, Any, Any], rt: Runtime) -> None:
    """Start every periodic job; each runs at most once at a time."""
    queue = app.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    for name, callback, every in JOBS:
        queue.run_repeating(
            callback, interval=every, first=1.0, name=name, job_kwargs={"max_instances": 1}
        )


def runtime_of(context: ContextTypes.DEFAULT_TYPE) -> Runtime:
    rt = context.bot_data["runtime"]
    assert isinstance(rt, Runtime)
    return rt
