"""/healthz and /metrics: what whoever runs the bot sees when they ask whether it is well."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from telegram import Update

from bot.app import build_application
from bot.clock import FrozenClock
from bot.config import Settings
from bot.context import MiroirApp
from bot.db import Database
from bot.health import HealthServerError, Monitor, outbox_figures
from bot.logs import HandledUpdate
from bot.metrics import Metrics
from bot.models import OutboxState
from bot.sandbox.fake_telegram import FakeTelegram, ptb_request
from bot.services import outbox
from bot.services.outbox import Outgoing
from tests.conftest import instant_rate_limiter
from tests.utils import JSON, deliver, onboard, sender

# Nothing listens on port 1: a database there refuses every connection at once.
NOWHERE = "postgresql+asyncpg://miroir@127.0.0.1:1/nowhere"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def live(
    settings: Settings, fake: FakeTelegram, clock: FrozenClock, database: Database
) -> AsyncIterator[tuple[MiroirApp, httpx.AsyncClient]]:
    """The real application with HEALTH_PORT set, and a client for its health server."""
    port = free_port()
    app = build_application(
        settings.model_copy(update={"health_port": port, "outbox_poll_seconds": 0.02}),
        request=ptb_request(fake),
        updates_request=ptb_request(fake),
        clock=clock,
        database=database,
        rate_limiter=instant_rate_limiter(),
        background=False,
    )
    await app.initialize()
    assert app.post_init is not None and app.post_stop is not None
    await app.post_init(app)

    async def sink(update: JSON) -> None:
        await app.process_update(Update.de_json(update, app.bot))

    fake.set_update_sink(sink)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            yield app, client
    finally:
        await app.post_stop(app)
        await app.shutdown()


@asynccontextmanager
async def sender_running(app: MiroirApp) -> AsyncIterator[None]:
    """The outbox sender's loop, as the running bot has it, until the block ends."""
    stop = asyncio.Event()
    task = asyncio.create_task(sender(app).run(stop))
    async with asyncio.timeout(10):
        while sender(app).last_beat is None:  # noqa: ASYNC110 - the sender signals no event
            await asyncio.sleep(0.01)
    try:
        yield
    finally:
        stop.set()
        await task


async def test_a_live_bot_is_healthy(
    settings: Settings, fake: FakeTelegram, clock: FrozenClock, database: Database
) -> None:
    async with live(settings, fake, clock, database) as (app, client), sender_running(app):
        answer = await client.get("/healthz")

    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True}
    assert body["sender"]["ok"] is True
    assert body["outbox"] == {"ok": True, "due": 0, "lag_seconds": 0.0}


async def test_a_sender_that_stopped_beating_is_unhealthy(
    settings: Settings, fake: FakeTelegram, clock: FrozenClock, database: Database
) -> None:
    async with live(settings, fake, clock, database) as (app, client):
        async with sender_running(app):
            pass  # it went round, then stopped
        clock.advance(minutes=2)
        answer = await client.get("/healthz")

    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "unhealthy"
    assert body["sender"] == {"ok": False, "last_beat_seconds_ago": 120.0}
    assert body["database"] == {"ok": True}


async def test_an_unreachable_database_is_unhealthy(
    settings: Settings, fake: FakeTelegram, clock: FrozenClock
) -> None:
    nowhere = Database(NOWHERE)
    try:
        async with live(settings, fake, clock, nowhere) as (_app, client):
            answer = await client.get("/healthz")
            metrics = await client.get("/metrics")
    finally:
        await nowhere.dispose()

    assert answer.status_code == 503
    body = answer.json()
    assert body["database"] == {"ok": False}
    assert body["outbox"] == {"ok": False, "due": None, "lag_seconds": None}
    # /metrics still answers, and says the database is down.
    assert metrics.status_code == 200
    assert sample(metrics.text, "miroir_database_up").value == 0.0


def samples(text: str, name: str) -> list[Sample]:
    return [
        s
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    ]


def sample(text: str, name: str, **labels: str) -> Sample:
    found = [s for s in samples(text, name) if labels.items() <= s.labels.items()]
    assert len(found) == 1, f"{name}{labels}: {found}"
    return found[0]


async def test_metrics_count_what_the_bot_did(
    settings: Settings, fake: FakeTelegram, clock: FrozenClock, database: Database
) -> None:
    async with live(settings, fake, clock, database) as (app, client):
        ana = await onboard(fake, 201, "Ana")  # /start, then two taps
        async with database.transaction() as session:
            await outbox.enqueue(
                session,
                Outgoing(chat_id=ana.id, kind="test", dedupe_key="hello", text="Bonjour"),
                now=clock.now(),
            )
            await outbox.enqueue(
                session,
                Outgoing(
                    chat_id=ana.id,
                    kind="test",
                    dedupe_key="later",
                    text="Plus tard",
                    not_before=clock.now() + timedelta(days=1),
                ),
                now=clock.now(),
            )
        await deliver(app)
        answer = await client.get("/metrics")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    assert sample(text, "miroir_updates_total", kind="message", outcome="ok").value == 1
    assert sample(text, "miroir_updates_total", kind="callback_query", outcome="ok").value == 2
    assert not samples(text, "miroir_handler_errors_total")
    assert sample(text, "miroir_update_duration_seconds_count", kind="message").value == 1
    assert sample(text, "miroir_database_up").value == 1
    assert sample(text, "miroir_outbox_messages", state="sent").value == 1
    assert sample(text, "miroir_outbox_messages", state="pending").value == 1
    assert sample(text, "miroir_outbox_messages", state="failed").value == 0
    assert sample(text, "miroir_outbox_due").value == 0
    assert sample(text, "miroir_sender_deliveries_total", result="sent").value == 1
    assert sample(text, "miroir_ratelimit_waits_total").value >= 0
    assert sample(text, "miroir_ratelimit_retry_after_total").value == 0


def test_a_handler_error_is_counted_by_handler() -> None:
    # Each application counts in its own registry: a second one is no duplicate.
    metrics, other = Metrics(), Metrics()
    for outcome in ("ok", "error", "error"):
        metrics.observe_update(
            HandledUpdate(
                update_id=1, kind="message", handler="mood.note", duration_ms=3.0, outcome=outcome
            )
        )
    value = metrics.registry.get_sample_value
    assert value("miroir_updates_total", {"kind": "message", "outcome": "error"}) == 2
    assert value("miroir_handler_errors_total", {"handler": "mood.note"}) == 2
    assert other.registry.get_sample_value("miroir_updates_total", {"kind": "message"}) is None


# --- how late the outbox is ------------------------------------------------------------

PARIS_EVENING = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)  # 22:00 in Dijon


@pytest.fixture
def nights(settings: Settings) -> Settings:
    """Quiet hours from 21:00 to 08:00, as deployed."""
    return settings.model_copy(
        update={"quiet_hours_start": time(21, 0), "quiet_hours_end": time(8, 0)}
    )


async def put(
    database: Database, key: str, *, at: datetime, urgent: bool = False, now: datetime
) -> None:
    async with database.transaction() as session:
        await outbox.enqueue(
            session,
            Outgoing(
                chat_id=201, kind="test", dedupe_key=key, text=key, not_before=at, urgent=urgent
            ),
            now=now,
        )


async def test_quiet_hours_hold_messages_without_making_the_outbox_late(
    database: Database, nights: Settings
) -> None:
    now = PARIS_EVENING
    await put(database, "held", at=now - timedelta(minutes=30), now=now)
    await put(database, "urgent", at=now - timedelta(minutes=10), urgent=True, now=now)
    await put(database, "tomorrow", at=now + timedelta(days=1), now=now)

    async with database.transaction() as session:
        evening = await outbox_figures(session, now=now, settings=nights)
    # At night only the urgent message is due.
    assert (evening.due, evening.lag) == (1, timedelta(minutes=10))
    assert evening.by_state[OutboxState.PENDING] == 3

    async with database.transaction() as session:
        urgent = await outbox.claim_due(session, now=now, sender_id="t", limit=10, quiet=True)
        await outbox.mark_sent(session, urgent[0].id, telegram_message_id=1, now=now)
    morning = now + timedelta(hours=10, minutes=30)  # 08:30 in Dijon
    async with database.transaction() as session:
        figures = await outbox_figures(session, now=morning, settings=nights)
    # The held message became due at 08:00, not when it was written the evening before.
    assert (figures.due, figures.lag) == (1, timedelta(minutes=30))
    assert figures.by_state[OutboxState.SENT] == 1
    assert figures.by_state[OutboxState.PENDING] == 2


@dataclass
class Totals:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    rate_limited: int = 0


@dataclass
class StillSender:
    last_beat: datetime | None
    totals: Totals = field(default_factory=Totals)


@dataclass
class NoWaits:
    waits: int = 0
    waited_seconds: float = 0.0
    retry_afters: int = 0


async def test_a_late_outbox_is_unhealthy(database: Database, settings: Settings) -> None:
    now = PARIS_EVENING
    clock = FrozenClock(now)
    monitor = Monitor(
        db=database,
        clock=clock,
        settings=settings,
        sender=StillSender(last_beat=now),
        limiter=NoWaits(),
        metrics=Metrics(),
    )
    await put(database, "recent", at=now - timedelta(minutes=4), now=now)
    assert (await monitor.status()).healthy

    await put(database, "stuck", at=now - timedelta(minutes=6), now=now)
    status = await monitor.status()
    assert not status.healthy
    assert status.database and status.sender_alive and not status.outbox_on_time
    assert status.as_json()["outbox"] == {"ok": False, "due": 2, "lag_seconds": 360.0}


async def test_a_port_already_taken_stops_the_start_before_anything_runs(
    settings: Settings, fake: FakeTelegram, clock: FrozenClock, database: Database
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        app = build_application(
            settings.model_copy(update={"health_port": port}),
            request=ptb_request(fake),
            updates_request=ptb_request(fake),
            clock=clock,
            database=database,
        )
        await app.initialize()
        assert app.post_init is not None
        with pytest.raises(HealthServerError, match=f"HEALTH_PORT {port} on 127.0.0.1"):
            await app.post_init(app)
        await app.shutdown()
    # Nothing was started: no command list was sent, no sender runs.
    assert not fake.calls("setMyCommands")
    assert sender(app).last_beat is None
