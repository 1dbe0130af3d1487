"""An event is acknowledged only once its answer is posted, so that no answer is lost.

In process, over real HTTP (and Socket Mode), against the Slack stand-in: the 200 follows the
posted answer; a slow answer is acked at the deadline and still marked done; a retry that
meets a live claim elsewhere gets a 503 (Slack retries later), and the one after the holder
finished gets a 200 and no second answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import pytest

from bot.core.sessions import MemoryStore
from bot.transports.slack.listeners import EVENT_ACK_DEADLINE_SECONDS
from bot.transports.slack.seen import StoreSeenEvents
from tests.helpers import slack_requests as rq
from tests.helpers.slack_standin import SlackStandIn
from tests.transports.test_slack_http import SocketBot, event_payload, real_service, running
from tests.transports.test_slack_http import socket_bot as socket_bot  # the fixture


def test_the_ack_deadline_is_within_slacks_three_seconds() -> None:
    assert 1.0 <= EVENT_ACK_DEADLINE_SECONDS <= 2.6


async def test_the_200_comes_only_after_the_answer_was_posted(slack: SlackStandIn) -> None:
    slack.delays["chat.postMessage"] = 0.4  # Slack takes a while to post the answer
    store = MemoryStore()
    async with running(slack, real_service(store), store) as bot:
        started = time.monotonic()
        status, _ = await bot.send(rq.direct_message("Ängsskolan åk 8", event_id="EvAfter1"))
        took = time.monotonic() - started
        assert status == 200
        [posted] = slack.of("chat.postMessage")  # seen by Slack before the 200 …
        assert "Cecilia Lind" in posted.blocks_text()
        assert took >= 0.4  # … and answered by it (its delay) before the 200 was sent
        await bot.settle()


@pytest.mark.parametrize(
    "request_",
    [
        # signed when the test runs: a signature made at collection is stale (401) once
        # the suite has run for Slack's 5 minutes
        lambda: rq.app_mention("Ängsskolan åk 8", event_id="EvKinds1"),
        lambda: rq.home_opened(event_id="EvKinds2"),
    ],
    ids=["app_mention", "app_home_opened"],
)
async def test_every_event_kind_waits_for_its_answer(
    slack: SlackStandIn, request_: Callable[[], rq.SignedRequest]
) -> None:
    for method in ("chat.postMessage", "views.publish"):
        slack.delays[method] = 0.3
    store = MemoryStore()
    async with running(slack, real_service(store), store) as bot:
        started = time.monotonic()
        assert (await bot.send(request_()))[0] == 200
        assert time.monotonic() - started >= 0.3
        assert slack.of("chat.postMessage", "views.publish")
        await bot.settle()


async def test_an_answer_slower_than_the_deadline_is_acked_at_it_and_still_marked_done(
    slack: SlackStandIn,
) -> None:
    slack.delays["chat.postMessage"] = 1.0
    store = MemoryStore()
    async with running(slack, real_service(store), store, event_ack_deadline_seconds=0.3) as bot:
        started = time.monotonic()
        request = rq.direct_message("Ängsskolan åk 8", event_id="EvSlow1")
        assert (await bot.send(request))[0] == 200
        assert time.monotonic() - started < 0.9  # acked at the deadline, not after the post
        await bot.settle()  # the work went on …
        assert len(slack.of("chat.postMessage")) == 1
        retry = rq.direct_message("Ängsskolan åk 8", event_id="EvSlow1", retry=1)
        assert (await bot.send(retry))[0] == 200  # … and was marked done: a duplicate
        await bot.settle()
    assert len(slack.of("chat.postMessage")) == 1
    assert ("slack_duplicate", "event_message") in bot.observed


async def test_a_retry_meeting_a_live_claim_is_refused_and_the_next_is_a_duplicate(
    slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    slack.delays["chat.postMessage"] = 1.0  # replica A is still posting when the retry comes
    store = MemoryStore()  # shared by both replicas, as Redis would be
    async with (
        running(slack, real_service(store), store, event_ack_deadline_seconds=0.2) as a,
        running(slack, real_service(store), store) as b,
    ):
        first = rq.direct_message("Ängsskolan åk 8", event_id="EvHeld1")
        assert (await a.send(first))[0] == 200  # acked at A's deadline, still answering
        caplog.clear()
        with caplog.at_level(logging.INFO):
            retry = rq.direct_message("Ängsskolan åk 8", event_id="EvHeld1", retry=1)
            assert (await b.send(retry))[0] == 503  # Slack: try again later
        lines = [r for r in caplog.records if r.name.startswith("bot")]
        assert [r.getMessage() for r in lines] == [
            "Slack event not acknowledged (its claim is held elsewhere): Slack retries it later"
        ]
        assert lines[0].levelno == logging.INFO and not lines[0].exc_info
        await a.settle()  # A posted and marked the event done
        again = rq.direct_message("Ängsskolan åk 8", event_id="EvHeld1", retry=2)
        assert (await b.send(again))[0] == 200
        await b.settle()
    assert len(slack.of("chat.postMessage")) == 1
    assert ("slack_retry_later", "event_message") in b.observed
    assert ("slack_duplicate", "event_message") in b.observed


async def test_a_claim_left_by_a_dead_process_is_refused_until_its_lease_ends(
    slack: SlackStandIn,
) -> None:
    store = MemoryStore()
    dead = StoreSeenEvents(store, lease_seconds=0.5)
    assert await dead.claim("EvDead1") == "claimed"  # … then the process died
    async with running(slack, real_service(store), store) as bot:
        for retry in (1, 2):
            request = rq.direct_message("Ängsskolan åk 8", event_id="EvDead1", retry=retry)
            assert (await bot.send(request))[0] == 503
        await asyncio.sleep(0.6)
        later = rq.direct_message("Ängsskolan åk 8", event_id="EvDead1", retry=3)
        assert (await bot.send(later))[0] == 200
        assert len(slack.of("chat.postMessage")) == 1  # answered before the 200
        await bot.settle()


async def test_socket_mode_does_not_ack_an_envelope_whose_event_is_held(
    socket_bot: SocketBot, slack: SlackStandIn
) -> None:
    seen = socket_bot.transport.listeners.seen
    assert isinstance(seen, StoreSeenEvents)
    holder = StoreSeenEvents(seen._store)  # another replica, answering this event
    assert await holder.claim("EvSocketHeld") == "claimed"
    body = event_payload(rq.direct_message("Ängsskolan", event_id="EvSocketHeld"))
    await socket_bot.push("events_api", body, "envHeld0", accepts_response_payload=False)
    await asyncio.sleep(0.5)
    assert not slack.socket_acks  # no ack: Slack delivers the envelope again
    await holder.done("EvSocketHeld")
    await socket_bot.push(
        "events_api",
        body,
        "envHeld1",
        retry_attempt=1,
        retry_reason="timeout",
        accepts_response_payload=False,
    )
    [ack] = await slack.wait_for("socket_ack")
    assert ack.args["envelope_id"] == "envHeld1"
    await socket_bot.transport.idle(timeout=5)
    assert not slack.of("chat.postMessage")
    assert ("slack_retry_later", "event_message") in socket_bot.observed
    assert ("slack_duplicate", "event_message") in socket_bot.observed


async def test_ignored_events_are_acked_without_a_claim(slack: SlackStandIn) -> None:
    store = MemoryStore()
    async with running(slack, real_service(store), store) as bot:
        edit = {"type": "message", "channel_type": "im", "subtype": "message_changed"}
        edit |= {"user": rq.USER, "channel": "D" + rq.USER[1:], "ts": "1700000200.000100"}
        assert (await bot.send(rq.event_callback(edit, event_id="EvEdit1")))[0] == 200
        assert await StoreSeenEvents(store).claim("EvEdit1") == "claimed"  # never claimed
