"""The admin page on a real aiohttp server, signed in through the Slack stand-in's OIDC.

Its directory is the shipped one with a few gaps put into mora.yml (a stale `reviewed`
date, a placeholder, two people away on TODAY), so every section of the page has something
to show; `line_of` finds where they are written instead of counting lines.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiohttp
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.admin import Admin
from bot.admin_web.cookies import Cookies
from bot.admin_web.routes import AdminPages, add_admin_routes
from bot.admin_web.signin import SlackSignIn
from bot.core.catalog import load_catalog
from bot.core.clock import STOCKHOLM
from bot.core.sessions import MemoryStore
from bot.reload import CatalogHolder
from bot.transports.slack.identity import Identity
from tests.helpers.bot_process import free_port
from tests.helpers.shipped import ROOT
from tests.helpers.slack_requests import BOT_TOKEN
from tests.helpers.slack_signin import CLIENT_ID, CLIENT_SECRET
from tests.helpers.slack_standin import SlackStandIn

ADMIN = "U0ADMIN001"  # ADMIN_USERS
GROUP_MEMBER = "U0GROUP001"  # in ADMIN_USERGROUP
MORA_ADMIN = "U0MORAADM1"  # `admins:` of directory/mora.yml
MORA_GROUP, MORA_GROUP_MEMBER = "S0MORAGRP", "U0MORAGRP1"  # a user group in mora.yml's `admins:`
NOBODY = "U0NOBODY01"  # signed in to Slack, admin of nothing
ADMIN_GROUP = "S0ADMINS"
SESSION_SECRET = "s" * 40
TODAY = datetime(2026, 12, 22, 10, 0, tzinfo=STOCKHOLM)  # Cecilia Lind is away (mora.yml)
PLACEHOLDER = "FYLL I kontaktperson"

# (what mora.yml says, what the copy says instead)
MORA_EDITS = (
    ("admins: [U0MORAADM1]", f"admins: [U0MORAADM1, {MORA_GROUP}]"),
    ("reviewed: 2026-09-01", "reviewed: 2025-06-01"),
    (
        "  bertil-k: {name: Bertil Karlsson,",
        f"  ny-kontakt: {{name: {PLACEHOLDER}, placeholder: true}}\n"
        "  bertil-k: {away: [{from: 2026-12-21, to: 2026-12-31}], name: Bertil Karlsson,",
    ),
    ("      barn: [anna-s, david-o]", "      barn: [ny-kontakt]"),
)


def write_directory(to: Path) -> Path:
    """The shipped directory, with MORA_EDITS in mora.yml; returns the folder."""
    folder = to / "directory"
    shutil.copytree(ROOT / "directory", folder)
    mora = folder / "mora.yml"
    text = mora.read_text(encoding="utf-8")
    for old, new in MORA_EDITS:
        assert old in text, old
        text = text.replace(old, new, 1)
    mora.write_text(text, encoding="utf-8")
    return folder


def line_of(path: Path, needle: str) -> int:
    """The 1-based line of the first line of `path` containing `needle`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


async def back_from_slack(http: aiohttp.ClientSession, base: str) -> str:
    """A sign-in started at `base` (the bot's address) and taken through the stand-in's
    authorize page: the callback address, with a code and the state, Slack sends back to."""
    async with http.get(f"{base}/admin/signin", allow_redirects=False) as start:
        to_slack = start.headers["Location"]
    async with http.get(to_slack, allow_redirects=False) as slack_back:
        return slack_back.headers["Location"]


@dataclass
class AdminSite:
    url: str
    pages: AdminPages
    holder: CatalogHolder
    store: MemoryStore
    slack: SlackStandIn
    directory: Path

    def browser(self) -> aiohttp.ClientSession:
        """A client that keeps cookies for 127.0.0.1, as a browser does."""
        return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def signed_in(self, user: str) -> tuple[aiohttp.ClientSession, int, str]:
        """A browser that signed in as `user` through the stand-in's Sign in with Slack,
        and the status and HTML of the page it ended on (/admin, or a refusal)."""
        self.slack.signin.user = user
        http = self.browser()
        async with http.get(f"{self.url}/admin/signin") as response:
            return http, response.status, await response.text()


def admin_pages(
    admin: Admin, base_url: str, api_url: str = AsyncWebClient.BASE_URL, *, stats: MemoryStore
) -> AdminPages:
    """The page's handlers as `serve` builds them, for `admin`'s readers, on TODAY."""
    return AdminPages(
        signin=SlackSignIn(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            base_url=base_url,
            client=AsyncWebClient(base_url=api_url),
        ),
        cookies=Cookies(SESSION_SECRET, secure=False),
        admin=admin,
        holder=admin.holder,
        stats=stats,
        now=lambda: TODAY,
    )


@asynccontextmanager
async def admin_site(slack: SlackStandIn, tmp: Path) -> AsyncIterator[AdminSite]:
    """The page for ADMIN_USERS=ADMIN and ADMIN_USERGROUP=ADMIN_GROUP on a free port."""
    slack.usergroups.setdefault(ADMIN_GROUP, [GROUP_MEMBER])
    slack.usergroups.setdefault(MORA_GROUP, [MORA_GROUP_MEMBER])
    directory = write_directory(tmp)
    paths = [directory, ROOT / "rules"]
    holder = CatalogHolder(lambda: load_catalog(paths, today=TODAY.date()))
    identity = Identity(AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url))
    admin = Admin(
        holder,
        users=[ADMIN],
        paths=paths,
        usergroup=ADMIN_GROUP,
        members_of=identity.usergroup_members,
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    store = MemoryStore()
    pages = admin_pages(admin, url, slack.api_url, stats=store)
    app = web.Application()
    add_admin_routes(app, pages)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield AdminSite(url, pages, holder, store, slack, directory)
    finally:
        await runner.cleanup()
