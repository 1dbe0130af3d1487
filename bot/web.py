"""Health, readiness and metrics over HTTP: beside /slack/events, or on a side port."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol
from urllib.parse import parse_qs

from aiohttp import web

from bot.metrics import Metrics, render
from bot.reload import CatalogHolder

logger = logging.getLogger(__name__)

# A readiness probe must answer well within the orchestrator's timeout (1 s by default).
PING_TIMEOUT_SECONDS = 0.8
SLACK_EVENTS_PATH = "/slack/events"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Writable(Protocol):
    """What /readyz asks of the store: an atomic write (every store has one)."""

    async def complete(self, key: str, ttl_seconds: float, /) -> None: ...


class Platform(Protocol):
    """The chat platform's side of readiness (SlackTransport, TelegramTransport)."""

    async def not_ready(self) -> str | None: ...


def add_health_routes(
    app: web.Application,
    *,
    holder: CatalogHolder,
    store: Writable,
    metrics: Metrics,
    platform: tuple[str, Platform] | None = None,
) -> None:
    """Add GET /healthz (process up), /readyz (catalog loaded, store writable, platform
    connected) and /metrics. A 503 from /readyz says what it waits for, never a secret."""

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        reasons: dict[str, str] = {}
        store_problem = await _store_problem(store)
        if store_problem is not None:
            reasons["store"] = store_problem
        if platform is not None:
            name, connected = platform
            problem = await connected.not_ready()
            if problem is not None:
                reasons[name] = problem
        if reasons:
            waiting = {"ready": False, "waiting_for": sorted(reasons), "reasons": reasons}
            return web.json_response(waiting, status=503)
        # The catalog is always loaded: CatalogHolder cannot exist without one.
        body: dict[str, object] = {"ready": True, "version": holder.current.version}
        status = holder.status()
        if status.serving_last_good and status.last_error is not None:
            # ready, as it answers; but an operator must see that the files on disk are broken
            body["serving"] = "the last good configuration: the files on disk do not load"
            body["problems"] = [str(p) for p in status.last_error.problems[:20]]
        return web.json_response(body)

    async def metrics_view(request: web.Request) -> web.Response:
        body, content_type = render(metrics, request.headers.get("Accept", ""))
        response = web.Response(body=body)
        response.headers["Content-Type"] = content_type
        return response

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_view)


async def _store_problem(store: Writable) -> str | None:
    """None when the store takes a write within the probe's time (a key of its own, kept a
    minute); a ping would pass a Redis replica that is read-only or a full disk."""
    try:
        await asyncio.wait_for(store.complete("readyz:probe", 60), PING_TIMEOUT_SECONDS)
    except TimeoutError:
        return "session store did not answer in time"
    except Exception as exc:
        logger.warning("session store write failed: %s", type(exc).__name__)
        return "session store cannot be written"
    return None


async def run_side_server(
    host: str,
    port: int,
    *,
    holder: CatalogHolder,
    store: Writable,
    metrics: Metrics,
    platform: tuple[str, Platform] | None = None,
    more_routes: Callable[[web.Application], None] | None = None,
) -> web.AppRunner:
    """Serve the health routes on their own port (Socket Mode has no HTTP server of its own),
    and those `more_routes` adds (the admin page).

    Returns once listening; the caller stops it with `await runner.cleanup()`.
    """
    app = web.Application()
    add_health_routes(app, holder=holder, store=store, metrics=metrics, platform=platform)
    if more_routes is not None:
        more_routes(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    logger.info("health and metrics on http://%s:%d (/healthz, /readyz, /metrics)", host, port)
    return runner


# Request kinds worth a time series of their own; anything else (including whatever an
# unsigned caller makes up) is "other", so nobody can create series at will.
KNOWN_KINDS = frozenset(
    {
        "command",
        "block_actions",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "url_verification",
        "event_app_mention",
        "event_message",
        "event_app_home_opened",
    }
)


def slack_request_kind(content_type: str, body: bytes) -> str:
    """What kind of Slack request this is, from its type fields only: command, event_..., ...

    The result is one of KNOWN_KINDS or "other"/"unknown", never text from the request.
    """
    try:
        if content_type == "application/json":
            data = json.loads(body)
            kind = str(data.get("type"))
            if kind == "event_callback":
                kind = f"event_{data.get('event', {}).get('type')}"
        else:
            # the field names alone, without decoding the whole form: this runs on every
            # slash command, and decoding it was a tenth of an inline answer's time
            fields = {part.partition(b"=")[0] for part in body.split(b"&")}
            if b"command" in fields:
                return "command"
            if b"payload" not in fields:
                return "unknown"
            form = parse_qs(body.decode("utf-8", "replace"))
            kind = str(json.loads(form["payload"][0]).get("type"))
    except (ValueError, AttributeError, IndexError):
        return "unknown"
    return kind if kind in KNOWN_KINDS else "other"


def time_slack_acks(app: web.Application, metrics: Metrics) -> None:
    """Time every answered POST /slack/events as an ack of its kind (HTTP mode).

    In HTTP mode the HTTP response *is* the ack, so this is the latency Slack sees. Requests
    are counted by the transport (through `Metrics.observe`), not here. Call before the app
    starts.
    """

    @web.middleware
    async def measure(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path != SLACK_EVENTS_PATH or request.method != "POST":
            return await handler(request)
        start = time.perf_counter()
        body = await request.read()  # aiohttp keeps it; the handler reads the same bytes
        response = await handler(request)
        if response.status < 400:
            metrics.ack(slack_request_kind(request.content_type, body), time.perf_counter() - start)
        return response

    app.middlewares.append(measure)
