"""The contact directory: one YAML file per municipality, parsed and validated into models.

Every problem in a file is collected in one pass and located at its line and column, worded
`<where> — <what> — did you mean 'x'?` so an administrator can fix them all at once. `<where>`
uses the YAML path with list positions counted from 0, e.g. `schools[2] 'Ängsskolan F-9'`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

from bot.core.grades import GradesError, parse_grades
from bot.core.models import (
    Absence,
    AgeGroup,
    Directory,
    Municipality,
    Office,
    OpeningSpan,
    Person,
    School,
)
from bot.core.name_keys import slugify
from bot.core.schema import check_mapping, did_you_mean, expect
from bot.core.yamlio import Document, LazyDocument, PathKey, load_document
from bot.errors import ConfigError, Problem

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
SLACK_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")
KOMMUNKOD = re.compile(r"^\d{4}$")
SKOLENHETSKOD = re.compile(r"^\d{8}$")
AGES = re.compile(r"^\s*(\d{1,2})\s*(?:[-–]\s*(\d{1,2})\s*)?$")
HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL = "all"
REVIEW_MAX_DAYS = 365

TOP_KEYS = ("municipality", "age_groups", "people", "schools")
MUNICIPALITY_KEYS = ("id", "name", "code", "office_hours", "reception", "after_hours")
OFFICE_KEYS = ("name", "phone")
OFFICE_OPTIONAL = ("email", "e_service")
PERSON_OPTIONAL = ("title", "phone", "email", "slack", "away")
SCHOOL_OPTIONAL = ("code", "aliases", "slack_channels")


def is_directory_document(data: object) -> bool:
    """A directory file is recognised by its top-level key `municipality`."""
    return isinstance(data, dict) and "municipality" in data


def _day_spec(spec: str) -> list[int] | None:
    """'mon-thu' → [0, 1, 2, 3]; 'fri' → [4]; None when not a day or a forward range."""
    parts = [p.strip().lower() for p in spec.split("-")]
    if len(parts) > 2 or any(p not in DAYS for p in parts):
        return None
    first, last = DAYS.index(parts[0]), DAYS.index(parts[-1])
    return list(range(first, last + 1)) if first <= last else None


def _parse_hours(value: str) -> tuple[time, time] | None:
    m = HOURS.match(value)
    if m is None:
        return None
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        return None
    closes = time(23, 59, 59) if h2 == 24 else time(h2, m2)
    opens = time(h1, m1)
    return (opens, closes) if opens < closes else None


def _as_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _code(value: object) -> str | None:
    """Codes are digits; accept them quoted or not (an unquoted 2062 reads as a number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | str):
        return str(value).strip()
    return None


class _Parser:
    """One pass over one directory document; `problems` collects everything found."""

    def __init__(self, doc: Document, today: date) -> None:
        self.doc = doc
        self.today = today
        self.problems: list[Problem] = []
        # age group ids written in the file but invalid: reported once, not again per school
        self.broken_groups: set[str] = set()
        self.broken_people: set[str] = set()  # likewise for people
        self._served_by_ages: dict[tuple[int, int], tuple[list[AgeGroup], list[int]]] = {}
        self._contacts_seen: dict[
            tuple[tuple[str, tuple[str, ...]], ...], dict[str, tuple[str, ...]]
        ] = {}

    def error(self, keys: PathKey, message: str, *, at_key: bool = False) -> None:
        self.problems.append(self.doc.problem(keys, message, at_key=at_key))

    def warning(self, keys: PathKey, message: str) -> None:
        self.problems.append(self.doc.problem(keys, message, severity="warning"))

    def text(self, keys: PathKey, value: Any, what: str) -> str | None:
        if type(value) is str and (stripped := value.strip()):  # the usual case, first
            return stripped
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # a phone number written without quotes is still meant as text
        if not expect(self.doc, keys, value, str, self.problems, what):
            return None
        if not value.strip():
            self.error(keys, f"{what} is empty")
            return None
        return str(value).strip()

    # ------------------------------------------------------------------ file

    def parse(self) -> Municipality | None:
        data = check_mapping(
            self.doc, (), self.doc.data, required=TOP_KEYS, problems=self.problems, what="the file"
        )
        if data is None:
            return None
        header = self.municipality(data["municipality"]) if "municipality" in data else None
        groups = self.age_groups(data.get("age_groups"))
        people = self.people(data.get("people"))
        municipality_id = header["id"] if header else "?"
        schools = self.schools(data.get("schools"), municipality_id, groups, people)
        if header is None:
            return None
        return Municipality(
            id=header["id"],
            name=header["name"],
            code=header["code"],
            office_hours=header["office_hours"],
            reception=header["reception"],
            after_hours=header["after_hours"],
            age_groups=tuple(groups.values()),
            people=people,
            schools=tuple(schools),
            reviewed=header.get("reviewed"),
            source=self.doc.path,
        )

    # ------------------------------------------------------------------ municipality

    def municipality(self, value: Any) -> dict[str, Any] | None:
        at: PathKey = ("municipality",)
        block = check_mapping(
            self.doc,
            at,
            value,
            required=MUNICIPALITY_KEYS,
            optional=("reviewed",),
            problems=self.problems,
            what="municipality",
        )
        if block is None:
            return None
        out: dict[str, Any] = {}
        ok = True
        mid = self.text((*at, "id"), block.get("id"), "municipality.id")
        if mid is not None and not SLUG.match(mid):
            self.error(
                (*at, "id"),
                f"municipality.id — '{mid}' is not a slug: use lower-case a-z, digits and "
                f"hyphens, e.g. '{slugify(mid) or 'mora'}'",
            )
            mid = None
        name = self.text((*at, "name"), block.get("name"), "municipality.name")
        code = _code(block.get("code")) if "code" in block else None
        if "code" in block and (code is None or not KOMMUNKOD.match(code)):
            self.error(
                (*at, "code"),
                f"municipality.code — '{block.get('code')}' is not a kommunkod: "
                'write the 4 digits in quotes, e.g. "2062"',
            )
            code = None
        hours = self.office_hours(block.get("office_hours"))
        reception = self.office((*at, "reception"), block.get("reception"), "reception")
        after = self.office((*at, "after_hours"), block.get("after_hours"), "after_hours")
        if "reviewed" in block:
            reviewed = _as_date(block["reviewed"])
            if reviewed is None:
                self.error(
                    (*at, "reviewed"),
                    f"municipality.reviewed — '{block['reviewed']}' is not a date: "
                    "write it as 2026-09-01",
                )
            else:
                out["reviewed"] = reviewed
                age = (self.today - reviewed).days
                if age > REVIEW_MAX_DAYS:
                    self.warning(
                        (*at, "reviewed"),
                        f"municipality.reviewed — the entries were last confirmed on "
                        f"{reviewed.isoformat()}, more than 12 months ago: ask the municipality "
                        "to check them and update the date",
                    )
                elif reviewed > self.today:
                    self.warning(
                        (*at, "reviewed"),
                        f"municipality.reviewed — {reviewed.isoformat()} is in the future: "
                        "write the date the entries were confirmed",
                    )
        for key, val in (
            ("id", mid),
            ("name", name),
            ("code", code),
            ("office_hours", hours),
            ("reception", reception),
            ("after_hours", after),
        ):
            if val is None:
                ok = False
            out[key] = val
        return out if ok else None

    def office_hours(self, value: Any) -> tuple[OpeningSpan, ...] | None:
        at: PathKey = ("municipality", "office_hours")
        if value is None or not expect(
            self.doc, at, value, dict, self.problems, "municipality.office_hours"
        ):
            return None
        spans: list[OpeningSpan] = []
        seen: dict[int, str] = {}
        ok = True
        for spec, hours in value.items():
            where = f"municipality.office_hours.{spec}"
            days = _day_spec(str(spec))
            if days is None:
                self.error(
                    (*at, spec),
                    f"{where} — '{spec}' is not a day: use mon, tue, wed, thu, fri, sat, sun "
                    "or a range such as mon-thu" + did_you_mean(str(spec), [*DAYS, "mon-fri"]),
                    at_key=True,
                )
                ok = False
                continue
            parsed = _parse_hours(hours) if isinstance(hours, str) else None
            if parsed is None:
                self.error(
                    (*at, spec),
                    f"{where} — '{hours}' is not opening hours: write \"08:00-16:30\" in quotes",
                )
                ok = False
                continue
            for day in days:
                if day in seen:
                    self.error(
                        (*at, spec),
                        f"{where} — {DAYS[day]} is already covered by '{seen[day]}'",
                        at_key=True,
                    )
                    ok = False
                    continue
                seen[day] = str(spec)
                spans.append(OpeningSpan(day, parsed[0], parsed[1]))
        return tuple(sorted(spans, key=lambda s: s.weekday)) if ok else None

    def office(self, at: PathKey, value: Any, what: str) -> Office | None:
        block = check_mapping(
            self.doc,
            at,
            value,
            required=OFFICE_KEYS,
            optional=OFFICE_OPTIONAL,
            problems=self.problems,
            what=f"municipality.{what}",
        )
        if block is None:
            return None
        name = self.text((*at, "name"), block.get("name"), f"municipality.{what}.name")
        phone = self.text((*at, "phone"), block.get("phone"), f"municipality.{what}.phone")
        email = self.email((*at, "email"), block.get("email"), f"municipality.{what}.email")
        url = self.text(
            (*at, "e_service"), block.get("e_service"), f"municipality.{what}.e_service"
        )
        if url is not None and not re.match(r"^https?://\S+$", url):
            self.error(
                (*at, "e_service"),
                f"municipality.{what}.e_service — '{url}' is not a web address: "
                "start it with https://",
            )
            url = None
        if name is None or phone is None:
            return None
        return Office(name=name, phone=phone, email=email, e_service=url)

    def email(self, at: PathKey, value: Any, what: str) -> str | None:
        email = self.text(at, value, what)
        if email is not None and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
            self.error(at, f"{what} — '{email}' is not an e-mail address")
            return None
        return email

    # ------------------------------------------------------------------ age groups

    def age_groups(self, value: Any) -> dict[str, AgeGroup]:
        at: PathKey = ("age_groups",)
        groups: dict[str, AgeGroup] = {}
        if value is None or not expect(self.doc, at, value, list, self.problems, "age_groups"):
            return groups
        if not value:
            self.error(
                at,
                "age_groups — write at least one age group, e.g. {id: barn, "
                'label: "Barn 0–20 år", ages: "0-20"}',
            )
        for i, item in enumerate(value):
            here: PathKey = (*at, i)
            what = f"age_groups[{i}]"
            block = check_mapping(
                self.doc,
                here,
                item,
                required=("id", "label", "ages"),
                problems=self.problems,
                what=what,
            )
            if block is None:
                continue
            gid = self.text((*here, "id"), block.get("id"), f"{what}.id")
            if gid is not None:
                what = f"age_groups[{i}] '{gid}'"
                if gid == ALL:
                    self.error(
                        (*here, "id"),
                        f"{what} — 'all' is reserved for contacts that "
                        "answer for every age; choose another id",
                    )
                    gid = None
                elif not ID.match(gid):
                    self.error(
                        (*here, "id"),
                        f"{what} — '{gid}' is not a valid id: use "
                        "lower-case a-z, digits and hyphens",
                    )
                    gid = None
                elif gid in groups:
                    self.error((*here, "id"), f"{what} — the id '{gid}' is used twice")
                    gid = None
            label = self.text((*here, "label"), block.get("label"), f"{what}.label")
            ages = self.ages((*here, "ages"), block.get("ages"), what)
            if gid is None or label is None or ages is None:
                if isinstance(block.get("id"), str):
                    self.broken_groups.add(block["id"])
                continue
            group = AgeGroup(gid, label, ages[0], ages[1])
            for other in groups.values():
                if other.overlaps(group.min_age, group.max_age):
                    self.error(
                        (*here, "ages"),
                        f"{what}: ages — {group.min_age}–{group.max_age} overlaps "
                        f"'{other.id}' ({other.min_age}–{other.max_age}): every age must "
                        "belong to one group only",
                    )
                    self.broken_groups.add(gid)
                    break
            else:
                groups[gid] = group
        return groups

    def ages(self, at: PathKey, value: Any, what: str) -> tuple[int, int] | None:
        if value is None:
            return None
        m = AGES.match(str(value)) if isinstance(value, str | int) else None
        low = int(m[1]) if m else -1
        high = int(m[2]) if m and m[2] else low
        if m is None or low > high or high > 99:
            self.error(at, f"{what}: ages — '{value}' is not an age span: write it like \"0-12\"")
            return None
        return (low, high)

    # ------------------------------------------------------------------ people

    def people(self, value: Any) -> dict[str, Person]:
        at: PathKey = ("people",)
        people: dict[str, Person] = {}
        if value is None or not expect(self.doc, at, value, dict, self.problems, "people"):
            return people
        for pid, item in value.items():
            here: PathKey = (*at, pid)
            what = f"people.{pid}"
            self.broken_people.add(str(pid))
            if not isinstance(pid, str) or not ID.match(pid):
                self.error(
                    here,
                    f"{what} — '{pid}' is not a valid person id: use lower-case "
                    "a-z, digits and hyphens, e.g. anna-s",
                    at_key=True,
                )
                continue
            block = check_mapping(
                self.doc,
                here,
                item,
                required=("name",),
                optional=PERSON_OPTIONAL,
                problems=self.problems,
                what=what,
            )
            if block is None:
                continue
            name = self.text((*here, "name"), block.get("name"), f"{what}.name")
            title = self.text((*here, "title"), block.get("title"), f"{what}.title")
            phone = self.text((*here, "phone"), block.get("phone"), f"{what}.phone")
            email = self.email((*here, "email"), block.get("email"), f"{what}.email")
            slack = self.text((*here, "slack"), block.get("slack"), f"{what}.slack")
            if slack is not None and not SLACK_USER.match(slack):
                self.error(
                    (*here, "slack"),
                    f"{what}.slack — '{slack}' is not a Slack member id: it starts with U or W "
                    "followed by capital letters and digits, e.g. U01ABCDEF1 (in Slack: "
                    "profile → ⋮ → Copy member ID)",
                )
                slack = None
            away = self.away((*here, "away"), block.get("away"), what)
            if name is None:
                continue
            people[pid] = Person(pid, name, title, phone, email, slack, away)
            self.broken_people.discard(pid)
        return people

    def away(self, at: PathKey, value: Any, what: str) -> tuple[Absence, ...]:
        if value is None or not expect(self.doc, at, value, list, self.problems, f"{what}.away"):
            return ()
        out: list[Absence] = []
        for i, item in enumerate(value):
            here: PathKey = (*at, i)
            where = f"{what}.away[{i}]"
            block = check_mapping(
                self.doc, here, item, required=("from", "to"), problems=self.problems, what=where
            )
            if block is None:
                continue
            start = _as_date(block.get("from"))
            end = _as_date(block.get("to"))
            for key, val in (("from", start), ("to", end)):
                if key in block and val is None:
                    self.error(
                        (*here, key),
                        f"{where}.{key} — '{block[key]}' is not a date: write it as 2026-12-20",
                    )
            if start is None or end is None:
                continue
            if start > end:
                self.error(
                    (*here, "to"),
                    f"{where} — ends ({end.isoformat()}) before it starts ({start.isoformat()})",
                )
                continue
            out.append(Absence(start, end))
        return tuple(out)

    # ------------------------------------------------------------------ schools

    def schools(
        self,
        value: Any,
        municipality_id: str,
        groups: Mapping[str, AgeGroup],
        people: Mapping[str, Person],
    ) -> list[School]:
        at: PathKey = ("schools",)
        schools: list[School] = []
        if value is None or not expect(self.doc, at, value, list, self.problems, "schools"):
            return schools
        names: dict[str, tuple[int, str]] = {}  # slug of a name or alias -> (index, name)
        for i, item in enumerate(value):
            school = self.school(i, item, municipality_id, groups, people, names)
            if school is not None:
                schools.append(school)
        return schools

    def school(
        self,
        i: int,
        item: Any,
        municipality_id: str,
        groups: Mapping[str, AgeGroup],
        people: Mapping[str, Person],
        names: dict[str, tuple[int, str]],
    ) -> School | None:
        here: PathKey = ("schools", i)
        name = item.get("name") if isinstance(item, dict) else None
        what = f"schools[{i}] '{name}'" if isinstance(name, str) else f"schools[{i}]"
        block = check_mapping(
            self.doc,
            here,
            item,
            required=("name", "grades", "contacts"),
            optional=SCHOOL_OPTIONAL,
            problems=self.problems,
            what=what,
        )
        if block is None:
            return None
        ok = True
        name = self.text((*here, "name"), block.get("name"), f"{what}: name")
        code = None
        if "code" in block:
            code = _code(block["code"])
            if code is None or not SKOLENHETSKOD.match(code):
                self.error(
                    (*here, "code"),
                    f"{what}: code — '{block['code']}' is not a "
                    'skolenhetskod: write the 8 digits in quotes, e.g. "88046548"',
                )
                code, ok = None, False
        aliases, channels = [], []  # most schools have neither
        if "aliases" in block:
            aliases = self.string_list((*here, "aliases"), block["aliases"], f"{what}: aliases")
        if "slack_channels" in block:
            channels = self.string_list(
                (*here, "slack_channels"), block["slack_channels"], f"{what}: slack_channels"
            )
        for j, channel in enumerate(channels):
            if not SLACK_CHANNEL.match(channel):
                self.error(
                    (*here, "slack_channels", j),
                    f"{what}: slack_channels — '{channel}' is not a Slack channel id: it "
                    "starts with C or G followed by capital letters and digits, e.g. C0ANGS0001",
                )
                ok = False
        name_slug = slugify(name) if name is not None else ""
        if name is not None:
            labels: list[tuple[PathKey, str, str]] = [((*here, "name"), name, "school name")]
            labels += [((*here, "aliases", j), a, "alias") for j, a in enumerate(aliases)]
            for loc, label, kind in labels:
                slug = slugify(label) if kind == "alias" else name_slug
                owner = names.get(slug)
                if owner is not None and owner[0] != i:
                    self.error(
                        loc,
                        f"{what} — the {kind} '{label}' is already used by "
                        f"schools[{owner[0]}] '{owner[1]}' in this municipality",
                    )
                    ok = False
                elif owner is None:
                    names[slug] = (i, name)
        ages: tuple[int, int] | None = None
        grades = self.text((*here, "grades"), block.get("grades"), f"{what}: grades")
        if grades is not None:
            try:
                ages = parse_grades(grades)
            except GradesError as exc:
                self.error((*here, "grades"), f"{what}: grades — {exc}")
                ok = False
        contacts = self.contacts(here, block.get("contacts"), what, ages, groups, people)
        if not ok or name is None or grades is None or ages is None or contacts is None:
            return None
        return School(
            key=f"{municipality_id}/{name_slug}",
            name=name,
            municipality_id=municipality_id,
            min_age=ages[0],
            max_age=ages[1],
            grades=sys.intern(grades),  # "F-9" thousands of times: one string
            code=code,
            aliases=tuple(aliases),
            slack_channels=tuple(channels),
            contacts=contacts,
        )

    def string_list(self, at: PathKey, value: Any, what: str) -> list[str]:
        if value is None or not expect(self.doc, at, value, list, self.problems, what):
            return []
        out = []
        for j, item in enumerate(value):
            got = self.text((*at, j), item, what)
            if got is not None:
                out.append(got)
        return out

    def contacts(
        self,
        here: PathKey,
        value: Any,
        what: str,
        ages: tuple[int, int] | None,
        groups: Mapping[str, AgeGroup],
        people: Mapping[str, Person],
    ) -> dict[str, tuple[str, ...]] | None:
        at: PathKey = (*here, "contacts")
        if value is None or not expect(
            self.doc, at, value, dict, self.problems, f"{what}: contacts"
        ):
            return None
        out: dict[str, tuple[str, ...]] = {}
        ok = True
        unknown = False
        for gid, ids in value.items():
            where = f"{what}: contacts.{gid}"
            if gid in self.broken_groups:
                unknown = True
                continue
            if gid != ALL and gid not in groups:
                unknown = True
                self.error(
                    (*at, gid),
                    f"{where} — unknown age group '{gid}'" + did_you_mean(str(gid), [*groups, ALL]),
                    at_key=True,
                )
                ok = False
                continue
            if isinstance(ids, str):
                ids = [ids]  # one contact may be written without brackets
            if not expect(self.doc, (*at, gid), ids, list, self.problems, where):
                ok = False
                continue
            if not ids:
                self.error((*at, gid), f"{where} — the list is empty: name at least one person")
                ok = False
                continue
            seen: list[str] = []
            for k, pid in enumerate(ids):
                if pid in self.broken_people:
                    ok = False  # its own entry has an error already
                elif not isinstance(pid, str) or pid not in people:
                    self.error(
                        (*at, gid, k),
                        f"{where} — unknown person '{pid}'" + did_you_mean(str(pid), people),
                    )
                    ok = False
                elif pid in seen:
                    self.error((*at, gid, k), f"{where} — '{pid}' is listed twice")
                    ok = False
                else:
                    seen.append(pid)
            out[str(gid)] = tuple(seen)
        if ALL in value and len(value) > 1:
            self.error(at, f"{what}: contacts — use either 'all' or age groups, not both")
            ok = False
        # with a misspelt or broken group the coverage errors would only repeat the problem
        if ages is not None and ALL not in value and not unknown and not self.broken_groups:
            ok = self.coverage(at, what, ages, groups, value) and ok
        if not ok:
            return None
        # Most schools of a municipality have the same contacts: share one mapping
        # (at 20,000 units a mapping per school was a sixth of the catalog's memory).
        return self._contacts_seen.setdefault(tuple(out.items()), out)

    def _served(
        self, ages: tuple[int, int], groups: Mapping[str, AgeGroup]
    ) -> tuple[list[AgeGroup], list[int]]:
        """The age groups a school of these ages serves, and its ages no group covers.

        A file's schools share a handful of grade ranges, so each range is worked out once.
        """
        known = self._served_by_ages.get(ages)
        if known is None:
            serving = [g for g in groups.values() if g.overlaps(*ages)]
            uncovered = [
                a
                for a in range(ages[0], ages[1] + 1)
                if not any(g.min_age <= a <= g.max_age for g in groups.values())
            ]
            known = self._served_by_ages[ages] = (serving, uncovered)
        return known

    def coverage(
        self,
        at: PathKey,
        what: str,
        ages: tuple[int, int],
        groups: Mapping[str, AgeGroup],
        contacts: Mapping[str, Any],
    ) -> bool:
        """Every age group the school serves needs contacts; ages in no group get a warning."""
        ok = True
        serving, uncovered = self._served(ages, groups)
        for group in serving:
            if group.id not in contacts:
                self.error(
                    at,
                    f"{what}: contacts — no contact for age group '{group.id}' "
                    f"({group.min_age}–{group.max_age}), which this school serves "
                    f"(ages {ages[0]}–{ages[1]}): add '{group.id}: [...]' or use 'all'",
                )
                ok = False
        if groups and uncovered:
            span = (
                f"ages {uncovered[0]}–{uncovered[-1]}"
                if len(uncovered) > 1
                else f"age {uncovered[0]}"
            )
            self.warning(
                (*at[:-1], "grades"),
                f"{what}: grades — no age group covers {span}, so no contact answers "
                "there: widen an age group or use 'all'",
            )
        for gid in contacts:
            extra = groups.get(gid)
            if extra is not None and extra not in serving:
                self.warning(
                    (*at, gid),
                    f"{what}: contacts.{gid} — this school (ages {ages[0]}–{ages[1]}) has no "
                    f"pupils in age group '{gid}' ({extra.min_age}–{extra.max_age})",
                )
        return ok


def same_result_days(municipality: Municipality | None, today: date) -> tuple[date, date]:
    """The days on which a file validates exactly as it did `today`, from and until
    (exclusive). Only `reviewed` is compared with the date: it warns while in the future and
    again once more than REVIEW_MAX_DAYS old, so a reload on another day in the same stretch
    need not validate the file again (bot.core.catalog.ValidatedFiles). A file with errors
    holds for `today` alone."""
    if municipality is None:
        return today, today + timedelta(days=1)
    reviewed = municipality.reviewed
    if reviewed is None:
        return date.min, date.max
    stale_from = reviewed + timedelta(days=REVIEW_MAX_DAYS + 1)
    if today < reviewed:
        return date.min, reviewed
    return (reviewed, stale_from) if today < stale_from else (stale_from, date.max)


def parse_municipality(doc: Document, *, today: date) -> tuple[Municipality | None, list[Problem]]:
    """Validate one directory document; the Municipality is None when it cannot be built.

    Warnings (an old `reviewed` date, ages no group covers) never stop the build; errors
    in a school or a person leave that item out, so cross-file checks still see the rest.
    """
    parser = _Parser(doc, today)
    municipality = parser.parse()
    return municipality, parser.problems


def _locate_school(doc: Document | LazyDocument, name: str) -> tuple[PathKey, str]:
    """The path of the school called `name` in its file, and how messages name it."""
    schools = doc.data.get("schools") if isinstance(doc.data, dict) else None
    for i, item in enumerate(schools if isinstance(schools, list) else []):
        if isinstance(item, dict) and item.get("name") == name:
            return ("schools", i), f"schools[{i}] '{name}'"
    return ("schools",), f"'{name}'"


def cross_check(items: Sequence[tuple[Document | LazyDocument, Municipality]]) -> list[Problem]:
    """Checks across files: municipality ids and codes, school codes and Slack channels unique."""
    problems: list[Problem] = []
    ids: dict[str, str] = {}
    codes: dict[str, str] = {}
    school_codes: dict[str, tuple[str, str]] = {}
    channels: dict[str, tuple[str, str]] = {}
    for doc, m in items:
        if m.id in ids:
            problems.append(
                doc.problem(
                    ("municipality", "id"),
                    f"municipality.id — '{m.id}' "
                    f"is already the id of {ids[m.id]}: ids must be unique",
                )
            )
        else:
            ids[m.id] = f"{m.name} ({doc.path})"
        if m.code in codes:
            problems.append(
                doc.problem(
                    ("municipality", "code"),
                    f"municipality.code — '{m.code}' is already the code of {codes[m.code]}",
                )
            )
        else:
            codes[m.code] = f"{m.name} ({doc.path})"
        for school in m.schools:
            name, code, bound_channels = school.name, school.code, school.slack_channels
            if code is not None:
                owner = school_codes.get(code)
                if owner is not None:
                    at, what = _locate_school(doc, name)
                    problems.append(
                        doc.problem(
                            (*at, "code"),
                            f"{what}: code — '{code}' "
                            f"is already the code of '{owner[0]}' ({owner[1]})",
                        )
                    )
                else:
                    school_codes[code] = (name, m.name)
            for j, channel in enumerate(bound_channels):
                bound = channels.get(channel)
                if bound is not None:
                    at, what = _locate_school(doc, name)
                    problems.append(
                        doc.problem(
                            (*at, "slack_channels", j),
                            f"{what}: slack_channels — '{channel}' is already bound to "
                            f"'{bound[0]}' ({bound[1]}): a channel can belong to one school only",
                        )
                    )
                else:
                    channels[channel] = (name, m.name)
    return problems


def build_directory(munis: Iterable[Municipality]) -> Directory:
    """The frozen Directory with indexes by municipality id and by school key."""
    municipalities = {m.id: m for m in munis}
    schools = {s.key: s for m in municipalities.values() for s in m.schools}
    return Directory(municipalities=municipalities, schools=schools)


def load_directory(paths: Sequence[Path], *, today: date) -> Directory:
    """Load directory files (or folders of them); raise ConfigError when any has an error."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.y*ml")) if path.is_dir() else [path])
    problems: list[Problem] = []
    items: list[tuple[LazyDocument, Municipality]] = []
    for file in files:
        try:
            municipality, found = parse_municipality(load_document(file), today=today)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(found)
        if municipality is not None:
            items.append((LazyDocument(file), municipality))
    problems.extend(cross_check(items))
    if any(p.severity == "error" for p in problems):
        raise ConfigError(problems)
    return build_directory(m for _, m in items)
