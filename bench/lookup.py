"""Lookup latency and accuracy: SchoolIndex against brute-force rapidfuzz, same queries, same run.

Run from the repository root:
    .venv/bin/python -m bench.lookup [--per-kind 300] [--sizes 1714 20000]
Prints a Markdown table (paste it into bench/README.md).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from bot.core.matching import MatchResult, SchoolIndex
from bot.core.models import Directory, School
from tests.helpers.perturb import Case, cases, correct, named_municipality_cases
from tests.helpers.skolverket import skolverket_directory, synthetic_directory


@dataclass(frozen=True)
class Run:
    """Latencies (µs) and accuracy of one method over one query set."""

    p50: float
    p99: float
    accuracy: float

    @classmethod
    def of(cls, times: list[float], right: list[bool]) -> Run:
        ordered = sorted(times)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return cls(statistics.median(ordered), p99, sum(right) / len(right))


def sample(directory: Directory, per_kind: int, seed: int) -> list[Case]:
    """Up to `per_kind` queries of every perturbation, plus the named-municipality ones."""
    rnd = random.Random(seed)
    by_kind: dict[str, list[Case]] = {}
    for case in cases(directory, seed):
        by_kind.setdefault(case.kind, []).append(case)
    picked = [c for group in by_kind.values() for c in rnd.sample(group, min(per_kind, len(group)))]
    named = named_municipality_cases(directory)
    return picked + rnd.sample(named, min(per_kind, len(named)))


def measure(
    queries: list[Case],
    answer: Callable[[Case], MatchResult],
    judge: Callable[[Case, MatchResult], bool],
) -> dict[str, Run]:
    """Runs for all queries ('all') and for each kind of perturbation.

    The garbage collector is off while timing (as `timeit` does) for both methods alike.
    """
    times: dict[str, list[float]] = {}
    right: dict[str, list[bool]] = {}
    gc.collect()
    gc.disable()
    try:
        for case in queries:
            start = time.perf_counter_ns()
            result = answer(case)
            elapsed = (time.perf_counter_ns() - start) / 1000
            ok = judge(case, result)
            for key in ("all", case.kind):
                times.setdefault(key, []).append(elapsed)
                right.setdefault(key, []).append(ok)
    finally:
        gc.enable()
    return {key: Run.of(times[key], right[key]) for key in times}


def judge_ours(case: Case, result: MatchResult) -> bool:
    return correct(case, result.status, result.school, result.candidates)


def judge_brute(case: Case, result: MatchResult) -> bool:
    """Right school; for a shared name any school of that name (names alone cannot tell)."""
    picked = result.school
    if picked is None:
        return False
    return picked == case.school or (case.shared and picked.name == case.school.name)


def offered(index: SchoolIndex, queries: list[Case]) -> dict[str, float]:
    """Share of queries where the right school is the answer or one of the choices offered."""
    hits: dict[str, list[bool]] = {}
    for case in queries:
        r = index.lookup(case.text).result
        ok = r.school == case.school or case.school in r.candidates
        for key in ("all", case.kind):
            hits.setdefault(key, []).append(ok)
    return {key: sum(v) / len(v) for key, v in hits.items()}


def bench(
    directory: Directory, per_kind: int, seed: int
) -> tuple[float, dict[str, Run], dict[str, Run], dict[str, float], int]:
    start = time.perf_counter()
    index = SchoolIndex(directory)
    build = time.perf_counter() - start
    schools: list[School] = list(directory.schools.values())
    names = [s.name for s in schools]
    queries = sample(directory, per_kind, seed)

    def ours(case: Case) -> MatchResult:
        return index.lookup(case.text).result

    def brute(case: Case) -> MatchResult:
        hit = process.extractOne(
            case.text, names, scorer=fuzz.WRatio, processor=utils.default_process
        )
        return MatchResult("found", schools[hit[2]]) if hit else MatchResult("not_found")

    # Interleaved warm-up so neither side pays for first-call costs.
    for case in queries[:20]:
        ours(case), brute(case)
    return (
        build,
        measure(queries, ours, judge_ours),
        measure(queries, brute, judge_brute),
        offered(index, queries),
        len(queries),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-kind", type=int, default=300)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1714, 20000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print()
    print("| units | queries | build | ours p50 | ours p99 | brute p50 | brute p99 "
          "| p50 ratio | ours accuracy | brute accuracy |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    details: list[str] = []
    for size in args.sizes:
        real = skolverket_directory()
        directory = real if size <= len(real.schools) else synthetic_directory(size, args.seed)
        build, ours, brute, offers, n = bench(directory, args.per_kind, args.seed)
        o, b = ours["all"], brute["all"]
        print(
            f"| {len(directory.schools):,} | {n:,} | {build * 1000:.0f} ms "
            f"| {o.p50:.0f} µs | {o.p99:.0f} µs | {b.p50:.0f} µs | {b.p99:.0f} µs "
            f"| {o.p50 / b.p50:.3f} | {o.accuracy:.1%} | {b.accuracy:.1%} |"
        )
        for kind in sorted(k for k in ours if k != "all"):
            o, b = ours[kind], brute[kind]
            details.append(
                f"| {len(directory.schools):,} | {kind} | {o.p50:.0f} µs | {b.p50:.0f} µs "
                f"| {o.accuracy:.1%} | {offers[kind]:.1%} | {b.accuracy:.1%} |"
            )
    print()
    print("| units | queries | ours p50 | brute p50 | ours accuracy | ours offers it "
          "| brute accuracy |")  # fmt: skip
    print("|---:|---|---:|---:|---:|---:|---:|")
    print("\n".join(details))


if __name__ == "__main__":
    main()
