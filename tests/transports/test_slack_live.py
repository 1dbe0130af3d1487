"""Going live without surprises: readiness, refused tokens, overload, exactly-once events and
graceful shutdown, against the Slack stand-in, in process and as a real `serve` process."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from pathlib import Path

import aiohttp
import pytest

from bot.core.sessions import MemoryStore
from bot.transports.slack.work import WorkQueue
from tests.helpers import slack_requests as rq
from tests.helpers.bot_process import BotProcess, free_port
from tests.helpers.slack_standin import SlackStandIn
from tests.transports.test_slack_http import RememberedEvents, real_service, running

BUSY = "Många frågar just nu"


async def readyz(url: str) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/readyz") as response:
        return response.status, await response.json()


async def until(check: object, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.1)


# --------------------------------------------------------------------------- start-up


async def test_a_token_slack_refuses_makes_serve_exit_1(
    slack: SlackStandIn, tmp_path: Path
) -> None:
    slack.failures[("auth.test", "")] = "invalid_auth"
    log = tmp_path / "bot.log"
    bot = BotProcess(api_url=slack.api_url, store_url=f"sqlite:///{tmp_path / 's.db'}", log=log)
    try:
        code = await asyncio.to_thread(bot.proc.wait, 20)
    finally:
        bot.stop()
    written = log.read_text()
    assert code == 1
    assert "invalid_auth" in written and "SLACK_BOT_TOKEN" in written
    assert "Traceback" not in written and rq.BOT_TOKEN not in written


async def test_slack_down_at_start_is_waited_for_and_requests_meanwhile_are_never_5xx(
    tmp_path: Path,
) -> None:
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api/"
    log = tmp_path / "bot.log"
    bot = BotProcess(api_url=api_url, store_url=f"sqlite:///{tmp_path / 's.db'}", log=log)
    try:

        async def answering() -> bool:
            try:
                status, body = await readyz(bot.url)
            except aiohttp.ClientError:
                return False
            return status == 503 and "unreachable" in str(body["reasons"])

        await until(answering)
        _, body = await readyz(bot.url)
        assert body["ready"] is False and body["waiting_for"] == ["slack"]
        assert "unreachable" in str(body["reasons"])
        requests = [
            rq.slash_command("/kontakt", "Ängsskolan åk 8"),
            rq.slash_command("/oro", ""),
            rq.direct_message("Ängsskolan", event_id="EvDown1"),
            rq.block_actions("choice:0", "x"),
        ]
        statuses = [await bot.send(r) for r in requests]
        # the event could not be answered (no Web API): 503, so that Slack retries it later
        assert statuses[2] == 503
        assert all(s < 500 for s in statuses[:2] + statuses[3:]), statuses
        async with SlackStandIn(port=port) as slack:
            await bot.ready(timeout=40)
            assert await bot.send(rq.direct_message("Ängsskolan", event_id="EvUp1")) == 200
            await slack.wait_for("chat.postMessage", timeout=10)
            assert len(slack.of("auth.test")) == 1  # once, not once per request
    finally:
        bot.stop()
    assert "Traceback" not in log.read_text()


# --------------------------------------------------------------------------- shutdown


async def test_sigterm_under_load_answers_every_event_in_flight_before_exit(
    slack: SlackStandIn, tmp_path: Path
) -> None:
    slack.delays["chat.postMessage"] = 1.0
    log = tmp_path / "bot.log"
    bot = BotProcess(api_url=slack.api_url, store_url=f"sqlite:///{tmp_path / 's.db'}", log=log)
    try:
        await bot.ready()
        events = [rq.direct_message("Ängsskolan", event_id=f"EvTerm{n}") for n in range(5)]
        sent = asyncio.gather(*(bot.send(e) for e in events))
        await slack.wait_for("chat.postMessage", 5)  # every answer is on its way, none acked
        bot.proc.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.2)
        assert (await readyz(bot.url))[0] == 503  # taken out of the load balancer at once
        assert await bot.send(rq.slash_command("/kontakt", "Ängsskolan")) == 503
        assert await sent == [200] * 5  # each acked once its answer was posted
        code = await asyncio.to_thread(bot.proc.wait, 20)
    finally:
        bot.stop()
    assert code == 0
    assert len(slack.of("chat.postMessage")) == 5
    assert "Slack work after the acks finished" in log.read_text()


# --------------------------------------------------------------------------- exactly once


async def test_an_event_whose_answer_failed_is_answered_on_slacks_retry(
    slack: SlackStandIn,
) -> None:
    seen = RememberedEvents()
    slack.failures[("chat.postMessage", rq.DM)] = "internal_error"
    async with running(slack, real_service(MemoryStore()), MemoryStore()) as bot:
        bot.transport.listeners.seen = seen
        # not answered: no ack (503), so that Slack retries
        assert (await bot.send(rq.direct_message("Ängsskolan", event_id="EvFail1")))[0] == 503
        await bot.settle()
        assert "EvFail1" not in seen.claimed and "EvFail1" not in seen.answered  # released
        del slack.failures[("chat.postMessage", rq.DM)]
        retry = rq.direct_message("Ängsskolan", event_id="EvFail1", retry=1)
        assert (await bot.send(retry))[0] == 200
        await bot.settle()
        assert seen.answered == {"EvFail1"}
        again = rq.direct_message("Ängsskolan", event_id="EvFail1", retry=2)
        assert (await bot.send(again))[0] == 200
        await bot.settle()
    assert len(slack.of("chat.postMessage")) == 2  # the failed one, then the retry's answer
    assert ("slack_duplicate", "event_message") in bot.observed


async def test_an_answered_event_is_done_and_its_retry_dropped(slack: SlackStandIn) -> None:
    seen = RememberedEvents()
    async with running(slack, real_service(MemoryStore()), MemoryStore()) as bot:
        bot.transport.listeners.seen = seen
        for retry in (None, 1):
            request = rq.direct_message("Ängsskolan", event_id="EvOk1", retry=retry)
            assert (await bot.send(request))[0] == 200
            await bot.settle()
    assert seen.answered == {"EvOk1"} and not seen.claimed
    assert len(slack.of("chat.postMessage")) == 1


# --------------------------------------------------------------------------- overload


async def test_when_the_queue_is_full_the_ack_says_so_calmly(slack: SlackStandIn) -> None:
    slack.delays["conversations.open"] = 1.0
    async with running(slack, real_service(MemoryStore()), MemoryStore()) as bot:
        bot.transport.listeners.work = WorkQueue(workers=1, size=1)
        answers = []
        for _ in range(3):
            status, body = await bot.send(rq.slash_command("/oro", ""))
            answers.append(body)
            assert status == 200
            await asyncio.sleep(0.05)
        busy = json.loads(answers[2])
        assert BUSY in busy["text"] and "112" in busy["text"]
        assert busy["response_type"] == "ephemeral"
        assert answers[0] == answers[1] == ""  # acked, answered after
        await bot.settle()
        await bot.transport.listeners.work.close()
    assert len(slack.of("conversations.open")) == 2


async def test_a_click_under_overload_gets_the_notice_through_its_response_url(
    slack: SlackStandIn,
) -> None:
    slack.delays["conversations.open"] = 1.0
    async with running(slack, real_service(MemoryStore()), MemoryStore()) as bot:
        bot.transport.listeners.work = WorkQueue(workers=1, size=1)
        for _ in range(2):
            await bot.send(rq.slash_command("/oro", ""))
            await asyncio.sleep(0.05)
        click = rq.block_actions("choice:0", "x", response_url=slack.response_url())
        assert (await bot.send(click))[0] == 200
        [notice] = await slack.wait_for("response_url")
        assert BUSY in notice.blocks_text()
        await bot.settle()
        await bot.transport.listeners.work.close()


# --------------------------------------------------------------------------- readiness


async def test_readyz_in_http_mode_says_ready_once_slack_answered(
    slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with running(slack, real_service(MemoryStore()), MemoryStore()) as bot:
        assert await bot.transport.not_ready() is None
        bot.transport.draining = True
        assert await bot.transport.not_ready() == "shutting down"
        assert (await bot.send(rq.slash_command("/kontakt", "Ängsskolan")))[0] == 503
