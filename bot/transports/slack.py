"""The Slack transport: slack-bolt (asyncio) in Socket Mode or over HTTP, rendering with Block Kit.

Every listener acks at once (`process_before_response=True`, so bolt does not poll for the
ack) and starts the real work as a task of its own after the ack: the locale look-up, the core
service and the Web API calls. One exception: the contact command from someone whose Slack
language is known is answered in the ack itself, and over HTTP straight from the verified
form, without bolt's dispatch. Nothing here decides what to answer; that is the core's job.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

from aiohttp import ClientSession, web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from yarl import query_to_pairs

from bot.core.actions import Action, decode
from bot.core.models import IncomingMessage, Intent, Locale, Reply
from bot.core.sessions import SessionStore, session_key
from bot.core.texts import text
from bot.errors import BotError
from bot.transports import Handler
from bot.transports.slack_blocks import (
    CHOICE_ACTION_PREFIX,
    SAVE_SCHOOL_ACTION,
    ephemeral_response,
    fallback_text,
    home_view,
    reply_blocks,
)

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
DEFAULT_API_URL = "https://slack.com/api/"
# What the listeners below need from Slack; deploy/slack-manifest.yml must match (a test checks).
BOT_EVENTS = ("app_home_opened", "app_mention", "message.im")
USERGROUP_TTL_SECONDS = 60.0
BOT_SCOPES = (
    "app_mentions:read",  # app_mention events
    "chat:write",  # chat.postMessage, chat.postEphemeral, chat.update
    "commands",  # the contact and checklist slash commands
    "im:history",  # message.im events: direct messages to the bot
    "im:write",  # conversations.open: continue a checklist in a DM
    "users:read",  # users.info: the person's Slack language
    "usergroups:read",  # usergroups.users.list: admins by user group (ADMIN_USERGROUP)
)
# Work after the ack that may run at once; the rest waits its turn, costing nothing. Fewer
# tasks competing for the event loop leave it to the acks: in a burst of 64 concurrent slash
# commands, 4 slots doubled ack throughput and cut ack p99 against no limit (bench/README.md).
WORK_SLOTS = 4
# Ack bodies rendered for inline answers, kept by reply (see AckBodies), ~1.5 KiB each.
ACK_BODIES = 512
_LEADING_MENTIONS = re.compile(r"^(\s*<@[A-Z0-9]+(\|[^>]*)?>)+\s*")
_ANGLE = re.compile(r"<([^<>]*)>")


Work = Callable[[dict[str, Any], AsyncRespond | None], Awaitable[None]]


class AdminHandler(Protocol):
    """Administrator commands (bot.admin.Admin); `user` is the Slack user id."""

    async def handle(self, user: str, args: str, locale: Locale) -> Reply: ...


# --------------------------------------------------------------------------- pure helpers


def check_tokens(*, bot_token: str, signing_secret: str, app_token: str, socket_mode: bool) -> None:
    """Fail fast, naming the setting and where Slack shows it; never echo a token."""
    if not bot_token.startswith("xoxb-"):
        raise BotError(
            "SLACK_BOT_TOKEN must be the bot token starting with 'xoxb-' "
            "(Slack app settings → OAuth & Permissions → Bot User OAuth Token)"
        )
    if socket_mode and not app_token.startswith("xapp-"):
        raise BotError(
            "SLACK_APP_TOKEN must be an app-level token starting with 'xapp-' with the scope "
            "connections:write (Slack app settings → Basic Information → App-Level Tokens)"
        )
    if not socket_mode and not signing_secret:
        raise BotError(
            "SLACK_SIGNING_SECRET is needed in HTTP mode "
            "(Slack app settings → Basic Information → App Credentials → Signing Secret)"
        )


def slack_to_plain(raw: str) -> str:
    """Slack's message markup as the plain text a person typed, for the core.

    Mentions of the bot at the start are dropped; `<url|label>`, `<#C1|name>` and `<@U1|name>`
    become their labels; `<!channel>` becomes `@channel`; `&amp; &lt; &gt;` are unescaped.
    The result is escaped again whenever it is shown (slack_blocks.escape_mrkdwn).
    """

    def label(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, shown = inner.partition("|")
        if target.startswith("!"):
            return "@" + (shown.lstrip("@") if shown else target[1:].split("^")[0])
        if target.startswith("#"):
            return "#" + (shown or target[1:])
        if target.startswith("@"):
            return "@" + (shown or target[1:])
        return shown or target

    without_bot = _LEADING_MENTIONS.sub("", raw)
    unlinked = _ANGLE.sub(label, without_bot)
    return unlinked.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def keep_library_logs_quiet() -> None:
    """slack_sdk and slack_bolt log whole payloads, message text included, at DEBUG: never
    let them, whatever level the rest of the bot logs at."""
    for name in ("slack_sdk", "slack_bolt"):
        library = logging.getLogger(name)
        if library.level < logging.INFO:
            library.setLevel(logging.INFO)


def _str(mapping: object, key: str) -> str | None:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return value if isinstance(value, str) and value else None


def payload_problem(body: Mapping[str, Any]) -> str | None:
    """Why a (verified) Slack payload cannot be handled, or None. Reasons never include text."""
    if "ssl_check" in body or body.get("type") == "url_verification":
        return None
    if "command" in body:
        for key in ("command", "user_id", "team_id", "channel_id"):
            if not _str(body, key):
                return f"slash command without {key}"
        return None
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or not _str(event, "type"):
            return "event_callback without event type"
        if not _str(body, "event_id") or not _str(body, "team_id"):
            return "event_callback without event_id or team_id"
        required = {
            "app_mention": ("user", "channel", "ts"),
            "message": ("channel", "ts"),
            "app_home_opened": ("user",),
        }.get(str(event["type"]), ())
        missing = [key for key in required if not _str(event, key)]
        return f"{event['type']} event without {', '.join(missing)}" if missing else None
    if kind == "block_actions":
        user = body.get("user")
        if not _str(user, "id"):
            return "block_actions without user"
        if not (_str(body.get("team"), "id") or _str(user, "team_id")):
            return "block_actions without team"
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions or not _str(actions[0], "action_id"):
            return "block_actions without actions"
        return None
    if not isinstance(kind, str):
        return "payload without type"
    return None  # other types: bolt answers 404 for what no listener handles


def parse_form(raw: str) -> dict[str, str]:
    """A form body as `dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))` reads it
    (the last of repeated keys wins), in a third of the time: yarl, aiohttp's URL library,
    decodes in C. Form parsing was the largest single cost of an inline answer
    (bench/README.md). Not `URL.build(query_string=raw)`: yarl keeps its last 128 URLs in a
    cache, and with them the text people typed."""
    return dict(query_to_pairs(raw))


def parse_body(raw: str, content_type: str) -> dict[str, Any]:
    """The request body as bolt will see it; ValueError when it is not a JSON object or form."""
    if content_type == "application/json" or raw.startswith("{"):
        parsed = json.loads(raw)
    else:
        form = parse_form(raw)
        parsed = json.loads(form["payload"]) if "payload" in form else form
    if not isinstance(parsed, dict):
        raise ValueError("not an object")
    return parsed


def _is_dm(channel: str | None) -> bool:
    return bool(channel) and str(channel).startswith("D")


class AckBodies:
    """The JSON ack body of each inline answer, rendered once per Reply object.

    The core hands out the very same Reply while an answer stays the same (the school, the
    asked ages, the language, the route and the day; bot.core.service.CatalogMemo), so its
    Block Kit and JSON need not be built again for every command. Entries hold their reply,
    so the reply's id cannot be reused while it is a key; when full, the oldest goes.
    """

    def __init__(self, size: int = ACK_BODIES) -> None:
        self._size = size
        self._bodies: dict[int, tuple[Reply, bytes]] = {}

    def of(self, reply: Reply) -> bytes:
        found = self._bodies.get(id(reply))
        if found is not None:
            return found[1]
        if len(self._bodies) >= self._size:
            del self._bodies[next(iter(self._bodies))]
        body = json.dumps(ephemeral_response(reply)).encode()  # as bolt's ack serialises it
        self._bodies[id(reply)] = (reply, body)
        return body


# --------------------------------------------------------------------------- the transport


class SlackTransport:
    """Runs the Slack app: Socket Mode when an app token is given, else HTTP at /slack/events."""

    def __init__(
        self,
        service: Handler,
        store: SessionStore,
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
        locale_ttl_seconds: float = 3600.0,
        dedup_ttl_seconds: int = 3600,
        observe: Callable[[str, str], None] | None = None,
    ) -> None:
        self.socket_mode = bool(app_token) if socket_mode is None else socket_mode
        check_tokens(
            bot_token=bot_token,
            signing_secret=signing_secret,
            app_token=app_token,
            socket_mode=self.socket_mode,
        )
        for command in (contact_command, checklist_command, admin_command):
            if not re.fullmatch(r"/[a-z0-9_\-åäö]{1,31}", command):
                raise BotError(
                    f"Slack command names start with '/' and have no spaces: {command!r}"
                )
        keep_library_logs_quiet()
        self.service = service
        self.admin = admin
        self.store = store
        self.host = host
        self.port = port
        self.locale_ttl = locale_ttl_seconds
        self._contact_command = contact_command
        self._ack_bodies = AckBodies()
        self.dedup_ttl = dedup_ttl_seconds
        # observe(kind, label) feeds metrics (bot.metrics.Metrics.observe): ("slack_request",
        # request kind), ("slack_duplicate", request kind), ("slack_rejected", HTTP status)
        self.observe = observe or (lambda kind, label: None)
        self._app_token = app_token
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None
        base_url = (api_url or DEFAULT_API_URL).rstrip("/") + "/"
        self.client = AsyncWebClient(token=bot_token, base_url=base_url)
        self.app = AsyncApp(
            client=self.client,
            signing_secret=signing_secret or None,
            process_before_response=True,
            # handle_http verifies every HTTP request (slack_sdk's SignatureVerifier) before
            # bolt sees it, and Socket Mode needs none: checking twice only costs time
            request_verification_enabled=False,
            logger=logging.getLogger("slack_bolt"),
            # without a name bolt takes its caller's file name from inspect.stack(), which
            # reads the source of every file on the stack into linecache: 0.5 MiB kept
            name="referral-bot",
        )
        self._locales: dict[str, tuple[Locale, float]] = {}
        self._groups: dict[str, tuple[frozenset[str], float]] = {}
        self._busy = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._slots = asyncio.Semaphore(WORK_SLOTS)
        self._session: ClientSession | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self._closed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._socket: Any = None
        self.web_app = build_web_app(self)
        self._register(contact_command, checklist_command)
        if admin is not None:
            self.app.command(admin_command)(self._acking(self._on_admin_command))

    def __repr__(self) -> str:  # never show tokens
        mode = "socket" if self.socket_mode else f"http:{self.port}"
        return f"SlackTransport({mode})"

    def _register(self, contact_command: str, checklist_command: str) -> None:
        app = self.app
        app.middleware(self._reject_malformed)
        app.command(contact_command)(self._contact_listener)
        app.command(checklist_command)(self._acking(self._on_checklist_command))
        choice_ids = re.compile(rf"^{re.escape(CHOICE_ACTION_PREFIX)}\d+$")
        app.action(choice_ids)(self._acking(self._on_choice))
        app.action(SAVE_SCHOOL_ACTION)(self._acking(self._on_save_school))
        app.event("app_mention")(self._acking(lambda body, _: self._on_mention(body)))
        app.event("message")(self._acking(lambda body, _: self._on_direct_message(body)))
        app.event("app_home_opened")(self._acking(lambda body, _: self._on_home_opened(body)))

    async def _contact_listener(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond | None = None
    ) -> None:
        """The contact command through bolt (Socket Mode, and HTTP for the first command of
        a person): answered in the ack when it can be, else acked empty and answered after."""
        if not self._answers_in_ack(body):
            await self._acking(self._on_contact_command)(ack, body, respond)
            return
        response = ephemeral_response(await self._contact_answer(body))
        await ack(text=response["text"], blocks=response["blocks"], response_type="ephemeral")

    def _answers_in_ack(self, body: Mapping[str, Any]) -> bool:
        """The contact command in a channel from someone whose language is known: its answer
        *is* the ack (an ephemeral response, only the asker sees it), with no Web API call.
        Anything else acks at once and answers after the ack."""
        return (
            body.get("command") == self._contact_command
            and "ssl_check" not in body
            and not _is_dm(body.get("channel_id"))
            and self._cached_locale(str(body.get("user_id"))) is not None
        )

    async def _contact_answer(self, body: Mapping[str, Any]) -> Reply:
        self.observe("slack_request", "command")
        typed = slack_to_plain(body.get("text") or "")
        team, user, channel = str(body["team_id"]), str(body["user_id"]), body["channel_id"]
        return await self._ask(team, user, text_in=typed, intent="contact", channel=channel)

    def _acking(self, work: Work) -> Callable[..., Awaitable[None]]:
        """A listener that acks at once, empty, and starts `work` as a task after the ack.

        This is what bolt's lazy listeners do, minus their deep copy of the whole request
        (bolt's Web API client included): that copy cost more than the rest of the ack.
        """

        async def listener(
            ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond | None = None
        ) -> None:
            await ack()
            task = asyncio.ensure_future(work(body, respond))
            self._tasks.add(task)  # the event loop keeps only a weak reference
            task.add_done_callback(self._tasks.discard)

        return listener

    # ------------------------------------------------------------------ running

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

    async def idle(self, timeout: float = 10) -> None:
        """Wait until no work runs after an ack (for shutdown and tests)."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            logger.warning("Slack work still running after %s s", timeout)

    @asynccontextmanager
    async def _work(self, kind: str) -> AsyncIterator[None]:
        """Counts work running after the ack; errors are logged by type only, never re-raised."""
        self._busy += 1
        self._idle.clear()
        self.observe("slack_request", kind)
        try:
            async with self._slots:
                yield
        except (SlackApiError, SlackClientError) as error:
            code = error.response.get("error") if isinstance(error, SlackApiError) else None
            logger.warning("Slack API call failed in %s: %s", kind, code or type(error).__name__)
        except Exception as error:
            logger.error("handling %s failed: %s at %s", kind, type(error).__name__, _where(error))
        finally:
            self._busy -= 1
            if self._busy == 0:
                self._idle.set()

    # ------------------------------------------------------------------ HTTP

    async def handle_http(self, request: web.Request) -> web.Response:
        """POST /slack/events: verify, reject malformed bodies, then hand over to bolt."""
        raw = await request.read()
        headers = request.headers
        timestamp = headers.get("X-Slack-Request-Timestamp")
        signature = headers.get("X-Slack-Signature")
        try:
            valid = self._verifier is not None and self._verifier.is_valid(
                body=raw, timestamp=timestamp, signature=signature
            )
        except ValueError:  # a timestamp that is not a number
            valid = False
        if not valid:
            return self._rejected(401, "bad signature or timestamp")
        try:
            body_text = raw.decode("utf-8")
            body = parse_body(body_text, request.content_type)
        except (ValueError, KeyError):
            return self._rejected(400, "body is not a JSON object or form")
        problem = payload_problem(body)
        if problem:
            return self._rejected(400, problem)
        if self._answers_in_ack(body):
            return await self._answer_in_ack(body)
        bolt_request = AsyncBoltRequest(
            body=body_text,
            query=request.query_string,
            headers=headers,  # type: ignore[arg-type]
        )
        try:
            bolt_response = await self.app.async_dispatch(bolt_request)
        except Exception as error:
            logger.error("Slack request failed in bolt: %s", type(error).__name__)
            return web.Response(status=500)
        return await to_aiohttp_response(bolt_response)

    async def _answer_in_ack(self, body: Mapping[str, Any]) -> web.Response:
        """The contact listener's inline answer straight from the verified form, without
        bolt's dispatch: its middleware chain and listener matching cost as much as the
        whole answer (bench/README.md, HTTP slash-command acks). Same body as through bolt."""
        try:
            ack_body = self._ack_bodies.of(await self._contact_answer(body))
        except Exception as error:
            logger.error("Slack command failed: %s at %s", type(error).__name__, _where(error))
            return web.Response(status=500)
        return web.Response(body=ack_body, content_type="application/json")

    def _rejected(self, status: int, reason: str) -> web.Response:
        logger.warning("rejected Slack request (%s): %s", status, reason)
        self.observe("slack_rejected", str(status))
        return web.Response(status=status, text="rejected")

    async def _reject_malformed(
        self,
        body: dict[str, Any],
        next: Callable[[], Any],  # bolt passes the next middleware by this name
    ) -> BoltResponse | None:
        """The same shape check for Socket Mode, where no HTTP handler runs first."""
        problem = payload_problem(body)
        if problem:
            logger.warning("rejected Slack payload: %s", problem)
            return BoltResponse(status=400, body="")
        await next()
        return None

    # ------------------------------------------------------------------ identity and locale

    @staticmethod
    def _who(team: str, user: str) -> tuple[str, str]:
        """(session key, transport-qualified user id). One conversation per person and workspace,
        wherever they write, so a checklist started in a channel continues in the DM."""
        return session_key("slack", team, user), f"slack:{team}:{user}"

    def _cached_locale(self, user: str) -> Locale | None:
        cached = self._locales.get(user)
        return cached[0] if cached and cached[1] > time.monotonic() else None

    async def locale_of(self, user: str) -> Locale:
        """English for people whose Slack language is English (users.info), else Swedish."""
        cached = self._cached_locale(user)
        if cached is not None:
            return cached
        now = time.monotonic()
        try:
            response = await self.client.users_info(user=user, include_locale=True)
        except (SlackApiError, SlackClientError) as error:
            logger.warning("users.info failed: %s", type(error).__name__)
            return "sv"
        info = response.get("user") or {}
        raw = str(info.get("locale") or "")
        locale: Locale = "en" if raw.lower().startswith("en") else "sv"
        if len(self._locales) > 10_000:
            self._locales = {k: v for k, v in self._locales.items() if v[1] > now}
        self._locales[user] = (locale, now + self.locale_ttl)
        return locale

    async def usergroup_members(self, usergroup: str) -> frozenset[str]:
        """The user ids in a Slack user group (for admins by group), cached for a minute."""
        now = time.monotonic()
        cached = self._groups.get(usergroup)
        if cached and cached[1] > now:
            return cached[0]
        try:
            response = await self.client.usergroups_users_list(usergroup=usergroup)
        except (SlackApiError, SlackClientError) as error:
            logger.warning("usergroups.users.list failed: %s", type(error).__name__)
            return frozenset()
        members = frozenset(str(u) for u in response.get("users") or [])
        self._groups[usergroup] = (members, now + USERGROUP_TTL_SECONDS)
        return members

    async def _ask(
        self,
        team: str,
        user: str,
        *,
        text_in: str | None = None,
        choice: Action | None = None,
        intent: Intent = "auto",
        channel: str | None = None,
    ) -> Reply:
        conversation, user_id = self._who(team, user)
        locale = await self.locale_of(user)
        msg = IncomingMessage(
            transport="slack",
            conversation=conversation,
            user=user_id,
            text=text_in or None,
            choice=choice,
            locale=locale,
            intent=intent,
            channel=channel,
        )
        try:
            return await self.service.handle(msg)
        except Exception as error:
            logger.error("service failed: %s at %s", type(error).__name__, _where(error))
            return Reply(kind="notice", parts=(text("slack.error", locale),), locale=locale)

    # ------------------------------------------------------------------ posting

    async def _post(self, reply: Reply, channel: str, *, thread_ts: str | None = None) -> None:
        await self.client.chat_postMessage(
            channel=channel,
            text=fallback_text(reply),
            blocks=reply_blocks(reply),
            thread_ts=thread_ts,
        )

    async def _post_private(
        self,
        reply: Reply,
        channel: str,
        user: str,
        *,
        respond: AsyncRespond | None = None,
        thread_ts: str | None = None,
    ) -> None:
        """Only `user` sees it: chat.postEphemeral, or the response_url when the bot is not in
        the channel (private channels, DMs between other people)."""
        try:
            await self.client.chat_postEphemeral(
                channel=channel,
                user=user,
                text=fallback_text(reply),
                blocks=reply_blocks(reply),
                thread_ts=thread_ts,
            )
        except SlackApiError as error:
            if respond is None:
                raise
            logger.info(
                "postEphemeral failed (%s); using response_url", error.response.get("error")
            )
            await respond(
                text=fallback_text(reply),
                blocks=reply_blocks(reply),
                response_type="ephemeral",
                replace_original=False,
            )

    async def _open_dm(self, user: str) -> str:
        response = await self.client.conversations_open(users=user)
        channel = response.get("channel") or {}
        return str(channel["id"])

    async def _to_dm(
        self, reply: Reply, team: str, user: str, origin: str | None, respond: AsyncRespond | None
    ) -> None:
        """Post in the bot's DM with the user; leave a private pointer where they started."""
        dm = await self._open_dm(user)
        await self._post(reply, dm)
        if origin and origin != dm:
            locale = reply.locale
            note = Reply(
                kind="notice", parts=(text("slack.checklist_in_dm", locale),), locale=locale
            )
            await self._post_private(note, origin, user, respond=respond)

    # ------------------------------------------------------------------ work (after the ack)

    async def _on_contact_command(self, body: dict[str, Any], respond: AsyncRespond | None) -> None:
        async with self._work("command"):
            team, user, channel = body["team_id"], body["user_id"], body["channel_id"]
            typed = slack_to_plain(body.get("text") or "")
            reply = await self._ask(team, user, text_in=typed, intent="contact", channel=channel)
            if _is_dm(channel):
                try:
                    await self._post(reply, channel)
                except SlackApiError:  # a DM between two people: the bot cannot post there
                    await self._post_private(reply, channel, user, respond=respond)
            else:
                await self._post_private(reply, channel, user, respond=respond)

    async def _on_checklist_command(
        self, body: dict[str, Any], respond: AsyncRespond | None
    ) -> None:
        async with self._work("command"):
            team, user, channel = body["team_id"], body["user_id"], body["channel_id"]
            typed = slack_to_plain(body.get("text") or "")
            reply = await self._ask(team, user, text_in=typed, intent="checklist", channel=channel)
            if reply.kind == "privacy":
                await self._post_private(reply, channel, user, respond=respond)
                return
            await self._to_dm(reply, team, user, channel, respond)

    async def _on_admin_command(self, body: dict[str, Any], respond: AsyncRespond | None) -> None:
        """Admin answers are always private: they may list file paths and problems."""
        async with self._work("command"):
            assert self.admin is not None
            user, channel = body["user_id"], body["channel_id"]
            locale = await self.locale_of(user)
            reply = await self.admin.handle(user, body.get("text") or "", locale)
            await self._post_private(reply, channel, user, respond=respond)

    async def post_notice(self, channel: str, reply: Reply) -> None:
        """Post a message to a channel (the admin channel's reload errors)."""
        await self._post(reply, channel)

    async def _on_choice(self, body: dict[str, Any], respond: AsyncRespond | None) -> None:
        """A button: the answer replaces the message that holds it (no wall of messages)."""
        async with self._work("block_actions"):
            team, user, channel = _action_ids(body)
            value = body["actions"][0].get("value") or ""
            reply = await self._ask(team, user, choice=decode(value), channel=channel)
            container = body.get("container") or {}
            message = body.get("message") or {}
            ts = message.get("ts") or container.get("message_ts")
            if container.get("type") == "view" or not channel:  # App Home: continue in the DM
                await self._post(reply, await self._open_dm(user))
            elif container.get("is_ephemeral") and respond is not None:
                await respond(
                    text=fallback_text(reply), blocks=reply_blocks(reply), replace_original=True
                )
            elif reply.kind in ("step", "outcome") and not _is_dm(channel):
                await self._to_dm(reply, team, user, channel, respond)
            elif ts:
                await self.client.chat_update(
                    channel=channel, ts=ts, text=fallback_text(reply), blocks=reply_blocks(reply)
                )
            else:
                await self._post(reply, channel)

    async def _on_save_school(self, body: dict[str, Any], respond: AsyncRespond | None) -> None:
        """ "Spara som min skola": confirm in a new private message, keep the contact cards."""
        async with self._work("block_actions"):
            team, user, channel = _action_ids(body)
            value = body["actions"][0].get("value") or ""
            reply = await self._ask(team, user, choice=decode(value), channel=channel)
            container = body.get("container") or {}
            if container.get("type") == "view" or not channel:
                await self._post(reply, await self._open_dm(user))
            elif container.get("is_ephemeral") and respond is not None:
                await respond(
                    text=fallback_text(reply),
                    blocks=reply_blocks(reply),
                    response_type="ephemeral",
                    replace_original=False,
                )
            elif _is_dm(channel):
                await self._post(reply, channel)
            else:
                thread = (body.get("message") or {}).get("thread_ts")
                await self._post_private(reply, channel, user, respond=respond, thread_ts=thread)

    async def _first_time(self, body: dict[str, Any], kind: str) -> bool:
        """False for a Slack retry (or a second replica) of an event already handled."""
        if await self.store.first_time(f"slack:event:{body['event_id']}", self.dedup_ttl):
            return True
        logger.info("duplicate Slack event ignored")
        self.observe("slack_duplicate", kind)
        return False

    async def _on_mention(self, body: dict[str, Any]) -> None:
        async with self._work("event_app_mention"):
            event = body["event"]
            if event.get("bot_id") or not await self._first_time(body, "event_app_mention"):
                return
            team, user, channel = body["team_id"], event["user"], event["channel"]
            typed = slack_to_plain(event.get("text") or "")
            reply = await self._ask(team, user, text_in=typed, channel=channel)
            await self._answer_in(
                reply, team, user, channel, thread=event.get("thread_ts") or event["ts"]
            )

    async def _on_direct_message(self, body: dict[str, Any]) -> None:
        async with self._work("event_message"):
            event = body["event"]
            if (
                event.get("channel_type") != "im"
                or event.get("subtype")
                or event.get("bot_id")
                or not event.get("user")
                or not await self._first_time(body, "event_message")
            ):
                return
            team, user, channel = body["team_id"], event["user"], event["channel"]
            typed = slack_to_plain(event.get("text") or "")
            reply = await self._ask(team, user, text_in=typed, channel=channel)
            await self._post(reply, channel, thread_ts=event.get("thread_ts"))

    async def _answer_in(
        self, reply: Reply, team: str, user: str, channel: str, thread: str
    ) -> None:
        """A mention in a channel: answer in its thread; checklists, privacy notices privately."""
        if _is_dm(channel):
            await self._post(reply, channel)
        elif reply.kind == "privacy":
            await self._post_private(reply, channel, user)
        elif reply.kind in ("step", "outcome"):
            await self._to_dm(reply, team, user, channel, None)
        else:
            await self._post(reply, channel, thread_ts=thread)

    async def _on_home_opened(self, body: dict[str, Any]) -> None:
        async with self._work("event_app_home_opened"):
            event = body["event"]
            if event.get("tab", "home") != "home" or not await self._first_time(
                body, "event_app_home_opened"
            ):
                return
            team, user = body["team_id"], event["user"]
            reply = await self._ask(team, user, intent="home")
            await self.client.views_publish(user_id=user, view=home_view(reply))


def _where(error: BaseException) -> str:
    """file:line where an exception was raised: enough to find a bug, and unlike the
    exception's message or a full traceback, it cannot carry what a person typed."""
    frames = traceback.extract_tb(error.__traceback__)
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"


def _action_ids(body: dict[str, Any]) -> tuple[str, str, str | None]:
    user = body["user"]
    team = (body.get("team") or {}).get("id") or user.get("team_id")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return str(team), str(user["id"]), channel


def build_web_app(transport: SlackTransport, app: web.Application | None = None) -> web.Application:
    """The aiohttp app serving POST /slack/events; add /healthz, /readyz, /metrics to it."""
    web_app = app if app is not None else web.Application()
    web_app.router.add_post(EVENTS_PATH, transport.handle_http)
    return web_app
