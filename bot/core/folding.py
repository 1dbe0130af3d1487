"""Folding typed text for matching: lower case, diacritics folded, the length kept.

All matching is done on `fold`ed text: lower case with Swedish and other diacritics folded
(å/ä → a, ö → o, é → e). `fold` keeps the length of its input so that positions found in the
folded text can be cut out of the original.
"""

from __future__ import annotations

import re

_FOLD = str.maketrans(
    {
        **dict.fromkeys("åäàáâãā", "a"),
        **dict.fromkeys("öøóòôõ", "o"),
        **dict.fromkeys("éèêë", "e"),
        **dict.fromkeys("üúùû", "u"),
        **dict.fromkeys("íìïî", "i"),
        "æ": "a",
        "ç": "c",
        "ñ": "n",
        "ý": "y",
        **dict.fromkeys("‐‑‒–—−", "-"),
        **dict.fromkeys("’‘´`", "'"),
    }
)
WORD = re.compile(r"[^\W_]+")


def lower(text: str) -> str:
    """Lower case with exactly the length of `text` (a few letters, e.g. 'İ', grow otherwise)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered


def fold(text: str) -> str:
    """Lower case, diacritics folded; the result has exactly the length of `text`."""
    return lower(text).translate(_FOLD)


def compact(text: str) -> str:
    """Folded letters and digits only: 'Ängs skolan F-9' → 'angsskolanf9'."""
    return "".join(WORD.findall(fold(text)))
