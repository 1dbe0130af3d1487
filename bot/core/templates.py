"""Texts in rule files are Jinja2 templates, rendered in a sandbox with a documented variable set.

The sandbox keeps a rule file from reaching Python internals; StrictUndefined turns a typo
such as `{{ recepton.phone }}` into an error instead of an empty string. The variable set is
fixed and documented (rules/README.md), so `referral-bot check` can verify every template
statically before anything goes live.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, nodes
from jinja2.sandbox import SandboxedEnvironment

from bot.core import clock, resources
from bot.core.contacts import ContactAnswer, group_label
from bot.core.models import Municipality, Office, OpeningSpan, Resource, School
from bot.core.places import Place, place_key
from bot.core.texts import text

# name -> the attributes a template may use on it (None: a plain value, no attributes)
OFFICE_FIELDS = ("name", "phone", "email", "e_service")
PERSON_FIELDS = ("name", "title", "phone", "email", "away_until")
RESOURCE_FIELDS = ("name", "phone", "email", "url", "about", "ages")  # of each listed resource
VARIABLES: Mapping[str, tuple[str, ...] | None] = {
    "school": ("name", "key", "grades"),
    "municipality": ("id", "name"),
    "contacts": ("group", "primary", "backups"),
    "reception": OFFICE_FIELDS,
    "e_service": None,
    "socialjour": OFFICE_FIELDS,
    "after_hours": OFFICE_FIELDS,
    "route": ("kind", "office", "opens_next", "open_now"),
    "office_hours": None,
    "residence": ("kind", "municipality", "configured", "reception"),
    "resources": resources.KINDS,  # each a list, possibly empty, of RESOURCE_FIELDS
    "facts": (),  # any fact the answers have set; checked against the flow by rule_checks
    "now": None,
}
OPEN = "facts"  # the variable whose fields are the flow's own fact names
# the lists a text may loop over, with the fields of each item: `{% for r in resources.npf %}`
LISTS: Mapping[str, tuple[str, ...]] = {
    "contacts.backups": PERSON_FIELDS,
    **{f"resources.{kind}": RESOURCE_FIELDS for kind in resources.KINDS},
}


class TemplateProblem(Exception):
    """A template that cannot be read or rendered; `message` is for an administrator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@cache
def environment() -> SandboxedEnvironment:
    """The one sandboxed environment for rule texts (no HTML escaping: this is chat text)."""
    return SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
    )


def _attr_uses(node: nodes.Node) -> Iterator[tuple[str, str]]:
    """(variable, field) for every `x.field` and `x['field']` read straight off a variable."""
    for found in node.find_all(nodes.Getattr):
        assert isinstance(found, nodes.Getattr)
        if isinstance(found.node, nodes.Name) and found.node.ctx == "load":
            yield found.node.name, found.attr
    for item in node.find_all(nodes.Getitem):
        assert isinstance(item, nodes.Getitem)
        arg = item.arg
        if (
            isinstance(item.node, nodes.Name)
            and isinstance(arg, nodes.Const)
            and isinstance(arg.value, str)
        ):
            yield item.node.name, arg.value


def _item_uses(tree: nodes.Template) -> Iterator[tuple[str, str, str, tuple[str, ...]]]:
    """(item, field, list, its fields) for every `r.field` in `{% for r in <list> %}`: an item's
    typo is found even where the list is empty, as it often is for resources."""
    for loop in tree.find_all(nodes.For):
        assert isinstance(loop, nodes.For)
        target, listed = loop.target, loop.iter
        if not (
            isinstance(target, nodes.Name)
            and isinstance(listed, nodes.Getattr)
            and isinstance(listed.node, nodes.Name)
        ):
            continue
        name = f"{listed.node.name}.{listed.attr}"
        fields = LISTS.get(name)
        if fields is None:
            continue
        for body in loop.body:
            for item, attr in _attr_uses(body):
                if item == target.name:
                    yield item, attr, name, fields


def check_template(source: str) -> list[str]:
    """Problems of one rule text, for an administrator; empty when it is fine."""
    return list(_template_problems(source))


@lru_cache(maxsize=2048)  # the same texts are checked again at every reload
def _template_problems(source: str) -> tuple[str, ...]:
    """Problems in one template, found without rendering: syntax, unknown variables and fields."""
    from bot.core.schema import did_you_mean

    env = environment()
    try:
        tree = env.parse(source)
    except TemplateError as exc:
        return (f"the template cannot be read: {exc}",)
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    problems: list[str] = []
    seen: set[str] = set()
    for name_node in tree.find_all(nodes.Name):
        name = name_node.name
        if name_node.ctx != "load" or name in assigned or name in seen:
            continue
        seen.add(name)
        if name not in VARIABLES:
            problems.append(
                f"unknown template variable '{name}'" + did_you_mean(name, VARIABLES)
                + f" (known: {', '.join(VARIABLES)})"
            )  # fmt: skip
    for name, attr in _attr_uses(tree):
        fields = VARIABLES.get(name)
        if name in assigned or name not in VARIABLES or name == OPEN:
            continue
        if fields is None or attr not in fields:
            known = ", ".join(fields) if fields else "none"
            problems.append(
                f"'{name}' has no field '{attr}'" + did_you_mean(attr, fields or ())
                + f" (fields: {known})"
            )  # fmt: skip
    for item, attr, listed, fields in _item_uses(tree):
        if attr not in fields:
            problems.append(
                f"'{item}' (one of {listed}) has no field '{attr}'" + did_you_mean(attr, fields)
                + f" (fields: {', '.join(fields)})"
            )  # fmt: skip
    return tuple(problems)


def fact_uses(source: str) -> set[str]:
    """The fact names a text reads as `facts.<name>` (empty when it cannot be read)."""
    try:
        tree = environment().parse(source)
    except TemplateError:
        return set()  # reported by check_template
    return {attr for name, attr in _attr_uses(tree) if name == OPEN}


@lru_cache(maxsize=2048)
def _compiled(source: str) -> Template:
    """Compiling a text costs about a millisecond, rendering it a few microseconds; the same
    few hundred texts are rendered at every step and by the rule tests of every reload."""
    return environment().from_string(source)


def render(source: str, context: Mapping[str, Any]) -> str:
    """Render one rule text; raise TemplateProblem with a message an administrator understands."""
    try:
        return _compiled(source).render(**context).strip()
    except TemplateError as exc:
        what = str(exc.message or exc)
        empty = re.match(r"'None' has no attribute '(\w+)'", what)
        if empty:
            what = (
                f"a value is empty here, so its '{empty.group(1)}' cannot be shown "
                "— wrap it in {% if … %}"
            )
        raise TemplateProblem(f"the text could not be filled in: {what}") from None


# --------------------------------------------------------------------------- context


def office(o: Office) -> dict[str, Any]:
    return {"name": o.name, "phone": o.phone, "email": o.email, "e_service": o.e_service}


def _contacts(answer: ContactAnswer | None, locale: str) -> dict[str, Any]:
    """The first age group's contacts: always a block, so `{% if contacts.primary %}` works
    for a school without contacts."""
    group = answer.groups[0] if answer and answer.groups else None
    people = [
        {
            "name": c.person.name,
            "title": c.person.title,
            "phone": c.person.phone,
            "email": c.person.email,
            "away_until": clock.format_date(c.away_until, locale) if c.away_until else None,
        }
        for c in (group.contacts if group else ())
    ]
    return {
        "group": group_label(group.group, locale) if group and group.group else None,
        "primary": people[0] if people else None,
        "backups": people[1:],
    }


def _resource(r: Resource) -> dict[str, Any]:
    return {
        "name": r.name,
        "phone": r.phone,
        "email": r.email,
        "url": r.url,
        "about": r.about,
        "ages": f"{r.min_age}–{r.max_age}",
    }


def _resources(
    municipality: Municipality | None, school: School | None, ages: tuple[int, int] | None
) -> dict[str, list[dict[str, Any]]]:
    """Per kind, the municipality's resources that serve the school and the ages (when known):
    always every kind, so `{% if resources.npf %}` works where there are none."""
    found = resources.serving(municipality, school=school, ages=ages) if municipality else ()
    return {kind: [_resource(r) for r in rs] for kind, rs in resources.by_kind(found).items()}


def format_hours(spans: tuple[OpeningSpan, ...], locale: str) -> str:
    """'mån–fre 08:00–16:30' — consecutive weekdays with the same hours are joined."""
    names = text("checklist.weekday_short", locale).split()
    groups: list[tuple[int, int, str]] = []
    for span in sorted(spans, key=lambda s: (s.weekday, s.opens)):
        hours = f"{span.opens:%H:%M}–{span.closes:%H:%M}"
        if groups and groups[-1][2] == hours and groups[-1][1] == span.weekday - 1:
            groups[-1] = (groups[-1][0], span.weekday, hours)
        else:
            groups.append((span.weekday, span.weekday, hours))
    parts = [
        (names[a] if a == b else f"{names[a]}–{names[b]}") + f" {hours}" for a, b, hours in groups
    ]
    return ", ".join(parts) if parts else text("checklist.no_office_hours", locale)


def build_context(
    *,
    school: School | None,
    municipality: Municipality | None,
    contacts: ContactAnswer | None,
    residence_kind: str | None,
    residence: Place | None,
    facts: Mapping[str, str],
    ages: tuple[int, int] | None,
    now: datetime,
    locale: str,
) -> dict[str, Any]:
    """Every documented variable, None where the conversation does not know it yet."""
    route: dict[str, Any] | None = None
    if municipality is not None:
        r = clock.route_at(municipality, now)
        route = {
            "kind": r.kind,
            "office": office(r.office),
            "opens_next": clock.describe(r.opens_next, now, locale) if r.opens_next else None,
            "open_now": r.kind == "reception",
        }
    return {
        "school": {"name": school.name, "key": school.key, "grades": school.grades}
        if school
        else None,
        "municipality": {"id": municipality.id, "name": municipality.name}
        if municipality
        else None,
        "contacts": _contacts(contacts, locale),
        "reception": office(municipality.reception) if municipality else None,
        "e_service": municipality.reception.e_service if municipality else None,
        "socialjour": office(municipality.after_hours) if municipality else None,
        "after_hours": office(municipality.after_hours) if municipality else None,
        "route": route,
        "office_hours": format_hours(municipality.office_hours, locale) if municipality else None,
        "residence": {
            "kind": residence_kind,
            "municipality": {
                "id": place_key(residence),
                "name": residence.name,
                "code": residence.code,
            }
            if residence
            else None,
            # False: one of Sweden's municipalities that the directory has no contacts for
            "configured": isinstance(residence, Municipality) if residence else None,
            "reception": office(residence.reception)
            if isinstance(residence, Municipality)
            else None,
        },
        "resources": _resources(municipality, school, ages),
        # a fact no answer has set yet is empty, so `{% if facts.category == … %}` just works
        "facts": defaultdict(lambda: None, facts),
        "now": clock.to_local(now).strftime("%Y-%m-%d %H:%M"),
    }
