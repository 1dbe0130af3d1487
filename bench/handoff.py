"""Consultation requests: the time from the click that sends one to the contact's DM.

    .venv/bin/python -m bench.handoff [--requests 200] [--rate 20] [--store sqlite|redis]

A real `referral-bot serve --http` process on the handoff test directory (its clock started
on a Wednesday at 10:00, so the reception is open), the Slack stand-in in this process.
Each request is the topic button's signed click from a different asker; the time runs from
sending the click to the stand-in receiving the chat.postMessage in the contact's DM that
names that asker (the worker delivers it, woken by the click). Reported: p50, p99 and max,
at a steady rate, and for a burst of all the requests at once.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, machine, percentile
from tests.helpers import slack_requests as rq
from tests.helpers.bot_process import BotProcess, free_port
from tests.helpers.slack_standin import Call, SlackStandIn

FIXTURE = ROOT / "tests" / "fixtures" / "handoff"
REQUEST = "request:hedemora/vasaskolan-7-9:unga:neglect"
CONTACT_DM = "D0PETRA001"


class TimingStandIn(SlackStandIn):
    """Keeps when each asker's offer reached the contact's DM."""

    arrived: dict[str, float]

    async def _record(self, call: Call) -> None:
        if call.method == "chat.postMessage" and call.args.get("channel") == CONTACT_DM:
            for user in re.findall(r"<@(U0B\d+)>", call.blocks_text()):
                self.arrived.setdefault(user, time.perf_counter())
        await super()._record(call)


def click(user: str) -> rq.SignedRequest:
    return rq.block_actions("choice:3", REQUEST, channel="D" + user[1:], user=user)


async def run(bot: BotProcess, slack: TimingStandIn, users: list[str], rate: float) -> list[float]:
    """Seconds from each click to its DM; `rate` clicks a second (0: all at once)."""
    sent: dict[str, float] = {}

    async def one(user: str) -> None:
        sent[user] = time.perf_counter()
        assert await bot.send(click(user)) == 200

    tasks = []
    began = time.perf_counter()
    for n, user in enumerate(users):
        if rate:
            await asyncio.sleep(max(0.0, began + n / rate - time.perf_counter()))
        tasks.append(asyncio.ensure_future(one(user)))
    await asyncio.gather(*tasks)
    deadline = time.perf_counter() + 30
    while not all(u in slack.arrived for u in users) and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    return [slack.arrived[u] - sent[u] for u in users if u in slack.arrived]


def redis_url(folder: Path) -> tuple[str, subprocess.Popen[bytes]] | None:
    server = shutil.which("redis-server")
    if server is None:
        return None
    port = free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return f"redis://127.0.0.1:{port}/0", proc


async def bench(requests: int, rate: float, store: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        server = None
        url = f"sqlite:///{folder}/state.db"
        if store == "redis":
            found = redis_url(folder)
            if found is None:
                print("redis-server is not installed")
                return
            url, server = found
        async with TimingStandIn() as slack:
            slack.arrived = {}
            bot = BotProcess(
                api_url=slack.api_url,
                store_url=url,
                log=folder / "bot.log",
                args=("--directory", str(FIXTURE), "--at", "2026-11-25T10:00"),
            )
            try:
                await bot.ready()
                await run(bot, slack, [f"U0B{n:06d}" for n in range(5)], 0)  # warm up
                print(f"## Consultation request: click to the contact's DM ({store})\n")
                print(machine() + "\n")
                print("| load | requests | p50 ms | p99 ms | max ms | arrived |")
                print("|---|---:|---:|---:|---:|---:|")
                for label, r, first in ((f"{rate:g}/s", rate, 100), ("burst", 0, 100 + requests)):
                    users = [f"U0B{n:06d}" for n in range(first, first + requests)]
                    times = await run(bot, slack, users, r)
                    p50, p99 = percentile(times, 0.5) * 1000, percentile(times, 0.99) * 1000
                    print(
                        f"| {label} | {requests} | {p50:.1f} | {p99:.1f} | "
                        f"{max(times) * 1000:.1f} | {len(times)}/{requests} |"
                    )
            finally:
                bot.stop()
                if server is not None:
                    server.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--store", choices=("sqlite", "redis"), default="sqlite")
    args = parser.parse_args()
    asyncio.run(bench(args.requests, args.rate, args.store))


if __name__ == "__main__":
    main()
