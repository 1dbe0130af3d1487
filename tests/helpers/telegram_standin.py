"""A local stand-in for the Telegram Bot API: answers what the bot calls and records it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "referral-bot", "username": "referral_bot"}


@dataclass
class TelegramStandIn:
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    next_message_id: int = 100
    url: str = ""

    def called(self, method: str) -> list[dict[str, Any]]:
        return [args for name, args in self.calls if name == method]

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            args: dict[str, Any] = await request.json()
        else:
            args = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        for key in ("reply_markup", "chat_id", "message_id"):
            if isinstance(args.get(key), str) and args[key][:1] in "{[":
                args[key] = json.loads(args[key])
        self.calls.append((method, args))
        return web.json_response({"ok": True, "result": self._result(method, args)})

    def _result(self, method: str, args: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in {"sendMessage", "editMessageText"}:
            self.next_message_id += 1
            return {
                "message_id": int(args.get("message_id") or self.next_message_id),
                "date": 0,
                "chat": {"id": int(args.get("chat_id", 1)), "type": "private"},
                "text": args.get("text", ""),
            }
        return True


@pytest.fixture
async def telegram_standin() -> AsyncIterator[TelegramStandIn]:
    standin = TelegramStandIn()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", standin.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    standin.url = str(server.make_url("")).rstrip("/")
    yield standin
    await server.close()
