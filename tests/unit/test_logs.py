"""Logs an operator can read and share: no token, JSON on demand, one line per update."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from telegram import Update

from bot.context import MiroirApp
from bot.logs import REDACTED, HandledUpdate, configure_logging, install_update_log
from bot.sandbox.fake_telegram import FakeTelegram
from tests.utils import TOKEN, onboard

SECRET_HALF = TOKEN.split(":", 1)[1]


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """What the configured root handler writes; the previous logging setup comes back after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in ("httpx", "apscheduler")}
    yield io.StringIO()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def test_the_token_never_reaches_the_output(output: io.StringIO) -> None:
    configure_logging(token=TOKEN, stream=output)
    url = f"https://api.telegram.org/bot{TOKEN}/getUpdates"
    logging.getLogger("httpx").warning("HTTP Request: POST %s", url)
    logging.getLogger("miroir").info(f"token is {TOKEN}", extra={"where": url})
    try:
        raise httpx.ConnectError(f"cannot reach {url}")
    except httpx.ConnectError:
        logging.getLogger("telegram.ext.Updater").exception("network trouble")

    text = output.getvalue()
    assert TOKEN not in text and SECRET_HALF not in text
    assert text.count(REDACTED) >= 3
    assert "network trouble" in text and "ConnectError" in text


def test_the_webhook_secret_is_hidden_too(output: io.StringIO) -> None:
    configure_logging(token=TOKEN, secrets=["webhook-s3cret"], stream=output)
    logging.getLogger("telegram.ext.Updater").warning("secret token: %s", "webhook-s3cret")
    assert "webhook-s3cret" not in output.getvalue()
    assert REDACTED in output.getvalue()


def test_json_lines_carry_the_fields_and_no_token(output: io.StringIO) -> None:
    configure_logging(token=TOKEN, fmt="json", stream=output)
    logging.getLogger("miroir.test").info(
        "sent %d", 3, extra={"chat": 12, "url": f"/bot{TOKEN}/x"}
    )
    try:
        raise RuntimeError(f"failed at /bot{TOKEN}/sendMessage")
    except RuntimeError:
        logging.getLogger("miroir.test").exception("oops")

    lines = [json.loads(line) for line in output.getvalue().splitlines()]
    assert len(lines) == 2
    first, second = lines
    assert {"time", "level", "logger", "message"} <= first.keys()
    assert first["level"] == "INFO" and first["logger"] == "miroir.test"
    assert first["message"] == "sent 3" and first["chat"] == 12
    assert first["url"] == f"/bot{REDACTED}/x"
    assert second["level"] == "ERROR" and "RuntimeError" in second["exception"]
    assert TOKEN not in output.getvalue() and SECRET_HALF not in output.getvalue()


def test_scheduler_and_http_libraries_are_quiet(output: io.StringIO) -> None:
    configure_logging(token=TOKEN, stream=output)
    logging.getLogger("apscheduler.executors.default").info('Job "outbox" executed')
    logging.getLogger("httpx").info("HTTP Request: POST ...")
    assert logging.getLogger("apscheduler").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    assert output.getvalue() == ""


class FakeApp:
    """Just what install_update_log wraps: process_update, and process_error on failure."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.seen: list[object] = []
        self.errors: list[Exception] = []

    async def process_update(self, update: object) -> None:
        self.seen.append(update)
        if self.fail:
            await self.process_error(update=update, error=ValueError("handler broke"))

    async def process_error(self, update: object, error: Exception, **_: Any) -> bool:
        self.errors.append(error)
        return False


def message_update(update_id: int, text: str) -> Update:
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 201, "type": "private", "first_name": "Ana"},
                "from": {"id": 201, "is_bot": False, "first_name": "Ana"},
                "text": text,
            },
        },
        None,
    )


async def test_one_line_per_update_without_what_was_written(output: io.StringIO) -> None:
    configure_logging(token=TOKEN, fmt="json", stream=output)
    good, bad = FakeApp(), FakeApp(fail=True)
    install_update_log(good)
    install_update_log(bad)

    await good.process_update(message_update(7, "je me sens triste aujourd'hui"))
    await bad.process_update(message_update(8, "encore moi"))

    assert len(good.seen) == 1 and len(bad.errors) == 1
    lines = [json.loads(line) for line in output.getvalue().splitlines()]
    assert [(x["update_id"], x["kind"], x["handler"], x["outcome"]) for x in lines] == [
        (7, "message", "none", "ok"),
        (8, "message", "none", "error"),
    ]
    assert all(isinstance(x["duration_ms"], float | int) for x in lines)
    text = output.getvalue()
    assert "triste" not in text and "encore" not in text and "Ana" not in text


async def test_each_logged_update_is_also_told_to_the_observer(output: io.StringIO) -> None:
    configure_logging(token=TOKEN, fmt="json", stream=output)
    heard: list[HandledUpdate] = []
    bad = FakeApp(fail=True)
    install_update_log(bad, heard.append)

    await bad.process_update(message_update(9, "rien"))

    assert [(h.update_id, h.kind, h.handler, h.outcome) for h in heard] == [
        (9, "message", "none", "error")
    ]
    assert heard[0].duration_ms >= 0
    assert len(output.getvalue().splitlines()) == 1  # the log line was written as well


async def test_the_real_application_logs_each_update_once(
    app: MiroirApp, fake: FakeTelegram, output: io.StringIO
) -> None:
    install_update_log(app)
    configure_logging(token=TOKEN, fmt="json", stream=output)

    ana = await onboard(fake, 201, "Ana")
    await ana.send("mon secret du jour")

    updates = [
        line
        for line in map(json.loads, output.getvalue().splitlines())
        if line["logger"] == "miroir.updates"
    ]
    # /start, the language tap, the consent tap, then the text.
    assert [u["kind"] for u in updates] == [
        "message",
        "callback_query",
        "callback_query",
        "message",
    ]
    assert all(u["outcome"] == "ok" for u in updates)
    assert len({u["update_id"] for u in updates}) == 4
    # Each line names the handler that answered (module.function), never "none" here.
    assert all(u["handler"] != "none" and "." in u["handler"] for u in updates)
    # The flood guard sees every update first, but the line names who answered.
    assert not any("flood" in u["handler"] for u in updates)
    text = output.getvalue()
    assert "secret" not in text and "Ana" not in text and TOKEN not in text
