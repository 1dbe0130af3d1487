"""The admin page where `referral-bot serve` puts it: beside /slack/events, or on the side port.

With sign-in configured, SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are in the environment, and
slack-bolt then sets itself up for OAuth installs (an installation store instead of the bot
token). The bot's own `authorize` keeps it answering with its bot token: a real process
shows it answers a signed command all the same.
"""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest

from bot.admin import Admin
from bot.admin_web.routes import add_admin_routes
from bot.core.sessions import MemoryStore
from bot.metrics import Metrics
from bot.reload import CatalogHolder
from bot.web import run_side_server
from tests.helpers import slack_requests as rq
from tests.helpers.admin_page import ADMIN, SESSION_SECRET, admin_pages
from tests.helpers.bot_process import BotProcess, free_port
from tests.helpers.shipped import shipped_catalog
from tests.helpers.slack_signin import CLIENT_ID, CLIENT_SECRET
from tests.helpers.slack_standin import SlackStandIn

pytestmark = pytest.mark.slow


def admin_env(port: int) -> dict[str, str]:
    return {
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "ADMIN_SESSION_SECRET": SESSION_SECRET,
        "ADMIN_BASE_URL": f"http://127.0.0.1:{port}",
        "ADMIN_USERS": ADMIN,
    }


async def test_with_sign_in_configured_the_bot_answers_and_serves_the_page(
    slack: SlackStandIn, tmp_path: Path
) -> None:
    port = free_port()
    bot = BotProcess(
        api_url=slack.api_url,
        store_url="memory://",
        log=tmp_path / "bot.log",
        env=admin_env(port),
        port=port,
    )
    try:
        await bot.ready()
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{bot.url}/slack/events",
                data=(command := rq.slash_command("/kontakt", "Ängsskolan åk 8")).body,
                headers=command.headers,
            ) as response,
        ):
            assert response.status == 200
            assert "Cecilia Lind" in json.dumps(await response.json(), ensure_ascii=False)
        slack.signin.user = ADMIN
        async with (
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser,
            browser.get(f"{bot.url}/admin") as page,
        ):
            assert page.status == 200
            assert "Du ser alla kommuner." in await page.text()
    finally:
        bot.stop()
    assert "Cecilia" not in (tmp_path / "bot.log").read_text()  # no answer text in the log


async def test_in_socket_mode_the_page_is_on_the_health_port() -> None:
    catalog = shipped_catalog()
    holder = CatalogHolder(lambda: catalog)
    store = MemoryStore()
    port = free_port()
    pages = admin_pages(
        Admin(holder, users=[ADMIN], paths=[]), f"http://127.0.0.1:{port}", stats=store
    )
    runner = await run_side_server(
        "127.0.0.1",
        port,
        holder=holder,
        store=store,
        metrics=Metrics(),
        more_routes=lambda app: add_admin_routes(app, pages),
    )
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/admin", allow_redirects=False) as page:
                assert page.status == 302 and page.headers["Location"] == "/admin/signin"
            async with http.get(f"http://127.0.0.1:{port}/healthz") as health:
                assert health.status == 200
    finally:
        await runner.cleanup()
