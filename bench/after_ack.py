"""Answers that are not in the ack, under load: p50/p99 from the request to the posted answer.

    .venv/bin/python -m bench.after_ack [--rate 100] [--seconds 10] [--latency 0.1]

Direct messages (events: answered through the work queue, acked once posted) from different people
at a steady rate, against the Slack stand-in answering every Web API call after `--latency`
seconds. The bot, the stand-in and the load run in this one process (one core's worth), so
the numbers are an upper bound. Also reports RSS idle, after the load, and overload notices.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from pathlib import Path

import aiohttp

from bench.common import percentile
from bot.core.service import FixedCatalog, Service
from bot.core.sessions import MemoryStore
from bot.transports.slack.app import SlackTransport
from bot.transports.slack.seen import StoreSeenEvents
from tests.helpers import slack_requests as rq
from tests.helpers.shipped import shipped_catalog
from tests.helpers.slack_standin import Call, SlackStandIn
from tests.transports.test_slack_http import TUESDAY_MORNING


class TimingStandIn(SlackStandIn):
    """Keeps only when each DM's answer was posted, not the calls themselves."""

    posted: dict[str, float]

    async def _record(self, call: Call) -> None:
        if call.method == "chat.postMessage":
            self.posted[str(call.args.get("channel"))] = time.perf_counter()


def rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


async def bench(rate: float, seconds: float, latency: float) -> None:
    async with TimingStandIn() as slack:
        slack.posted = {}
        for method in ("chat.postMessage", "users.info", "conversations.open", "auth.test"):
            slack.delays[method] = latency
        store = MemoryStore()
        service = Service(FixedCatalog(shipped_catalog()), store, now=lambda: TUESDAY_MORNING)
        transport = SlackTransport(
            service,
            StoreSeenEvents(store),
            bot_token=rq.BOT_TOKEN,
            signing_secret=rq.SIGNING_SECRET,
            api_url=slack.api_url,
            host="127.0.0.1",
            port=0,
        )
        await transport.start()
        url = f"http://127.0.0.1:{transport.bound_port}/slack/events"
        sent: dict[str, float] = {}
        statuses: dict[int, int] = {}
        # no connection limit: Slack does not wait for one answer before sending the next
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:

            async def one(n: int, label: str) -> None:
                user = f"U{label}{n:07d}"
                request = rq.direct_message("Ängsskolan åk 8", user=user, event_id=f"Ev{label}{n}")
                sent["D" + user[1:]] = time.perf_counter()
                async with http.post(url, data=request.body, headers=request.headers) as r:
                    await r.read()
                    statuses[r.status] = statuses.get(r.status, 0) + 1

            async def load(count: int, label: str) -> None:
                start = time.perf_counter()
                tasks = []
                for n in range(count):
                    await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
                    tasks.append(asyncio.create_task(one(n, label)))
                await asyncio.gather(*tasks)
                await transport.idle(timeout=60)

            await load(int(rate), "W")  # warm-up: one second's worth
            gc.collect()
            idle = rss_mib()
            sent.clear()
            slack.posted.clear()
            await load(int(rate * seconds), "L")
            await asyncio.sleep(latency * 2)
            gc.collect()
            after = rss_mib()
        await transport.close()
    waits = [slack.posted[c] + latency - t for c, t in sent.items() if c in slack.posted]
    print("| rate | Web API latency | answered | p50 | p99 | max | RSS idle → after |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {rate:.0f}/s for {seconds:.0f} s | {latency * 1000:.0f} ms "
        f"| {len(waits)}/{len(sent)} | {percentile(waits, 0.5):.2f} s "
        f"| {percentile(waits, 0.99):.2f} s | {max(waits):.2f} s "
        f"| {idle:.0f} → {after:.0f} MiB ({(after - idle) / idle:+.0%}) |"
    )
    print(f"\nHTTP statuses: {statuses}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    asyncio.run(bench(args.rate, args.seconds, args.latency))


if __name__ == "__main__":
    main()
