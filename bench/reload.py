"""Reload time of 290 municipality files: a full load, and a reload after one file is edited.

Run from the repository root (about a minute):
    .venv/bin/python -m bench.reload [--reps 5]
Prints a Markdown table (paste it into bench/README.md).

(a) the 1,714 real school units of Skolverket's list, (b) `synthetic_directory(20000)`; both
written as one YAML file per municipality (bench.common.write_directory) next to the shipped
rules, whose rule tests run on every load.
- full load: `load_catalog(paths)` — every file read, parsed and validated, the checks
  across files, the school index and the rule tests (what `referral-bot check` does, and
  what the bot does at start-up);
- reload after an edit: what the bot does when an administrator saves a file —
  `CatalogHolder.reload()` with the serving loader (`load_catalog` with a ValidatedFiles
  memo, in a worker thread) after one school in one file was renamed: every file is read
  again, the edited one parsed and validated, the others' results reused by their bytes; the
  checks across files, the index and the rule tests run in full; timed until the new catalog
  is live;
- answers during that reload: contact questions (`Service.handle`, a new school each time)
  asked one after another on the event loop while the reload runs in its worker thread, each
  timed from asking to answer; p50 and p99 over all reloads, against the same questions with
  no reload running.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import hashlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bench.common import RULES, Spread, machine, write_directory
from bot.core import directory as directory_files
from bot.core import rule_tests, texts, yamlio
from bot.core.catalog import ValidatedFiles, _read, load_catalog, yaml_files
from bot.core.matching import SchoolIndex
from bot.core.models import Directory, IncomingMessage
from bot.core.service import Service
from bot.core.sessions import MemoryStore
from bot.reload import CatalogHolder
from tests.helpers.skolverket import skolverket_directory, synthetic_directory


def timed(
    fn: Callable[[], object], reps: int, before: Callable[[], object] = lambda: None
) -> Spread:
    """Milliseconds per call of `fn` over `reps` calls; `before` runs untimed before each."""
    times = []
    for _ in range(reps):
        before()
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return Spread.of(times)


def phases(paths: list[Path]) -> dict[str, float]:
    """One full load split into its steps, seconds each."""
    today = date.today()
    files = [f for f, _ in yaml_files(paths) if f.parent != RULES]
    start = time.perf_counter()
    raws = [f.read_bytes() for f in files]
    [hashlib.blake2b(raw, digest_size=16).digest() for raw in raws]
    read = time.perf_counter()
    docs = [yamlio.parse_bytes(raw, f) for raw, f in zip(raws, files, strict=True)]
    parsed = time.perf_counter()
    for doc in docs:
        directory_files.parse_municipality(doc, today=today)
    validated = time.perf_counter()
    del docs
    loaded = _read(paths, today)
    index_start = time.perf_counter()
    index = SchoolIndex(loaded.directory)
    indexed = time.perf_counter()
    rule_tests.run_tests(loaded.flows, loaded.rule_docs, loaded.directory, index)
    tested = time.perf_counter()
    return {
        "read": read - start,
        "YAML": parsed - read,
        "validate": validated - parsed,
        "index": indexed - index_start,
        "rule tests": tested - indexed,
    }


def bench(directory: Directory, work: Path, reps: int) -> str:
    folder = work / f"directory-{len(directory.schools)}"
    files = write_directory(directory, folder)
    paths = [folder, RULES]
    texts.read_all()  # as `serve` does before its first load
    full = timed(lambda: load_catalog(paths), reps)  # no memo: every file parsed
    holder = CatalogHolder(functools.partial(load_catalog, paths, memo=ValidatedFiles()))
    edited = sorted(folder.glob("*.yml"))[len(directory.municipalities) // 2]
    original = edited.read_text(encoding="utf-8")
    flips = iter(range(10**6))

    def edit() -> None:  # rename the file's first school, a different name each time
        name = original.split("- name: ", 1)[1].split("\n", 1)[0]
        changed = original.replace(f"- name: {name}\n", f"- name: {name} {next(flips)}\n", 1)
        edited.write_text(changed, encoding="utf-8")

    def reload() -> None:
        assert asyncio.run(holder.reload()).changed

    after_edit = timed(reload, reps, before=edit)
    quiet, during = asyncio.run(answers_during_reloads(holder, directory, edit, reps))
    edited.write_text(original, encoding="utf-8")
    steps = ", ".join(f"{k} {v * 1000:,.0f} ms" for k, v in phases(paths).items())
    return (
        f"| {len(directory.schools):,} | {files} | {full.show(',.0f')} ms "
        f"| {after_edit.show(',.0f')} ms | {during} (quiet: {quiet}) | {steps} |"
    )


async def answers_during_reloads(
    holder: CatalogHolder, directory: Directory, edit: Callable[[], None], reps: int
) -> tuple[str, str]:
    """p50/p99 of contact answers with no reload running, and while reloads run."""
    service = Service(holder, MemoryStore())
    names = [s.name for s in directory.schools.values()]
    asked = iter(range(10**9))

    async def ask() -> float:
        n = next(asked)
        msg = IncomingMessage(
            "bench", f"bench:{n}", "bench:u", text=f"{names[n * 7919 % len(names)]} åk 8"
        )
        start = time.perf_counter()
        await service.handle(msg)
        return (time.perf_counter() - start) * 1000

    quiet = [await ask() for _ in range(300)]
    during: list[float] = []
    for _ in range(reps):
        edit()
        reloading = asyncio.create_task(holder.reload())
        while not reloading.done():
            during.append(await ask())
            await asyncio.sleep(0.002)  # a question every few milliseconds
        assert (await reloading).changed
    return _p50_p99(quiet), _p50_p99(during)


def _p50_p99(ms: list[float]) -> str:
    ordered = sorted(ms)
    p50, p99 = ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, len(ordered) * 99 // 100)]
    return f"p50 {p50:.1f} / p99 {p99:.1f} ms ({len(ms)} answers)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1714, 20000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", type=int, help="measure this size here and print its row")
    args = parser.parse_args()
    if args.one is not None:
        real = skolverket_directory()
        size = args.one
        directory = real if size <= len(real.schools) else synthetic_directory(size, args.seed)
        with tempfile.TemporaryDirectory(prefix="bench-reload-") as tmp:
            print(bench(directory, Path(tmp), args.reps), flush=True)
        return
    print(machine())
    print()
    print("| units | files | full load | reload after one file is edited, until live "
          "| answers during those reloads | one full load, by step |")  # fmt: skip
    print("|---:|---:|---:|---:|---|---|")
    for size in args.sizes:  # each in a fresh process: caches warmed by one must not help the next
        one = [sys.executable, "-m", "bench.reload", "--one", str(size), "--reps", str(args.reps)]
        subprocess.run([*one, "--seed", str(args.seed)], check=True)
    print()
    print(f"Median (min–max) of {args.reps} loads each; each size in a fresh process.")


if __name__ == "__main__":
    main()
