"""The municipality-name index: every spelling of every municipality, built once per Directory.

'Luleå', 'luleås', 'Lulea', 'Göteborgs stad' → the municipality; bot.core.query reads it
to find the place a question names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from bot.core.folding import WORD, compact, fold, lower

if TYPE_CHECKING:
    from bot.core.models import Municipality

# Words after a municipality's name that are part of how it is written, not the place.
PLACE_AFTER = frozenset({"kommun", "kommuns", "kommune", "stad", "stads", "municipality"})


class MunicipalityNames:
    """Compact spellings of every municipality: 'lulea', 'luleas', 'goteborg'.

    Folded spellings that two municipalities share (Habo, Håbo) only match when typed
    with the right letters.
    """

    __slots__ = ("_accented", "_by_id", "_choices", "_keys")

    def __init__(self, municipalities: Iterable[Municipality]) -> None:
        self._by_id = {m.id: m for m in municipalities}
        self._keys = _unique(self._by_id.values(), fold)
        self._accented = _unique(self._by_id.values(), lower)
        self._choices = sorted(self._keys)

    def exact(self, words: list[str], typed: list[str] | None = None) -> Municipality | None:
        """By folded words; `typed` (the same words with their diacritics) decides clashes."""
        mid = self._accented.get("".join(typed)) if typed else None
        mid = mid or self._keys.get("".join(words))
        return self._by_id[mid] if mid else None

    def fuzzy(self, words: list[str], cutoff: float) -> Municipality | None:
        """The municipality whose spelling is closest to the words, if it scores `cutoff`."""
        key = "".join(words)
        if len(key) < 4:
            return None
        hit = process.extractOne(key, self._choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        return self._by_id[self._keys[hit[0]]] if hit else None

    def spelled(self, word: str) -> Municipality | None:
        """The municipality spelled exactly (case and diacritics aside) by one word: 'lulea'."""
        return self.exact([compact(word)], [lower(word)])


def _unique(municipalities: Iterable[Municipality], lower: Callable[[str], str]) -> dict[str, str]:
    keys: dict[str, set[str]] = {}
    for m in municipalities:
        for key in _spellings(m, lower):
            keys.setdefault(key, set()).add(m.id)
    return {k: ids.pop() for k, ids in keys.items() if len(ids) == 1}


def _spellings(m: Municipality, lower: Callable[[str], str]) -> set[str]:
    words = WORD.findall(lower(m.name))
    suffixed = bool(words) and words[-1] in PLACE_AFTER
    if suffixed:
        words = words[:-1]
    if words and words[0] == "region" and len(words) > 1:
        words = words[1:]
    bases = {"".join(words), compact(m.id)}
    if suffixed and words and words[-1].endswith("s") and len(words[-1]) > 4:
        bases.add("".join(words)[:-1])  # "Göteborgs stad" → göteborg
    return {b for base in bases if base for b in (base, base + "s")}
