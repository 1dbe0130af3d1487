"""The asker's language and user groups, looked up in the Slack Web API stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession
from slack_sdk.web.async_client import AsyncWebClient

from bot.transports.slack.identity import Identity
from tests.helpers import slack_requests as rq
from tests.helpers.slack_standin import SlackStandIn


@pytest.fixture
async def client(slack: SlackStandIn) -> AsyncIterator[AsyncWebClient]:
    async with ClientSession() as session:
        yield AsyncWebClient(token=rq.BOT_TOKEN, base_url=slack.api_url, session=session)


async def test_answers_are_cached_and_the_least_recently_asked_go_first(
    slack: SlackStandIn, client: AsyncWebClient
) -> None:
    slack.locales.update({"U1": "en-GB", "U2": "sv-SE", "U3": "en-US"})
    identity = Identity(client, kept=2)
    assert [await identity.locale_of(u) for u in ("U1", "U2", "U1", "U3")] == [
        "en",
        "sv",
        "en",
        "en",
    ]
    assert [c.args["user"] for c in slack.of("users.info")] == ["U1", "U2", "U3"]
    await identity.locale_of("U1")  # kept: asked more recently than U2
    await identity.locale_of("U2")  # pushed out by U3
    assert [c.args["user"] for c in slack.of("users.info")] == ["U1", "U2", "U3", "U2"]


async def test_a_failure_or_a_timeout_is_swedish_and_asked_again_next_time(
    slack: SlackStandIn, client: AsyncWebClient
) -> None:
    slack.locales["U1"] = "en-US"
    slack.failures[("users.info", "")] = "ratelimited"
    identity = Identity(client, locale_timeout=0.1)
    assert await identity.locale_of("U1") == "sv"
    del slack.failures[("users.info", "")]
    slack.delays["users.info"] = 0.5
    assert await identity.locale_of("U1") == "sv"
    slack.delays.clear()
    assert await identity.locale_of("U1") == "en"
    assert len(slack.of("users.info")) == 3
