"""Reading a directory file's schools and their contacts, and the field reading both parts share.

bot.core.directory's parser reads the municipality, its age groups and people and then hands
the schools to the methods here; every problem goes to the one list of the file.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any

from bot.core.grades import GradesError, parse_grades
from bot.core.models import AgeGroup, Person, School
from bot.core.name_keys import slugify
from bot.core.schema import Reader, did_you_mean
from bot.core.yamlio import Document, PathKey

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
WEB_ADDRESS = re.compile(r"^https?://\S+$")
AGES = re.compile(r"^\s*(\d{1,2})\s*(?:[-–]\s*(\d{1,2})\s*)?$")

SLACK_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")
SKOLENHETSKOD = re.compile(r"^\d{8}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ALL = "all"  # the contacts that answer for every age
SCHOOL_KEYS = ("name", "grades", "contacts")
SCHOOL_OPTIONAL = ("code", "aliases", "slack_channels")


def code_text(value: object) -> str | None:
    """Codes are digits; accept them quoted or not (an unquoted 2062 reads as a number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | str):
        return str(value).strip()
    return None


class FileReader(Reader):
    """Reading one directory document's fields."""

    def text(self, keys: PathKey, value: Any, what: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # a phone number written without quotes is still meant as text
        if not self.expect(keys, value, str, what):
            return None
        if not value.strip():
            self.error(keys, f"{what} is empty")
            return None
        return str(value).strip()

    def slug(self, keys: PathKey, value: Any, what: str, example: str) -> str | None:
        """An id: lower-case a-z, digits and hyphens ('mora', 'sormland')."""
        slug = self.text(keys, value, what)
        if slug is not None and not SLUG.match(slug):
            self.error(
                keys,
                f"{what} — '{slug}' is not a slug: use lower-case a-z, digits and hyphens, "
                f"e.g. '{slugify(slug) or example}'",
            )
            return None
        return slug

    def email(self, at: PathKey, value: Any, what: str) -> str | None:
        email = self.text(at, value, what)
        if email is not None and not EMAIL.match(email):
            self.error(at, f"{what} — '{email}' is not an e-mail address")
            return None
        return email

    def web_address(self, at: PathKey, value: Any, what: str) -> str | None:
        """An http(s) address with no spaces: an office's e-service, a resource's page."""
        url = self.text(at, value, what)
        if url is not None and not WEB_ADDRESS.match(url):
            self.error(at, f"{what} — '{url}' is not a web address: start it with https://")
            return None
        return url

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


class SchoolReader(FileReader):
    """The schools of one file, checked against its age groups and people."""

    def __init__(self, doc: Document) -> None:
        super().__init__(doc)
        # age group ids written in the file but invalid: reported once, not again per school
        self.broken_groups: set[str] = set()
        self.broken_people: set[str] = set()  # likewise for people
        self.min_contacts = 1  # the municipality's `min_contacts`, read before the schools
        self._contacts_seen: dict[
            tuple[tuple[str, tuple[str, ...]], ...], dict[str, tuple[str, ...]]
        ] = {}

    def schools(
        self,
        value: Any,
        municipality_id: str,
        groups: Mapping[str, AgeGroup],
        people: Mapping[str, Person],
    ) -> list[School]:
        at: PathKey = ("schools",)
        schools: list[School] = []
        if not self.given(at, value, list, "schools"):
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
        block = self.block(here, item, what, SCHOOL_KEYS, SCHOOL_OPTIONAL)
        if block is None:
            return None
        ok = True
        name = self.text((*here, "name"), block.get("name"), f"{what}: name")
        code = None
        if "code" in block:
            code = code_text(block["code"])
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
        if not self.given(at, value, list, what):
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
        if not self.given(at, value, dict, f"{what}: contacts"):
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
            if not self.expect((*at, gid), ids, list, where):
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
            if len(seen) == len(ids) and len(seen) < self.min_contacts:
                self.error(
                    (*at, gid),
                    f"{where} — {len(seen)} contact, but this municipality has "
                    f"min_contacts: {self.min_contacts}: name {self.min_contacts} people, the "
                    "first answers and the next are backups",
                )
                ok = False
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
        serving = [g for g in groups.values() if g.overlaps(*ages)]
        uncovered = [
            a
            for a in range(ages[0], ages[1] + 1)
            if not any(g.overlaps(a, a) for g in groups.values())
        ]
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
