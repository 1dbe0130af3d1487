"""The load generator: signed /kontakt slash commands over aiohttp, in its own process.

`python -m bench.loadgen --url URL --texts FILE --concurrency C --requests N --seconds S`
sends at most N requests (stopping after S seconds) from C workers on one keep-alive
connection pool, and prints one JSON object: counts, elapsed seconds, latency percentiles.
Requests are signed before the clock starts, so signing costs the server, not the client.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path

import aiohttp

from tests.helpers.slack_requests import SignedRequest, slash_command


def signed(texts: list[str], n: int, users: int, response_url: str) -> list[SignedRequest]:
    """N slash commands cycling through the texts, from `users` different people."""
    return [
        slash_command(
            "/kontakt",
            texts[i % len(texts)],
            user=f"U0BENCH{i % users:04d}",
            response_url=response_url,
        )
        for i in range(n)
    ]


async def run(
    url: str, requests: list[SignedRequest], concurrency: int, seconds: float
) -> dict[str, object]:
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    failures = 0
    inline = 0
    position = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        start = time.perf_counter()
        deadline = start + seconds

        async def worker() -> None:
            nonlocal position, failures, inline
            while position < len(requests) and time.perf_counter() < deadline:
                request = requests[position]
                position += 1
                sent = time.perf_counter()
                try:
                    async with http.post(url, data=request.body, headers=request.headers) as r:
                        if await r.read() and r.status == 200:
                            inline += 1  # the answer came in the ack itself
                        statuses[str(r.status)] = statuses.get(str(r.status), 0) + 1
                except aiohttp.ClientError:
                    failures += 1
                    continue
                latencies.append((time.perf_counter() - sent) * 1000)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    ordered = sorted(latencies) or [0.0]
    return {
        "sent": position,
        "ok": statuses.get("200", 0),
        "inline": inline,
        "statuses": statuses,
        "failures": failures,
        "elapsed": elapsed,
        "throughput": statuses.get("200", 0) / elapsed,
        "p50_ms": statistics.median(ordered),
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max_ms": ordered[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--texts", type=Path, required=True, help="JSON list of command texts")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--response-url", default="")
    args = parser.parse_args()
    texts = json.loads(args.texts.read_text(encoding="utf-8"))
    requests = signed(texts, args.requests, args.users, args.response_url)
    result = asyncio.run(run(args.url, requests, args.concurrency, args.seconds))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
