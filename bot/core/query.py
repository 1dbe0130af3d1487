"""Understanding a typed question: school words, municipality, grade or age, and language.

Staff type "vem är soc-kontakten för Ängsskolan åk 8?" or "who is the contact for Tunaskolan in
Luleå, 13 years old". `parse_query` takes out the grade or age and the municipality where they
are clearly marked ("i Luleå", "Luleå kommun", "åk 8", "12 år"); what is left is the text the
school's name is somewhere in. Which words of it name the school only the school index can
tell (bot.core.matching reads every run of words as a possible name), so no list of question
words is kept here: staff word their questions in endless ways.

All matching is done on `fold`ed text (bot.core.folding), whose positions are those of the
original; the municipality names are read from the Directory's index (bot.core.places).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from bot.core.folding import WORD as _WORD
from bot.core.folding import fold
from bot.core.folding import lower as _lower
from bot.core.grades import AskedGrade
from bot.core.models import Directory, Locale, Municipality
from bot.core.places import PLACE_AFTER as _PLACE_AFTER
from bot.core.places import MunicipalityNames, Place


@dataclass(frozen=True, slots=True)
class Query:
    """What a question asks about. `school_text` is the part that names a school: after
    `parse_query` all words but the grade and the municipality, after `SchoolIndex.lookup`
    the words that named the school ("" when none could). `place`: the municipality named,
    the directory's or one it has no file for ("Tunaskolan i Göteborg")."""

    school_text: str
    place: Place | None = None
    grade: AskedGrade | None = None  # labelled in the reply's language, not the question's
    locale: Locale = "sv"
    resource_kind: str | None = None  # "ungdomsmottagning Nyköping": help beyond social services

    @property
    def municipality_id(self) -> str | None:
        """The directory's municipality named, if the place named is one of its."""
        return self.place.id if isinstance(self.place, Municipality) else None

    @property
    def ages(self) -> tuple[int, int] | None:
        return self.grade.ages if self.grade else None


# --------------------------------------------------------------------------- language


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_EN_WORDS = _wordset(
    "who whom whose what where which is are the social services service contact contacts "
    "year years old grade please our my does do should call pupil student child kid worker "
    "hi hello thanks responsible preschool upper secondary work works at"
)
_SV_WORDS = _wordset(
    "vem vilken vilka är för kontakt kontakten kontakterna soc socialtjänsten åk årskurs år "
    "kommun på hej till jag vi vår som har elev eleven barn barnet gäller kan ska ringa hos "
    "och en ett förskoleklass förskola gymnasiet tack åring"
)


def detect_locale(text: str) -> Locale:
    """'en' when the text has more English than Swedish marker words, else 'sv'."""
    words = _WORD.findall(text.lower())
    en = sum(w in _EN_WORDS for w in words)
    sv = sum(w in _SV_WORDS for w in words)
    return "en" if en > sv else "sv"


# --------------------------------------------------------------------------- grades and ages

_Kind = Literal["age", "year", "gy", "gymnasium", "f", "preschool"]


@dataclass(frozen=True)
class _GradeRule:
    pattern: re.Pattern[str]
    kind: _Kind


_ORDINALS = {
    "ettan": 1, "tvaan": 2, "trean": 3, "fyran": 4, "femman": 5,
    "sexan": 6, "sjuan": 7, "attan": 8, "nian": 9,
}  # fmt: skip
# Order matters: "12 år" must be read as an age before "år 8" is read as a year.
_GRADE_RULES = (
    _GradeRule(re.compile(r"\bgy\s*-?\s*(?P<n>[1-4])\b"), "gy"),
    _GradeRule(
        re.compile(
            r"\b(?<!-)(?P<n>1?\d)\s*-?\s*(?:ar|ars|arig|ariga|aring|aringen|aringar)\b"
            r"(?:\s+gammal)?"
            r"|\b(?<!-)(?P<n2>1?\d)\s*-?\s*(?:(?:years?|yrs?)\s*-?\s*old|years|yrs|yo)\b"
            r"|\baged?\s+(?P<n3>1?\d)\b"
        ),
        "age",
    ),
    _GradeRule(
        re.compile(
            r"\b(?:ak|arskurs|klass|ar|year|grade|yr)\s*\.?\s*(?P<n>[1-9])\b(?!\s*[-:]\s*\d)"
            r"|\b(?P<n2>[1-9])\s*:\s*(?:an|a|e)\b"
            r"|\b(?P<n3>" + "|".join(_ORDINALS) + r")\b"
            r"|\b(?P<n4>[1-9])(?:st|nd|rd|th)\s+(?:grade|year)\b"
        ),
        "year",
    ),
    _GradeRule(
        re.compile(
            r"\b(?:f\s*-?\s*klass(?:en)?|forskoleklass(?:en)?|sexarsverksamhet(?:en)?"
            r"|preschool\s+class|reception\s+class)\b"
        ),
        "f",
    ),
    _GradeRule(
        re.compile(r"\b(?:forskola(?:n)?|forskolebarn|preschool|kindergarten)\b"), "preschool"
    ),
    _GradeRule(
        re.compile(
            r"\b(?:gymnasiet|gymnasium|gymnasieskola(?:n)?|high\s+school|upper\s+secondary)\b"
        ),
        "gymnasium",
    ),
)


@dataclass(frozen=True)
class _Grade:
    kind: _Kind
    start: int
    end: int
    number: int = 0


def _number(match: re.Match[str]) -> int:
    """The number a mention carries ('8' in 'åk 8', 'åttan' → 8); 0 for 'förskola'."""
    value = next((v for v in match.groupdict().values() if v), "")
    return _ORDINALS.get(value) or (int(value) if value.isdigit() else 0)


def _grades(folded: str) -> list[_Grade]:
    """Every grade or age mention, earliest rules first; found spans are blanked out."""
    found: list[_Grade] = []
    for rule in _GRADE_RULES:
        for m in rule.pattern.finditer(folded):
            number = _number(m)
            if rule.kind == "age" and number > 25:
                continue
            found.append(_Grade(rule.kind, m.start(), m.end(), number))
            folded = folded[: m.start()] + " " * (m.end() - m.start()) + folded[m.end() :]
    return found


def _asked(grades: list[_Grade]) -> AskedGrade | None:
    """The grade or age the mentions add up to; the first clear mention wins."""
    kinds = {g.kind: g for g in reversed(grades)}  # the first mention of each kind
    year = kinds.get("year")
    if "gy" in kinds or ("gymnasium" in kinds and year is not None and year.number <= 4):
        n = kinds["gy"].number if "gy" in kinds else year.number if year else 1
        return AskedGrade("upper_secondary_year", n)
    if "age" in kinds:
        return AskedGrade("age", kinds["age"].number)
    if year is not None:
        return AskedGrade("year", year.number)
    if "f" in kinds:
        return AskedGrade("preschool_class")
    if "preschool" in kinds:
        return AskedGrade("preschool")
    if "gymnasium" in kinds:
        return AskedGrade("upper_secondary")
    return None


# --------------------------------------------------------------------------- resources

# The words staff use for each kind of resource (bot.core.resources.KINDS), on folded text.
_KIND_WORDS = {
    "npf": r"npf|adhd|autism\w*|autist\w*|asperger\w*|neuropsykiatri\w*|tourette\w*"
    r"|neurodevelopmental",
    "bup": r"bup|barnpsykiatri\w*|barn-?\s+och\s+ungdomspsykiatri\w*|ungdomspsykiatri\w*"
    r"|camhs|child(?:\s+and\s+adolescent)?\s+psychiatry",
    "ungdomsmottagning": r"ungdomsmottagning\w*|umo|youth\s+(?:clinic|centre|center)s?",
    "familjecentral": r"familjecentral\w*|family\s+(?:centre|center)s?",
    "barnahus": r"barnahus\w*|children'?s\s+(?:advocacy\s+)?(?:house|centre|center)",
    "elevhalsa": r"elevhals\w*|eht|(?:pupil|student|school)\s+health(?:\s+team)?",
    "konsultationsteam": r"konsultationsteam\w*|consultation\s+teams?",
    "samverkansteam": r"samverkansteam\w*|skolsocial\w*\s+team\w*|riktat\s+stod"
    r"|joint\s+team|targeted\s+support",
}
_KIND_RULES = tuple((kind, re.compile(rf"\b(?:{words})\b")) for kind, words in _KIND_WORDS.items())
# Long words worth reading with a slip in them ("ungdomsmotagning"); short ones never are
_KIND_SLIPS = {
    "ungdomsmottagning": "ungdomsmottagning",
    "ungdomsmottagningen": "ungdomsmottagning",
    "familjecentral": "familjecentral",
    "familjecentralen": "familjecentral",
    "barnpsykiatrin": "bup",
    "ungdomspsykiatrin": "bup",
    "konsultationsteam": "konsultationsteam",
    "konsultationsteamet": "konsultationsteam",
    "samverkansteam": "samverkansteam",
    "samverkansteamet": "samverkansteam",
    "elevhalsan": "elevhalsa",
    "elevhalsoteamet": "elevhalsa",
    "barnahuset": "barnahus",
    "neuropsykiatrisk": "npf",
}
_SLIP_MIN_LENGTH = 9
_SLIP_SCORE = 88


def _resource_kind(folded: str) -> tuple[str, int, int] | None:
    """The first kind of resource the text names, and where: its words, or a long one of
    them with one slip."""
    hits = [(m.start(), kind, m.end()) for kind, rule in _KIND_RULES if (m := rule.search(folded))]
    if hits:
        start, kind, end = min(hits)
        return kind, start, end
    for token in _WORD.finditer(folded):
        word = token.group()
        if len(word) < _SLIP_MIN_LENGTH:
            continue
        for form, kind in _KIND_SLIPS.items():
            if fuzz.ratio(word, form) >= _SLIP_SCORE:
                return kind, token.start(), token.end()
    return None


# --------------------------------------------------------------------------- municipalities

_PLACE_BEFORE = frozenset({"i", "in", "pa", "fran", "from", "inom"})
_SLIP_IN_SENTENCE = 5  # the shortest word after "i" read as a place with a slip in it
_PLACE_NOISE = _PLACE_BEFORE | _PLACE_AFTER | {"region", "bor", "vi", "barnet", "eleven"}


@dataclass(frozen=True)
class _Mention:
    place: Place
    start: int
    end: int


def _tokens(folded: str) -> list[re.Match[str]]:
    return list(_WORD.finditer(folded))


def _windows(tokens: list[re.Match[str]], start: int) -> Iterator[int]:
    """Window ends, longest first (names have up to three words: 'Upplands Väsby')."""
    yield from range(min(start + 3, len(tokens)), start, -1)


def _marked_place(folded: str, lowered: str, names: MunicipalityNames) -> _Mention | None:
    """A municipality clearly marked as one: 'i Luleå', 'Luleå kommun', 'in Lulea' (typos too)."""
    toks = _tokens(folded)
    words = [t.group() for t in toks]
    typed = [lowered[t.start() : t.end()] for t in toks]
    for i in range(len(toks)):
        for j in _windows(toks, i):
            m = names.exact(words[i:j], typed[i:j])
            if m is None:
                continue
            before = i > 0 and words[i - 1] in _PLACE_BEFORE
            after = j < len(words) and words[j] in _PLACE_AFTER
            if before or after:
                start = toks[i - 1].start() if before else toks[i].start()
                end = toks[j].end() if after else toks[j - 1].end()
                return _Mention(m, start, end)
    # A typo is only trusted at the very end, after "i"/"in": "tunaskolan i luleo?"; in a
    # short word only when "kommun" follows ("i Lnud kommun"): "i mars" is no slip from Mark
    for i in range(max(len(toks) - 4, 1), len(toks)):
        if words[i - 1] not in ("i", "in"):
            continue
        tail = words[i:]
        end = len(tail)
        if tail[-1] in _PLACE_AFTER:
            end -= 1
        shortest = 0 if end < len(tail) else _SLIP_IN_SENTENCE
        m = names.fuzzy(tail[:end], 80, typed[i : i + end], shortest=shortest) if end else None
        if m is not None:
            return _Mention(m, toks[i - 1].start(), toks[-1].end())
    return None


def _place_words(folded: str, lowered: str) -> tuple[list[str], list[str]]:
    """The words that may name a place, folded and as typed ("i", "kommun" … left out)."""
    toks = [t for t in _tokens(folded) if t.group() not in _PLACE_NOISE]
    return [t.group() for t in toks], [lowered[t.start() : t.end()] for t in toks]


def _place_words_of(text: str) -> tuple[list[str], list[str]]:
    """`_place_words` of a text as typed."""
    lowered = _lower(unicodedata.normalize("NFC", text))
    return _place_words(fold(lowered), lowered)


def only_municipality(text: str, directory: Directory) -> Place | None:
    """The municipality `text` is the name of and nothing more ('Hässleholm', 'Gnesta
    kommun'), no slips: where a school is named after its town, the town may be meant."""
    words, typed = _place_words_of(text)
    return directory.places.exact(words, typed) if words else None


def municipalities_meant(text: str, directory: Directory) -> list[Place]:
    """For a short text `find_municipality` will not read: the municipalities it is one slip
    from ('Hgfors': Hagfors and Hofors; 'Ea': Eda), for the person to pick from."""
    return directory.places.slipped(*_place_words_of(text))


def find_municipality(text: str, directory: Directory) -> Place | None:
    """The municipality a short text names: 'Luleå', 'luleås', 'i Lulea kommun', 'Luleo',
    'Kiruna' (one the directory has no file for)."""
    lowered = _lower(unicodedata.normalize("NFC", text))
    folded = fold(lowered)
    names = directory.places
    place = _marked_place(folded, lowered, names)
    if place is not None:
        return place.place
    words, typed = _place_words(folded, lowered)
    if not words:
        return None
    whole = names.exact(words, typed)
    if whole is not None:
        return whole
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            hit = names.exact(words[i : i + size], typed[i : i + size])
            if hit is not None:
                return hit
    return names.fuzzy(words, 80, typed)


# In a search box 'Göteborgs kommun' and 'region Gotland' are names with a word around them,
# while 'vi' and 'bor' are the start of one (Vilhelmina, Borås), not words of a sentence.
_AROUND_A_NAME = _PLACE_AFTER | {"region"}
# The longest name, 'kommun' after it included, is under 30 letters: longer text is cut.
MAX_SEARCH_TEXT = 60


def rank_municipalities(text: str, directory: Directory) -> list[Place]:
    """The municipalities a text typed into a search box names or starts, best first
    (MunicipalityNames.ranked): names spelled or started so, then what `find_municipality`
    reads in the text, and guesses only when neither finds one. 'götebrg', 'gbg' and
    'göte' give Göteborg first. No text: all of them, alphabetically."""
    text = text[:MAX_SEARCH_TEXT]
    lowered = _lower(unicodedata.normalize("NFC", text))
    folded = fold(lowered)
    toks = _tokens(folded)
    toks = [t for t in toks if t.group() not in _AROUND_A_NAME] or toks
    words = [t.group() for t in toks]
    typed = [lowered[t.start() : t.end()] for t in toks]
    reading = find_municipality(text, directory) if words else None
    return directory.places.ranked(words, typed, reading)


# --------------------------------------------------------------------------- school words

_POSSESSIVE = re.compile(r"(?<=\w)'s\b")
_EDGE_PUNCT = " \t\r\n?!.,;:\"'()[]«»”“–-"


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def parse_query(
    text: str, directory: Directory, *, grades: bool = True, places: bool = True
) -> Query:
    """Split a question into school words, municipality, grade/age and language.

    `grades=False` / `places=False` leave grade words or a municipality in the school text:
    "Enskilda gymnasiet" and "Resursskolan i Strängnäs" are names.
    """
    original = unicodedata.normalize("NFC", text)
    folded = fold(original)
    locale = detect_locale(original)
    for m in _POSSESSIVE.finditer(folded):  # "who's", "Ängsskolan's"
        original, folded = _blank(original, *m.span()), _blank(folded, *m.span())
    found = _grades(folded) if grades else []
    grade = _asked(found)
    for g in found:
        original, folded = _blank(original, g.start, g.end), _blank(folded, g.start, g.end)
    kind = _resource_kind(folded)
    if kind is not None:  # "NPF" or "BUP" is no school's name, nor part of one
        original, folded = _blank(original, *kind[1:]), _blank(folded, *kind[1:])
    place = _marked_place(folded, _lower(original), directory.places) if places else None
    if place is not None:
        original = _blank(original, place.start, place.end)
        folded = _blank(folded, place.start, place.end)
    return Query(
        school_text=" ".join(original.split()).strip(_EDGE_PUNCT),
        place=place.place if place else None,
        grade=grade,
        locale=locale,
        resource_kind=kind[0] if kind else None,
    )
