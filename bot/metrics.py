"""Prometheus metrics in a registry of their own: counts and timings, never user ids or text."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder

LookupStatus = Literal["found", "ambiguous", "not_found"]
LOOKUP_STATUSES: tuple[LookupStatus, ...] = ("found", "ambiguous", "not_found")

# Slack must have its ack within 3 s; the buckets are dense where a healthy bot lives.
ACK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)

# Label values are ids chosen by code or configuration (kinds, outcome ids). Anything else —
# above all text a person typed or a user id — is collapsed to "other" so it cannot leak into
# a time series (and cannot blow up the number of series).
_LABEL = re.compile(r"^[a-z][a-z0-9_.:-]{0,63}$")
OTHER = "other"
MAX_REMEMBERED = 256  # labelled series kept at hand (bot.metrics.Metrics._series)


def safe(value: str) -> str:
    """A safe label value: the value itself when it looks like an id, else 'other'."""
    return value if _LABEL.match(value) else OTHER


class Metrics:
    """All the bot's metrics. Several instances (tests, several apps) never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._known_series: dict[tuple[int, tuple[str, ...]], Any] = {}
        self._requests = Counter(
            "referral_bot_requests",
            "Requests handled, by kind (command, event, action, message, ...) and outcome.",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self._ack = Histogram(
            "referral_bot_ack_seconds",
            "Time from receiving a request to acknowledging it.",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self._lookups = Counter(
            "referral_bot_lookups",
            "School lookups by status.",
            ["status"],
            registry=self.registry,
        )
        for status in LOOKUP_STATUSES:
            self._lookups.labels(status=status)
        self._checklists = Counter(
            "referral_bot_checklist_outcomes",
            "Checklists that reached an outcome, by outcome id and outcome kind.",
            ["outcome", "kind"],
            registry=self.registry,
        )
        self._reloads = Counter(
            "referral_bot_reloads",
            "Configuration reloads by result.",
            ["result"],
            registry=self.registry,
        )
        for result in ("success", "failure"):
            self._reloads.labels(result=result)
        self._events = Counter(
            "referral_bot_events",
            "Other things worth counting, e.g. event=privacy detail=blocked.",
            ["event", "detail"],
            registry=self.registry,
        )
        self._loaded_at = Gauge(
            "referral_bot_catalog_loaded_timestamp_seconds",
            "When the configuration that is live now was loaded (Unix time).",
            registry=self.registry,
        )

    def _series(self, metric: Any, *values: str) -> Any:
        """`metric.labels(*map(safe, values))`, remembered: prometheus-client's labels() takes
        a few microseconds, three times per slash command. Values that are not ids share the
        series 'other'; at most MAX_REMEMBERED are remembered, so typed text cannot grow it."""
        key = (id(metric), values)
        series = self._known_series.get(key)
        if series is None:
            series = metric.labels(*map(safe, values))
            if len(self._known_series) < MAX_REMEMBERED:
                self._known_series[key] = series
        return series

    def request(self, kind: str, outcome: str) -> None:
        self._series(self._requests, kind, outcome).inc()

    def ack(self, kind: str, seconds: float) -> None:
        self._series(self._ack, kind).observe(seconds)

    @contextmanager
    def time_ack(self, kind: str) -> Iterator[None]:
        """Observe the time spent inside the block as one ack of this kind."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.ack(kind, time.perf_counter() - start)

    def lookup(self, status: LookupStatus) -> None:
        if status not in LOOKUP_STATUSES:
            raise ValueError(f"unknown lookup status {status!r}")
        self._lookups.labels(status=status).inc()

    def checklist_outcome(self, outcome: str, kind: str) -> None:
        self._checklists.labels(outcome=safe(outcome), kind=safe(kind)).inc()

    def observe(self, kind: str, value: str) -> None:
        """The `observe(kind, label)` callback that the core service and the transports take.

        ("lookup", status), ("outcome", "<outcome id>/<outcome kind>" or just the id),
        ("slack_request", request kind), ("slack_duplicate", request kind) and
        ("slack_rejected", HTTP status) go to their metrics; anything else is counted in
        referral_bot_events_total{event=kind, detail=value}.
        """
        if kind == "lookup" and value in LOOKUP_STATUSES:
            self._series(self._lookups, value).inc()
        elif kind == "outcome":
            outcome, _, outcome_kind = value.partition("/")
            self.checklist_outcome(outcome, outcome_kind or "unknown")
        elif kind == "slack_request":
            self.request(value, "handled")
        elif kind == "slack_duplicate":
            self.request(value, "duplicate")
        elif kind == "slack_rejected":
            self.request("unknown", f"rejected_{value}")
        else:
            self._events.labels(event=safe(kind), detail=safe(value)).inc()

    def reload(self, ok: bool, loaded_at: float | None = None) -> None:
        """Count a reload; on success also record when the now-live configuration was loaded."""
        self._reloads.labels(result="success" if ok else "failure").inc()
        if ok and loaded_at is not None:
            self._loaded_at.set(loaded_at)

    def catalog_loaded(self, loaded_at: float) -> None:
        """Record the startup load, which is not a reload."""
        self._loaded_at.set(loaded_at)


def render(metrics: Metrics, accept: str = "") -> tuple[bytes, str]:
    """The `/metrics` body and its content type, in the format the scraper's Accept asks for.

    Without an Accept header this is the classic text format 0.0.4 every scraper reads.
    """
    encode, content_type = choose_encoder(accept)
    return encode(metrics.registry), content_type
