"""Hostile files against `referral-bot check`: time and peak memory, against 5 s and 512 MB.

Run from the repository root (a few seconds):
    .venv/bin/python -m bench.hostile [--reps 3]
Prints a Markdown table (paste it into bench/README.md).

Each file of tests/helpers/hostile_files.py (an alias bomb, 2 MB of nesting, an alias inside
its own block) is put alone in a folder and checked by a fresh `python -m bot check` process,
as an operator would run it; wall time from start to exit, and the process's peak RSS
(`ru_maxrss` of the child). The tests only guard that each is refused without hanging.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Spread, machine
from tests.helpers.hostile_files import HOSTILE

LIMIT_S = 5.0
LIMIT_MIB = 512.0


def check_once(folder: Path) -> tuple[float, float]:
    """One `python -m bot check folder` in a new process: (seconds, peak MiB of the child)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHECK_WITH_PEAK, str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    elapsed = time.perf_counter() - start
    code, peak_kib = map(int, done.stdout.split())
    if code != 1:
        raise SystemExit(f"{folder}: check exited {code}, not 1:\n{done.stderr}")
    return elapsed, peak_kib / 1024


# the check in the child, then its exit code and its own peak RSS (KiB, Linux)
_CHECK_WITH_PEAK = """
import resource, sys
from bot.cli import main
code = main(["check", sys.argv[1]])
print(code, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    reps = parser.parse_args().reps
    print(machine(), "\n")
    print("| file | bytes | check, s | peak RSS, MiB | within 5 s and 512 MB |")
    print("|---|---:|---:|---:|---|")
    worst = True
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in HOSTILE.items():
            folder = Path(tmp) / name.removesuffix(".yml")
            folder.mkdir()
            (folder / name).write_text(text)
            runs = [check_once(folder) for _ in range(reps)]
            seconds = Spread.of([s for s, _ in runs])
            peak = max(m for _, m in runs)
            ok = seconds.high < LIMIT_S and peak < LIMIT_MIB
            worst = worst and ok
            size = len(text.encode())
            met = "yes" if ok else "no"
            print(f"| {name} | {size:,} | {seconds.show('.2f')} | {peak:.0f} | {met} |")
    print(f"\nAll within the bounds: {'yes' if worst else 'no'}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
