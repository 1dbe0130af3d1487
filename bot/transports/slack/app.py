"""SlackTransport: the slack-bolt app (asyncio) in Socket Mode or over HTTP, and its lifetime.

Every request goes through bolt, verified by bolt, to one listener per command, action and
event (bot.transports.slack.listeners). `process_before_response=True`: bolt answers once the
listener returns, and every listener acks within Slack's 3 s, the contact command with its
answer when it is ready in time. Nothing here decides what to answer; that is the core's job.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

from aiohttp import ClientSession, web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.models import Reply
from bot.transports import Handler
from bot.transports.slack.blocks import CHOICE_ACTION_PREFIX, SAVE_SCHOOL_ACTION
from bot.transports.slack.config import (
    DEFAULT_API_URL,
    check_commands,
    check_tokens,
    keep_library_logs_quiet,
)
from bot.transports.slack.delivery import Delivery
from bot.transports.slack.identity import LOCALE_TIMEOUT_SECONDS, Identity
from bot.transports.slack.intake import EVENTS_PATH, RejectMalformed, build_web_app
from bot.transports.slack.listeners import ANSWER_IN_ACK_SECONDS, AdminHandler, Listeners
from bot.transports.slack.seen import SeenEvents

logger = logging.getLogger(__name__)


class SlackTransport:
    """Runs the Slack app: Socket Mode when an app token is given, else HTTP at /slack/events."""

    def __init__(
        self,
        service: Handler,
        seen: SeenEvents,
        *,
        bot_token: str,
        signing_secret: str = "",
        app_token: str = "",
        api_url: str = "",
        socket_mode: bool | None = None,
        host: str = "0.0.0.0",
        port: int = 3000,
        contact_command: str = "/kontakt",
        checklist_command: str = "/oro",
        admin: AdminHandler | None = None,
        admin_command: str = "/referral-admin",
        answer_in_ack_seconds: float = ANSWER_IN_ACK_SECONDS,
        locale_timeout_seconds: float = LOCALE_TIMEOUT_SECONDS,
        observe: Callable[[str, str], None] | None = None,
    ) -> None:
        self.socket_mode = bool(app_token) if socket_mode is None else socket_mode
        check_tokens(
            bot_token=bot_token,
            signing_secret=signing_secret,
            app_token=app_token,
            socket_mode=self.socket_mode,
        )
        check_commands(contact_command, checklist_command, admin_command)
        keep_library_logs_quiet()
        self.host = host
        self.port = port
        # observe(kind, label) feeds metrics (bot.metrics.Metrics.observe): ("slack_request",
        # request kind), ("slack_duplicate", request kind), ("slack_rejected", HTTP status)
        observe = observe or (lambda kind, label: None)
        self._app_token = app_token
        base_url = (api_url or DEFAULT_API_URL).rstrip("/") + "/"
        self.client = AsyncWebClient(token=bot_token, base_url=base_url)
        self.identity = Identity(self.client, locale_timeout=locale_timeout_seconds)
        self.delivery = Delivery(self.client)
        self.listeners = Listeners(
            service,
            seen,
            self.identity,
            self.delivery,
            admin=admin,
            answer_in_ack_seconds=answer_in_ack_seconds,
            observe=observe,
        )
        self.app = AsyncApp(
            client=self.client,
            signing_secret=signing_secret,
            process_before_response=True,
            logger=logging.getLogger("slack_bolt"),
            # without a name bolt takes its caller's file name from inspect.stack(), which
            # reads the source of every file on the stack into linecache: 0.5 MiB kept
            name="referral-bot",
        )
        self._register(contact_command, checklist_command, admin_command if admin else None)
        self.web_app = build_web_app(self.app, observe)
        self._session: ClientSession | None = None
        self._closed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._socket: Any = None

    def __repr__(self) -> str:  # never show tokens
        mode = "socket" if self.socket_mode else f"http:{self.port}"
        return f"SlackTransport({mode})"

    def _register(self, contact: str, checklist: str, admin: str | None) -> None:
        app, on = self.app, self.listeners
        app.middleware(RejectMalformed(on.observe))
        app.command(contact)(on.on_contact_command)
        app.command(checklist)(on.acking("command", on.on_checklist_command))
        if admin is not None:
            app.command(admin)(on.acking("command", on.on_admin_command))
        choice_ids = re.compile(rf"^{re.escape(CHOICE_ACTION_PREFIX)}\d+$")
        app.action(choice_ids)(on.acking("block_actions", on.on_choice))
        app.action(SAVE_SCHOOL_ACTION)(on.acking("block_actions", on.on_save_school))
        app.event("app_mention")(on.acking("event_app_mention", on.on_mention))
        app.event("message")(on.acking("event_message", on.on_direct_message))
        app.event("app_home_opened")(on.acking("event_app_home_opened", on.on_home_opened))

    async def post_notice(self, channel: str, reply: Reply) -> None:
        """Post a message to a channel (the admin channel's reload errors)."""
        await self.delivery.post(reply, channel)

    async def start(self) -> None:
        """Connect (Socket Mode) or start listening (HTTP) and return."""
        # One connection pool for every Web API call; without it slack_sdk opens a new
        # session, and a new TCP (TLS) connection, per call.
        self._session = ClientSession()
        self.client.session = self._session
        if self.socket_mode:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.app, self._app_token)
            await self._socket.connect_async()
            logger.info("Slack Socket Mode connected")
            return
        self._runner = web.AppRunner(self.web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        logger.info("Slack HTTP mode listening on port %s at %s", self.bound_port, EVENTS_PATH)

    @property
    def bound_port(self) -> int:
        """The port actually listened on (useful with port 0)."""
        if self._runner is not None:
            for address in self._runner.addresses:
                if isinstance(address, tuple):
                    return int(address[1])
        return self.port

    async def run(self) -> None:
        await self.start()
        try:
            await self._closed.wait()
        finally:
            await self._stop()

    async def close(self) -> None:
        self._closed.set()
        await self._stop()

    async def idle(self, timeout: float = 10) -> None:
        """Wait until no work runs after an ack (for shutdown and tests)."""
        await self.listeners.work.idle(timeout)

    async def _stop(self) -> None:
        await self.idle(timeout=10)
        if self._socket is not None:
            socket, self._socket = self._socket, None
            await socket.close_async()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        if self._session is not None:
            session, self._session = self._session, None
            self.client.session = None
            await session.close()
