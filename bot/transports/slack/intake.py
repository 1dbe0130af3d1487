"""Requests on their way to the listeners: HTTP handed to slack-bolt, which verifies and
dispatches it, and what is refused before any listener runs, with one log line each."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.transports.slack.payloads import payload_problem

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def rejected(observe: Callable[[str, str], None], status: int, reason: str) -> None:
    """One log line and one count for a refused request; `reason` never holds its text."""
    logger.warning("rejected Slack request (%s): %s", status, reason)
    observe("slack_rejected", str(status))


# Slack's payloads are a few KiB; the largest (a message with its blocks) well under 64 KiB.
MAX_BODY_BYTES = 256 * 1024


def build_web_app(
    bolt: AsyncApp, observe: Callable[[str, str], None], draining: Callable[[], bool]
) -> web.Application:
    """The aiohttp app serving POST /slack/events; bot/web.py adds /healthz, /readyz, /metrics.

    While shutting down every request is a quick 503: Slack sends it again, to a replica
    that is not going away."""

    async def events(request: web.Request) -> web.StreamResponse:
        response = await _answer(request)
        # No keep-alive: aiohttp's connection handler keeps the last request, body and all,
        # until the next one arrives on the same connection (Python 3.12 and later), and
        # that body is what a person typed. Slack sends a few requests a minute.
        response.force_close()
        return response

    async def _answer(request: web.Request) -> web.StreamResponse:
        if draining():
            return web.Response(status=503, text="shutting down")
        if request.content_type not in ("application/json", "application/x-www-form-urlencoded"):
            rejected(observe, 415, "not JSON or a form")
            return web.Response(status=415, text="rejected")
        if not request.headers.get("X-Slack-Request-Timestamp", "0").isdigit() or (
            len(request.headers.get("X-Slack-Request-Timestamp", "")) > 12
        ):  # bolt's check turns a 400-digit timestamp into an OverflowError, a 500
            rejected(observe, 401, "bad signature or timestamp")
            return web.Response(status=401, text="rejected")
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            rejected(observe, 413, "body too large")
            return web.Response(status=413, text="rejected")
        try:
            bolt_request = AsyncBoltRequest(
                body=raw.decode("utf-8"),
                query=request.query_string,
                headers=request.headers,  # type: ignore[arg-type]
            )
        except (ValueError, AttributeError, TypeError, RecursionError):
            # bolt parses the body as it builds the request, before it verifies anything, and
            # raises these for bodies that are not UTF-8, a JSON object or a form (its own
            # aiohttp adapter answers them 500, with a traceback in the log). Such a body is
            # unreadable whoever sent it, so a 400 says nothing about the signing secret.
            rejected(observe, 400, "body is not a JSON object or form")
            return web.Response(status=400, text="rejected")
        response = await bolt.async_dispatch(bolt_request)
        if response.status == 401:  # bolt's request verification: signature or timestamp
            rejected(observe, 401, "bad signature or timestamp")
        return await to_aiohttp_response(response)

    web_app = web.Application(client_max_size=MAX_BODY_BYTES)
    web_app.router.add_post(EVENTS_PATH, events)
    return web_app


class RejectMalformed(AsyncMiddleware):
    """A verified payload the listeners cannot read gets a 400 (and no ack in Socket Mode).

    A middleware object, not a function: for a function bolt builds every argument it could
    inject first, and some of those (the action of a block_actions without actions) raise."""

    def __init__(self, observe: Callable[[str, str], None]) -> None:
        self._observe = observe

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],  # bolt's name for the rest of the chain
    ) -> BoltResponse | None:
        problem = payload_problem(req.body)
        if problem:
            rejected(self._observe, 400, problem)
            return BoltResponse(status=400, body="")
        return await next()
