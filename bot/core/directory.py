"""The contact directory: one YAML file per municipality, parsed and validated into models.

The parser reads the municipality, its age groups and people here, its offices and office
hours in bot.core.offices and its schools in bot.core.directory_schools; region files are
read in bot.core.region_files, joined to the municipalities in bot.core.regions;
bot.core.directory_checks checks across files and builds the Directory.

Every problem in a file is collected in one pass and located at its line and
column, worded `<where> — <what> — did you mean 'x'?` so an administrator can fix them all at
once. `<where>` uses the YAML path with list positions counted from 0, e.g.
`schools[2] 'Ängsskolan F-9'`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.core.directory_resources import ResourceReader
from bot.core.directory_schools import ALL, SLACK_CHANNEL, SLUG, code_text
from bot.core.models import (
    DEFAULT_ESCALATE_AFTER_SECONDS,
    Absence,
    AgeGroup,
    Handoff,
    Municipality,
    Person,
)
from bot.core.regions import INHERITED, MunicipalityDraft, inherit
from bot.core.yamlio import Document, PathKey
from bot.errors import Problem

ID = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
# a municipality's admins: Slack users (U…, W…) or user groups (S…)
SLACK_ADMIN = re.compile(r"^[UWS][A-Z0-9]{2,}$")
KOMMUNKOD = re.compile(r"^\d{4}$")
REVIEW_MAX_DAYS = 365

TOP_KEYS = ("municipality", "age_groups", "people", "schools")
MUNICIPALITY_KEYS = ("id", "name", "code")
MUNICIPALITY_OPTIONAL = (
    "region",
    *INHERITED,
    "reviewed",
    "min_contacts",
    "admin_channel",
    "admins",
    "handoff",
)
HANDOFF_OPTIONAL = ("escalate_after", "channel")
# "30m", "2h", "45s": a number and its unit; a consultation waits at most a day for a step
DURATION = re.compile(r"^([1-9][0-9]*)\s*([smh])$")
DURATION_SECONDS = {"s": 1, "m": 60, "h": 3600}
MAX_ESCALATE_SECONDS = 24 * 3600
TOP_OPTIONAL = ("resources",)
MAX_MIN_CONTACTS = 5
AGE_GROUP_KEYS = ("id", "label", "ages")
PERSON_OPTIONAL = ("title", "phone", "email", "slack", "away", "placeholder")
ABSENCE_KEYS = ("from", "to")


def is_directory_document(data: object) -> bool:
    """A directory file is recognised by its top-level key `municipality` (or `region`)."""
    return isinstance(data, dict) and ("municipality" in data or "region" in data)


def _as_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


class _Parser(ResourceReader):
    """One pass over one directory document; `problems` collects everything found."""

    def __init__(self, doc: Document, today: date) -> None:
        super().__init__(doc)
        self.today = today

    # ------------------------------------------------------------------ file

    def parse(self) -> MunicipalityDraft | None:
        data = self.doc.data
        if isinstance(data, dict) and "region" in data:
            self.error(
                ("region",),
                "a file is either a municipality (municipality:) or a region (region:), not "
                "both: a municipality names its region inside its municipality block, e.g. "
                "'region: sormland'",
                at_key=True,
            )
            data = {k: v for k, v in data.items() if k != "region"}
        data = self.block((), data, "the file", TOP_KEYS, TOP_OPTIONAL)
        if data is None:
            return None
        header = self.municipality(data["municipality"]) if "municipality" in data else None
        groups = self.age_groups(data.get("age_groups"))
        people = self.people(data.get("people"))
        municipality_id = header["id"] if header else "?"
        self.min_contacts = header["min_contacts"] if header else 1
        schools = tuple(self.schools(data.get("schools"), municipality_id, groups, people))
        resources = self.resources(data.get("resources"), schools=schools)
        if header is None:
            return None
        return MunicipalityDraft(
            **header,
            age_groups=tuple(groups.values()),
            people=people,
            schools=schools,
            resources=resources,
            source=self.doc.path,
        )

    # ------------------------------------------------------------------ municipality

    def municipality(self, value: Any) -> dict[str, Any] | None:
        at: PathKey = ("municipality",)
        block = self.block(at, value, "municipality", MUNICIPALITY_KEYS, MUNICIPALITY_OPTIONAL)
        if block is None:
            return None
        mid = self.slug((*at, "id"), block.get("id"), "municipality.id", "mora")
        name = self.text((*at, "name"), block.get("name"), "municipality.name")
        code = code_text(block.get("code")) if "code" in block else None
        if "code" in block and (code is None or not KOMMUNKOD.match(code)):
            self.error(
                (*at, "code"),
                f"municipality.code — '{block.get('code')}' is not a kommunkod: "
                'write the 4 digits in quotes, e.g. "2062"',
            )
            code = None
        region = None
        if block.get("region") is not None:
            region = self.text((*at, "region"), block["region"], "municipality.region")
            if region is not None and not SLUG.match(region):
                self.error(
                    (*at, "region"),
                    f"municipality.region — '{region}' is not a region id: write the id from "
                    "the region file's 'region:' block, e.g. 'sormland'",
                )
                region = None
        out: dict[str, Any] = {"id": mid, "name": name, "code": code}
        ok = all(v is not None for v in out.values()) and (region is not None) == (
            block.get("region") is not None
        )
        origins = {"municipality": self.origin(at)}
        if region is not None:
            origins["region"] = self.origin((*at, "region"))
        shared, shared_ok = self.shared(at, block, "municipality")
        out.update(shared, region=region, reviewed=None, origins=origins | self.stated(at, shared))
        ok = ok and shared_ok
        out["min_contacts"] = self.min_contacts_of((*at, "min_contacts"), block.get("min_contacts"))
        channel = block.get("admin_channel")
        out["admin_channel"] = self.admin_channel((*at, "admin_channel"), channel)
        out["admins"] = self.admins((*at, "admins"), block.get("admins"))
        if "handoff" in block:
            out["handoff"] = self.handoff((*at, "handoff"), block["handoff"])
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

    def min_contacts_of(self, at: PathKey, value: Any) -> int:
        """How many contacts each school needs per age group (Falköping's model: two)."""
        if value is None:
            return 1
        number = value if isinstance(value, int) and not isinstance(value, bool) else 0
        if not 1 <= number <= MAX_MIN_CONTACTS:
            self.error(
                at,
                f"municipality.min_contacts — '{value}' is not a number of contacts: write a "
                f"whole number from 1 to {MAX_MIN_CONTACTS}, e.g. 2 when every school unit has "
                "two named contacts",
            )
            return 1
        return number

    def admin_channel(self, at: PathKey, value: Any) -> str | None:
        """Where reports of wrong details for this municipality go (a Slack channel id)."""
        channel = self.text(at, value, "municipality.admin_channel")
        if channel is not None and not SLACK_CHANNEL.match(channel):
            self.error(
                at,
                f"municipality.admin_channel — '{channel}' is not a Slack channel id: it starts "
                "with C or G followed by capital letters and digits, e.g. C0MORAADM1 (in Slack: "
                "the channel's name → About → Channel ID at the bottom)",
            )
            return None
        return channel

    def admins(self, at: PathKey, value: Any) -> tuple[str, ...]:
        """Who may use the admin command for this municipality: Slack user or group ids."""
        if not self.given(at, value, list, "municipality.admins"):
            return ()
        found: list[str] = []
        for i, item in enumerate(value):
            admin = self.text((*at, i), item, f"municipality.admins[{i}]")
            if admin is not None and not SLACK_ADMIN.match(admin):
                self.error(
                    (*at, i),
                    f"municipality.admins[{i}] — '{admin}' is not a Slack member or user group "
                    "id: a member id starts with U or W (profile → ⋮ → Copy member ID), a user "
                    "group id with S, followed by capital letters and digits, e.g. U01ABCDEF1",
                )
            elif admin is not None:
                found.append(admin)
        return tuple(found)

    def handoff(self, at: PathKey, value: Any) -> Handoff:
        """How a consultation request escalates here (bot.core.handoff)."""
        block = self.block(at, value, "municipality.handoff", (), HANDOFF_OPTIONAL)
        if block is None:
            return Handoff()
        seconds = float(DEFAULT_ESCALATE_AFTER_SECONDS)
        if "escalate_after" in block:
            raw = block["escalate_after"]
            found = DURATION.match(raw.strip()) if isinstance(raw, str) else None
            number = int(found[1]) * DURATION_SECONDS[found[2]] if found else 0
            if not 0 < number <= MAX_ESCALATE_SECONDS:
                self.error(
                    (*at, "escalate_after"),
                    f"municipality.handoff.escalate_after — '{raw}' is not a waiting time: "
                    "write a whole number and s, m or h, at most 24h, e.g. 30m",
                )
            else:
                seconds = float(number)
        channel = None
        if "channel" in block:
            channel = self.text((*at, "channel"), block["channel"], "municipality.handoff.channel")
            if channel is not None and not SLACK_CHANNEL.match(channel):
                self.error(
                    (*at, "channel"),
                    f"municipality.handoff.channel — '{channel}' is not a Slack channel id: it "
                    "starts with C or G followed by capital letters and digits, e.g. C0RECEPTION1 "
                    "(in Slack: the channel's name → About → Channel ID at the bottom)",
                )
                channel = None
        return Handoff(seconds, channel)

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
            placeholder = self.placeholder(
                here, block, what, "write the name, phone and e-mail of a real contact"
            )
            if name is None:
                continue
            origin = self.origin(here, at_key=True)
            people[pid] = Person(
                pid, name, title, phone, email, slack, away, placeholder, origin=origin
            )
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


def parse_draft(doc: Document, *, today: date) -> tuple[MunicipalityDraft | None, list[Problem]]:
    """Validate one municipality file on its own; None when it cannot be built. What it
    inherits from its region is joined in by regions.resolve.

    Warnings (an old `reviewed` date, ages no group covers, placeholders) never stop the
    build; errors in a school or a person leave that item out, so cross-file checks still
    see the rest.
    """
    parser = _Parser(doc, today)
    return parser.parse(), parser.problems


def parse_municipality(doc: Document, *, today: date) -> tuple[Municipality | None, list[Problem]]:
    """One municipality file that names no region, validated into a Municipality."""
    draft, problems = parse_draft(doc, today=today)
    if draft is None:
        return None, problems
    municipality, problem = inherit(draft, None)
    return municipality, [*problems, *([problem] if problem else [])]
