"""Full reload time: `load_catalog` of 290 municipality files, as the CatalogHolder runs it.

Run from the repository root (about a minute):
    .venv/bin/python -m bench.reload [--reps 5]
Prints a Markdown table (paste it into bench/README.md).

(a) the 1,714 real school units of Skolverket's list, (b) `synthetic_directory(20000)`; both
written as one YAML file per municipality (bench.common.write_directory) next to the shipped
rules, whose rule tests run on every load. The baseline, in the same run, is the same load
with PyYAML's pure-Python parser (which bot/core/yamlio.py used before it composed with libyaml).
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import yaml

from bench.common import RULES, Spread, machine, write_directory
from bot.core import rule_tests, yamlio
from bot.core.catalog import _read, load_catalog, yaml_files
from bot.core.matching import SchoolIndex
from bot.core.models import Directory
from tests.helpers.skolverket import skolverket_directory, synthetic_directory


@contextmanager
def pure_python_yaml() -> Iterator[None]:
    """Compose with PyYAML's pure-Python parser only, as before libyaml was used."""
    fast = yamlio._compose
    yamlio._compose = lambda text: yaml.compose(text, Loader=yamlio._Loader)
    try:
        yield
    finally:
        yamlio._compose = fast


def timed(fn: Callable[[], object], reps: int) -> Spread:
    """Milliseconds per call over `reps` calls (the collector runs between calls)."""
    times = []
    for _ in range(reps):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return Spread.of(times)


def phases(paths: list[Path]) -> dict[str, float]:
    """One load split into its steps, seconds each."""
    today = date.today()
    start = time.perf_counter()
    for path in yaml_files(paths):
        yamlio.load_document(path)
    parsed = time.perf_counter()
    directory, flows, rule_docs, _ = _read(paths, today)
    read = time.perf_counter()
    index = SchoolIndex(directory)
    indexed = time.perf_counter()
    rule_tests.run_tests(flows, rule_docs, directory, index)
    tested = time.perf_counter()
    return {
        "YAML": parsed - start,
        "validate": (read - parsed) - (parsed - start),  # _read parses the YAML again
        "index": indexed - read,
        "rule tests": tested - indexed,
    }


def bench(directory: Directory, work: Path, reps: int, baseline_reps: int) -> list[str]:
    folder = work / f"directory-{len(directory.schools)}"
    files = write_directory(directory, folder)
    paths = [folder, RULES]
    load_catalog(paths)  # warm-up: imports, template compilation
    ours = timed(lambda: load_catalog(paths), reps)
    split = phases(paths)
    with pure_python_yaml():
        before = timed(lambda: load_catalog(paths), baseline_reps)
    steps = ", ".join(f"{k} {v * 1000:,.0f} ms" for k, v in split.items())
    return [
        f"| {len(directory.schools):,} | {files} | {ours.show(',.0f')} ms "
        f"| {before.show(',.0f')} ms | {before.median / ours.median:.1f}× | {steps} |"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1714, 20000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(machine())
    print()
    print("| units | files | load_catalog | with the pure-Python parser | speed-up "
          "| one load, by step |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory(prefix="bench-reload-") as tmp:
        for size in args.sizes:
            real = skolverket_directory()
            directory = real if size <= len(real.schools) else synthetic_directory(size, args.seed)
            # a 20,000-unit load takes seconds: fewer repetitions do
            reps = args.reps if size <= len(real.schools) else max(3, args.reps // 2)
            for line in bench(directory, Path(tmp), reps, max(2, reps // 2)):
                print(line, flush=True)
    print()
    fewer = max(3, args.reps // 2)
    print(f"Median (min–max) of {args.reps} loads at 1,714 units, {fewer} at 20,000; "
          "the baseline half as many (at least 2).")  # fmt: skip


if __name__ == "__main__":
    main()
