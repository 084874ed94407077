"""What the bot counts for Prometheus as it works: updates handled, and the handlers that failed.

Each Application has its own registry (tests build many applications in one process, and
the global registry would refuse the second one's counters). What the database, the outbox
sender and the rate limiter know is read when /metrics is scraped (bot/health.py).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

from bot.logs import HandledUpdate

# Most updates take a few milliseconds; a slow database or Telegram shows in the top buckets.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The counters of one Application, in their own registry."""

    def __init__(self) -> None:
        # The `_created` series (when each counter was made) only double the output here;
        # the switch is process-wide and the same for every application.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry(auto_describe=True)
        self.updates = Counter(
            "miroir_updates",
            "Updates handled, by kind (message, callback_query...) and outcome (ok, error)",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.handler_errors = Counter(
            "miroir_handler_errors",
            "Updates whose handler raised, by handler (module.function)",
            ["handler"],
            registry=self.registry,
        )
        self.update_seconds = Histogram(
            "miroir_update_duration_seconds",
            "Time to handle one update, by kind",
            ["kind"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )

    def observe_update(self, handled: HandledUpdate) -> None:
        """Count one handled update (the update log calls this for each one)."""
        self.updates.labels(kind=handled.kind, outcome=handled.outcome).inc()
        self.update_seconds.labels(kind=handled.kind).observe(handled.duration_ms / 1000)
        if handled.outcome == "error":
            self.handler_errors.labels(handler=handled.handler).inc()
