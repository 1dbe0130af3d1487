"""The exact-match keys of a school's names, worked out once when its file is read.

1. the *core* key — the name folded and compacted, grade ranges and unit codes at the end
   removed ("Ängsskolan F-9", "ängs skolan", "ANGSSKOLAN" → 'angsskolan');
2. the *stem* key — the core without its school word ("Ängs", "Rolfstorpsskolan" for
   "Rolfstorps skola" → 'angs', 'rolfstorps').

A school is found by its name, its aliases, and each of them without its own municipality
("Freinetskolan i Lund" → "Freinetskolan"). bot.core.matching looks these keys up.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.core.folding import fold

# Trailing unit codes and grade ranges: "F-9", "7-9", "1", "H", "MH", ", gr", "AB".
_NOISE_TAIL = re.compile(
    r"(?:[\s,/]+(?:(?:f|fk|\d{1,2})\s*-\s*(?:\d{1,2}|f)|\d{1,2}|ab|gr|a|b|h|mh|rh))+\s*$"
)
_SCHOOL_WORD = re.compile(r"(?:montessori|waldorf)?(?:grund|fri|resurs)?skola(?:n|ns)?")
_BARE_SCHOOL_WORD = re.compile(r"(?:grund)?skola(?:n)?")
_WORD = re.compile(r"[^\W_]+")
_PLACE_WORDS = frozenset({"kommun", "stad", "region"})
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class NameKeys:
    """The exact-match keys of one name (or of typed school words)."""

    core: str  # 'hagaskolan': without unit codes and grade ranges at the end
    stem: str  # 'haga': without school words
    suffix: str  # '1': what the core left out


def name_keys(name: str) -> NameKeys:
    """The exact-match keys of a school name or of typed school words."""
    return folded_keys(fold(name).strip())


def folded_keys(folded: str) -> NameKeys:
    """name_keys of a text already folded (see folding.fold)."""
    full = "".join(_WORD.findall(folded))
    trimmed = _NOISE_TAIL.sub("", folded)
    core = "".join(_WORD.findall(trimmed)) or full
    suffix = full[len(core) :] if full.startswith(core) else ""
    return NameKeys(core, stem_key(core), suffix)


def stem_key(core: str) -> str:
    """A core key without its school words ('angsskolan' → 'angs'), or the core itself when
    too little would be left ('skolan')."""
    stem = _SCHOOL_WORD.sub("", core)
    return stem if len(stem) >= 2 else core


def slugify(name: str) -> str:
    """ASCII slug of a name: 'Ängsskolan F-9' → 'angsskolan-f-9'. A school's key is
    '<municipality>/<slug of its name>'."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")


Place = tuple[str, re.Pattern[str], re.Pattern[str]]


def place_pattern(municipality_name: str) -> Place | None:
    """A municipality's name as it may appear inside a school name: 'i Lund', 'Lunds', with
    its first word (a cheap test before the pattern), and as the whole key 'ilund'."""
    words = [w for w in _WORD.findall(fold(municipality_name)) if w not in _PLACE_WORDS]
    if not words:
        return None
    name_re = r"[\s-]+".join(map(re.escape, words))
    key_re = re.compile(rf"i{re.escape(''.join(words))}(?:kommun|stad)?")
    return words[0], re.compile(rf"(?:\bi\s+)?\b{name_re}s?(?:\s+(?:kommun|stad))?\b"), key_re


def school_keys(name: str, aliases: tuple[str, ...], place: Place | None) -> list[NameKeys]:
    """The distinct keys of a school: its name, its aliases, and each without its own
    municipality (`place`, from place_pattern). A stem that is only the place
    ("Montessoriskolan i Falun" → 'ifalun') is no stem: "skolan i Falun" is not the school."""
    names = [fold(name), *map(fold, aliases)]
    if place is not None:
        first_word, pattern, _ = place
        for folded in list(names):
            if first_word not in folded:
                continue  # most names do not mention their municipality
            stripped = pattern.sub(" ", folded)
            core = folded_keys(stripped.strip()).core
            if stripped != folded and core and not _BARE_SCHOOL_WORD.fullmatch(core):
                names.append(stripped)
    found: list[NameKeys] = []
    for folded in names:
        keys = folded_keys(folded.strip())
        if place is not None and place[2].fullmatch(keys.stem):
            keys = NameKeys(keys.core, keys.core, keys.suffix)
        if keys.core and keys not in found:
            found.append(keys)
    return found
