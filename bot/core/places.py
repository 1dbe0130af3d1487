"""The municipality-name index: every spelling of every municipality, built once per Directory.

'Luleå', 'luleås', 'Lulea', 'Göteborgs stad' → the municipality; bot.core.query reads it
to find the place a question names. Besides the directory's own municipalities it knows
the rest of Sweden's 290 (bot.core.municipalities), as lighter `KnownMunicipality` values:
a configured municipality always wins a spelling both have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, TypeAlias

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.core.folding import WORD, compact, fold, lower
from bot.core.municipalities import KnownMunicipality

if TYPE_CHECKING:
    from bot.core.models import Municipality

# A municipality a text names: one of the directory's, or one it has no file for.
Place: TypeAlias = "Municipality | KnownMunicipality"

# Shorter words are a place only when spelled so or a slip away: 'skola' is 80 from Solna.
RATIO_LENGTH = 6
# Words after a municipality's name that are part of how it is written, not the place.
PLACE_AFTER = frozenset({"kommun", "kommuns", "kommune", "stad", "stads", "municipality"})


class MunicipalityNames:
    """Compact spellings of every municipality: 'lulea', 'luleas', 'goteborg'.

    Folded spellings that two municipalities share (Habo, Håbo) only match when typed
    with the right letters. `known` municipalities that the directory has (by kommunkod)
    or whose spelling one of its municipalities has are left out.
    """

    __slots__ = ("_accented", "_by_id", "_choices", "_keys", "_shared")

    def __init__(
        self, municipalities: Iterable[Municipality], known: Iterable[KnownMunicipality] = ()
    ) -> None:
        configured = {m.id: m for m in municipalities}
        codes = {m.code for m in configured.values()}
        others = {f"#{k.code}": k for k in known if k.code not in codes}
        self._by_id: dict[str, Place] = {**others, **configured}
        # a spelling of the directory's own municipality wins over one of the others
        folded = {**_spelled(others, fold), **_spelled(configured, fold)}
        self._keys = {k: next(iter(ids)) for k, ids in folded.items() if len(ids) == 1}
        self._shared = {k: ids for k, ids in folded.items() if len(ids) > 1}  # 'habo'
        accented = {**_spelled(others, lower), **_spelled(configured, lower)}
        self._accented = {k: next(iter(ids)) for k, ids in accented.items() if len(ids) == 1}
        self._choices = sorted(self._keys)

    def exact(self, words: list[str], typed: list[str] | None = None) -> Place | None:
        """By folded words; `typed` (the same words with their diacritics) decides clashes."""
        mid = self._accented.get("".join(typed)) if typed else None
        mid = mid or self._keys.get("".join(words))
        return self._by_id[mid] if mid else None

    def fuzzy(
        self, words: list[str], cutoff: float, typed: list[str] | None = None, *, shortest: int = 3
    ) -> Place | None:
        """The municipality the words spell with a slip of the finger, or else whose spelling
        is closest to them if it scores `cutoff`.

        A slip (a letter swapped, dropped, doubled or wrong; never the first) is what the
        ratio cannot judge in short names: 'Lnud' is 50 from 'lund'. A slip from two
        municipalities ('Hobo': Habo or Håbo) names neither. `typed`: the words with their
        diacritics, which tell 'Gäele' (Gävle) from Åsele and 'Tosås' (Torsås) from Trosa.
        Words shorter than `shortest` letters are no place with a slip in them.
        """
        key = "".join(words)
        if len(key) < max(shortest, 3):
            return None
        accented = "".join(typed) if typed else key
        # typed with its diacritics, those decide: 'Tosås' is Torsås, not Trosa's genitive;
        # without, a slip from a spelling two share is one from both ('Hao': Habo, Håbo, Hjo)
        if accented != key:  # typed with diacritics, those decide: 'vår' is not Vara
            near = _near(accented, self._accented)
        else:  # a slip from a spelling two share is one from both ('Hao': Habo, Håbo, Hjo)
            shared = {mid for k, ids in self._shared.items() if _slip(key, k) for mid in ids}
            near = _near(key, self._keys) | shared or _near(accented, self._accented)
        if near:
            return self._by_id[near.pop()] if len(near) == 1 else None
        if len(key) < RATIO_LENGTH:
            return None
        hit = process.extractOne(key, self._choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        return self._by_id[self._keys[hit[0]]] if hit else None

    def by_key(self, key: str) -> Place | None:
        """The place `place_key` gave `key`."""
        return self._by_id.get(key) or self._by_id.get(f"#{key}")

    def spelled(self, word: str) -> Place | None:
        """The municipality spelled exactly (case and diacritics aside) by one word: 'lulea'."""
        return self.exact([compact(word)], [lower(word)])


def _near(key: str, keys: Mapping[str, str]) -> set[str]:
    """The ids of the spellings one slip from `key` that start with its letter."""
    return {mid for spelling, mid in keys.items() if _slip(key, spelling)}


def _slip(typed: str, spelling: str) -> bool:
    """Whether `typed` is `spelling` with at most one slip, its first letter right."""
    return (
        spelling[0] == typed[0]
        and abs(len(spelling) - len(typed)) <= 1
        and OSA.distance(typed, spelling, score_cutoff=1) <= 1
    )


def place_key(place: Place) -> str:
    """How a checklist answer names a place: the directory's id ('mora'), or the kommunkod of
    a municipality it has no file for ('2584'), which no id can be."""
    return place.code if isinstance(place, KnownMunicipality) else place.id


def _spelled(by_id: Mapping[str, Place], lower: Callable[[str], str]) -> dict[str, set[str]]:
    """Each spelling, and the ids of the municipalities spelled so (two: Habo, Håbo)."""
    keys: dict[str, set[str]] = {}
    for mid, m in by_id.items():
        for key in _spellings(m, lower):
            keys.setdefault(key, set()).add(mid)
    return keys


def _spellings(m: Place, lower: Callable[[str], str]) -> set[str]:
    words = WORD.findall(lower(m.name))
    suffixed = bool(words) and words[-1] in PLACE_AFTER
    if suffixed:
        words = words[:-1]
    if words and words[0] == "region" and len(words) > 1:
        words = words[1:]
    bases = {"".join(words)}
    if not isinstance(m, KnownMunicipality):
        bases.add(compact(m.id))
    if suffixed and words and words[-1].endswith("s") and len(words[-1]) > 4:
        bases.add("".join(words)[:-1])  # "Göteborgs stad" → göteborg
    return {b for base in bases if base for b in (base, base + "s")}
