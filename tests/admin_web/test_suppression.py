"""Whatever the counts, the admin page never shows one from 1 to 4 (random counts)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import aiohttp
import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.admin import Admin
from bot.admin_web.cookies import SESSION_COOKIE
from bot.admin_web.routes import add_admin_routes
from bot.core.sessions import MemoryStore
from bot.core.stats import StatKey
from bot.reload import CatalogHolder
from tests.helpers.admin_page import ADMIN, admin_pages
from tests.helpers.bot_process import free_port
from tests.helpers.shipped import shipped_catalog

KEYS = [
    StatKey(month, municipality, group, f"outcome:orosanmalan/{outcome}")
    for month in ("2026-11", "2026-12")
    for municipality in ("mora", "botkyrka")
    for group in ("barn", "unga")
    for outcome in ("anmalan", "akut")
]
counts = st.dictionaries(st.sampled_from(KEYS), st.integers(min_value=0, max_value=40))


class Site:
    """One admin page server for every example, on a loop of its own."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        catalog = shipped_catalog()
        admin = Admin(CatalogHolder(lambda: catalog), users=[ADMIN], paths=[])
        self.pages = admin_pages(admin, "http://127.0.0.1", stats=MemoryStore())
        response = web.Response()
        self.pages.cookies.start_session(response, ADMIN)
        self.cookie = response.cookies[SESSION_COOKIE].value
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/admin"
        self.runner: web.AppRunner | None = None
        self.loop.run_until_complete(self._start())

    async def _start(self) -> None:
        app = web.Application()
        add_admin_routes(app, self.pages)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    def stats_section(self, counted: dict[StatKey, int]) -> str:
        async def get() -> str:
            store = self.pages.stats = MemoryStore()
            for key, n in counted.items():
                for _ in range(n):
                    await store.increment(key)
            async with (
                aiohttp.ClientSession(cookies={SESSION_COOKIE: self.cookie}) as http,
                http.get(self.url, allow_redirects=False) as response,
            ):
                assert response.status == 200
                html = await response.text()
            return html.split('<section id="stats">', 1)[1].split("</section>", 1)[0]

        return self.loop.run_until_complete(get())

    def close(self) -> None:
        assert self.runner is not None
        self.loop.run_until_complete(self.runner.cleanup())
        self.loop.close()


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    started = Site()
    yield started
    started.close()


@settings(max_examples=60, deadline=None)
@given(counted=counts)
def test_no_count_from_one_to_four_ever_appears_on_the_page(
    site: Site, counted: dict[StatKey, int]
) -> None:
    stats = site.stats_section(counted)
    numbers = [int(n) for n in re.findall(r">(\d+)<", stats)]
    assert all(n >= 5 for n in numbers), numbers
    # each count of five or more is shown as it is, in its bar's label and its tooltip
    assert sorted(numbers) == sorted(2 * [n for n in counted.values() if n >= 5])
    few = sum(1 <= n <= 4 for n in counted.values())
    assert stats.count(">&lt;5<") == 2 * few
