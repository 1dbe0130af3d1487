"""Fuzzy school lookup: an index over school names, built once per Directory.

A search tries exact keys first and only then scores a few candidates with rapidfuzz:

1. the *core* key — the name folded and compacted, grade ranges and unit codes at the end
   removed ("Ängsskolan F-9", "ängs skolan", "ANGSSKOLAN" → 'angsskolan');
2. the *stem* key — the core without its school word ("Ängs", "Rolfstorpsskolan" for
   "Rolfstorps skola" → 'angs', 'rolfstorps');
3. fuzzy — candidates are the names sharing the most rare character trigrams with the
   query (or every school of the named municipality), scored with rapidfuzz (Indel ratio
   and an edit distance that counts swapped letters as one slip). A match must score
   FOUND_SCORE and beat the next different name by MARGIN.

A name that several schools share is never resolved silently: without a municipality the
result is `ambiguous`. A weak fuzzy score gives `not_found` with up to five suggestions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import chain
from typing import Literal

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from bot.core.models import Directory, School
from bot.core.name_keys import NameKeys, name_keys, place_pattern, school_keys
from bot.core.query import Query, parse_query

FOUND_SCORE = 82.0  # a fuzzy score at least this high, clearly ahead of the next, is a match
MARGIN = 4.0  # how far ahead of the next different name the best one must be
SUGGEST_SCORE = 60.0  # weaker names are not worth suggesting
MAX_SUGGESTIONS = 5
CANDIDATES = 80  # names scored per fuzzy search, chosen by shared trigrams
RARE_GRAMS = 8  # how many of the query's rarest trigrams choose them
MAX_NAME_WORDS = 5  # the longest run of words tried as a name inside a sentence


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The outcome of a search. `candidates`: the schools to choose from (ambiguous) or
    "did you mean" suggestions (not_found, possibly empty)."""

    status: Literal["found", "ambiguous", "not_found"]
    school: School | None = None
    candidates: tuple[School, ...] = ()


@dataclass(frozen=True, slots=True)
class Lookup:
    """A parsed question and what the index found for it."""

    query: Query
    result: MatchResult


def _gram_list(key: str) -> list[str]:
    """The key's character trigrams in order, its start and end marked ('^an', …, 'an$')."""
    padded = f"^{key}$"
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


class SchoolIndex:
    """Exact keys, then trigram-narrowed fuzzy scoring. Build once per Directory."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        schools = directory.schools
        # An entry is one name key of a school (its name, an alias, either without its
        # municipality): entry number e is _entries[e], (school key, its keys).
        self._entries: list[tuple[str, NameKeys]] = []
        self._by_municipality: dict[str, list[int]] = {}
        self._places = {m.id: place_pattern(m.name) for m in directory.municipalities.values()}
        for school in schools.values():
            keys = self._keys(school)
            numbers = self._by_municipality.setdefault(school.municipality_id, [])
            for k in keys:
                numbers.append(len(self._entries))
                self._entries.append((school.key, k))
        self._by_core = _grouped((k.core, key) for key, k in self._entries)
        self._by_stem = _grouped((k.stem, key) for key, k in self._entries)
        self._postings = _postings([k.core for _, k in self._entries])

    def _keys(self, school: School) -> list[NameKeys]:
        return school_keys(school.name, school.aliases, self._places.get(school.municipality_id))

    def _municipality(self, key: str) -> str:
        return self.directory.schools[key].municipality_id

    # ------------------------------------------------------------------ search

    def lookup(self, text: str) -> Lookup:
        """Parse a question and search for the school it names."""
        query = parse_query(text, self.directory)
        if (query.ages or query.municipality_id) and not self._is_name(query.school_text):
            # Grade words or a place may be part of the name: "Enskilda gymnasiet",
            # "Grundskola Överkalix kommun". An exact name wins over reading them apart.
            for grades, places in ((True, False), (False, True), (False, False)):
                whole = parse_query(text, self.directory, grades=grades, places=places)
                if self._is_name(whole.school_text):
                    query = whole
                    break
        result = self.search(query.school_text, query.municipality_id)
        if result.status != "found" and query.municipality_id is None:
            placed = self._with_place(query)
            if placed is not None:
                return placed
        if result.status == "not_found":
            inside = self._name_inside(query)
            if inside is not None:
                return inside
        return Lookup(query, result)

    def _name_inside(self, query: Query) -> Lookup | None:
        """'vem kontaktar jag vid oro för en elev på Ängsskolan?': when the words around the
        name were not all trimmed, a run of words that is exactly a school's name still
        counts. Longest runs first; only exact names, never a fuzzy guess inside a sentence."""
        words = query.school_text.split()
        for size in range(min(len(words) - 1, MAX_NAME_WORDS), 0, -1):
            for start in range(len(words) - size + 1):
                run = " ".join(words[start : start + size])
                if self._is_name(run):
                    result = self.search(run, query.municipality_id)
                    if result.status != "not_found":
                        return Lookup(replace(query, school_text=run), result)
        return None

    def _is_name(self, school_text: str) -> bool:
        return name_keys(school_text).core in self._by_core

    def _with_place(self, query: Query) -> Lookup | None:
        """'tunaskolan luleå': a bare municipality name at either end of the school words."""
        words = query.school_text.split()
        for rest, place in ((words[:-1], words[-1:]), (words[1:], words[:1])):
            if not rest:
                continue
            municipality = self.directory.places.spelled(place[0])
            if municipality is None:
                continue
            school_text = " ".join(rest)
            result = self.search(school_text, municipality.id)
            if result.status == "found":
                found = replace(query, school_text=school_text, municipality_id=municipality.id)
                return Lookup(found, result)
        return None

    def search(self, school_text: str, municipality_id: str | None = None) -> MatchResult:
        """The school `school_text` names, optionally only in one municipality."""
        keys = name_keys(school_text)
        if not keys.core:
            return MatchResult("not_found")
        elsewhere: set[str] = set()
        levels = (
            (self._by_core, keys.core),
            (self._by_stem, keys.stem),
            (self._by_core, _genitive(keys.core)),
        )
        for by_key, key in levels:
            hits = set(by_key.get(key, ())) if key else set()
            if municipality_id is not None and hits:
                inside = {p for p in hits if self._municipality(p) == municipality_id}
                elsewhere |= hits - inside
                hits = inside
            if hits:
                return self._decide(hits, keys)
        return self._fuzzy(keys, municipality_id, elsewhere)

    def _decide(self, hits: set[str], keys: NameKeys) -> MatchResult:
        if len(hits) > 1 and keys.suffix:
            # The user typed a unit code too ("Hagaskolan 1"): it picks among equal names.
            # (made again for these few schools rather than kept for all 20,000)
            exact = {
                p for p in hits
                if any(k.suffix == keys.suffix for k in self._keys(self.directory.schools[p]))
            }  # fmt: skip
            hits = exact or hits
        schools = self._sorted(hits)
        if len(schools) == 1:
            return MatchResult("found", schools[0], ())
        return MatchResult("ambiguous", None, tuple(schools))

    def _sorted(self, keys: Iterable[str]) -> list[School]:
        return sorted(map(self.directory.schools.__getitem__, keys), key=self._display_order)

    def _display_order(self, school: School) -> tuple[str, str]:
        municipality = self.directory.municipalities.get(school.municipality_id)
        return (school.name, municipality.name if municipality else school.municipality_id)

    def _candidates(self, keys: NameKeys, municipality_id: str | None) -> Sequence[int]:
        if municipality_id is not None:
            return self._by_municipality.get(municipality_id, ())
        lists = [self._postings[g] for g in set(_gram_list(keys.core)) if g in self._postings]
        # The rarest grams are enough to bring a name with a typo or two to the top.
        lists = sorted(lists, key=len)[:RARE_GRAMS]
        counts = Counter(chain.from_iterable(lists))
        return [entry for entry, _ in counts.most_common(CANDIDATES)]

    def _fuzzy(
        self, keys: NameKeys, municipality_id: str | None, elsewhere: set[str]
    ) -> MatchResult:
        best: dict[str, tuple[float, str]] = {}  # school key → (best score, its core)
        for entry in self._candidates(keys, municipality_id):
            key, named = self._entries[entry]
            score = _score(keys, named.core, named.stem)
            if score > best.get(key, (0.0, ""))[0]:
                best[key] = (score, named.core)
        ranked = sorted(best.items(), key=lambda item: -item[1][0])
        if ranked and ranked[0][1][0] >= FOUND_SCORE:
            top_score, top_core = ranked[0][1]
            # Schools sharing the best name are decided like an exact hit ("Hagaskolan 1").
            same = {p for p, (_, core) in ranked if core == top_core}
            runner_up = next((score for p, (score, _) in ranked if p not in same), 0.0)
            if top_score - runner_up >= MARGIN:
                return self._decide(same, keys)
        # Same name in another municipality first: "Tunaskolan i Mora" → Tunaskolan, Luleå?
        suggestions = self._sorted(elsewhere)
        suggestions += [self.directory.schools[p] for p, (s, _) in ranked if s >= SUGGEST_SCORE]
        unique = list({s.key: s for s in suggestions}.values())  # keys keep their first place
        return MatchResult("not_found", None, tuple(unique[:MAX_SUGGESTIONS]))


def _grouped(pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """name key → the keys of the schools that have it, each once, in directory order."""
    grouped: dict[str, dict[str, None]] = {}
    for name_key, school_key in pairs:
        grouped.setdefault(name_key, {})[school_key] = None
    return {k: tuple(keys) for k, keys in grouped.items()}


def _postings(cores: Sequence[str]) -> dict[str, list[int]]:
    """trigram → the numbers of the entries whose core has it. Grams in most names ("sko",
    "kol", "lan") say nothing and cost the most to count: they are left out."""
    postings: dict[str, list[int]] = {}
    for entry, core in enumerate(cores):
        for gram in _gram_list(core):
            posting = postings.setdefault(gram, [])
            if not posting or posting[-1] != entry:  # a gram twice in one name counts once
                posting.append(entry)
    limit = max(50, len(cores) // 20)
    return {g: entries for g, entries in postings.items() if len(entries) <= limit}


def _score(query: NameKeys, core: str, stem: str) -> float:
    """0–100. Indel ratio, plus edit distance counting a swap of two letters as one slip."""
    ratio = max(fuzz.ratio(query.core, core), fuzz.ratio(query.stem, stem))
    osa = OSA.normalized_similarity(query.core, core) * 100
    return (ratio + osa) / 2


def _genitive(core: str) -> str:
    """'angsskolans' → 'angsskolan': "Ängsskolans soc-kontakt"."""
    return core[:-1] if core.endswith("s") and len(core) > 4 else ""
