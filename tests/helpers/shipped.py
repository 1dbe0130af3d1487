"""The shipped example catalog (directory/ and rules/), loaded once per test session."""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

from bot.core.catalog import Catalog, load_catalog

ROOT = Path(__file__).resolve().parents[2]

# The nine municipalities of Sörmland, each with a file in directory/ that names the region
# file sormland.yml (whose resources name some of them).
SORMLAND = (
    "eskilstuna",
    "flen",
    "gnesta",
    "katrineholm",
    "nykoping",
    "oxelosund",
    "strangnas",
    "trosa",
    "vingaker",
)


def copy_sormland(to: Path, *, leave_out: str | None = None) -> None:
    """The shipped Sörmland files (the region and its municipalities, but `leave_out`) into
    `to`: a region's resources name its municipalities, and check warns at a name not there."""
    for name in ("sormland", *SORMLAND):
        if name != leave_out:
            shutil.copy(ROOT / "directory" / f"{name}.yml", to)


@cache
def shipped_catalog() -> Catalog:
    return load_catalog([ROOT / "directory", ROOT / "rules"])
