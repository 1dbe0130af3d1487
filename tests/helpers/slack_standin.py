"""A local stand-in for the Slack Web API (and response_url, and Socket Mode's WebSocket).

It answers the methods the bot calls, records every call (method + parsed arguments) for
assertions, and can be told to fail a method for one channel.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.helpers.slack_signin import SignInWithSlack

BOT_USER = "UBOT0001"
BOT_ID = "BBOT0001"
TEAM = "T0TEST001"
JSON_ARGS = ("blocks", "view", "attachments", "metadata")
SCOPES_NEEDED = {"users.lookupByEmail": "users:read.email", "users.info": "users:read"}


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str = ""
    answer: dict[str, Any] = field(default_factory=dict)  # what the stand-in answered

    def blocks_text(self) -> str:
        """Everything the call would show, as one string (blocks, view and fallback text)."""
        shown = [
            self.args.get("text") or "",
            json.dumps(self.args.get("blocks") or [], ensure_ascii=False),
        ]
        shown.append(json.dumps(self.args.get("view") or {}, ensure_ascii=False))
        return "\n".join(shown)


@dataclass
class SlackStandIn:
    """Start with `async with SlackStandIn() as slack:`; point the bot at `slack.api_url`."""

    locales: dict[str, str] = field(default_factory=dict)  # user id -> Slack locale
    usergroups: dict[str, list[str]] = field(default_factory=dict)  # group id -> user ids
    emails: dict[str, str] = field(default_factory=dict)  # e-mail -> user id (lookupByEmail)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)  # (method, channel) -> error
    delays: dict[str, float] = field(default_factory=dict)  # method -> seconds before answering
    # method -> how many of its next calls get Slack's 429 with `Retry-After: 1`
    rate_limited: dict[str, int] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    port: int = 0  # a fixed port: for a stand-in that comes up after the bot
    socket_envelopes: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    signin: SignInWithSlack = field(default_factory=SignInWithSlack)  # Sign in with Slack
    _runner: web.AppRunner | None = None
    _port: int = 0
    # channel -> the messages posted there, oldest first (conversations.history)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def __aenter__(self) -> SlackStandIn:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{hook}", self._response_url)
        app.router.add_get("/socket", self._socket)
        app.router.add_get("/openid/connect/authorize", self.signin.authorize)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self._port = int(next(a for a in self._runner.addresses if isinstance(a, tuple))[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, hook: str = "hook1") -> str:
        return f"{self.url}/response/{hook}"

    # ------------------------------------------------------------------ assertions

    def of(self, *methods: str) -> list[Call]:
        return [c for c in self.calls if c.method in methods]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """The calls of `method` once there are at least `count` of them."""

        async def enough() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.of(method)) >= count)

        await asyncio.wait_for(enough(), timeout)
        return self.of(method)

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    # ------------------------------------------------------------------ handlers

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        for key in JSON_ARGS:
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        call = Call(method, args, token)
        await self._record(call)
        if method in self.delays:
            await asyncio.sleep(self.delays[method])
        # else no await until `call.answer` is set: a test woken by _record reads it
        if self.rate_limited.get(method, 0) > 0:
            self.rate_limited[method] -= 1
            body = {"ok": False, "error": "ratelimited"}
            return web.json_response(body, status=429, headers={"Retry-After": "1"})
        error = self.failures.get((method, str(args.get("channel", ""))))
        if error == "missing_scope":  # Slack names the scope the method needs
            needed = {"needed": SCOPES_NEEDED.get(method, ""), "provided": "chat:write"}
            return web.json_response({"ok": False, "error": error, **needed})
        if error:
            return web.json_response({"ok": False, "error": error})
        if method == "openid.connect.token":
            return web.json_response(self.signin.token(args))
        call.answer = self._answer(method, args)
        return web.json_response(call.answer)

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        ts = f"1700000000.{next(self._ts):06d}"
        channel = args.get("channel")
        match method:
            case "auth.test":
                return {
                    "ok": True,
                    "url": "https://example.slack.com/",
                    "team": "Test",
                    "user": "referralbot",
                    "team_id": TEAM,
                    "user_id": BOT_USER,
                    "bot_id": BOT_ID,
                    "is_enterprise_install": False,
                }
            case "chat.postMessage":
                message = {"ts": ts, "text": args.get("text", "")}
                if args.get("metadata"):
                    message["metadata"] = args["metadata"]
                self.history.setdefault(str(channel), []).append(message)
                return {"ok": True, "channel": channel, "ts": ts, "message": message}
            case "conversations.history":
                newest = list(reversed(self.history.get(str(channel), [])))
                limit = int(args.get("limit", 100))
                if str(args.get("include_all_metadata")).lower() not in ("true", "1"):
                    newest = [{k: v for k, v in m.items() if k != "metadata"} for m in newest]
                return {"ok": True, "messages": newest[:limit], "has_more": len(newest) > limit}
            case "chat.postEphemeral":
                return {"ok": True, "message_ts": ts}
            case "chat.update":
                return {
                    "ok": True,
                    "channel": channel,
                    "ts": args.get("ts"),
                    "text": args.get("text", ""),
                }
            case "views.publish":
                return {"ok": True, "view": {"id": "V0001", **(args.get("view") or {})}}
            case "users.info":
                user = str(args.get("user", ""))
                return {
                    "ok": True,
                    "user": {
                        "id": user,
                        "team_id": TEAM,
                        "is_bot": False,
                        "locale": self.locales.get(user, "sv-SE"),
                    },
                }
            case "users.lookupByEmail":
                email = str(args.get("email", ""))
                if email not in self.emails:
                    return {"ok": False, "error": "users_not_found"}
                found = {"id": self.emails[email], "team_id": TEAM, "deleted": False}
                return {"ok": True, "user": {**found, "profile": {"email": email}}}
            case "conversations.open":
                users = str(args.get("users", ""))
                return {"ok": True, "channel": {"id": "D" + users.split(",")[0][1:]}}
            case "usergroups.users.list":
                group = str(args.get("usergroup", ""))
                if group not in self.usergroups:
                    return {"ok": False, "error": "no_such_subteam"}
                return {"ok": True, "users": self.usergroups[group]}
            case "apps.connections.open":
                return {"ok": True, "url": f"ws://127.0.0.1:{self._port}/socket"}
        return {"ok": False, "error": "unknown_method"}

    async def _response_url(self, request: web.Request) -> web.Response:
        args = await request.json()
        await self._record(Call("response_url", args))
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, push queued envelopes, record the acks that come back."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1})

        async def push() -> None:
            while True:
                envelope = await self.socket_envelopes.get()
                await ws.send_json(envelope)

        pusher = asyncio.create_task(push())
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    ack = json.loads(message.data)
                    self.socket_acks.append(ack)
                    await self._record(Call("socket_ack", ack))
        finally:
            pusher.cancel()
        return ws
