"""The Slack courier against the Web API stand-in: a DM opened once per person, the message's
reference for updating it, the marker that lets a retried step find its message, and Slack's
answers that no retry changes reported as Undeliverable."""

from __future__ import annotations

import pytest

from bot.core.handoff.courier import Undeliverable
from bot.core.models import Reply
from bot.transports.slack.courier import SlackCourier
from tests.helpers import slack_requests as rq
from tests.helpers.slack_standin import SlackStandIn

HELLO = Reply(kind="notice", parts=("Hej",))


async def test_a_person_s_dm_is_opened_once_and_the_reference_updates_the_message(
    slack: SlackStandIn,
) -> None:
    courier = SlackCourier(rq.BOT_TOKEN, slack.api_url)
    first = await courier.send("U0PETRA001", HELLO, "r1:1")
    second = await courier.send("U0PETRA001", HELLO, "r2:1")
    assert len(slack.of("conversations.open")) == 1
    assert first.startswith("D0PETRA001:") and first != second
    await courier.update(first, Reply(kind="notice", parts=("Tagen",)))
    [update] = slack.of("chat.update")
    assert (update.args["channel"], update.args["ts"]) == tuple(first.split(":"))
    assert "Tagen" in update.blocks_text()


async def test_a_retried_step_finds_its_message_by_the_marker_in_a_dm_only(
    slack: SlackStandIn,
) -> None:
    courier = SlackCourier(rq.BOT_TOKEN, slack.api_url)
    posted = await courier.send("U0PETRA001", HELLO, "r1:3")
    await courier.send("U0PETRA001", HELLO, "r1:4")
    assert await courier.find("U0PETRA001", "r1:3") == posted
    assert await courier.find("U0PETRA001", "r9:1") is None
    [post, _] = slack.of("chat.postMessage")
    assert post.args["metadata"]["event_payload"] == {"step": "r1:3"}  # ids only
    await courier.send("C0RECEPTION1", HELLO, "r1:5")
    assert await courier.find("C0RECEPTION1", "r1:5") is None  # no history scope there
    assert not [c for c in slack.of("conversations.history") if c.args["channel"][0] == "C"]


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "user_not_found"])
async def test_slack_s_final_refusals_are_undeliverable(slack: SlackStandIn, error: str) -> None:
    slack.failures[("chat.postMessage", "C0GONE0001")] = error
    with pytest.raises(Undeliverable):
        await SlackCourier(rq.BOT_TOKEN, slack.api_url).send("C0GONE0001", HELLO, "r1:1")


async def test_other_errors_are_raised_for_the_step_to_be_tried_again(slack: SlackStandIn) -> None:
    slack.failures[("chat.update", "D0PETRA001")] = "internal_error"
    courier = SlackCourier(rq.BOT_TOKEN, slack.api_url)
    with pytest.raises(Exception) as raised:
        await courier.update("D0PETRA001:1700000000.000001", HELLO)
    assert not isinstance(raised.value, Undeliverable)
