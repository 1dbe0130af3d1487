"""The Telegram transport against a local stand-in of the Bot API, on the shipped example data."""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.core.actions import Answer, Back
from bot.core.catalog import load_catalog
from bot.core.clock import STOCKHOLM
from bot.core.models import Choice, Reply
from bot.core.service import FixedCatalog, Service
from bot.core.sessions import MemoryStore
from bot.errors import BotError
from bot.transports.telegram import CallbackCodec, TelegramTransport, render_text
from tests.helpers.held_text import holders_of
from tests.helpers.telegram_standin import BOT_USER, TelegramStandIn

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:" + "A" * 35
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=STOCKHOLM)


def text_update(update_id: int, text: str, lang: str = "sv") -> dict[str, Any]:
    user = {"id": 7, "is_bot": False, "first_name": "Lärare", "language_code": lang}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": 7, "type": "private"},
            "from": user,
            "text": text,
        },
    }


def click_update(update_id: int, data: str, message_id: int) -> dict[str, Any]:
    user = {"id": 7, "is_bot": False, "first_name": "Lärare", "language_code": "sv"}
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id),
            "from": user,
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": 0,
                "chat": {"id": 7, "type": "private"},
                "text": "…",
            },
        },
    }


@pytest.fixture
async def transport(telegram_standin: TelegramStandIn) -> Any:
    catalog = load_catalog([ROOT / "directory", ROOT / "rules"])
    service = Service(FixedCatalog(catalog), MemoryStore(), now=lambda: TUESDAY_MORNING)
    bot = TelegramTransport(service, token=TOKEN, api_url=telegram_standin.url)
    await bot.application.initialize()
    yield bot
    await bot.application.shutdown()


async def test_a_contact_question_gets_the_named_contacts(
    transport: TelegramTransport, telegram_standin: TelegramStandIn
) -> None:
    await transport.process(text_update(1, "vem är soc-kontakten för Ängsskolan åk 8?"))
    sent = telegram_standin.called("sendMessage")
    assert len(sent) == 1
    assert "Ängsskolan F-9" in sent[0]["text"]
    assert "112" in sent[0]["text"]
    assert sent[0]["parse_mode"] == "HTML"


async def test_a_checklist_click_edits_the_same_message(
    transport: TelegramTransport, telegram_standin: TelegramStandIn
) -> None:
    await transport.process(text_update(1, "orosanmälan"))
    await transport.process(text_update(2, "Ängsskolan"))
    question = telegram_standin.called("sendMessage")[-1]
    assert "akut fara" in question["text"]
    buttons = [b for row in question["reply_markup"]["inline_keyboard"] for b in row]
    acute = next(b for b in buttons if b["text"].startswith("Ja"))
    await transport.process(click_update(3, acute["callback_data"], message_id=555))
    edited = telegram_standin.called("editMessageText")
    assert len(edited) == 1 and int(edited[0]["message_id"]) == 555
    assert "112" in edited[0]["text"] and "Socialjouren Dalarna" in edited[0]["text"]
    assert telegram_standin.called("answerCallbackQuery")


async def test_going_back_to_the_checklist_keeps_the_contact_answer(
    transport: TelegramTransport, telegram_standin: TelegramStandIn
) -> None:
    await transport.process(text_update(1, "orosanmälan"))
    await transport.process(text_update(2, "Ängsskolan"))
    await transport.process(text_update(3, "vem är soc-kontakten för Noretskolan?"))
    contact = telegram_standin.called("sendMessage")[-1]
    assert "Noretskolan 7-9" in contact["text"]
    buttons = [b for row in contact["reply_markup"]["inline_keyboard"] for b in row]
    resume = next(b for b in buttons if b["text"] == "Fortsätt checklistan")
    await transport.process(click_update(4, resume["callback_data"], message_id=556))
    assert not telegram_standin.called("editMessageText")
    assert "akut fara" in telegram_standin.called("sendMessage")[-1]["text"]


async def test_a_personnummer_is_never_echoed(
    transport: TelegramTransport, telegram_standin: TelegramStandIn
) -> None:
    await transport.process(text_update(1, "eleven 121212-1212 på Ängsskolan"))
    sent = telegram_standin.called("sendMessage")[-1]["text"]
    assert "121212" not in sent and "Radera" in sent


async def test_once_answered_nothing_in_the_process_keeps_a_name_typed_with_the_question(
    transport: TelegramTransport, telegram_standin: TelegramStandIn
) -> None:
    child = "Elev" + secrets.token_hex(6)
    await transport.process(text_update(1, f"vem är soc-kontakten för Ängsskolan åk 8? {child}"))
    sent = telegram_standin.called("sendMessage")
    assert "Ängsskolan F-9" in sent[0]["text"] and child not in sent[0]["text"]
    del sent
    assert holders_of(child, __file__) == []  # the stand-in's record of every call included


def test_user_text_cannot_inject_html_and_long_choice_ids_round_trip() -> None:
    reply = Reply(kind="notice", parts=("<b>x</b> & *viktigt*",))
    assert render_text(reply) == "&lt;b&gt;x&lt;/b&gt; &amp; <b>viktigt</b>"
    codec = CallbackCodec()
    long_action = Answer("x" * 100, "ja")
    encoded = codec.encode(long_action)
    assert len(encoded.encode()) <= 64 and codec.decode(encoded) == long_action
    assert codec.encode(Choice(Back(), "Tillbaka").action) == "nav:back"
    assert codec.decode("~" + "0" * 32) is None  # a token from before a restart: stale
    assert codec.decode("nav:sideways") is None


def test_a_malformed_token_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="TELEGRAM_BOT_TOKEN"):
        TelegramTransport(object(), token="not-a-token")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- connecting


@asynccontextmanager
async def bot_api(get_me: web.Response) -> AsyncIterator[str]:
    """A Bot API that answers getMe with `get_me` and polls with no updates."""

    async def handle(request: web.Request) -> web.Response:
        if request.match_info["method"] == "getMe":
            return get_me
        return web.json_response({"ok": True, "result": []})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


async def test_a_token_telegram_refuses_is_a_bot_error_not_a_silent_exit() -> None:
    refused = web.json_response(
        {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
    )
    async with bot_api(refused) as url:
        transport = TelegramTransport(AsyncMock(), token=TOKEN, api_url=url)
        with pytest.raises(BotError, match="TELEGRAM_BOT_TOKEN"):
            await asyncio.wait_for(transport.run(), 10)


async def test_telegram_unreachable_is_retried_and_shown_until_closed() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    transport = TelegramTransport(AsyncMock(), token=TOKEN, api_url=f"http://127.0.0.1:{port}")
    runner = asyncio.create_task(transport.run())
    for _ in range(100):
        if "unreachable" in str(await transport.not_ready()):
            break
        await asyncio.sleep(0.05)
    assert "unreachable" in str(await transport.not_ready())
    await transport.close()
    await asyncio.wait_for(runner, 5)


async def test_telegram_is_ready_once_get_me_answered() -> None:
    me = web.json_response({"ok": True, "result": BOT_USER})
    async with bot_api(me) as url:
        transport = TelegramTransport(AsyncMock(), token=TOKEN, api_url=url)
        runner = asyncio.create_task(transport.run())
        for _ in range(100):
            if await transport.not_ready() is None:
                break
            await asyncio.sleep(0.05)
        assert await transport.not_ready() is None
        await transport.close()
        await asyncio.wait_for(runner, 10)
    assert await transport.not_ready() == "shutting down"


async def test_the_home_municipality_is_still_a_button_or_a_typed_name_in_telegram(
    transport: TelegramTransport, telegram_standin: TelegramStandIn
) -> None:
    """Telegram has no searchable menu: the directory's municipalities stay buttons, and any
    of the 290 can be typed."""
    await transport.process(text_update(1, "orosanmälan"))
    await transport.process(text_update(2, "Ängsskolan"))
    labels = ("Nej", "13–17 år", "Barnets eget beteende", "Fortsätt", "Fortsätt")
    for n, label in enumerate((*labels, "I en annan kommun"), 3):
        message = (
            telegram_standin.called("editMessageText") or telegram_standin.called("sendMessage")
        )[-1]
        keys = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
        chosen = next(b for b in keys if b["text"].startswith(label))
        await transport.process(click_update(n, chosen["callback_data"], message_id=557))
    question = telegram_standin.called("editMessageText")[-1]
    assert "Vilken kommun bor barnet i?" in question["text"]
    keys = [b["text"] for row in question["reply_markup"]["inline_keyboard"] for b in row]
    assert "Luleå kommun" in keys and "Kommunen finns inte i listan" in keys
    await transport.process(text_update(20, "Götebrg"))
    answer = telegram_standin.called("sendMessage")[-1]["text"]
    assert "Barnet bor i Göteborg, så den skriftliga anmälan ska dit" in answer
