"""HTTP mode: POST /slack/events handed to slack-bolt, which verifies and dispatches it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def rejected(observe: Callable[[str, str], None], status: int, reason: str) -> None:
    """One log line and one count for a refused request; `reason` never holds its text."""
    logger.warning("rejected Slack request (%s): %s", status, reason)
    observe("slack_rejected", str(status))


def build_web_app(
    bolt: AsyncApp, observe: Callable[[str, str], None], app: web.Application | None = None
) -> web.Application:
    """The aiohttp app serving POST /slack/events; bot/web.py adds /healthz, /readyz, /metrics."""

    async def events(request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            bolt_request = AsyncBoltRequest(
                body=raw.decode("utf-8"),
                query=request.query_string,
                headers=request.headers,  # type: ignore[arg-type]
            )
        except (ValueError, AttributeError, TypeError):
            # bolt parses the body as it builds the request, before it verifies anything, and
            # raises these for bodies that are not UTF-8, a JSON object or a form. Such a body
            # is unreadable whoever sent it, so 400 says nothing about the signing secret.
            rejected(observe, 400, "body is not a JSON object or form")
            return web.Response(status=400, text="rejected")
        response = await bolt.async_dispatch(bolt_request)
        if response.status == 401:  # bolt's request verification: signature or timestamp
            rejected(observe, 401, "bad signature or timestamp")
        return await to_aiohttp_response(response)

    web_app = app if app is not None else web.Application()
    web_app.router.add_post(EVENTS_PATH, events)
    return web_app
