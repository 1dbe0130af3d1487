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
# How close by the ratio a spelling must be to be offered in a search box (`ranked`): below
# the 80 a reading needs, since a person picks from what is offered; 70 keeps 'vasteros'
# (Västerås) and leaves out names that merely share letters.
RANKED_RATIO = 70


class MunicipalityNames:
    """Compact spellings of every municipality: 'lulea', 'luleas', 'goteborg'.

    Folded spellings that two municipalities share (Habo, Håbo) only match when typed
    with the right letters. `known` municipalities that the directory has (by kommunkod)
    or whose spelling one of its municipalities has are left out.
    """

    __slots__ = (
        "_accented",
        "_alphabetical",
        "_by_id",
        "_choices",
        "_keys",
        "_shared",
        "_short",
        "_spelled_accented",
        "_spelled_folded",
        "_words",
    )

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
        # for a search box (`ranked`): every spelling with all its municipalities, the words
        # of each name, and the name as the list of Sweden's 290 writes it, for every one
        self._spelled_folded = folded
        self._spelled_accented = accented
        self._words = {mid: WORD.findall(fold(m.name)) for mid, m in self._by_id.items()}
        known_names = {k.code: k.name for k in known}
        self._short = {mid: known_names.get(m.code, m.name) for mid, m in self._by_id.items()}
        alphabetical = sorted(self._by_id, key=lambda mid: swedish_order(self._short[mid]))
        self._alphabetical = {mid: n for n, mid in enumerate(alphabetical)}

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
        near = self._slips(key, "".join(typed) if typed else key)
        if near:
            return self._by_id[near.pop()] if len(near) == 1 else None
        if len(key) < RATIO_LENGTH:
            return None
        hit = process.extractOne(key, self._choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        return self._by_id[self._keys[hit[0]]] if hit else None

    def slipped(self, words: list[str], typed: list[str]) -> list[Place]:
        """Every municipality the words are one slip from ('Hgfors': Hagfors, Hofors; 'Ea':
        Eda), by name: what to offer when `fuzzy` will not choose, because the slip is from
        several or the word too short to trust."""
        key = "".join(words)
        if len(key) < 2:
            return []
        near = self._slips(key, "".join(typed))
        return sorted((self._by_id[mid] for mid in near), key=lambda p: swedish_order(p.name))

    def _slips(self, key: str, accented: str) -> set[str]:
        """The ids one slip from folded `key` (`accented`: as typed, with its diacritics)."""
        # typed with its diacritics, those decide: 'Tosås' is Torsås, not Trosa's genitive
        if accented != key:
            return _near(accented, self._accented)
        # without, a slip from a spelling two share is one from both ('Hao': Habo, Håbo, Hjo)
        shared = {mid for k, ids in self._shared.items() if _slip(key, k) for mid in ids}
        return _near(key, self._keys) | shared or _near(accented, self._accented)

    def by_key(self, key: str) -> Place | None:
        """The place `place_key` gave `key`."""
        return self._by_id.get(key) or self._by_id.get(f"#{key}")

    def short_name(self, place: Place) -> str:
        """The name as the list of Sweden's municipalities writes it: 'Mora', not 'Mora kommun'."""
        return self._short.get(place_id(place), place.name)

    def alphabetical(self) -> list[Place]:
        """Every municipality, in Swedish alphabetical order of `short_name` (Å, Ä, Ö last)."""
        return [self._by_id[mid] for mid in self._alphabetical]

    def ranked(self, words: list[str], typed: list[str], reading: Place | None) -> list[Place]:
        """The municipalities folded `words` (`typed`: with their diacritics) may be the start,
        a slip or a shortening of, best first: for a search box that offers names as a person
        types. `reading` is what `bot.core.query.find_municipality` makes of the whole text.

        In this order: a name spelled so ('mora', 'göteborgs'); names that start so, those
        with the diacritics typed first ('göte': Göteborg, Götene); names with a later word
        that starts so ('väsby': Upplands Väsby); the reading ('götebrg', 'i Lulea kommun').
        Only when none of those is found, guesses: names a slip away ('hobo': Habo, Håbo),
        names the letters shorten ('gbg': Göteborg, 'sthlm'), names whose spelling is close
        by the ratio the reading uses. Within each, alphabetical (the ratio: closest first).
        """
        key, accented = "".join(words), "".join(typed)
        if not key:
            return self.alphabetical()
        found: dict[str, None] = {}  # ids, in rank order

        def add(ids: Iterable[str]) -> None:
            for mid in sorted(set(ids), key=self._alphabetical.__getitem__):
                found.setdefault(mid)

        folded, spelled = self._spelled_folded, self._spelled_accented
        add(spelled.get(accented, ()) if accented != key else ())
        add(folded.get(key, ()))
        if accented != key:
            add(mid for s, ids in spelled.items() if s.startswith(accented) for mid in ids)
        add(mid for s, ids in folded.items() if s.startswith(key) for mid in ids)
        add(mid for mid, ws in self._words.items() if any(w.startswith(key) for w in ws[1:]))
        if reading is not None:
            found.setdefault(place_id(reading))
        if found:  # the guesses below only when nothing reads so: 'mora' is not Nora
            return [self._by_id[mid] for mid in found]
        if len(key) >= 3:
            add(mid for s, ids in folded.items() if _slip(key, s) for mid in ids)
        if len(key) >= 2:
            add(mid for s, ids in folded.items() if _shortens(key, s) for mid in ids)
        if len(key) >= 4:
            close = process.extract(
                key, self._choices, scorer=fuzz.ratio, score_cutoff=RANKED_RATIO, limit=None
            )
            for spelling, _, _ in close:
                found.setdefault(self._keys[spelling])
        return [self._by_id[mid] for mid in found]

    def spelled(self, word: str) -> Place | None:
        """The municipality spelled exactly (case and diacritics aside) by one word: 'lulea'."""
        return self.exact([compact(word)], [lower(word)])


def _near(key: str, keys: Mapping[str, str]) -> set[str]:
    """The ids of the spellings one slip from `key` that start with its letter."""
    return {mid for spelling, mid in keys.items() if _slip(key, spelling)}


def _shortens(typed: str, spelling: str) -> bool:
    """Whether `typed` is letters of `spelling` in order, its first letter first: 'gbg'."""
    letters = iter(spelling)
    return spelling[0] == typed[0] and all(c in letters for c in typed)


def _slip(typed: str, spelling: str) -> bool:
    """Whether `typed` is `spelling` with at most one slip, its first letter right."""
    return (
        spelling[0] == typed[0]
        and abs(len(spelling) - len(typed)) <= 1
        and OSA.distance(typed, spelling, score_cutoff=1) <= 1
    )


def place_id(place: Place) -> str:
    """The index's own id of a place: the directory's id, or '#' and the kommunkod."""
    return f"#{place.code}" if isinstance(place, KnownMunicipality) else place.id


_SWEDISH_LAST = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}"})


def swedish_order(name: str) -> str:
    """A sort key that puts names in Swedish alphabetical order: Å, Ä and Ö after Z."""
    return fold(lower(name).translate(_SWEDISH_LAST))


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
