"""/referral-admin through real signed requests: only listed users, answers only they see."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.admin import Admin
from bot.core.catalog import load_catalog
from bot.core.service import Service
from bot.core.sessions import MemoryStore
from bot.reload import CatalogHolder
from bot.transports.slack.app import SlackTransport
from bot.transports.slack.seen import StoreSeenEvents
from tests.helpers import slack_requests as rq
from tests.helpers.shipped import ROOT
from tests.helpers.slack_standin import SlackStandIn

ADMIN = "U0ADMIN001"
GROUP_MEMBER = "U0GROUP001"


@pytest.fixture
async def bot_url() -> AsyncIterator[tuple[str, SlackStandIn]]:
    async with SlackStandIn(usergroups={"S0ADMINS": [GROUP_MEMBER]}) as slack:
        paths = [ROOT / "directory", ROOT / "rules"]
        holder = CatalogHolder(lambda: load_catalog(paths))
        store = MemoryStore()
        admin = Admin(holder, users=[ADMIN], paths=paths, usergroup="S0ADMINS")
        transport = SlackTransport(
            Service(holder, store),
            StoreSeenEvents(store),
            bot_token=rq.BOT_TOKEN,
            signing_secret=rq.SIGNING_SECRET,
            api_url=slack.api_url,
            host="127.0.0.1",
            port=0,
            admin=admin,
        )
        admin.members_of = transport.identity.usergroup_members
        await transport.start()
        yield f"http://127.0.0.1:{transport.bound_port}/slack/events", slack
        await transport.close()


async def send(url: str, request: rq.SignedRequest) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data=request.body, headers=request.headers) as response,
    ):
        return response.status


async def test_an_admin_gets_the_status_privately(bot_url: tuple[str, SlackStandIn]) -> None:
    url, slack = bot_url
    assert await send(url, rq.slash_command("/referral-admin", "status", user=ADMIN)) == 200
    [call] = await slack.wait_for("chat.postEphemeral")
    assert call.args["user"] == ADMIN
    assert "Laddad version" in call.blocks_text() and "16 kommuner" in call.blocks_text()


async def test_anyone_else_is_refused(bot_url: tuple[str, SlackStandIn]) -> None:
    url, slack = bot_url
    assert await send(url, rq.slash_command("/referral-admin", "reload")) == 200
    [call] = await slack.wait_for("chat.postEphemeral")
    assert "administratörerna" in call.blocks_text()
    assert "Laddad version" not in call.blocks_text()


async def test_a_member_of_the_admin_user_group_is_let_in(
    bot_url: tuple[str, SlackStandIn],
) -> None:
    url, slack = bot_url
    assert await send(url, rq.slash_command("/referral-admin", "status", user=GROUP_MEMBER)) == 200
    [call] = await slack.wait_for("chat.postEphemeral")
    assert "Laddad version" in call.blocks_text()
    assert slack.of("usergroups.users.list")[0].args["usergroup"] == "S0ADMINS"


async def test_a_municipality_s_admin_gets_their_municipality_s_status_only(
    bot_url: tuple[str, SlackStandIn],
) -> None:
    url, slack = bot_url
    mora_admin = "U0MORAADM1"  # `admins:` of directory/mora.yml
    assert await send(url, rq.slash_command("/referral-admin", "status", user=mora_admin)) == 200
    [call] = await slack.wait_for("chat.postEphemeral")
    assert call.args["user"] == mora_admin
    assert "Laddad version" in call.blocks_text() and "Mora kommun" in call.blocks_text()
    assert "16 kommuner" not in call.blocks_text() and "Flens kommun" not in call.blocks_text()
