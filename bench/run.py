"""Every benchmark in one go (`make bench`, about seven minutes); prints their Markdown tables.

    .venv/bin/python bench/run.py [lookup http_ack after_ack memory reload stores hostile handoff
                                  admin_page]

Each benchmark runs as `python -m bench.<name>` from the repository root, one after another
(never side by side: they would measure each other). Works when started by path, as the
Makefile does, because it imports nothing from the repository itself.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALL = (
    "lookup",
    "http_ack",
    "after_ack",
    "memory",
    "reload",
    "stores",
    "hostile",
    "handoff",
    "admin_page",
)


def main() -> int:
    names = sys.argv[1:] or list(ALL)
    unknown = [n for n in names if n not in ALL]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(ALL)}")
        return 2
    failed = []
    start = time.perf_counter()
    for name in names:
        print(f"## bench.{name}\n", flush=True)
        began = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=ROOT, check=False)
        print(f"\n({name}: {time.perf_counter() - began:.0f} s)\n", flush=True)
        if done.returncode != 0:
            failed.append(name)
    print(f"All benchmarks: {time.perf_counter() - start:.0f} s.")
    if failed:
        print(f"FAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
