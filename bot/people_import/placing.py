"""Placing the spreadsheet's rows in one municipality: who each row is, which schools and age
groups it names, and what that changes. A row with any problem changes nothing.

People are matched by e-mail first, then by their exact name; a new person's id is the slug
of the name, made unique in the file. Schools are found as the bot finds them (exact name or
alias, then the fuzzy search of bot.core.matching), only inside the municipality.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.directory import ID
from bot.core.directory_schools import ALL, EMAIL
from bot.core.matching import SchoolIndex
from bot.core.models import Municipality, School
from bot.core.name_keys import name_keys, slugify
from bot.core.schema import did_you_mean
from bot.people_import.sheet import SheetRow

FIELDS = ("name", "title", "phone", "email")  # what a row can set, in the order written


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why a row was not placed. The message names schools and age groups, never the
    row's personal details: the row number is enough to find them."""

    row: int
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


@dataclass
class Plan:
    """What the rows placed so far change in the file."""

    new_people: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> fields
    updates: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> changed fields
    # (school name, age group id or 'all') -> the person ids to append, in order
    appended: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # fuzzy school readings, to double-check

    @property
    def contacts_added(self) -> int:
        return sum(len(ids) for ids in self.appended.values())


def _written_as(typed: str, school: School) -> bool:
    """Whether `typed` is the school's name or an alias (give or take case, spaces, grades),
    not a fuzzy reading that the administrator should double-check."""
    return name_keys(typed).core in {name_keys(n).core for n in (school.name, *school.aliases)}


def _same(field: str, new: str, old: str) -> bool:
    return new.casefold() == old.casefold() if field == "email" else new == old


def _choice(schools: tuple[School, ...]) -> str:
    return " or ".join(f"'{s.name}'" for s in schools)


class Placer:
    """Places rows one by one; later rows see what earlier rows added."""

    def __init__(self, municipality: Municipality, index: SchoolIndex) -> None:
        self.municipality = municipality
        self.index = index
        self.plan = Plan()
        self.people: dict[str, dict[str, str]] = {
            p.id: {
                "name": p.name,
                "title": p.title or "",
                "phone": p.phone or "",
                "email": p.email or "",
            }
            for p in municipality.people.values()
        }
        self.contacts = {
            (s.name, gid): list(ids)
            for s in municipality.schools
            for gid, ids in s.contacts.items()
        }
        self.groups = {g.id: g for g in municipality.age_groups}

    def place(self, row: SheetRow) -> None:
        problems: list[str] = []
        if not row.name:
            problems.append("no name: write the person's or the team's name")
        if row.email and not EMAIL.match(row.email):
            problems.append("the e-mail is not an e-mail address (name@example.se)")
        if row.id and not ID.match(row.id):
            problems.append("the id is not an id: use lower-case a-z, digits and hyphens")
        if row.extra_cells:
            problems.append(
                "more cells than the first row has columns: several schools go in one cell, "
                "separated by ';' (in quotes when ';' also separates the cells)"
            )
        groups = [self._group(name, problems) for name in row.age_groups]
        targets: list[tuple[str, str]] = []
        notes = []
        for typed in row.schools:
            school = self._school(typed, problems)
            if school is None:
                continue
            targets += self._lists(school, [g for g in groups if g], problems)
            if not _written_as(typed, school):
                notes.append(f"row {row.number}: '{typed}' read as '{school.name}'")
        pid, new = self._person(row, problems)
        if new and not row.schools and not problems:
            problems.append("a new person needs a school: name one or more under schools")
        if problems:
            self.plan.problems += [RowProblem(row.number, p) for p in problems]
            return
        self.plan.notes += notes
        self._commit(pid, new, row, targets)

    def _group(self, typed: str, problems: list[str]) -> str | None:
        wanted = typed.casefold()
        for group in self.groups.values():
            if wanted in (group.id.casefold(), " ".join(group.label.split()).casefold()):
                return group.id
        found = self.index.search(typed, self.municipality.id).school
        if found is not None and found.municipality_id == self.municipality.id:
            problems.append(
                f"'{typed}' under age groups is a school: put several schools in one cell, "
                "separated by ';', and the cell in quotes when ';' also separates the cells"
            )
            return None
        known = [*self.groups, *(g.label for g in self.groups.values())]
        problems.append(
            f"unknown age group '{typed}' (this file has "
            + ", ".join(f"'{g.id}' ({g.label})" for g in self.groups.values())
            + ")"
            + did_you_mean(typed, known)
        )
        return None

    def _school(self, typed: str, problems: list[str]) -> School | None:
        mid = self.municipality.id
        result = self.index.search(typed, mid)
        inside = tuple(s for s in result.candidates if s.municipality_id == mid)
        school = result.school
        if result.status == "found" and school is not None and school.municipality_id == mid:
            return school
        if result.status == "ambiguous" and inside:
            problems.append(
                f"'{typed}' is the name of several schools in {self.municipality.name}: "
                f"{_choice(inside)} — write the whole name"
            )
        else:
            problems.append(
                f"no school '{typed}' in {self.municipality.name}"
                + (f" — did you mean {_choice(inside)}?" if inside else "")
            )
        return None

    def _lists(
        self, school: School, groups: list[str], problems: list[str]
    ) -> list[tuple[str, str]]:
        """The school's contact lists the row goes in: the named age groups', or all of the
        school's when none are named."""
        if ALL in school.contacts:
            if groups:
                problems.append(
                    f"'{school.name}' has one contact list for every age ('all'): leave the "
                    "age groups empty"
                )
            return [(school.name, ALL)]
        if not groups:
            return [(school.name, g) for g in self.groups if g in school.contacts]
        for gid in groups:
            if gid not in school.contacts:
                problems.append(
                    f"'{school.name}' (grades {school.grades}) has no contacts for age group "
                    f"'{gid}'"
                )
        return [(school.name, g) for g in groups if g in school.contacts]

    def _person(self, row: SheetRow, problems: list[str]) -> tuple[str, bool]:
        """The id of the row's person and whether it is new."""
        email = row.email.casefold()
        by_email = next(
            (pid for pid, p in self.people.items() if email and p["email"].casefold() == email),
            None,
        )
        by_name = next((pid for pid, p in self.people.items() if p["name"] == row.name), None)
        if row.id:
            if by_email is not None and by_email != row.id:
                problems.append(f"the e-mail is that of '{by_email}', not of '{row.id}'")
            return row.id, row.id not in self.people
        found = by_email or by_name
        if found is not None:
            return found, False
        base = slugify(row.name) or "person"
        pid, n = base, 1
        while pid in self.people:
            n += 1
            pid = f"{base}-{n}"
        return pid, True

    def _commit(self, pid: str, new: bool, row: SheetRow, targets: list[tuple[str, str]]) -> None:
        cells = {"name": row.name, "title": row.title, "phone": row.phone, "email": row.email}
        if new:
            self.people[pid] = {f: "" for f in FIELDS}
            self.plan.new_people[pid] = {}
        person = self.people[pid]
        changes = self.plan.new_people.get(pid)  # a new person: its entry is written whole
        for name in FIELDS:
            value = cells[name]
            if value and not _same(name, value, person[name]):
                person[name] = value
                if changes is None:
                    changes = self.plan.updates.setdefault(pid, {})
                changes[name] = value
        for target in targets:
            ids = self.contacts[target]
            if pid not in ids:
                ids.append(pid)
                self.plan.appended.setdefault(target, []).append(pid)
