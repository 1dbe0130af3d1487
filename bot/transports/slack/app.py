"""SlackTransport: the slack-bolt app (asyncio) in Socket Mode or over HTTP, its lifetime, and
what is refused before any listener runs (one log line each, never a 500).

Every request goes through bolt, verified by bolt, to one listener per command, action and
event (bot.transports.slack.listeners). `process_before_response=True`: bolt answers once the
listener returns, and every listener acks within Slack's 3 s, the contact command with its
answer when it is ready in time, an event once its answer is posted (a retry then saves an
answer whose process died), and an event claimed elsewhere not at all (a 503: retry later).
Nothing here decides what to answer; that is the core's job.

The bot's identity (auth.test) is asked once, at start, and handed to bolt through
`authorize`: no ack ever waits for it, or fails with a 500 while the Web API is away.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientError, ClientSession, web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import BotError
from bot.transports import MenuHandler
from bot.transports.slack import listeners as on
from bot.transports.slack.blocks import (
    CHOICE_ACTION_PREFIX,
    MENU_ACTION_PREFIX,
    REPORT_ACTION_PREFIX,
    SAVE_SCHOOL_ACTION,
)
from bot.transports.slack.delivery import Delivery
from bot.transports.slack.identity import LOCALE_TIMEOUT_SECONDS, Identity
from bot.transports.slack.listeners import (
    ANSWER_IN_ACK_SECONDS,
    EVENT_ACK_DEADLINE_SECONDS,
    AdminHandler,
    Listeners,
)
from bot.transports.slack.payloads import (
    DEFAULT_API_URL,
    check_commands,
    check_tokens,
    keep_library_logs_quiet,
    payload_problem,
)
from bot.transports.slack.people import LOOKUP_TIMEOUT_SECONDS, SlackPeople, patient_client
from bot.transports.slack.seen import SeenEvents

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Slack's answers that no retry will change: the token is wrong, revoked or its owner gone.
AUTH_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)
# While the Web API cannot be reached at start: try again after 1 s, doubling up to 30 s.
RETRY_FIRST_SECONDS = 1.0
RETRY_MAX_SECONDS = 30.0


class SlackTransport:
    """Runs the Slack app: Socket Mode when an app token is given, else HTTP at /slack/events."""

    def __init__(
        self,
        service: MenuHandler,
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
        event_ack_deadline_seconds: float = EVENT_ACK_DEADLINE_SECONDS,
        locale_timeout_seconds: float = LOCALE_TIMEOUT_SECONDS,
        lookup_timeout_seconds: float = LOOKUP_TIMEOUT_SECONDS,
        observe: Callable[[str, str], None] | None = None,
        shutdown_grace_seconds: float = 20,
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
        self.grace = shutdown_grace_seconds
        # observe(kind, label) feeds metrics (bot.metrics.Metrics.observe): ("slack_request",
        # request kind), ("slack_duplicate", request kind), ("slack_rejected", HTTP status),
        # ("slack_retry_later", request kind): an event answered 503 so that Slack retries it
        observe = observe or (lambda kind, label: None)
        self._app_token = app_token
        base_url = (api_url or DEFAULT_API_URL).rstrip("/") + "/"
        self.client = AsyncWebClient(token=bot_token, base_url=base_url)
        self.identity = Identity(self.client, locale_timeout=locale_timeout_seconds)
        self.delivery = Delivery(self.client)
        # its own client: it waits out rate limits (429), which no answer may wait for
        self._lookups = patient_client(bot_token, base_url)
        self.people = SlackPeople(self._lookups, timeout=lookup_timeout_seconds)
        self.listeners = Listeners(
            service,
            seen,
            self.identity,
            self.delivery,
            self.people,
            admin=admin,
            answer_in_ack_seconds=answer_in_ack_seconds,
            observe=observe,
            event_ack_deadline_seconds=event_ack_deadline_seconds,
        )
        self._me: dict[str, Any] | None = None  # auth.test's answer, once it came
        self._waiting = "Slack auth.test not answered yet"
        self.draining = False
        self.app = AsyncApp(
            # bolt's own client has no token, so bolt never calls auth.test: _authorize says
            # who the bot is (self.client, with the token, makes every call of ours)
            client=AsyncWebClient(base_url=base_url),
            # with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET in the environment (the admin
            # page's sign-in) bolt also builds an OAuth flow and an installation store, and
            # drops a `token=`; this authorize still answers first, with the bot token
            authorize=self._authorizer(),
            # right after the signature check: bolt's later middleware trusts the shape
            before_authorize=RejectMalformed(self.listeners.observe),
            signing_secret=signing_secret,
            process_before_response=True,
            logger=logging.getLogger("slack_bolt"),
            # without a name bolt takes its caller's file name from inspect.stack(), which
            # reads the source of every file on the stack into linecache: 0.5 MiB kept
            name="referral-bot",
        )
        self._register(contact_command, checklist_command, admin_command if admin else None)
        self.web_app = build_web_app(self.app, observe, lambda: self.draining)
        self._session: ClientSession | None = None
        self._closed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._socket: Any = None

    def __repr__(self) -> str:  # never show tokens
        mode = "socket" if self.socket_mode else f"http:{self.port}"
        return f"SlackTransport({mode})"

    def _register(self, contact: str, checklist: str, admin: str | None) -> None:
        app, it = self.app, self.listeners
        app.command(contact)(it.on_contact_command)
        app.command(checklist)(it.acking("command", it.on_checklist_command))
        if admin is not None:
            app.command(admin)(it.acking("command", it.on_admin_command))
        choice_ids = re.compile(rf"^{re.escape(CHOICE_ACTION_PREFIX)}\d+$")
        app.action(choice_ids)(it.acking("block_actions", it.on_choice))
        app.action(SAVE_SCHOOL_ACTION)(it.acking("block_actions", it.on_private_click))
        report_ids = re.compile(rf"^{re.escape(REPORT_ACTION_PREFIX)}\d+$")
        app.action(report_ids)(it.acking("block_actions", it.on_private_click))
        # a municipality menu: its options as one types, and a pick, which is a click
        municipality_menu = f"{MENU_ACTION_PREFIX}municipality"
        app.options(municipality_menu)(it.on_municipality_options)
        app.action(municipality_menu)(it.acking("block_actions", it.on_choice))
        app.event("app_mention")(it.event("event_app_mention", on.wants_mention, it.on_mention))
        app.event("message")(it.event("event_message", on.wants_message, it.on_direct_message))
        home = it.event("event_app_home_opened", on.wants_home, it.on_home_opened)
        app.event("app_home_opened")(home)

    def _authorizer(self) -> Callable[..., Awaitable[AuthorizeResult]]:
        # a function, not a method: bolt passes arguments by the parameters' names
        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            me = self._me or {}
            return AuthorizeResult(
                enterprise_id=enterprise_id,
                team_id=team_id,
                bot_user_id=me.get("user_id"),
                bot_id=me.get("bot_id"),
                bot_token=self.client.token,
            )

        return authorize

    async def start(self) -> None:
        """Listen (HTTP), ask who the bot is, connect (Socket Mode), and return.

        A network error is retried with backoff meanwhile (`not_ready` says why); a token
        Slack refuses raises BotError, and `referral-bot serve` exits 1 with its message."""
        # One connection pool for every Web API call; without it slack_sdk opens a new
        # session, and a new TCP (TLS) connection, per call.
        self._session = ClientSession()
        self.client.session = self._lookups.session = self._session
        if not self.socket_mode:
            self._runner = web.AppRunner(self.web_app, access_log=None)
            await self._runner.setup()
            await web.TCPSite(self._runner, self.host, self.port).start()
            logger.info("Slack HTTP mode listening on port %s at %s", self.bound_port, EVENTS_PATH)
        delay = RETRY_FIRST_SECONDS
        while True:
            try:
                await self._connect()
                return
            except SlackApiError as error:
                code = str(error.response.get("error"))
                if code in AUTH_ERRORS:
                    raise BotError(
                        f"Slack refused the token ({code}): check SLACK_BOT_TOKEN, and "
                        "SLACK_APP_TOKEN in Socket Mode (Slack app settings)"
                    ) from None
                self._waiting = f"Slack answered {code}"
            except (SlackClientError, ClientError, OSError, TimeoutError) as error:
                self._waiting = f"Slack Web API unreachable ({type(error).__name__})"
            logger.warning("%s; trying again in %.0f s", self._waiting, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), delay)
                return  # closed while waiting
            delay = min(delay * 2, RETRY_MAX_SECONDS)

    async def _connect(self) -> None:
        self._me = (await self.client.auth_test()).data  # type: ignore[assignment]
        if self.socket_mode and self._socket is None:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            socket = AsyncSocketModeHandler(self.app, self._app_token)
            await socket.connect_async()  # type: ignore[no-untyped-call]
            self._socket = socket
            logger.info("Slack Socket Mode connected")

    async def not_ready(self) -> str | None:
        """Why Slack requests cannot be answered now, or None (for /readyz)."""
        if self.draining:
            return "shutting down"
        if self._me is None:
            return self._waiting
        if self.socket_mode and not (self._socket and await self._socket.client.is_connected()):
            return "Socket Mode not connected"
        return None

    @property
    def bound_port(self) -> int:
        """The port actually listened on (useful with port 0)."""
        if self._runner is not None:
            for address in self._runner.addresses:
                if isinstance(address, tuple):
                    return int(address[1])
        return self.port

    async def run(self) -> None:
        try:
            await self.start()
            await self._closed.wait()
        finally:
            await self._stop()

    async def close(self) -> None:
        """Take no new work (HTTP answers 503, Socket Mode disconnects), finish what was
        acked within the grace period, then let go of every connection."""
        self.draining = True
        self._closed.set()
        await self._stop()

    async def idle(self, timeout: float = 10) -> bool:
        """Wait until no work runs after an ack (for shutdown and tests)."""
        return await self.listeners.work.idle(timeout)

    async def _stop(self) -> None:
        self.draining = True
        if self._socket is not None:
            socket, self._socket = self._socket, None
            await socket.close_async()
        if await self.idle(timeout=self.grace):
            logger.info("Slack work after the acks finished")
        await self.listeners.work.close()
        await self.people.close()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        if self._session is not None:
            session, self._session = self._session, None
            self.client.session = self._lookups.session = None
            await session.close()


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

    def refuse(status: int, reason: str) -> web.Response:
        rejected(observe, status, reason)
        return web.Response(status=status, text="rejected")

    async def _answer(request: web.Request) -> web.StreamResponse:
        if draining():
            return web.Response(status=503, text="shutting down")
        if request.content_type not in ("application/json", "application/x-www-form-urlencoded"):
            return refuse(400, "not JSON or a form")
        stamp = request.headers.get("X-Slack-Request-Timestamp", "")
        if len(stamp) > 12 or not stamp.isdigit():  # bolt: OverflowError for 400 digits
            return refuse(401, "bad signature or timestamp")
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return refuse(413, "body too large")
        try:
            bolt_request = AsyncBoltRequest(
                body=raw.decode("utf-8"),
                query=request.query_string,
                headers=request.headers,  # type: ignore[arg-type]
            )
        except (ValueError, LookupError, AttributeError, TypeError, RecursionError):
            # bolt parses the body as it builds the request, before it verifies anything, and
            # raises these for bodies that are not UTF-8, a JSON object or a form, or (bolt
            # 1.21) whose ids are not where it looks for them, e.g. a `user` without
            # `team_id` (its own
            # aiohttp adapter answers them 500, with a traceback in the log). Such a body is
            # unreadable whoever sent it, so a 400 says nothing about the signing secret.
            return refuse(400, "body is not a JSON object or form")
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
