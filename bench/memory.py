"""Resident memory of the serving process: our bot on 20,000 units against a bare slack-bolt app.

Run from the repository root (about a minute and a half):
    .venv/bin/python -m bench.memory [--reps 3]
Prints a Markdown table (paste it into bench/README.md).

Each repetition starts fresh processes: `referral-bot serve --http` on the 20,000-unit
synthetic directory (290 municipality files, shipped rules, SQLite store) and on the 1,714
real units, and the bare slack-bolt app of bench/bare_bolt.py. Both kinds get the same 600
slash commands at concurrency 16 (so every code path a command takes has run) before RSS is
read from /proc; the peak (VmHWM) includes loading the catalog.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import Server, Spread, bolt_server, bot_server, machine, write_directory
from bench.http_ack import Point, drained, measure, query_texts
from tests.helpers.skolverket import skolverket_directory, synthetic_directory
from tests.helpers.slack_standin import SlackStandIn

COMMANDS = 600


@dataclass
class Sample:
    idle: list[float] = field(default_factory=list)
    after: list[float] = field(default_factory=list)
    peak: list[float] = field(default_factory=list)
    startup: list[float] = field(default_factory=list)


async def one(server: Server, slack: SlackStandIn, texts: Path, sample: Sample) -> None:
    try:
        sample.startup.append(await asyncio.to_thread(server.wait_ready))
        await asyncio.sleep(1)
        sample.idle.append(server.rss_mib()[0])
        answers = server.label.startswith("ours")
        await measure(slack, server, texts, 16, COMMANDS, 30, Point(), answers=answers)
        await drained(slack, 0, 0)
        await asyncio.sleep(1)
        now, peak = server.rss_mib()
        sample.after.append(now)
        sample.peak.append(peak)
    finally:
        server.stop()


async def bench(reps: int, work: Path, seed: int) -> dict[str, Sample]:
    real = skolverket_directory()
    big = work / "directory-20000"
    small = work / "directory-1714"
    write_directory(synthetic_directory(20000, seed), big)
    write_directory(real, small)
    texts = work / "texts.json"
    texts.write_text(json.dumps(query_texts(real, 500, seed), ensure_ascii=False))
    samples: dict[str, Sample] = {}
    async with SlackStandIn() as slack:
        for rep in range(reps):
            runs = [
                ("ours, 20,000 units", big),
                ("ours, 1,714 units", small),
                ("bare slack-bolt", None),
            ]
            for label, directory in runs:
                log = work / f"{label.split(',')[0]}.log"
                if directory is None:
                    server = bolt_server(
                        label, api_url=slack.api_url, before_response=True, log=log
                    )
                else:
                    store = f"sqlite:///{work / f'state-{rep}-{len(samples)}.db'}"
                    server = bot_server(
                        label, directory=directory, api_url=slack.api_url, store_url=store, log=log
                    )
                await one(server, slack, texts, samples.setdefault(label, Sample()))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(machine())
    print()
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        samples = asyncio.run(bench(args.reps, Path(tmp), args.seed))
    bare = Spread.of(samples["bare slack-bolt"].after).median
    print("| process | start-up | RSS idle | RSS after 600 commands | peak RSS | vs bare bolt |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, s in samples.items():
        after = Spread.of(s.after)
        print(
            f"| {label} | {Spread.of(s.startup).show('.1f', ' s')} "
            f"| {Spread.of(s.idle).show('.0f', ' MiB')} | {after.show('.0f', ' MiB')} "
            f"| {Spread.of(s.peak).show('.0f', ' MiB')} | {after.median / bare:.2f}× |"
        )
    print()
    print(f"Median (min–max) of {args.reps} fresh starts each.")


if __name__ == "__main__":
    main()
