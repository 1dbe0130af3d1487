"""Deterministic ways staff mistype a school name, for accuracy tests and the lookup benchmark."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.models import Directory, School

_SCHOOL_WORD = re.compile(r"(?i)^(?P<stem>\w{3,}?)(?P<suffix>skolan|skola)$")
_SCHOOL_PREFIXES = ("grund", "fri", "resurs", "montessori", "waldorf")
_PLAIN = str.maketrans("åäöÅÄÖéÉüÜ", "aaoAAOeEuU")
_LETTERS = "abcdefghijklmnopqrstuvwxyzåäö"

SV_QUESTIONS = (
    "vem är soc-kontakten för {school}?",
    "Vem är kontakt på soc för {school}",
    "Hej! Vem ska jag ringa på socialtjänsten för {school}?",
    "kontaktperson socialtjänsten {school}",
    "{school}",
)
EN_QUESTIONS = (
    "who is the social services contact for {school}?",
    "Who do I call at social services for {school}",
    "contact for {school} please",
)
GRADES = ("åk 8", "årskurs 3", "8:an", "F-klass", "förskoleklass", "12 år", "12-åring", "gy2")
EN_GRADES = ("year 8", "13 years old", "year 2")


def _rnd(name: str, seed: int, salt: str) -> random.Random:
    return random.Random(f"{seed}:{salt}:{name}")


def lower(name: str) -> str:
    return name.lower()


def plain(name: str) -> str:
    """No diacritics, all lower case: 'Ängsskolan' → 'angsskolan'."""
    return name.translate(_PLAIN).lower()


def typo(name: str, seed: int = 0) -> str:
    """One slip of the finger (swap, drop, double or wrong letter), never in the first letter."""
    return typo_of_kind(name, seed)[0]


def typo_of_kind(name: str, seed: int = 0, *, in_codes: bool = True) -> tuple[str, str]:
    """`typo` and which kind of slip it made: swap, drop, double or replace. Not `in_codes`:
    never in a unit code or grade range of one or two letters ("A", "F-9"), which are no
    part of the name a person remembers."""
    codes = set() if in_codes else {m.start() for m in re.finditer(r"\b[^\W\d_]{1,2}\b", name)}
    codes |= {i + 1 for i in codes}
    rnd = _rnd(name, seed, "typo")
    positions = [i for i, c in enumerate(name) if c.isalpha() and i > 0 and i not in codes]
    if not positions:
        return name, "none"
    i = rnd.choice(positions)
    kind = rnd.choice(("swap", "drop", "double", "replace"))
    if kind == "swap" and i + 1 < len(name) and name[i + 1].isalpha() and name[i] != name[i + 1]:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :], "swap"
    if kind == "drop":
        return name[:i] + name[i + 1 :], "drop"
    if kind == "double":
        return name[:i] + name[i] + name[i:], "double"
    wrong = rnd.choice([c for c in _LETTERS if c != name[i].lower()])
    return name[:i] + wrong + name[i + 1 :], "replace"


def split_suffix(name: str) -> str | None:
    """'Ängsskolan F-9' → 'Ängs skolan F-9'; None when no word ends in skola/skolan."""
    words = name.split()
    for i, word in enumerate(words):
        m = _SCHOOL_WORD.match(word)
        if m:
            words[i] = f"{m['stem']} {m['suffix']}"
            return " ".join(words)
    return None


def drop_suffix(name: str) -> str | None:
    """'Ängsskolan' → 'Ängs', 'Tuna grundskola 4-9' → 'Tuna 4-9'; None if nothing to drop."""
    words = name.split()
    for i, word in enumerate(words):
        if i > 0 and _SCHOOL_WORD.match(word) and word.lower().startswith(_SCHOOL_PREFIXES):
            return " ".join(words[:i] + words[i + 1 :])
        m = _SCHOOL_WORD.match(word)
        if m and m["stem"].lower() not in _SCHOOL_PREFIXES:
            words[i] = m["stem"]
            return " ".join(words)
        if word.lower() in ("skola", "skolan") and i > 0:
            return " ".join(words[:i] + words[i + 1 :])
    return None


def question(name: str, seed: int = 0, english: bool = False) -> str:
    """The name inside a question as staff type it."""
    templates = EN_QUESTIONS if english else SV_QUESTIONS
    return _rnd(name, seed, "question").choice(templates).format(school=name)


def with_grade(name: str, seed: int = 0, english: bool = False) -> str:
    """'Ängsskolan åk 8': the name followed by a grade or an age."""
    grade = _rnd(name, seed, "grade").choice(EN_GRADES if english else GRADES)
    return f"{name} {grade}"


def in_municipality(name: str, municipality: str, english: bool = False) -> str:
    """'Hagaskolan i Luleå' / 'Hagaskolan in Luleå'."""
    return f"{name} {'in' if english else 'i'} {municipality}"


Perturbation = Callable[[str, int], str | None]

# The ways each real name is perturbed in the accuracy test and the benchmark.
PERTURBATIONS: dict[str, Perturbation] = {
    "lower": lambda n, s: lower(n),
    "plain": lambda n, s: plain(n),
    "typo": typo,
    "split": lambda n, s: split_suffix(n),
    "dropped": lambda n, s: drop_suffix(n),
    "question_sv": lambda n, s: question(with_grade(plain(n), s), s),
    "question_en": lambda n, s: question(with_grade(n, s, english=True), s, english=True),
    "typo_question": lambda n, s: question(typo(lower(n), s), s),
}


# --------------------------------------------------------------------------- expected outcomes

_TAIL = re.compile(r"(?:[\s,/]+(?:(?:f|\d{1,2})\s*-\s*\d{1,2}|\d{1,2}|[a-z]{1,2}))+\s*$")


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return " ".join(re.findall(r"[a-z0-9]+(?:\s*-\s*[0-9]+)?", folded))


def _full(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _ascii(text))


def _base(text: str) -> str:
    """The name without unit codes or grade ranges at the end: 'Hagaskolan 1' → 'hagaskolan'."""
    return re.sub(r"[^a-z0-9]", "", _TAIL.sub("", _ascii(text))) or _full(text)


def _without_place(text: str, place: str) -> str:
    return re.sub(rf"\b(?:i\s+)?{re.escape(_ascii(place))}s?\b", " ", _ascii(text))


@dataclass(frozen=True)
class Case:
    """One query: the text typed, the school meant, and whether asking back is the right answer.

    `shared` is true when other schools have the same name once unit codes and grade ranges
    are ignored (and the typed words do not contain the code that tells them apart), or when
    the school's name is another's plus its municipality ("Västra Skolan Kalmar"). Then the
    right answer is `ambiguous` with the school among the candidates; otherwise `found`.
    """

    kind: str
    text: str
    school: School
    shared: bool


def _name_form(kind: str, name: str, seed: int) -> str | None:
    """The school words inside the query; typos and questions are judged on the real name."""
    if kind.startswith(("typo", "question")):
        return name
    return PERTURBATIONS[kind](name, seed)


def cases(
    directory: Directory, seed: int = 0, kinds: tuple[str, ...] = tuple(PERTURBATIONS)
) -> list[Case]:
    """Every school perturbed every way in `kinds` (skipping ways that do not apply)."""
    schools = sorted(directory.schools.values(), key=lambda s: s.key)
    out: list[Case] = []
    for kind in kinds:
        perturb = PERTURBATIONS[kind]
        forms = {s.key: _name_form(kind, s.name, seed) for s in schools}
        groups: dict[str, list[School]] = {}
        for s in schools:
            form = forms[s.key]
            if form is None:
                continue
            place = directory.municipalities[s.municipality_id].name.removesuffix(" kommun")
            keys = {_base(form), _base(_without_place(form, place)), _base(s.name)}
            for key in keys:
                groups.setdefault(key, []).append(s)
        for s in schools:
            form, text = forms[s.key], perturb(s.name, seed)
            if form is None or text is None:
                continue
            peers = {p.key: p for p in groups.get(_base(form), [])}
            same_full = [p for p in peers.values() if _full(forms[p.key] or "") == _full(form)]
            told_apart = _full(form) != _base(form) and len(same_full) == 1
            out.append(Case(kind, text, s, shared=len(peers) > 1 and not told_apart))
    return out


def named_municipality_cases(directory: Directory) -> list[Case]:
    """Every school whose name other schools share, asked for with its municipality."""
    shared = {c.school.key for c in cases(directory, kinds=("lower",)) if c.shared}
    out = []
    for s in sorted(directory.schools.values(), key=lambda s: s.key):
        if s.key in shared:
            place = directory.municipalities[s.municipality_id].name.removesuffix(" kommun")
            out.append(Case("municipality", question(in_municipality(s.name, place)), s, False))
    return out


def correct(case: Case, status: str, school: School | None, candidates: tuple[School, ...]) -> bool:
    """Whether the bot's answer is the right one for `case`."""
    if case.shared:
        return status == "ambiguous" and case.school in candidates
    return status == "found" and school == case.school


# --------------------------------------------------------------------------- question wordings

# Wordings the lookup was developed on. {school} is the name (maybe with "i <kommun>"),
# {grade} a grade or age with its leading space or comma, or nothing.
DEV_WORDINGS: dict[str, tuple[str, ...]] = {
    "sv_end": (
        "vem är soc-kontakten för {school}{grade}?",
        "vem ringer jag på soc om en elev på {school}{grade}?",
        "Vilka är våra kontakter på soc? Jag jobbar på {school}{grade}",
        "jag jobbar som kurator på {school}{grade}",
        "vilka på soc är kopplade till {school}{grade}?",
        "jag är orolig för en elev på {school}{grade}",
    ),
    "sv_start": (
        "{school}{grade} – vem är kontakt?",
        "{school}{grade}, vem ringer jag?",
    ),
    "sv_middle": (
        "Hej! Vem ska jag ringa på socialtjänsten för {school}{grade} om en elev?",
        "vi på {school}{grade} undrar vem som är vår kontakt",
    ),
    "en": (
        "who is the social services contact for {school}{grade}?",
        "I work at {school}{grade}, who do I call?",
        "{school}{grade}: who is our contact at social services?",
    ),
}

# Held out: written before any of the matching code, never read while tuning it. The
# lookup must not depend on their words; they measure whether it generalises.
HELD_OUT_WORDINGS: dict[str, tuple[str, ...]] = {
    "held_sv_end": (
        "Hur når jag socialsekreteraren som har hand om {school}{grade}?",
        "Vem tar emot anmälningar från {school}{grade}?",
        "Jag undrar vilken socialsekreterare som är knuten till {school}{grade}.",
        "kan du kolla vem som gäller för {school}{grade}",
        "behöver snabbt få tag i någon från soc angående ett barn{grade} på {school}",
    ),
    "held_sv_start": (
        "{school}{grade}: till vem skickar jag en orosanmälan?",
        "{school}{grade} här, mentor. Vem ska vi vända oss till??",
    ),
    "held_sv_middle": (
        "Har ni numret till socialtjänstens skolkontakt, vi är från {school}{grade} och "
        "behöver hjälp",
        "Mentor på {school}{grade} här. Vem ska jag vända mig till?",
        "Tja! Kurator på {school}. Vilken handläggare har vi{grade}?",
        "en flicka{grade} på {school} har berättat saker hemifrån, vem kontaktar jag",
    ),
    "held_en": (
        "Which caseworker covers {school}{grade}?",
        "{school}{grade} - need the social worker's number asap",
        "Hi, I'm a teacher at {school}. Who handles referrals{grade}?",
        "can you tell me who our social services liaison is? We're {school}{grade}",
        "Need help: a student{grade} at {school} may be at risk. Who should I contact?",
    ),
}

SV_GRADE_SLOTS = ("", "", " åk 7", " 12 år", ", årskurs 3", " (åk 8)", " 8:an")
EN_GRADE_SLOTS = ("", "", " year 8", ", 13 years old", " (grade 5)")

# Questions that name no school: no lookup of them may find one.
DEV_NO_SCHOOL = (
    "vem är soc-kontakten?",
    "jag är orolig för ett barn",
    "I'm worried about a pupil",
    "socialtjänsten i Mora",
    "hur gör jag en orosanmälan",
    "Mora",
    "åk 8",
    "vem är soc-kontakten för åk 8 i Luleå?",
    "who is the social services contact in Lund?",
    "jag jobbar som kurator, vem ringer jag?",
)
HELD_OUT_NO_SCHOOL = (
    "kan du kolla vem jag ska ringa?",
    "Vilken handläggare har vi i Kiruna?",
    "Eleven är 12 år och jag är bekymrad",
    "who handles referrals for year 8 in Lund?",
    "Tack för hjälpen!",
    "Var hittar jag blanketten för orosanmälan?",
    "Is there an on-call social worker tonight?",
    "Hej, jag är ny som kurator här",
    "vad gäller vid akut läge",
    "Hur lång tid tar en utredning?",
    "Jag har en fråga om en elev i årskurs 5",
    "nummer till socialjouren i Göteborg",
    "Who is my contact?",
    "behöver prata med någon på soc",
    "Hjälp!",
    "min elev har berättat om våld hemma, vad gör jag nu?",
    "Can I make a report anonymously?",
    "vem ska jag prata med om ett barn som far illa i Malmö",
    "Jag är lärare på lågstadiet och undrar över rutinerna",
    "what happens after I report?",
)


@dataclass(frozen=True)
class Question:
    """One question with a one-typo name: its template family, the typo kind, the case."""

    family: str
    typo: str
    case: Case
    bare: str  # the typed name alone, as the same person might have sent it


def question_cases(
    directory: Directory, wordings: dict[str, tuple[str, ...]], seed: int = 0
) -> list[Question]:
    """Every school once per family of `wordings`: its name with one typo (as typed, lower
    case or without diacritics), a grade or none, its municipality named one time in three.

    With the municipality named, a shared name is no excuse: the school must be found unless
    another school of that municipality has the same name.
    """
    shared = {c.school.key: c.shared for c in cases(directory, seed, kinds=("typo",))}
    names: dict[tuple[str, str], int] = {}
    for s in directory.schools.values():
        k = (s.municipality_id, _base(s.name))
        names[k] = names.get(k, 0) + 1
    out: list[Question] = []
    for s in sorted(directory.schools.values(), key=lambda s: s.key):
        for family, templates in wordings.items():
            rnd = _rnd(s.name, seed, family)
            english = family.endswith("en")
            form = rnd.choice((s.name, lower(s.name), plain(s.name)))
            typed, kind = typo_of_kind(form, seed + len(out), in_codes=False)
            placed = rnd.random() < 1 / 3
            if placed:
                place = directory.municipalities[s.municipality_id].name.removesuffix(" kommun")
                typed = in_municipality(typed, place, english)
            grade = rnd.choice(EN_GRADE_SLOTS if english else SV_GRADE_SLOTS)
            text = rnd.choice(templates).format(school=typed, grade=grade)
            is_shared = shared[s.key] and (
                not placed or names[(s.municipality_id, _base(s.name))] > 1
            )
            case = Case(family, text, s, is_shared)
            out.append(Question(family, kind, case, f"{typed}{grade}"))
    return out
