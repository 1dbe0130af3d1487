"""Sweden's 290 municipalities by name and kommunkod, read from the shipped Skolverket list.

The directory configures only some of them; the others are still places a question or a
checklist answer can name, so the bot can say it has no contacts there (and where to turn)
instead of taking the name for a school's or saying it found nothing.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from functools import cache
from importlib.resources import files


@dataclass(frozen=True, slots=True)
class KnownMunicipality:
    """A Swedish municipality the directory has no file for: only its name and kommunkod."""

    name: str  # as Skolverket writes it: "Göteborg", "Upplands Väsby"
    code: str  # kommunkod, four digits

    @property
    def county(self) -> str:
        """The länskod: the kommunkod's first two digits ("25" for Norrbotten)."""
        return self.code[:2]


@cache
def sweden() -> tuple[KnownMunicipality, ...]:
    """Every municipality of bot/data/skolenheter.csv.gz, by kommunkod (read once)."""
    raw = files("bot").joinpath("data", "skolenheter.csv.gz").read_bytes()
    rows = csv.DictReader(io.StringIO(gzip.decompress(raw).decode("utf-8")), delimiter=";")
    names = {row["kommunkod"]: row["kommun"] for row in rows}
    return tuple(KnownMunicipality(names[code], code) for code in sorted(names))
