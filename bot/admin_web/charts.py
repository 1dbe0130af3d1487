"""The statistics as bar charts: each municipality's outcomes per month, drawn as SVG.

Made from `bot.core.stats.shown` rows only, never from raw counts, so a count from 1 to 4 is
"<5" here as everywhere: its bar is drawn pale at the length of five, which tells no more
than the label. Rows are never added up: a total beside a suppressed part would give it away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.stats import THRESHOLD, ShownRow

OUTCOME_PREFIX = "outcome:"
BAR_COLOUR = "#1f6f8b"  # a count of five or more
FEW_COLOUR = "#c3ccd4"  # "<5"
LABEL_WIDTH = 330  # room for "2026-11  orosanmalan/anmalan  unga"
BAR_WIDTH = 300
ROW_HEIGHT = 22


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    shown: str  # the number, or "<5"
    y: int
    width: int
    colour: str


@dataclass(frozen=True, slots=True)
class Chart:
    municipality: str
    bars: tuple[Bar, ...]
    width: int
    height: int


def outcomes(rows: Sequence[ShownRow]) -> list[ShownRow]:
    """The rows of checklist outcomes (`outcome:<flow>/<outcome>`)."""
    return [r for r in rows if r.measure.startswith(OUTCOME_PREFIX)]


def charts(rows: Sequence[ShownRow], names: dict[str, str]) -> list[Chart]:
    """One chart per municipality (by `names`, id → name; others under their id), a bar per
    month, outcome and age group, all on one scale so municipalities compare."""
    numbers = [r.count for r in rows if isinstance(r.count, int)]
    scale = max([THRESHOLD, *numbers])
    by_municipality: dict[str, list[ShownRow]] = {}
    for row in rows:
        by_municipality.setdefault(row.municipality, []).append(row)
    made = []
    for municipality, own in by_municipality.items():
        bars = []
        for i, row in enumerate(own):
            value = row.count if isinstance(row.count, int) else THRESHOLD
            outcome = row.measure.removeprefix(OUTCOME_PREFIX)
            bars.append(
                Bar(
                    label=f"{row.month}  {outcome}  {row.age_group}",
                    shown=str(row.count),
                    y=i * ROW_HEIGHT,
                    width=max(2, round(value / scale * BAR_WIDTH)),
                    colour=BAR_COLOUR if isinstance(row.count, int) else FEW_COLOUR,
                )
            )
        made.append(
            Chart(
                municipality=names.get(municipality, municipality),
                bars=tuple(bars),
                width=LABEL_WIDTH + BAR_WIDTH + 50,
                height=len(bars) * ROW_HEIGHT,
            )
        )
    return made
