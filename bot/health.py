"""/healthz and /metrics: whether the bot is well, and what it did, over plain HTTP.

/healthz answers 200 when the database answers a SELECT 1 within a short time, the outbox
sender went round its loop recently and nothing due in the outbox has waited too long;
503 otherwise, with the same JSON saying which part is wrong. /metrics is the Prometheus
text format: the Application's counters (bot/metrics.py) and, read at scrape time, the
outbox by state, what the sender delivered and how often the rate limiter made requests wait.

The server is off unless HEALTH_PORT is set, and listens on 127.0.0.1 by default: the
figures are not secret, but nobody outside the machine needs them. The outbox sender and
the rate limiter live in scheduler/, above this module, so they are read through the
small Protocols below.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.metrics import Metrics
from bot.models import OutboxMessage, OutboxState
from bot.services.outbox import in_quiet_hours, leaves_at

log = logging.getLogger("miroir.health")

UNSENT = (OutboxState.PENDING, OutboxState.SENDING)


class DeliveryTotals(Protocol):
    """What the outbox sender delivered since it started."""

    @property
    def sent(self) -> int: ...
    @property
    def failed(self) -> int: ...
    @property
    def retried(self) -> int: ...
    @property
    def rate_limited(self) -> int: ...


class SenderState(Protocol):
    """The outbox sender as health and metrics see it."""

    @property
    def last_beat(self) -> datetime | None: ...
    @property
    def totals(self) -> DeliveryTotals: ...


class RateLimitTotals(Protocol):
    """How often the rate limiter held requests back, and Telegram's own 429s."""

    @property
    def waits(self) -> int: ...
    @property
    def waited_seconds(self) -> float: ...
    @property
    def retry_afters(self) -> int: ...


@dataclass(frozen=True)
class Limits:
    """Beyond these the bot is unwell."""

    # The sender goes round at least every OUTBOX_POLL_SECONDS (1 s) when all is well.
    sender_stale: timedelta = timedelta(seconds=60)
    # A broadcast to a few hundred people leaves within a minute at Telegram's pace.
    outbox_lag: timedelta = timedelta(minutes=5)
    # SELECT 1 takes milliseconds; a database that takes longer is as good as gone.
    database_seconds: float = 2.0


@dataclass(frozen=True)
class OutboxFigures:
    by_state: Mapping[str, int]
    # Messages whose time has come (quiet hours count) and that have not left yet.
    due: int
    # How long the oldest of them has been due (zero when none is).
    lag: timedelta


async def outbox_figures(
    session: AsyncSession, *, now: datetime, settings: Settings
) -> OutboxFigures:
    """The outbox by state, and how late the oldest due message is.

    In quiet hours only urgent messages are due; a message held by the night became due
    when the quiet hours ended, not when it was written.
    """
    rows = await session.execute(
        select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    )
    by_state = {state.value: 0 for state in OutboxState}
    by_state.update({str(state): int(n) for state, n in rows.all()})
    due_rows = await session.execute(
        select(OutboxMessage.urgent, func.count(), func.min(OutboxMessage.not_before))
        .where(OutboxMessage.state.in_(UNSENT), OutboxMessage.not_before <= now)
        .group_by(OutboxMessage.urgent)
    )
    tz, start, end = settings.tz, settings.quiet_hours_start, settings.quiet_hours_end
    quiet = in_quiet_hours(now, tz, start, end)
    due, oldest = 0, now
    for urgent, n, first in due_rows.all():
        if quiet and not urgent:
            continue
        due_since = first if urgent else leaves_at(first, tz, start, end)
        due += int(n)
        oldest = min(oldest, due_since)
    return OutboxFigures(by_state=by_state, due=due, lag=max(now - oldest, timedelta(0)))


@dataclass(frozen=True)
class Status:
    """One look at the bot: what /healthz says and /metrics reads."""

    database: bool
    outbox: OutboxFigures | None  # None when the database did not answer
    sender_beat_age: timedelta | None  # None before the sender's first round
    limits: Limits = field(default_factory=Limits)

    @property
    def sender_alive(self) -> bool:
        age = self.sender_beat_age
        return age is not None and age <= self.limits.sender_stale

    @property
    def outbox_on_time(self) -> bool:
        return self.outbox is not None and self.outbox.lag <= self.limits.outbox_lag

    @property
    def healthy(self) -> bool:
        return self.database and self.sender_alive and self.outbox_on_time

    def as_json(self) -> dict[str, object]:
        age = self.sender_beat_age
        return {
            "status": "ok" if self.healthy else "unhealthy",
            "database": {"ok": self.database},
            "sender": {
                "ok": self.sender_alive,
                "last_beat_seconds_ago": None if age is None else round(age.total_seconds(), 3),
            },
            "outbox": {
                "ok": self.outbox_on_time,
                "due": None if self.outbox is None else self.outbox.due,
                "lag_seconds": (
                    None if self.outbox is None else round(self.outbox.lag.total_seconds(), 3)
                ),
            },
        }


class Monitor:
    """Looks at the database, the sender and the rate limiter when asked."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        settings: Settings,
        sender: SenderState,
        limiter: RateLimitTotals,
        metrics: Metrics,
        limits: Limits | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.sender = sender
        self.limiter = limiter
        self.metrics = metrics
        self.limits = limits or Limits()
        self._database_was_up = True

    async def _read_outbox(self, now: datetime) -> OutboxFigures:
        async with self.db.transaction() as session:
            await session.execute(text("SELECT 1"))
            return await outbox_figures(session, now=now, settings=self.settings)

    async def status(self) -> Status:
        now = self.clock.now()
        figures: OutboxFigures | None = None
        try:
            async with asyncio.timeout(self.limits.database_seconds):
                figures = await self._read_outbox(now)
        # Whatever the driver raises (refused connection, timeout, SQL error), the answer
        # is the same: the database is not usable now.
        except Exception as exc:
            if self._database_was_up:
                log.warning("health: the database does not answer (%s)", type(exc).__name__)
            self._database_was_up = False
        else:
            if not self._database_was_up:
                log.warning("health: the database answers again")
            self._database_was_up = True
        beat = self.sender.last_beat
        return Status(
            database=figures is not None,
            outbox=figures,
            sender_beat_age=None if beat is None else max(now - beat, timedelta(0)),
            limits=self.limits,
        )

    async def metrics_text(self) -> bytes:
        status = await self.status()
        return generate_latest(_Scrape(self.metrics, self._live(status)))

    def _live(self, status: Status) -> list[Metric]:
        """What is read at scrape time rather than counted as it happens."""
        up = GaugeMetricFamily(
            "miroir_database_up", "1 when the database answered this scrape's SELECT 1"
        )
        up.add_metric([], 1.0 if status.database else 0.0)
        families: list[Metric] = [up]
        if status.outbox is not None:
            states = GaugeMetricFamily(
                "miroir_outbox_messages",
                "Outbox messages by state (pending: waiting; sent; failed...)",
                labels=["state"],
            )
            for state, n in sorted(status.outbox.by_state.items()):
                states.add_metric([state], float(n))
            due = GaugeMetricFamily(
                "miroir_outbox_due", "Outbox messages whose time has come and not sent yet"
            )
            due.add_metric([], float(status.outbox.due))
            lag = GaugeMetricFamily(
                "miroir_outbox_lag_seconds", "How long the oldest due message has waited"
            )
            lag.add_metric([], status.outbox.lag.total_seconds())
            families += [states, due, lag]
        if status.sender_beat_age is not None:
            beat = GaugeMetricFamily(
                "miroir_sender_last_beat_age_seconds",
                "Seconds since the outbox sender last went round its loop",
            )
            beat.add_metric([], status.sender_beat_age.total_seconds())
            families.append(beat)
        totals = self.sender.totals
        delivered = CounterMetricFamily(
            "miroir_sender_deliveries",
            "Outbox deliveries by this process since it started, by result",
            labels=["result"],
        )
        for result, n in (
            ("sent", totals.sent),
            ("failed", totals.failed),
            ("retried", totals.retried),
            ("rate_limited", totals.rate_limited),
        ):
            delivered.add_metric([result], float(n))
        waits = CounterMetricFamily(
            "miroir_ratelimit_waits", "Requests the rate limiter held back to stay within limits"
        )
        waits.add_metric([], float(self.limiter.waits))
        waited = CounterMetricFamily(
            "miroir_ratelimit_wait_seconds", "Time requests spent held back by the rate limiter"
        )
        waited.add_metric([], self.limiter.waited_seconds)
        told = CounterMetricFamily(
            "miroir_ratelimit_retry_after", "Times Telegram answered 429 (retry after)"
        )
        told.add_metric([], float(self.limiter.retry_afters))
        return [*families, delivered, waits, waited, told]


class _Scrape(Collector):
    """The registry's counters followed by the figures of this scrape."""

    def __init__(self, metrics: Metrics, live: Iterable[Metric]) -> None:
        self._registry = metrics.registry
        self._live = list(live)

    def collect(self) -> Iterator[Metric]:
        yield from self._registry.collect()
        yield from self._live


class _HealthHandler(RequestHandler):
    def initialize(self, monitor: Monitor) -> None:
        self.monitor = monitor

    async def get(self) -> None:
        status = await self.monitor.status()
        self.set_status(200 if status.healthy else 503)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(status.as_json()))


class _MetricsHandler(RequestHandler):
    def initialize(self, monitor: Monitor) -> None:
        self.monitor = monitor

    async def get(self) -> None:
        body = await self.monitor.metrics_text()
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.set_header("Cache-Control", "no-store")
        self.finish(body)


def _no_access_log(handler: RequestHandler) -> None:
    """A scraper calls every few seconds: one line each would drown the update log."""


class HealthServerError(Exception):
    """The port cannot be used; the message is one sentence for the operator."""


class HealthServer:
    """/healthz and /metrics on one port, in the bot's own event loop."""

    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor
        self.port = 0
        self._server: HTTPServer | None = None

    def start(self, *, listen: str, port: int) -> None:
        """Listen on `listen`:`port` (0: any free port, then `self.port` says which)."""
        try:
            sockets = bind_sockets(port, address=listen)
        except OSError as exc:
            raise HealthServerError(
                f"HEALTH_PORT {port} on {listen} cannot be used: {exc.strerror or exc}"
            ) from exc
        routes = [
            (r"/healthz", _HealthHandler, {"monitor": self.monitor}),
            (r"/metrics", _MetricsHandler, {"monitor": self.monitor}),
        ]
        server = HTTPServer(Application(routes, log_function=_no_access_log), xheaders=False)
        server.add_sockets(sockets)
        self._server = server
        self.port = int(sockets[0].getsockname()[1])
        log.info("health and metrics on http://%s:%s/healthz and /metrics", listen, self.port)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.stop()
        await server.close_all_connections()
