"""`referral-bot explain`: what the bot shows for a school, and the file and line of each value.

With regions a value may come from another file than the school's own; an administrator who
wants to change a number has to know which file to open.
"""

from __future__ import annotations

from pathlib import Path

from bot.core.directory_checks import locate_school
from bot.core.models import Directory, Office, OpeningSpan, Origin, Person, School
from bot.core.resources import serving
from bot.core.yamlio import load_document

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _hours(spans: tuple[OpeningSpan, ...]) -> str:
    """'mon-thu 08:30-16:00, fri 08:30-14:30': days with the same hours run together."""
    runs: list[tuple[int, int, str]] = []
    for span in spans:
        hours = f"{span.opens:%H:%M}-{span.closes:%H:%M}"
        if runs and runs[-1][1] == span.weekday - 1 and runs[-1][2] == hours:
            runs[-1] = (runs[-1][0], span.weekday, hours)
        else:
            runs.append((span.weekday, span.weekday, hours))
    return ", ".join(
        f"{DAY_NAMES[a]}{'-' + DAY_NAMES[b] if b != a else ''} {hours}" for a, b, hours in runs
    )


def _office(office: Office) -> str:
    return f"{office.name}, {office.phone}"


def _person(person: Person) -> str:
    parts = [person.name, person.title, person.phone, person.email]
    text = ", ".join(p for p in parts if p)
    return text + (" (placeholder: not filled in)" * person.placeholder)


def _office_or_hours(value: Office | tuple[OpeningSpan, ...]) -> str:
    return _office(value) if isinstance(value, Office) else _hours(value)


def explain(directory: Directory, school: School) -> list[str]:
    """The lines `explain` prints: each value shown for `school`, then where it is written."""
    m = directory.municipality_of(school)
    doc = load_document(Path(m.source))  # only positions are read from it again
    at, _ = locate_school(doc, school.name)

    def here(keys: tuple[str | int, ...]) -> Origin:
        mark = doc.mark(keys, at_key=True)
        return Origin(m.source, mark.line, mark.col)

    lines = [f"{school.name} ({school.key}), {m.name} — {here(at)}"]
    region = directory.regions.get(m.region) if m.region else None
    if region is not None:
        lines.append(
            f"region: {region.name} ({region.id}) — named at {here(('municipality', 'region'))}, "
            f"its file {region.origins['id']}"
        )
    shown = (
        ("office hours", "office_hours", _hours(m.office_hours)),
        ("reception", "reception", _office(m.reception)),
        ("socialjour (after_hours)", "after_hours", _office(m.after_hours)),
    )
    for label, key, value in shown:
        origin = m.origins.get(key)
        source = str(origin) if origin is not None else m.source
        if region is not None and origin is not None:
            if origin.path == region.source:
                source += " (from the region)"
            elif (theirs := getattr(region, key)) is not None:
                source += f" (its own, instead of the region's {_office_or_hours(theirs)})"
        lines.append(f"{label}: {value} — {source}")
    groups = {g.id: g.label for g in m.age_groups}
    for gid, people in school.contacts.items():
        label = groups.get(gid, "every age")
        lines.append(f"contacts for {label} ({gid}) — {here((*at, 'contacts', gid))}")
        for rank, pid in enumerate(people, start=1):
            person = m.people[pid]
            lines.append(f"  {rank}. {_person(person)} — {here(('people', pid))}")
    found = serving(m, school=school)
    if found:
        lines.append("resources (what a question such as 'BUP' or 'NPF' is answered with):")
    for r in found:
        where = str(r.origin) if r.origin is not None else m.source
        if region is not None and r.origin is not None and r.origin.path == region.source:
            where += " (from the region)"
        lines.append(f"  {r.kind}: {r.name}, ages {r.min_age}-{r.max_age} — {where}")
    return lines
