"""Session stores: SQLite against Redis, one round trip and the HTTP ack at concurrency 16.

Run from the repository root (about a minute; needs `redis-server` on PATH):
    .venv/bin/python -m bench.stores [--reps 3] [--rounds 2000]
Prints Markdown tables (paste them into bench/README.md).

A round trip is what one message costs the store: `locked(key)`, `load`, `save` inside the
lock, then claiming and completing an event id (the Slack retry check), with 200 different
people, one after another and from 16 tasks at once; the in-memory store is the floor. Redis
is a private `redis-server` on a loopback port (no persistence, as tests/helpers/redis_server.py
starts it).
The HTTP ack runs bench/http_ack.py's load at concurrency 16 against two bot processes that
differ only in STORE_URL.
A timer step is what one due record costs (bot.core.records): `create` it due at once, find
it with `due`, `read` it, `swap` it to its next state (no longer due) and `delete` it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.common import Spread, bot_server, machine, percentile, redis_server, write_directory
from bench.http_ack import Point, measure, query_texts
from bot.core.sessions import MemoryStore, Session
from bot.stores import Store, open_store
from tests.helpers.skolverket import skolverket_directory
from tests.helpers.slack_standin import SlackStandIn

USERS = 200
_events = itertools.count()
_timers = itertools.count()

Step = Callable[[Store, str], Awaitable[None]]


async def round_trip(store: Store, key: str) -> None:
    async with store.locked(key):
        session = await store.load(key) or Session()
        await store.save(key, session)
    key = f"bench:event:{next(_events)}"
    if (await store.claim(key, 50)).state == "claimed":
        await store.complete(key, 3600)


async def timer_step(store: Store, key: str) -> None:
    rid = f"{key}:{next(_timers)}"
    await store.create("bench", rid, '{"step":"asked"}', due=0.0, keep_seconds=3600)
    await store.due("bench", time.time(), 10)
    found = await store.read("bench", rid)
    assert found is not None
    await store.swap("bench", rid, found.version, '{"step":"sent"}', due=None, keep_seconds=3600)
    await store.delete("bench", rid)


async def rounds(store: Store, n: int, tasks: int, step: Step) -> tuple[float, list[float]]:
    """(steps per second, latencies in µs) for `n` steps from `tasks` tasks."""
    latencies: list[float] = []
    keys = [f"slack:T0BENCH:U{i:05d}" for i in range(USERS)]
    counter = itertools.count()

    async def worker() -> None:
        while (i := next(counter)) < n:
            start = time.perf_counter()
            await step(store, keys[i % USERS])
            latencies.append((time.perf_counter() - start) * 1e6)

    gc.collect()
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(tasks)))
    return n / (time.perf_counter() - start), latencies


async def store_bench(
    makers: dict[str, Callable[[], Store]], reps: int, n: int, step: Step = round_trip
) -> list[str]:
    lines = []
    for tasks in (1, 16):
        results: dict[str, tuple[list[float], list[float], list[float]]] = {}
        for _ in range(reps):
            for label, make in makers.items():  # interleaved repetitions
                store = make()
                try:
                    await rounds(store, 200, tasks, step)  # warm-up
                    rate, latencies = await rounds(store, n, tasks, step)
                finally:
                    await store.close()
                rates, p50s, p99s = results.setdefault(label, ([], [], []))
                rates.append(rate)
                p50s.append(percentile(latencies, 0.5))
                p99s.append(percentile(latencies, 0.99))
        for label, (rates, p50s, p99s) in results.items():
            lines.append(
                f"| {label} | {tasks} | {Spread.of(rates).show()} "
                f"| {Spread.of(p50s).show(',.0f', ' µs')} | {Spread.of(p99s).show(',.0f', ' µs')} |"
            )
    return lines


async def http_bench(
    stores: dict[str, str], work: Path, reps: int, requests: int, seconds: float
) -> list[str]:
    directory = work / "directory"
    real = skolverket_directory()
    write_directory(real, directory)
    texts = work / "texts.json"
    texts.write_text(json.dumps(query_texts(real, 500, 1), ensure_ascii=False))
    points: dict[str, Point] = {}
    async with SlackStandIn() as slack:
        servers = {
            label: bot_server(
                f"ours, {label}",
                directory=directory,
                api_url=slack.api_url,
                store_url=url,
                log=work / f"{label}.log",
            )
            for label, url in stores.items()
        }
        try:
            for server in servers.values():
                await asyncio.to_thread(server.wait_ready)
            for server in servers.values():
                await measure(slack, server, texts, 16, 400, 10, Point(), answers=True)
            for _ in range(reps):
                for label, server in servers.items():
                    point = points.setdefault(label, Point())
                    await measure(slack, server, texts, 16, requests, seconds, point, answers=True)
        finally:
            for server in servers.values():
                server.stop()
    return [
        f"| {label} | 16 | {Spread.of(p.throughput).show()} "
        f"| {Spread.of(p.p50).show('.1f', ' ms')} | {Spread.of(p.p99).show('.1f', ' ms')} "
        f"| {Spread.of(p.answered).show()} |"
        for label, p in points.items()
    ]


async def bench(args: argparse.Namespace, work: Path) -> tuple[list[str], list[str], list[str]]:
    redis, redis_url = redis_server(work)
    try:
        sqlite_url = f"sqlite:///{work / 'rounds.db'}"
        makers: dict[str, Callable[[], Store]] = {
            "memory (floor)": MemoryStore,
            "SQLite": lambda: open_store(sqlite_url),
            "Redis": lambda: open_store(redis_url),
        }
        store_lines = await store_bench(makers, args.reps, args.rounds)
        timer_lines = await store_bench(makers, args.reps, args.rounds, timer_step)
        http_stores = {"SQLite": f"sqlite:///{work / 'http.db'}", "Redis": redis_url}
        http_lines = await http_bench(http_stores, work, args.reps, args.requests, args.seconds)
    finally:
        redis.kill()
        redis.wait(timeout=10)
    return store_lines, timer_lines, http_lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    print(machine())
    print()
    with tempfile.TemporaryDirectory(prefix="bench-stores-") as tmp:
        store_lines, timer_lines, http_lines = asyncio.run(bench(args, Path(tmp)))
    print("| store | tasks | round trips/s | p50 | p99 |")
    print("|---|---:|---:|---:|---:|")
    print("\n".join(store_lines))
    print()
    print("| store | tasks | timer steps/s | p50 | p99 |")
    print("|---|---:|---:|---:|---:|")
    print("\n".join(timer_lines))
    print()
    print("| STORE_URL | concurrency | acks/s | p50 | p99 | answers/s |")
    print("|---|---:|---:|---:|---:|---:|")
    print("\n".join(http_lines))
    print()
    print(f"Median (min–max) of {args.reps} runs; {args.rounds:,} round trips or timer steps "
          f"per store run, at most {args.requests:,} requests or {args.seconds:g} s per HTTP "
          "run.")  # fmt: skip


if __name__ == "__main__":
    main()
