"""HTTP slash-command acks: our bot against a bare slack-bolt app, same load, same run.

Run from the repository root (about three minutes):
    .venv/bin/python -m bench.http_ack [--reps 3] [--requests 6000] [--seconds 5]
Prints Markdown tables (paste them into bench/README.md).

Quick check that it runs (a few seconds a point; numbers from such a run mean little):
    .venv/bin/python -m bench.http_ack --reps 1 --requests 200 --seconds 1 --concurrency 1 16

Servers, each its own process on loopback, all verifying Slack's request signature through
slack-bolt's own request verification:
- ours: `referral-bot serve --http` on the 1,714 real schools (290 municipality files), the
  shipped rules and a SQLite session store, every request through its one path (bolt's
  dispatch to the contact listener); it looks the school up and renders the answer blocks.
  The answer is the ack itself (an ephemeral slash-command response) when the core has it
  within 2 s, for first-time askers too (users.info is asked on the way, cached after);
  otherwise the ack is empty and the answer is posted (chat.postEphemeral) to the Slack Web
  API stand-in, and "answers/s" waits for those.
  The load cycles through 500 questions, each asked once in the warm-up (staff ask about
  the same schools over and over); the row "ours, every question new" is a second bot
  process, the same but asked only questions it has never seen, at most (texts left) /
  (runs) per run. The core remembers no answers, so the two rows should agree;
- bare slack-bolt AsyncApp, handler only acks, with `process_before_response=True` (the
  setting our transport uses) and with bolt's default.
The load generator (bench/loadgen.py) is another process; the stand-in runs in this one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import ROOT, Server, Spread, bolt_server, bot_server, machine, write_directory
from bot.core.models import Directory
from tests.helpers.perturb import cases
from tests.helpers.skolverket import skolverket_directory
from tests.helpers.slack_standin import SlackStandIn

OURS = "ours"
OURS_NEW = "ours, every question new"
SAMPLE = 500  # different questions in the normal load
BOLT_FAST = "bolt, process_before_response"
BOLT_DEFAULT = "bolt, default"


@dataclass
class Point:
    """Repeated runs of one server at one concurrency."""

    throughput: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    answered: list[float] = field(default_factory=list)  # answers/s, in the ack or posted (ours)
    cpu_ms: list[float] = field(default_factory=list)  # the server's CPU time per request
    errors: int = 0


def cpu_seconds(server: Server) -> float:
    """User and system CPU time the server process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{server.proc.pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def query_texts(directory: Directory, n: int, seed: int) -> list[str]:
    """What staff type after /kontakt: school names as typed, mistyped, inside questions."""
    rnd = random.Random(seed)
    texts = [case.text for case in cases(directory, seed)]
    return rnd.sample(texts, min(n, len(texts)))


class NewQuestions:
    """Questions outside the normal load's sample, in slices that never repeat (one file per
    run): the bot has never seen them, so nothing it remembered could answer them."""

    def __init__(self, directory: Directory, seen: list[str], seed: int, work: Path) -> None:
        known = set(seen)
        fresh = sorted({case.text for case in cases(directory, seed)} - known)
        random.Random(seed).shuffle(fresh)
        self._left = fresh
        self._work = work
        self._files = 0

    def per_run(self, runs: int) -> int:
        return len(self._left) // runs

    def take(self, n: int) -> Path:
        taken, self._left = self._left[:n], self._left[n:]
        self._files += 1
        path = self._work / f"new-{self._files}.json"
        path.write_text(json.dumps(taken, ensure_ascii=False), encoding="utf-8")
        return path


async def load(
    server: Server, texts: Path, concurrency: int, requests: int, seconds: float, hook: str
) -> dict[str, object]:
    """One run of the load generator against `server`; its JSON result."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.loadgen", "--url", server.url, "--texts", str(texts),
        "--concurrency", str(concurrency), "--requests", str(requests),
        "--seconds", str(seconds), "--response-url", hook,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"load generator failed against {server.label}")
    result: dict[str, object] = json.loads(out)
    return result


async def drained(slack: SlackStandIn, before: int, expected: int, timeout: float = 60) -> float:
    """Seconds until `expected` more answers reached the stand-in (inf if they never did)."""
    start = time.perf_counter()
    while len(slack.of("chat.postEphemeral", "response_url")) - before < expected:
        if time.perf_counter() - start > timeout:
            return float("inf")
        await asyncio.sleep(0.01)
    return time.perf_counter() - start


async def measure(
    slack: SlackStandIn,
    server: Server,
    texts: Path,
    concurrency: int,
    requests: int,
    seconds: float,
    point: Point,
    *,
    answers: bool,
) -> None:
    """One run into `point`; for our bot, also wait until every acked command was answered."""
    before = len(slack.of("chat.postEphemeral", "response_url"))
    cpu_before = cpu_seconds(server)
    result = await load(server, texts, concurrency, requests, seconds, slack.response_url())
    ok = int(result["ok"])  # type: ignore[call-overload]
    elapsed = float(result["elapsed"])  # type: ignore[arg-type]
    point.throughput.append(float(result["throughput"]))  # type: ignore[arg-type]
    point.p50.append(float(result["p50_ms"]))  # type: ignore[arg-type]
    point.p99.append(float(result["p99_ms"]))  # type: ignore[arg-type]
    sent = int(result["sent"])  # type: ignore[call-overload]
    point.errors += sent - ok
    if answers:  # answered in the ack itself, or posted after it: wait for the posted ones
        tail = await drained(slack, before, ok - int(result["inline"]))  # type: ignore[call-overload]
        point.answered.append(ok / (elapsed + tail))
    # Less noisy than the rates on shared cores: the loadgen and other work do not count.
    point.cpu_ms.append((cpu_seconds(server) - cpu_before) * 1000 / max(1, sent))


async def bench(
    args: argparse.Namespace, work: Path
) -> tuple[dict[tuple[str, int], Point], list[str], int]:
    """Every server at every concurrency, `args.reps` times; also the new-question runs' size."""
    directory = work / "directory"
    real = skolverket_directory()
    write_directory(real, directory)
    texts = work / "texts.json"
    sample = query_texts(real, SAMPLE, args.seed)
    texts.write_text(json.dumps(sample, ensure_ascii=False))
    new = NewQuestions(real, sample, args.seed, work)
    new_per_run = min(args.requests, new.per_run(args.reps * len(args.concurrency)))
    points: dict[tuple[str, int], Point] = {}
    async with SlackStandIn() as slack:
        # "every question new" has a bot process of its own, so that nothing one of them
        # remembers (were anything) could answer the other's questions
        asked_new = bot_server(OURS_NEW, directory=directory, api_url=slack.api_url,
                               store_url=f"sqlite:///{work / 'state-new.db'}",
                               log=work / "ours-new.log")  # fmt: skip
        servers = [
            bot_server(OURS, directory=directory, api_url=slack.api_url,
                       store_url=f"sqlite:///{work / 'state.db'}", log=work / "ours.log"),
            bolt_server(BOLT_FAST, api_url=slack.api_url, before_response=True,
                        log=work / "bolt-fast.log"),
            bolt_server(BOLT_DEFAULT, api_url=slack.api_url, before_response=False,
                        log=work / "bolt-default.log"),
        ]  # fmt: skip
        try:
            for server in [*servers, asked_new]:
                await asyncio.to_thread(server.wait_ready)
            # warm-up: imports, caches, users.info for every user, every usual question once
            for server in [*servers, asked_new]:
                await measure(slack, server, texts, 16, 2 * SAMPLE, 10, Point(), answers=False)
            await drained(slack, 0, 0)
            await asyncio.sleep(2)
            for rep in range(args.reps):  # interleaved, so drift hits every server alike
                for concurrency in args.concurrency:
                    # and in turn first and last, so neither gains from going first
                    for server in servers if rep % 2 == 0 else servers[::-1]:
                        point = points.setdefault((server.label, concurrency), Point())
                        await measure(
                            slack, server, texts, concurrency, args.requests, args.seconds,
                            point, answers=server.label == OURS,
                        )  # fmt: skip
                    point = points.setdefault((OURS_NEW, concurrency), Point())
                    await measure(
                        slack, asked_new, new.take(new_per_run), concurrency, new_per_run,
                        args.seconds, point, answers=True,
                    )  # fmt: skip
        finally:
            for server in [*servers, asked_new]:
                server.stop()
    return points, [OURS, OURS_NEW, BOLT_FAST, BOLT_DEFAULT], new_per_run


def table(points: dict[tuple[str, int], Point], labels: Sequence[str], reps: int) -> str:
    lines = [
        "| server | concurrency | acks/s | p50 | p99 | answers/s | server CPU/request "
        "| vs bolt (fast) | vs bolt (fast), run by run | vs bolt (default) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for concurrency in sorted({c for _, c in points}):
        fast_runs = points[(BOLT_FAST, concurrency)].throughput
        fast = Spread.of(fast_runs).median
        default = Spread.of(points[(BOLT_DEFAULT, concurrency)].throughput).median
        for label in labels:
            p = points[(label, concurrency)]
            rate = Spread.of(p.throughput)
            answered = Spread.of(p.answered).show() if p.answered else "–"
            errors = f" ({p.errors} errors)" if p.errors else ""
            # each run against bolt's in the same round: the VM's drift between rounds cancels
            paired = Spread.of([a / b for a, b in zip(p.throughput, fast_runs, strict=True)])
            lines.append(
                f"| {label}{errors} | {concurrency} | {rate.show()} "
                f"| {Spread.of(p.p50).show('.1f', ' ms')} | {Spread.of(p.p99).show('.1f', ' ms')} "
                f"| {answered} | {Spread.of(p.cpu_ms).show('.2f', ' ms')} "
                f"| {rate.median / fast:.2f}× | {paired.show('.2f', '×')} "
                f"| {rate.median / default:.2f}× |"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(machine())
    print()
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        points, labels, new_per_run = asyncio.run(bench(args, Path(tmp)))
    print(f"Median (min–max) of {args.reps} runs of at most {args.requests:,} requests "
          f"({new_per_run:,} for every question new) or {args.seconds:g} s each.")  # fmt: skip
    print()
    print(table(points, labels, args.reps))


if __name__ == "__main__":
    main()
