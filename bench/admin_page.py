"""The admin page's first load at 20,000 school units: from the request to the whole HTML.

Run from the repository root (about a minute):
    .venv/bin/python -m bench.admin_page [--reps 3] [--units 20000]
Prints a Markdown table (paste it into bench/README.md).

Each repetition starts a fresh `referral-bot serve --http` on `synthetic_directory(units)`
(289 of the 290 municipality files: the shipped rules test a municipality without one) with
a SQLite store holding a year of outcome counts for every municipality, signs in as one of
ADMIN_USERS through the Slack stand-in's Sign in with Slack, and times GET /admin: the first
load after the start (which computes the coverage of every school and draws the flows with
Graphviz), then ten more.
The goal (the admin page issue): the first load within 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from bench.common import Server, Spread, bot_server, machine, write_directory
from bot.core.models import Directory
from bot.stores import open_store
from tests.helpers.admin_page import back_from_slack
from tests.helpers.skolverket import synthetic_directory
from tests.helpers.slack_signin import CLIENT_ID, CLIENT_SECRET
from tests.helpers.slack_standin import SlackStandIn

ADMIN = "U0BENCH001"
PUBLIC = "http://admin.bench.invalid"  # ADMIN_BASE_URL: the address behind a proxy
OUTCOMES = ("orosanmalan/anmalan", "orosanmalan/akut_mottagning", "konsultation/ring_nu")
MONTHS = 12
LATER_LOADS = 10


@dataclass
class Sample:
    first: list[float] = field(default_factory=list)
    later: list[float] = field(default_factory=list)
    size: list[float] = field(default_factory=list)


def fill_stats(path: Path, directory: Directory, seed: int) -> int:
    """A year of outcome counts (0–30) per municipality, age group and outcome; returns rows."""
    rnd = random.Random(seed)
    months = [f"2026-{m:02d}" for m in range(1, MONTHS + 1)]
    rows = [
        (month, m.id, group.id, f"outcome:{outcome}", rnd.randint(1, 30))
        for m in directory.municipalities.values()
        for month in months
        for group in m.age_groups
        for outcome in OUTCOMES
    ]
    with closing(sqlite3.connect(path)) as db, db:
        db.executemany("INSERT INTO stats VALUES (?, ?, ?, ?, ?)", rows)
    return len(rows)


async def signed_in(http: aiohttp.ClientSession, server: Server) -> None:
    """Through the stand-in's Sign in with Slack; Slack sends the browser to PUBLIC, which
    a proxy would forward to the bot: here the request goes to the bot directly."""
    base = server.url.removesuffix("/slack/events")
    back = urlsplit(await back_from_slack(http, base))
    async with http.get(f"{base}{back.path}?{back.query}", allow_redirects=False) as callback:
        assert callback.status == 302, await callback.text()


async def one(server: Server, sample: Sample) -> None:
    try:
        await asyncio.to_thread(server.wait_ready)
        page = server.url.removesuffix("/slack/events") + "/admin"
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            await signed_in(http, server)
            times = []
            for _ in range(1 + LATER_LOADS):
                start = time.perf_counter()
                async with http.get(page, allow_redirects=False) as response:
                    body = await response.read()
                times.append(time.perf_counter() - start)
                assert response.status == 200, response.status
            sample.first.append(times[0])
            sample.later.extend(times[1:])
            sample.size.append(len(body) / 1024)
    finally:
        server.stop()


async def bench(units: int, reps: int, work: Path, seed: int) -> tuple[Sample, int]:
    directory = synthetic_directory(units, seed)
    folder = work / f"directory-{units}"
    write_directory(directory, folder)
    # the shipped rule tests ask about a municipality that has no file: leave out the smallest
    smallest = min(directory.municipalities.values(), key=lambda m: len(m.schools))
    (folder / f"{smallest.id}.yml").unlink()
    sample = Sample()
    rows = 0
    async with SlackStandIn() as slack:
        slack.signin.user = ADMIN
        for rep in range(reps):
            db = work / f"state-{rep}.db"
            store = open_store(f"sqlite:///{db}")
            await store.counts()  # creates the tables
            await store.close()
            rows = fill_stats(db, directory, seed)
            env = {
                "SLACK_CLIENT_ID": CLIENT_ID,
                "SLACK_CLIENT_SECRET": CLIENT_SECRET,
                "ADMIN_SESSION_SECRET": "b" * 40,
                "ADMIN_BASE_URL": PUBLIC,
                "ADMIN_USERS": ADMIN,
                "DATA_DIR": str(work / f"data-{rep}"),
            }
            server = bot_server(
                f"ours {rep}",
                directory=folder,
                api_url=slack.api_url,
                store_url=f"sqlite:///{db}",
                log=work / "bot.log",
                env=env,
            )
            await one(server, sample)
    return sample, rows


def table(units: int, sample: Sample, rows: int) -> str:
    first, later = Spread.of(sample.first), Spread.of(sorted(sample.later))
    lines = [
        f"{machine()}",
        "",
        f"{len(sample.first)} fresh processes; {units:,} units, {rows:,} statistics rows",
        "",
        "| load | time | HTML | goal ≤ 1 s |",
        "|---|---:|---:|---|",
        f"| first after start | {_ms(first)} | "
        f"{Spread.of(sample.size).show(',.0f', ' KiB')} | {'yes' if first.high <= 1 else 'no'} |",
        f"| the next {LATER_LOADS} | {_ms(later)} | | |",
    ]
    return "\n".join(lines)


def _ms(spread: Spread) -> str:
    return Spread(spread.median * 1000, spread.low * 1000, spread.high * 1000).show(",.0f", " ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--units", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        sample, rows = asyncio.run(bench(args.units, args.reps, Path(work), args.seed))

    print(table(args.units, sample, rows))


if __name__ == "__main__":
    main()
