"""User-facing text, kept out of code: `bot/locales/<lang>/<area>.yml`, Swedish first.

A social worker can review every sentence the bot says by reading those files. Keys are
'<area>.<name>' (the file stem, then the key inside it); English falls back to Swedish.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import get_args

import yaml

from bot.core.models import Locale

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
# libyaml when PyYAML has it: the pure-Python parser took 25 ms for these files
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def catalogue(locale: str) -> dict[str, str]:
    """All texts of one language, flattened to '<area>.<key>'."""
    out: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / locale).glob("*.yml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
        for key, value in data.items():
            out[f"{path.stem}.{key}"] = str(value).rstrip("\n")
    return out


def text(key: str, locale: Locale | str = "sv", **values: object) -> str:
    """The text for `key` in `locale` (Swedish when missing), with {placeholders} filled in."""
    template = catalogue(locale).get(key) or catalogue("sv").get(key)
    if template is None:
        raise KeyError(f"no text for {key!r}")
    return template.format(**values) if values else template


def read_all() -> None:
    """Read every language's texts now. The serving process does this before its first
    catalog load, so the first answer does not wait for them."""
    for locale in get_args(Locale):
        catalogue(locale)
