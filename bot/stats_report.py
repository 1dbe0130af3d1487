"""The `stats` command's formats: a table, CSV and JSON, all made from the suppressed rows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import astuple

from bot.core.stats import ShownRow

COLUMNS = ("month", "municipality", "age_group", "measure", "count")
FORMATS = ("table", "csv", "json")


def render(rows: Sequence[ShownRow], fmt: str) -> str:
    """`rows` (from bot.core.stats.shown, so counts 1–4 are "<5" already) as `fmt`: "csv",
    "json" or else a table."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(astuple(row) for row in rows)
        return out.getvalue()
    if fmt == "json":
        objects = [dict(zip(COLUMNS, astuple(row), strict=True)) for row in rows]
        return json.dumps(objects, ensure_ascii=False, indent=2) + "\n"
    return _table(rows)


def _table(rows: Sequence[ShownRow]) -> str:
    if not rows:
        return "no counts to show\n"
    cells = [COLUMNS, *([str(v) for v in astuple(row)] for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = []
    for line in cells:
        # the count is right-aligned, like numbers in a spreadsheet
        text = [v.ljust(w) for v, w in zip(line[:-1], widths, strict=False)]
        lines.append("  ".join([*text, line[-1].rjust(widths[-1])]))
    return "\n".join(lines) + "\n"
