"""Directories built from Skolverket's real school names, with made-up people and offices."""

from __future__ import annotations

import csv
import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import time
from functools import cache
from pathlib import Path

from bot.core.models import AgeGroup, Directory, Municipality, Office, OpeningSpan, Person, School

CSV_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "skolverket-schools.csv"

PREFIXES = ("Norra", "Södra", "Östra", "Västra", "Nya", "Lilla", "Stora", "Gamla", "Övre", "Nedre")
JOINS = ("berg", "dal", "ängs", "sjö", "vik", "holm", "lund", "mo", "torp", "gårds", "bro", "hed")
SUFFIXES = ("skolan", "skolan", "skolan", "skola", "skolan F-6", "skolan 7-9", "skolan F-9")
SEPARATE = (" skola", " grundskola", " friskola", " skola 4-9", " montessoriskola")


@dataclass(frozen=True)
class Row:
    """One school unit as listed by Skolverket."""

    name: str
    code: str
    municipality: str
    municipality_code: str


@cache
def rows() -> tuple[Row, ...]:
    """All 1,714 school units of the CSV copy (comment lines start with '#')."""
    with CSV_PATH.open(encoding="utf-8", newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    reader = csv.DictReader(lines, delimiter=";")
    return tuple(
        Row(r["Skola"], r["Skol-enhetskod"], r["Skolkommun"], r["Kommun-kod"]) for r in reader
    )


def slug(text: str) -> str:
    """'Ängsskolan F-9' → 'angsskolan-f-9'."""
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def _municipality_ids(rows: set[Row]) -> dict[str, str]:
    """Slugs of municipality names; clashes ('Habo', 'Håbo' → 'habo') get the code appended."""
    names = sorted({(r.municipality, r.municipality_code) for r in rows})
    clashes = {slug(n) for n, _ in names if sum(slug(m) == slug(n) for m, _ in names) > 1}
    return {n: f"{slug(n)}-{c}" if slug(n) in clashes else slug(n) for n, c in names}


def _municipality(name: str, mid: str, code: str, schools: tuple[School, ...]) -> Municipality:
    return Municipality(
        id=mid,
        name=f"{name} kommun",
        code=code,
        office_hours=tuple(OpeningSpan(day, time(8), time(16)) for day in range(5)),
        reception=Office(
            "Mottagningen barn och unga", "0000-10 00 00", f"mottagning@{mid}.example.se"
        ),
        after_hours=Office("Socialjouren", "0000-20 00 00"),
        age_groups=(AgeGroup("alla", "Barn och unga 0–20 år", 0, 20),),
        people={
            "kontakt": Person("kontakt", "Testa Testsson", "Socialsekreterare", "0000-30 00 00")
        },
        schools=schools,
    )


def _school(name: str, code: str | None, municipality_id: str, taken: set[str]) -> School:
    key = f"{municipality_id}/{slug(name)}"
    if key in taken:
        key = f"{key}-{code}"
    taken.add(key)
    return School(
        key=key,
        name=name,
        municipality_id=municipality_id,
        min_age=6,
        max_age=15,
        grades="F-9",
        code=code,
        contacts={"alla": ("kontakt",)},
    )


def _directory(units: list[tuple[str, str | None, Row]]) -> Directory:
    taken: set[str] = set()
    ids = _municipality_ids({row for _, _, row in units})
    by_municipality: dict[str, list[School]] = {}
    codes: dict[str, str] = {}
    for name, code, row in units:
        school = _school(name, code, ids[row.municipality], taken)
        by_municipality.setdefault(row.municipality, []).append(school)
        codes[row.municipality] = row.municipality_code
    municipalities = {
        ids[m]: _municipality(m, ids[m], codes[m], tuple(schools))
        for m, schools in by_municipality.items()
    }
    schools = {s.key: s for m in municipalities.values() for s in m.schools}
    return Directory(municipalities=municipalities, schools=schools)


@cache
def skolverket_directory() -> Directory:
    """One municipality per kommun in the CSV, one school per row."""
    return _directory([(r.name, r.code, r) for r in rows()])


def _stem(name: str) -> str:
    """'Ängsskolan F-9' → 'Ängs', 'Rolfstorps skola' → 'Rolfstorp'."""
    first = name.split()[0]
    stem = re.sub(r"(?:skolan|skola)$", "", first).rstrip("s-")
    return stem if len(stem) >= 3 else ""


def _identity(name: str) -> str:
    """What must differ between two names: letters, without grades and school words."""
    folded = unicodedata.normalize("NFKD", name.lower()).encode("ascii", "ignore").decode()
    letters = re.sub(r"[^a-z]", "", re.sub(r"\s+(?:f|\d)-\d$", "", folded))
    return re.sub(r"(?:montessori)?(?:grund|fri)?skola(?:n)?", "", letters)


def synthetic_directory(n: int, seed: int = 1) -> Directory:
    """The real directory grown to `n` schools with realistic made-up names.

    New names combine real name stems with prefixes, joining syllables and school words
    ("Norra Ängsskolan", "Ängsbergsskolan F-6", "Tuna grundskola"), spread over all
    municipalities; no two schools share a name once case, diacritics and grades are ignored.
    """
    rnd = random.Random(seed)
    real = rows()
    units: list[tuple[str, str | None, Row]] = [(r.name, r.code, r) for r in real]
    seen = {_identity(r.name) for r in real}
    stems = sorted({s for r in real if (s := _stem(r.name))})
    places = sorted({r.municipality: r for r in real}.values(), key=lambda r: r.municipality)
    while len(units) < n:
        stem = rnd.choice(stems)
        shape = rnd.random()
        if shape < 0.3:
            name = f"{rnd.choice(PREFIXES)} {stem}{rnd.choice(SUFFIXES)}"
        elif shape < 0.7:
            name = f"{stem}{rnd.choice(JOINS)}{rnd.choice(SUFFIXES)}"
        elif shape < 0.85:
            other = rnd.choice(stems).lower()
            name = f"{stem}{other}{rnd.choice(SUFFIXES)}"
        else:
            name = f"{stem}{rnd.choice(JOINS)}{rnd.choice(SEPARATE)}"
        if _identity(name) in seen:
            continue
        seen.add(_identity(name))
        units.append((name, f"9{len(units):07d}", rnd.choice(places)))
    return _directory(units)
