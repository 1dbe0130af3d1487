"""The contact directory: one YAML file per municipality, parsed and validated into models.

The parser reads the municipality, its age groups and people here and its schools in
bot.core.directory_schools; bot.core.directory_checks checks across files and builds the
Directory. Every problem in a file is collected in one pass and located at its line and
column, worded `<where> — <what> — did you mean 'x'?` so an administrator can fix them all at
once. `<where>` uses the YAML path with list positions counted from 0, e.g.
`schools[2] 'Ängsskolan F-9'`.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from bot.core.directory_schools import ALL, SchoolReader, code_text
from bot.core.models import Absence, AgeGroup, Municipality, Office, OpeningSpan, Person
from bot.core.name_keys import slugify
from bot.core.schema import did_you_mean
from bot.core.yamlio import Document, PathKey
from bot.errors import Problem

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
KOMMUNKOD = re.compile(r"^\d{4}$")
AGES = re.compile(r"^\s*(\d{1,2})\s*(?:[-–]\s*(\d{1,2})\s*)?$")
E_SERVICE = re.compile(r"^https?://\S+$")
HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
REVIEW_MAX_DAYS = 365

TOP_KEYS = ("municipality", "age_groups", "people", "schools")
MUNICIPALITY_KEYS = ("id", "name", "code", "office_hours", "reception", "after_hours")
OFFICE_KEYS = ("name", "phone")
OFFICE_OPTIONAL = ("email", "e_service")
AGE_GROUP_KEYS = ("id", "label", "ages")
PERSON_OPTIONAL = ("title", "phone", "email", "slack", "away")
ABSENCE_KEYS = ("from", "to")


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


class _Parser(SchoolReader):
    """One pass over one directory document; `problems` collects everything found."""

    def __init__(self, doc: Document, today: date) -> None:
        super().__init__(doc)
        self.today = today

    # ------------------------------------------------------------------ file

    def parse(self) -> Municipality | None:
        data = self.block((), self.doc.data, "the file", TOP_KEYS)
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
            **header,
            age_groups=tuple(groups.values()),
            people=people,
            schools=tuple(schools),
            source=self.doc.path,
        )

    # ------------------------------------------------------------------ municipality

    def municipality(self, value: Any) -> dict[str, Any] | None:
        at: PathKey = ("municipality",)
        block = self.block(at, value, "municipality", MUNICIPALITY_KEYS, ("reviewed",))
        if block is None:
            return None
        mid = self.text((*at, "id"), block.get("id"), "municipality.id")
        if mid is not None and not SLUG.match(mid):
            self.error(
                (*at, "id"),
                f"municipality.id — '{mid}' is not a slug: use lower-case a-z, digits and "
                f"hyphens, e.g. '{slugify(mid) or 'mora'}'",
            )
            mid = None
        name = self.text((*at, "name"), block.get("name"), "municipality.name")
        code = code_text(block.get("code")) if "code" in block else None
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
        out: dict[str, Any] = {
            "id": mid,
            "name": name,
            "code": code,
            "office_hours": hours,
            "reception": reception,
            "after_hours": after,
        }
        ok = all(v is not None for v in out.values())
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
        return out if ok else None

    def office_hours(self, value: Any) -> tuple[OpeningSpan, ...] | None:
        at: PathKey = ("municipality", "office_hours")
        if not self.given(at, value, dict, "municipality.office_hours"):
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
        block = self.block(at, value, f"municipality.{what}", OFFICE_KEYS, OFFICE_OPTIONAL)
        if block is None:
            return None
        name = self.text((*at, "name"), block.get("name"), f"municipality.{what}.name")
        phone = self.text((*at, "phone"), block.get("phone"), f"municipality.{what}.phone")
        email = self.email((*at, "email"), block.get("email"), f"municipality.{what}.email")
        url = self.text(
            (*at, "e_service"), block.get("e_service"), f"municipality.{what}.e_service"
        )
        if url is not None and not E_SERVICE.match(url):
            self.error(
                (*at, "e_service"),
                f"municipality.{what}.e_service — '{url}' is not a web address: "
                "start it with https://",
            )
            url = None
        if name is None or phone is None:
            return None
        return Office(name=name, phone=phone, email=email, e_service=url)

    # ------------------------------------------------------------------ age groups

    def age_groups(self, value: Any) -> dict[str, AgeGroup]:
        at: PathKey = ("age_groups",)
        groups: dict[str, AgeGroup] = {}
        if not self.given(at, value, list, "age_groups"):
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
            block = self.block(here, item, what, AGE_GROUP_KEYS)
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
        if not self.given(at, value, dict, "people"):
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
            block = self.block(here, item, what, ("name",), PERSON_OPTIONAL)
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
        if not self.given(at, value, list, f"{what}.away"):
            return ()
        out: list[Absence] = []
        for i, item in enumerate(value):
            here: PathKey = (*at, i)
            where = f"{what}.away[{i}]"
            block = self.block(here, item, where, ABSENCE_KEYS)
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


def parse_municipality(doc: Document, *, today: date) -> tuple[Municipality | None, list[Problem]]:
    """Validate one directory document; the Municipality is None when it cannot be built.

    Warnings (an old `reviewed` date, ages no group covers) never stop the build; errors
    in a school or a person leave that item out, so cross-file checks still see the rest.
    """
    parser = _Parser(doc, today)
    municipality = parser.parse()
    return municipality, parser.problems
