"""The shipped example catalog (directory/ and rules/), loaded once per test session."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.core.catalog import Catalog, load_catalog

ROOT = Path(__file__).resolve().parents[2]


@cache
def shipped_catalog() -> Catalog:
    return load_catalog([ROOT / "directory", ROOT / "rules"])
