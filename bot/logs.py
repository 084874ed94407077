"""Logging for operators: text or JSON lines, no bot token, one line per handled update.

The token hides in places a message filter alone would miss: httpx puts it in every URL,
and an exception's text repeats the URL. The filter sits on the root handler, so every
logger's records pass through it before anything is written.
"""

from __future__ import annotations

import contextvars
import functools
import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from telegram.constants import UpdateType

REDACTED = "[token]"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Libraries that talk too much at INFO: httpx logs each request (with the token in the
# URL), APScheduler each job run (several lines a second), Alembic each migration step.
QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler", "alembic")

# Attributes every LogRecord has; anything else came in through `extra=`.
_STANDARD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "taskName"}
)

log = logging.getLogger("miroir.updates")


def _secrets(token: str) -> tuple[str, ...]:
    """The whole token, and its secret half alone (it is what matters if leaked)."""
    token = token.strip()
    if not token:
        return ()
    secret = token.split(":", 1)[1] if ":" in token else ""
    return tuple(s for s in (token, secret) if len(s) >= 8)


class RedactToken(logging.Filter):
    """Replace the bot token (and other secrets) in messages, extra fields and exceptions."""

    def __init__(self, token: str, others: Sequence[str] = ()) -> None:
        super().__init__()
        self._secrets = _secrets(token) + tuple(s for s in others if s)

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, self._clean(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and key not in entry:
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(
    *,
    level: str = "INFO",
    fmt: Literal["text", "json"] = "text",
    token: str = "",
    secrets: Sequence[str] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Replace the root handlers with one that redacts the token (and `secrets`, such as
    the webhook's); quiet the chatty libraries."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RedactToken(token, secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler


def update_kind(update: object) -> str:
    """Which part of the update is set: message, callback_query, my_chat_member..."""
    for kind in UpdateType:
        if getattr(update, kind.value, None) is not None:
            return str(kind.value)
    return "unknown"


def handler_name(handler: object) -> str:
    """`module.function` of a handler's callback, or the conversation's name."""
    callback = getattr(handler, "callback", None)
    if callback is None:
        return str(getattr(handler, "name", None) or type(handler).__name__)
    module = str(getattr(callback, "__module__", "") or "").rsplit(".", 1)[-1]
    name = str(getattr(callback, "__qualname__", None) or type(callback).__name__)
    return f"{module}.{name}" if module else name


@dataclass(frozen=True)
class HandledUpdate:
    """What the update log knows of one handled update (never what people wrote)."""

    update_id: int | None
    kind: str
    handler: str
    duration_ms: float
    outcome: str


# Told of every handled update after its log line (the metrics count them).
UpdateObserver = Callable[[HandledUpdate], None]


def log_update(handled: HandledUpdate) -> None:
    """The one line per handled update: ids and timings only, never what people wrote."""
    log.info(
        "update %s %s by %s: %s in %.0f ms",
        handled.update_id,
        handled.kind,
        handled.handler,
        handled.outcome,
        handled.duration_ms,
        extra={
            "update_id": handled.update_id,
            "kind": handled.kind,
            "handler": handled.handler,
            "duration_ms": round(handled.duration_ms, 1),
            "outcome": handled.outcome,
        },
    )


@dataclass
class _Outcome:
    failed: bool = False
    handlers: list[str] = field(default_factory=list)  # the callbacks that ran, in order
    guards: list[str] = field(default_factory=list)  # those of groups before the main one


# Set for the time of one process_update; tasks it starts inherit it, so an error
# reported from a handler marks the update it belongs to.
_current: contextvars.ContextVar[_Outcome] = contextvars.ContextVar("miroir_update_outcome")


LOGGING_MARK = "_miroir_logs_updates"


def _named(
    callback: Callable[..., Awaitable[Any]], name: str, *, guard: bool
) -> Callable[..., Awaitable[Any]]:
    """The callback, noting its name on the update being handled before it runs."""

    @functools.wraps(callback)
    async def run(*args: Any, **kwargs: Any) -> Any:
        outcome = _current.get(None)
        if outcome is not None:
            (outcome.guards if guard else outcome.handlers).append(name)
        return await callback(*args, **kwargs)

    return run


def install_update_log(app: Any, observe: UpdateObserver | None = None) -> None:
    """Wrap `app.process_update` (PTB has no middleware) to log each update once.

    `app.process_error` is wrapped too: PTB catches a handler's exception and hands it to
    the error handlers, so process_update itself returns normally on failure. `observe`
    hears of each update after its line is written.
    """
    if getattr(app.process_update, LOGGING_MARK, False):
        return  # installed already (build_application does it)
    original_update: Callable[[object], Awaitable[None]] = app.process_update
    original_error: Callable[..., Awaitable[bool]] = app.process_error
    # PTB has no hook that says which handler took an update: each callback notes its
    # own name as it runs (no second matching of every handler on every update).
    groups: dict[int, list[Any]] = getattr(app, "handlers", None) or {}
    for group, handlers in groups.items():
        for handler in handlers:
            # A guard (the flood guard, group -1) sees every update: named only when it
            # was the last to see one (it dropped it), so lines name the real handler.
            handler.callback = _named(handler.callback, handler_name(handler), guard=group < 0)

    async def process_update(update: object) -> None:
        outcome = _Outcome()
        reset = _current.set(outcome)
        start = time.perf_counter()
        try:
            await original_update(update)
        except BaseException:
            outcome.failed = True
            raise
        finally:
            _current.reset(reset)
            handled = HandledUpdate(
                update_id=getattr(update, "update_id", None),
                kind=update_kind(update),
                handler="+".join(outcome.handlers or outcome.guards) or "none",
                duration_ms=(time.perf_counter() - start) * 1000,
                outcome="error" if outcome.failed else "ok",
            )
            log_update(handled)
            if observe is not None:
                observe(handled)

    async def process_error(*args: Any, **kwargs: Any) -> bool:
        current = _current.get(None)
        if current is not None:
            current.failed = True
        return await original_error(*args, **kwargs)

    setattr(process_update, LOGGING_MARK, True)
    app.process_update = process_update
    app.process_error = process_error
