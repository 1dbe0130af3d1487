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

`lookup` finds the name inside a question without knowing its other words: every run of up
to MAX_NAME_WORDS words is read as a name, and the run whose reading is strongest (exact,
then a stem alone, then the fuzzy score; of equals, the one matching more of a name) names
the school. Question words are no school's name, so they score too low to win; the few that
are short names or stems ("kolla", "internationella") are guarded in `_read`.
"""

from __future__ import annotations

import re
from bisect import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from heapq import nsmallest
from itertools import chain
from typing import Literal

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from bot.core.folding import WORD, fold, lower
from bot.core.models import Directory, Municipality, School
from bot.core.municipalities import KnownMunicipality
from bot.core.name_keys import NameKeys, folded_keys, name_keys, place_pattern, school_keys
from bot.core.query import Query, parse_query

FOUND_SCORE = 82.0  # a fuzzy score at least this high, clearly ahead of the next, is a match
MARGIN = 4.0  # how far ahead of the next different name the best one must be
CLEAR_SLIPS = 1  # ... or how many slips of the finger nearer than any other name
SUGGEST_SCORE = 60.0  # weaker names are not worth suggesting
MAX_SUGGESTIONS = 5
CANDIDATES = 80  # names scored per fuzzy search, chosen by shared trigrams
RARE_GRAMS = 8  # how many of the query's rarest trigrams choose them
MAX_NAME_WORDS = 6  # the longest run of words read as a name inside a sentence
SHORT_KEY = 5  # a run this short without a school word is a name only when typed alone
MIN_FUZZY = 4  # shorter runs are only ever exact names
TYPO_GRAMS = 4  # how many of a name's trigrams one slip of the finger can change
GROWN = ((0, 1), (1, 0), (0, 2), (1, 1), (2, 0))  # words added before, after a reading
GROWN_FAR = tuple((b, n - b) for n in range(1, 5) for b in range(n + 1))  # up to four
ADDED_SCORE = 75.0  # how close words added to an exact name must be to what a longer one adds
PLACE_SCORE = 80.0  # how close a question that is only a place must be to its name
EXACT = 100.0  # the strength of a run that is exactly a name
STEM = FOUND_SCORE + MARGIN  # a run matching a stem only, in a sentence: beats weak fuzzy


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


@dataclass(frozen=True, slots=True)
class _Reading:
    """A run of words of `query.school_text` (`start`:`end`) read as a school name, and how
    strongly: EXACT when it is one, else the best fuzzy score of a name."""

    query: Query
    start: int
    end: int
    strength: float
    matched: int  # how many letters of a name the run matched exactly (its core, if fuzzy)

    @property
    def text(self) -> str:
        return self.query.school_text[self.start : self.end]

    @property
    def exact(self) -> bool:
        return self.strength == EXACT

    @property
    def rank(self) -> tuple[float, int, int]:
        """Stronger first; of equally strong, the one matching more of a name ("Östra skolan",
        not "skolan i Falun" for the stem of "Montessoriskolan i Falun"), then the longer
        ("Hagaskolan 1")."""
        return self.strength, self.matched, self.end - self.start

    @property
    def has_school_word(self) -> bool:
        keys = name_keys(self.text)
        return keys.stem != keys.core

    def lookup(self, result: MatchResult) -> Lookup:
        return Lookup(replace(self.query, school_text=self.text), result)


def _ends(name: str, head: int, tail: int, more: int) -> str:
    """The first `head` and last `tail` letters of `name`, each end `more` longer if any."""
    first = name[: head + more] if head else ""
    return first + (name[len(name) - tail - more :] if tail else "")


def _straddles(words: Sequence[re.Match[str]], said: frozenset[str]) -> bool:
    """Whether some of `words` are in `said` and some are not."""
    inside = [w.group() in said for w in words]
    return any(inside) and not all(inside)


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
        self._lengths = [len(k.core) for _, k in self._entries]
        # letters → entries: a swap, a doubled or a dropped letter keeps a name's letters or
        # changes them by one, while it changes up to four of its trigrams
        self._by_letters: dict[str, list[int]] = {}
        for entry, (_, k) in enumerate(self._entries):
            self._by_letters.setdefault("".join(sorted(k.core)), []).append(entry)
        self._alphabet = sorted({ch for _, k in self._entries for ch in k.core})

    def _keys(self, school: School) -> list[NameKeys]:
        return school_keys(school.name, school.aliases, self._places.get(school.municipality_id))

    def _municipality(self, key: str) -> str:
        return self.directory.schools[key].municipality_id

    # ------------------------------------------------------------------ search

    def lookup(self, text: str) -> Lookup:
        """Parse a question and search for the school it names.

        Every run of up to MAX_NAME_WORDS words of what the question says besides its grade
        and municipality is read as a name (`_read`); the run whose reading is strongest names
        the school. No list of question words is needed: "vem", "jobbar" or "orolig" are no
        school's name and score too low to win against the name that is there.
        """
        query = parse_query(text, self.directory)
        readings = self._read(query)
        said = frozenset(WORD.findall(fold(query.school_text)))
        exact = bool(readings) and readings[0].exact
        for grades, places in ((True, False), (False, True), (False, False)):
            # Grade words or a place may be part of the name: "Enskilda gymnasiet",
            # "Grundskola Överkalix kommun", "Ånge grundskola". A reading with them and with
            # words left beside them ("Botkyrka" alone is the place) wins if stronger or
            # matching more of a name (not merely longer: "Hagaskolan 1 8" is no better).
            if (not grades and not query.grade) or (not places and not query.place):
                continue  # the same parse again
            whole = parse_query(text, self.directory, grades=grades, places=places)
            other = self._read(whole, fuzzy=not exact and not places, beside=said)
            strong = other and other[0].strength >= FOUND_SCORE
            if strong and (not readings or other[0].rank[:2] > readings[0].rank[:2]):
                readings = other
        if not readings:
            return self._no_school(query)
        if isinstance(readings[0].query.place, KnownMunicipality):
            # "Tunaskolan i Göteborg": none of the directory's schools is there
            return Lookup(readings[0].query, MatchResult("not_found"))
        return self._answer(query, readings)

    def _read(
        self, query: Query, *, fuzzy: bool = True, beside: frozenset[str] | None = None
    ) -> list[_Reading]:
        """Runs of words of `query.school_text` read as a school name, strongest first.

        Exact keys first; only when no run is an exact name are runs scored fuzzily (unless
        not `fuzzy`). With `beside`, only runs with words both in it and not are read.
        Question words are often school names' stems ("Internationella", "Botkyrka", "Kolla"):
        inside a sentence a run that matches a stem only is a STEM reading, which a fuzzy one
        of the whole name beats, and a short one without a school word ("kolla", "Navet",
        "Ängs") is read only when nothing else was typed.
        """
        text = query.school_text
        folded = fold(text)
        words = list(WORD.finditer(folded))
        n = len(words)
        runs = [(i, j) for i in range(n) for j in range(i + 1, min(i + MAX_NAME_WORDS, n) + 1)]
        if n > MAX_NAME_WORDS:
            runs.append((0, n))
        keyed: list[tuple[int, int, NameKeys]] = []
        readings: list[_Reading] = []
        for i, j in runs:
            start, end = words[i].start(), words[j - 1].end()
            if beside is not None and not _straddles(words[i:j], beside):
                continue
            keys = folded_keys(folded[start:end])
            alone = (i, j) == (0, n)
            if not keys.core or (
                len(keys.core) <= SHORT_KEY and keys.stem == keys.core and not alone
            ):
                continue
            keyed.append((start, end, keys))
            named, stem = self._exact(keys)
            if named or (stem and alone):
                readings.append(_Reading(query, start, end, EXACT, named or stem))
            elif stem:
                readings.append(_Reading(query, start, end, STEM, stem))
        if any(r.exact for r in readings) and fuzzy:
            readings += self._longer(query, max(readings, key=lambda r: r.rank), words, True)
        elif fuzzy:
            scores: dict[str, float] = {}  # "Tunaskolna 7" scores as "Tunaskolna" does
            for start, end, keys in keyed:
                if len(keys.core) >= MIN_FUZZY:
                    score = scores.get(keys.core)
                    if score is None:
                        score = scores[keys.core] = self._best_score(keys)
                    readings.append(_Reading(query, start, end, score, len(keys.core)))
            if readings:
                readings += self._longer(query, max(readings, key=lambda r: r.rank), words, False)
        return sorted(readings, key=lambda r: r.rank, reverse=True)

    def _longer(
        self, query: Query, best: _Reading, words: list[re.Match[str]], exact: bool
    ) -> list[_Reading]:
        """'montessoriskolan globey': the best reading may be part of a longer name with a
        typo in it (Montessoriskolan Globen; 'Neddre Gunnesboskola' is not Gunnesboskolan).
        A run of one or two words more (up to four for a name many schools share; or all
        that was said: "International School of the Stockhoml Region") that fuzzily finds a
        longer name (with the `exact` name in it) absorbs the best reading."""
        first = next(i for i, w in enumerate(words) if w.start() == best.start)
        last = next(j for j, w in enumerate(words, 1) if w.end() == best.end)
        stem = name_keys(best.text).stem
        longer = []
        # A name many schools share ("resursskola", "International School") is more often
        # the end or start of a longer one: it is grown further.
        far = exact and self.search(best.text).status == "ambiguous"
        steps = GROWN_FAR if far or exact else GROWN
        grown = {(first - before, last + after) for before, after in steps} | {(0, len(words))}
        for i, j in sorted(grown - {(first, last)}):
            if i < 0 or j > len(words):
                continue
            # The words added must be what the longer name adds at that end (give or take a
            # letter): not "för" + "Kunskapsskolan" for Kunskapsskolan Borlänge.
            head = "".join(w.group() for w in words[i:first])
            tail = "".join(w.group() for w in words[last:j])
            start, end = words[i].start(), words[j - 1].end()
            keys = name_keys(query.school_text[start:end])
            ranked = self._ranked(keys, None)
            if not exact and (not ranked or ranked[0][1][0] < best.strength - MARGIN):
                continue  # 'for strasdskolan' is no better read as Forsnässkolan
            result = self._fuzzy(keys, None, set(), ranked)
            school = result.school or next(iter(result.candidates), None)
            named = name_keys(school.name) if school else NameKeys("", "", "")
            name = named.core
            if (
                result.status == "not_found"
                or len(name) <= best.matched
                # the exact name's stem in the longer one ("Tellusskolan Thea" in "Tellusskolan
                # Thea Bromma", whose school word is not where the stem ends)
                or (exact and stem not in name and stem not in named.stem)
            ):
                continue
            added = head + tail
            ends = [_ends(name, len(head), len(tail), d) for d in (0, 1)]
            close = max(fuzz.ratio(added, e) for e in ends) >= ADDED_SCORE
            # a short word with a slip in it is far by ratio: "nyr" for "Nya" (Läroverket)
            slip = len(added) >= 3 and min(OSA.distance(added, e) for e in ends) <= 1
            if close or slip:
                longer.append(_Reading(query, start, end, best.strength, len(name)))
        return longer

    def _exact(self, keys: NameKeys) -> tuple[int, int]:
        """How many letters of a name the keys match exactly: by its core (or genitive), by
        its stem alone (0: not at all)."""
        genitive = _genitive(keys.core)
        named = len(keys.core) if keys.core in self._by_core else 0
        named = named or (len(genitive) if genitive in self._by_core else 0)
        return named, len(keys.stem) if keys.stem in self._by_stem else 0

    def _best_score(self, keys: NameKeys) -> float:
        ranked = self._ranked(keys, None)
        return ranked[0][1][0] if ranked else 0.0

    def _answer(self, query: Query, readings: list[_Reading]) -> Lookup:
        """The strongest reading's answer. When it finds nothing, the strongest reading that
        still looks like a name (it scores FOUND_SCORE, or has a school word:
        "Påhittadeskolan") is answered with suggestions; when none does, the question named
        no school."""
        first = readings[0]
        result = self.search(first.text, first.query.municipality_id)
        if result.status != "found" and first.query.municipality_id is None:
            placed = self._with_place(first)
            if placed is not None:
                return placed
        if result.status != "not_found":
            return first.lookup(result)
        named = next((r for r in readings if r.strength >= FOUND_SCORE or r.has_school_word), None)
        if named is None:
            return self._no_school(query)
        if named is not first:
            result = self.search(named.text, named.query.municipality_id)
        return named.lookup(result)

    def _no_school(self, query: Query) -> Lookup:
        """A question that names no school; when all it says is a municipality's name
        ("Mora", "upplands väsby", "Götebrog" with a slip), it names that."""
        place = query.place
        if place is None:
            words = WORD.findall(query.school_text)
            folded = [fold(w) for w in words]
            names = self.directory.places
            typed = [lower(w) for w in words]
            place = names.exact(folded, typed) or names.fuzzy(folded, PLACE_SCORE, typed)
        empty = replace(query, school_text="", place=place)
        return Lookup(empty, MatchResult("not_found"))

    def _with_place(self, reading: _Reading) -> Lookup | None:
        """'tunaskolan luleå': a bare municipality name right after or before the name."""
        said = reading.query.school_text
        folded = fold(said)
        after = WORD.search(folded, reading.end)
        before = list(WORD.finditer(folded, 0, reading.start))
        for word in (after, before[-1] if before else None):
            place = self.directory.places.spelled(said[word.start() : word.end()]) if word else None
            if not isinstance(place, Municipality):
                continue
            result = self.search(reading.text, place.id)
            if result.status == "found":
                query = replace(reading.query, school_text=reading.text, place=place)
                return Lookup(query, result)
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

    def _with_suffix(self, hits: Iterable[str], suffix: str) -> set[str]:
        """The schools whose name ends in the unit code or grade range typed ("7-9", "1").
        (made again for these few schools rather than kept for all 20,000)"""
        return {
            p for p in hits
            if any(k.suffix == suffix for k in self._keys(self.directory.schools[p]))
        }  # fmt: skip

    def _decide(self, hits: set[str], keys: NameKeys) -> MatchResult:
        if len(hits) > 1 and keys.suffix:
            # The user typed a unit code too ("Hagaskolan 1"): it picks among equal names.
            hits = self._with_suffix(hits, keys.suffix) or hits
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
        # One typo changes at most TYPO_GRAMS grams: names sharing fewer are not worth a score
        # (most runs of question words have none left).
        need = len(lists) - TYPO_GRAMS
        # Of names sharing as many grams, those of about the typed length first: "Strueskolan"
        # shares one rare gram with Stureskolan and with a hundred longer names.
        size = len(keys.core)
        best = nsmallest(
            CANDIDATES,
            ((-n, abs(self._lengths[e] - size), e) for e, n in counts.items() if n >= need),
        )
        chosen = [entry for _, _, entry in best]
        # "hgaaskolan": a slip in the first letters changes the rare grams that choose names
        seen = set(chosen)
        return chosen + [e for e in self._same_letters(keys.core) if e not in seen]

    def _same_letters(self, core: str) -> list[int]:
        """Entries whose name has the letters of `core`, one more or one fewer."""
        letters = "".join(sorted(core))
        shapes = {letters}
        shapes.update(letters[:i] + letters[i + 1 :] for i in range(len(letters)))
        for ch in self._alphabet:
            i = bisect(letters, ch)
            shapes.add(letters[:i] + ch + letters[i:])
        by_letters = self._by_letters
        return [e for shape in shapes if shape in by_letters for e in by_letters[shape]]

    def _ranked(
        self, keys: NameKeys, municipality_id: str | None
    ) -> list[tuple[str, tuple[float, str]]]:
        """Candidate schools, best score first: (school key, (score, the core it scored))."""
        best: dict[str, tuple[float, str]] = {}
        for entry in self._candidates(keys, municipality_id):
            key, named = self._entries[entry]
            score = _score(keys, named.core, named.stem)
            if score > best.get(key, (0.0, ""))[0]:
                best[key] = (score, named.core)
        return sorted(best.items(), key=lambda item: -item[1][0])

    def _fuzzy(
        self,
        keys: NameKeys,
        municipality_id: str | None,
        elsewhere: set[str],
        ranked: list[tuple[str, tuple[float, str]]] | None = None,
    ) -> MatchResult:
        ranked = self._ranked(keys, municipality_id) if ranked is None else ranked
        if ranked and ranked[0][1][0] >= FOUND_SCORE:
            top_score, top_core = ranked[0][1]
            # Schools sharing the best name are decided like an exact hit ("Hagaskolan 1").
            same = {p for p, (_, core) in ranked if core == top_core}
            runner_up = next((score for p, (score, _) in ranked if p not in same), 0.0)
            if top_score - runner_up >= MARGIN or _clearly_nearest(keys.core, top_core, ranked):
                return self._decide(same, keys)
            # Names a slip away alike ("Bergsskolan 7-9": Bergskolan 7-9 or Bergaskolan?):
            # the unit code or grade range typed decides, when only one of them has it.
            close = {p: core for p, (s, core) in ranked if top_score - s < MARGIN}
            fitting = self._with_suffix(close, keys.suffix) if keys.suffix else set()
            if len({close[p] for p in fitting}) == 1:
                return self._decide(fitting, keys)
        # Same name in another municipality first: "Tunaskolan i Mora" → Tunaskolan, Luleå?
        suggestions = self._sorted(elsewhere)
        suggestions += [self.directory.schools[p] for p, (s, _) in ranked if s >= SUGGEST_SCORE]
        unique = list({s.key: s for s in suggestions}.values())  # keys keep their first place
        return MatchResult("not_found", None, tuple(unique[:MAX_SUGGESTIONS]))


def _clearly_nearest(core: str, top: str, ranked: list[tuple[str, tuple[float, str]]]) -> bool:
    """Whether `top` is CLEAR_SLIPS fewer slips of the finger away than any other name scored.
    In long names a slip moves the ratio little ("Internationella Engelska Skolan Läna" is as
    near Länna by ratio as Lund is), while the count of slips still tells them apart."""
    nearest = OSA.distance(core, top)
    others = (OSA.distance(core, c) for _, (_, c) in ranked if c != top)
    return min(others, default=nearest + CLEAR_SLIPS) - nearest >= CLEAR_SLIPS


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
