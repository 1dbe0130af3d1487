"""What the page says about each municipality's file: the gaps in its coverage and its warnings.

Plain functions of the catalog and the day, computed once per catalog version and day (a
person's absence and a `reviewed` date's age change with the date) and kept until either
changes, so a page load only picks the municipalities its reader may see.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.core.catalog import Catalog
from bot.core.contacts import ALL
from bot.core.directory import REVIEW_MAX_DAYS
from bot.core.models import AgeGroup, Municipality, Person, School
from bot.errors import Problem

# why nobody answers for an age group of a school
Reason = Literal["none", "placeholders", "away"]


@dataclass(frozen=True, slots=True)
class Gap:
    """An age group of a school that no real person answers for today."""

    school: str
    group: str  # the age group's label, or the directory's word for one list for every age
    reason: Reason


@dataclass(frozen=True, slots=True)
class Named:
    """A person of the directory as the page lists them: name, file:line and an end date."""

    name: str
    where: str
    until: date | None = None


@dataclass(frozen=True, slots=True)
class Coverage:
    """One municipality's file, as the page shows it."""

    id: str
    name: str
    source: str
    schools: int
    reviewed: date | None
    stale: bool  # `reviewed` is older than 12 months
    gaps: tuple[Gap, ...]
    away: tuple[Named, ...]
    placeholders: tuple[Named, ...]
    warnings: tuple[Problem, ...]


def _where(person: Person, source: str) -> str:
    origin = person.origin
    return f"{origin.path}:{origin.line}:{origin.col}" if origin else source


def _groups(school: School, m: Municipality) -> list[tuple[str, AgeGroup | None]]:
    """(the id School.contacts keys it by, the group) for every age the school serves."""
    if ALL in school.contacts:
        return [(ALL, None)]
    return [(g.id, g) for g in m.age_groups if g.overlaps(school.min_age, school.max_age)]


def _gap(listed: list[Person], today: date) -> Reason | None:
    real = [p for p in listed if not p.placeholder]
    if not real:
        return "placeholders" if listed else "none"
    return "away" if all(p.away_on(today) for p in real) else None


def coverage_of(m: Municipality, today: date, warnings: tuple[Problem, ...]) -> Coverage:
    """The gaps, absences, placeholders and age of review of one municipality on `today`."""
    gaps = []
    for school in m.schools:
        for key, group in _groups(school, m):
            listed = [m.people[pid] for pid in school.contacts.get(key, ()) if pid in m.people]
            reason = _gap(listed, today)
            if reason is not None:
                gaps.append(Gap(school.name, group.label if group else ALL, reason))
    away = []
    for person in m.people.values():
        absence = person.away_on(today)
        if absence is not None:
            away.append(Named(person.name, _where(person, m.source), absence.end))
    placeholders = tuple(
        Named(p.name, _where(p, m.source)) for p in m.people.values() if p.placeholder
    )
    stale = m.reviewed is not None and (today - m.reviewed).days > REVIEW_MAX_DAYS
    return Coverage(
        id=m.id,
        name=m.name,
        source=m.source,
        schools=len(m.schools),
        reviewed=m.reviewed,
        stale=stale,
        gaps=tuple(gaps),
        away=tuple(away),
        placeholders=placeholders,
        warnings=warnings,
    )


def coverage(catalog: Catalog, today: date) -> dict[str, Coverage]:
    """Every municipality's coverage, by id, in the directory's order."""
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for problem in catalog.warnings:
        by_file[problem.path].append(problem)
    return {
        m.id: coverage_of(m, today, tuple(by_file.get(m.source, ())))
        for m in catalog.directory.municipalities.values()
    }


class CoverageCache:
    """`coverage` of the live catalog, computed once per catalog version and day."""

    def __init__(self) -> None:
        self._key: tuple[str, date] | None = None
        self._value: Mapping[str, Coverage] = {}
        self._lock = threading.Lock()  # the page computes it in a worker thread

    def get(self, catalog: Catalog, today: date) -> Mapping[str, Coverage]:
        with self._lock:
            if self._key != (catalog.version, today):
                self._value = coverage(catalog, today)
                self._key = (catalog.version, today)
            return self._value
