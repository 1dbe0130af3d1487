""" "Fel uppgift?" in Slack over real signed requests: the card's button, the reasons, the
message in the municipality's admin channel, and the thank-you where the reasons were."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bot.core.service import FixedCatalog, Service
from bot.core.sessions import MemoryStore
from tests.helpers import slack_requests as rq
from tests.helpers.shipped import ROOT, shipped_catalog
from tests.helpers.slack_standin import Call, SlackStandIn
from tests.transports.test_slack_http import TUESDAY_MORNING, Bot, buttons, click, running

MORA_ADMINS = "C0MORAADM1"  # admin_channel of directory/mora.yml
GLOBAL_ADMINS = "C0GLOBAL01"  # ADMIN_CHANNEL
REASONS_TS = "1700000000.000777"  # the DM message with the reasons, as Slack names it


@asynccontextmanager
async def bot_with(slack: SlackStandIn, admin_channel: str | None) -> AsyncIterator[Bot]:
    store = MemoryStore()
    catalog = FixedCatalog(shipped_catalog())
    service = Service(catalog, store, now=lambda: TUESDAY_MORNING, admin_channel=admin_channel)
    async with running(slack, service, store) as started:
        yield started


def report_button(call: Call, name: str) -> dict[str, Any]:
    """The "Fel uppgift?" button on the card of `name`."""
    [button] = [
        b["accessory"]
        for b in call.args["blocks"]
        if b["type"] == "section" and name in b["text"]["text"] and "accessory" in b
    ]
    assert button["text"]["text"] == "Fel uppgift?"
    return button  # type: ignore[no-any-return]


def admin_posts(slack: SlackStandIn) -> list[Call]:
    return [c for c in slack.of("chat.postMessage") if not c.args["channel"].startswith("D")]


async def contacts_in_dm(bot: Bot, slack: SlackStandIn, school: str) -> Call:
    await bot.send(rq.slash_command("/kontakt", school, channel=rq.DM))
    [answer] = await slack.wait_for("chat.postMessage")
    return answer


async def reasons_for(bot: Bot, slack: SlackStandIn, answer: Call, name: str) -> Call:
    """Click "Fel uppgift?" on `name`'s card in the DM: the reasons come as a new message."""
    button = report_button(answer, name)
    status, _ = await bot.send(rq.block_actions(button["action_id"], button["value"]))
    assert status == 200
    return (await slack.wait_for("chat.postMessage", 2))[-1]


def line_of(path: str, starts: str) -> int:
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    return next(n for n, text in enumerate(lines, start=1) if text.startswith(starts))


async def test_a_reason_picked_tells_the_municipality_s_admin_channel_and_thanks_in_place(
    slack: SlackStandIn,
) -> None:
    async with bot_with(slack, GLOBAL_ADMINS) as bot:
        answer = await contacts_in_dm(bot, slack, "Ängsskolan åk 8")
        reasons = await reasons_for(bot, slack, answer, "Cecilia Lind")
        assert reasons.args["channel"] == rq.DM
        assert "Vad stämmer inte för Cecilia Lind?" in reasons.blocks_text()
        assert "Personen har slutat / är inte kontakt längre" in buttons(reasons)
        await bot.send(click(reasons, "Fel telefonnummer", message_ts=REASONS_TS))
        [thanks] = await slack.wait_for("chat.update")
        await bot.settle()
    assert thanks.args["ts"] == REASONS_TS and "Tack!" in thanks.blocks_text()
    assert not buttons(thanks)  # the reasons gave way to the thank-you
    [told] = admin_posts(slack)
    assert told.args["channel"] == MORA_ADMINS  # Mora's own channel, not ADMIN_CHANNEL
    shown = told.blocks_text()
    assert f"mora.yml:{line_of('directory/mora.yml', '  cecilia-l:')}" in shown
    assert "Ängsskolan F-9" in shown and "Unga 13–20 år" in shown
    assert "Fel telefonnummer" in shown and f"<@{rq.USER}>" in shown


async def test_a_school_of_a_municipality_without_its_own_channel_goes_to_admin_channel(
    slack: SlackStandIn,
) -> None:
    async with bot_with(slack, GLOBAL_ADMINS) as bot:
        answer = await contacts_in_dm(bot, slack, "Stenhammarskolan")
        reasons = await reasons_for(bot, slack, answer, "Stina Wiklund")
        await bot.send(click(reasons, "Annat", message_ts=REASONS_TS))
        await slack.wait_for("chat.update")
        await bot.settle()
    [told] = admin_posts(slack)
    assert told.args["channel"] == GLOBAL_ADMINS  # never Mora's
    assert "Stenhammarskolan" in told.blocks_text() and "flen.yml:" in told.blocks_text()


async def test_with_no_admin_channel_anywhere_the_reporter_is_told_to_tell_the_reception(
    slack: SlackStandIn,
) -> None:
    async with bot_with(slack, None) as bot:
        answer = await contacts_in_dm(bot, slack, "Stenhammarskolan")
        reasons = await reasons_for(bot, slack, answer, "Stina Wiklund")
        await bot.send(click(reasons, "Fel e-post", message_ts=REASONS_TS))
        [told] = await slack.wait_for("chat.update")
        await bot.settle()
    assert "mottagningen" in told.blocks_text() and "0000-32 00 00" in told.blocks_text()
    assert not admin_posts(slack)


async def test_a_bot_not_invited_to_the_admin_channel_sends_the_reporter_to_the_reception(
    slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    slack.failures[("chat.postMessage", MORA_ADMINS)] = "not_in_channel"
    async with bot_with(slack, None) as bot:
        answer = await contacts_in_dm(bot, slack, "Ängsskolan åk 8")
        reasons = await reasons_for(bot, slack, answer, "Cecilia Lind")
        with caplog.at_level(logging.WARNING):
            await bot.send(click(reasons, "Fel telefonnummer", message_ts=REASONS_TS))
            [told] = await slack.wait_for("chat.update")
            await bot.settle()
    assert "Tack!" not in told.blocks_text()
    assert "mottagningen" in told.blocks_text() and "0000-10 00 00" in told.blocks_text()
    assert "admin notice not posted: not_in_channel" in caplog.text


async def test_in_a_channel_the_reasons_and_the_thanks_are_only_for_the_reporter(
    slack: SlackStandIn,
) -> None:
    async with bot_with(slack, None) as bot:
        answer = await bot.acked(rq.slash_command("/kontakt", "Ängsskolan åk 8"))
        button = report_button(answer, "Cecilia Lind")
        hook = slack.response_url()
        ephemeral = {"channel": rq.CHANNEL, "ephemeral": True, "response_url": hook}
        await bot.send(rq.block_actions(button["action_id"], button["value"], **ephemeral))
        [reasons] = await slack.wait_for("response_url")
        assert reasons.args["replace_original"] is False  # the contact cards stay
        assert reasons.args["response_type"] == "ephemeral"
        await bot.send(click(reasons, "Fel telefonnummer", **ephemeral))
        [_, thanks] = await slack.wait_for("response_url", 2)
        await bot.settle()
    assert thanks.args["replace_original"] is True and "Tack!" in thanks.blocks_text()
    [told] = admin_posts(slack)
    assert told.args["channel"] == MORA_ADMINS


@pytest.mark.parametrize("value", ["", "nonsense", "wrong:mora/angsskolan-f-9:anna-s", "%%%:::"])
async def test_a_malformed_report_button_is_answered_as_an_old_button_with_a_log_line(
    slack: SlackStandIn, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    async with bot_with(slack, GLOBAL_ADMINS) as bot:
        with caplog.at_level(logging.INFO):
            status, _ = await bot.send(rq.block_actions("report:0", value))
            [answer] = await slack.wait_for("chat.postMessage")
            await bot.settle()
    assert status == 200 and "äldre svar" in answer.blocks_text()
    assert "button value no action spells: report:0" in caplog.text
    assert not admin_posts(slack)


async def test_a_report_button_for_someone_a_reload_removed_is_an_old_button(
    slack: SlackStandIn,
) -> None:
    async with bot_with(slack, GLOBAL_ADMINS) as bot:
        gone = "wrongwhy:mora/angsskolan-f-9:nobody-any-more:unga:phone"
        await bot.send(rq.block_actions("choice:0", gone, message_ts=REASONS_TS))
        [answer] = await slack.wait_for("chat.update")
        await bot.settle()
    assert "äldre svar" in answer.blocks_text()
    assert not admin_posts(slack)
