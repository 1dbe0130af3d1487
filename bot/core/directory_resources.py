"""Reading a directory file's `resources:` list: elevhälsa, BUP, ungdomsmottagning and the
other help beyond the school's contacts, each with an age range.

A municipality file may narrow a resource to some of its schools (`schools:`, by name or
alias), a region file to some of its municipalities (`municipalities:`, by id; checked when
the regions are joined, see bot.core.regions).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from bot.core.models import Resource, ResourceKind, School
from bot.core.name_keys import slugify
from bot.core.offices import OfficeReader
from bot.core.resources import KINDS
from bot.core.schema import did_you_mean
from bot.core.yamlio import PathKey

RESOURCE_KEYS = ("id", "kind", "name", "ages")
RESOURCE_OPTIONAL = ("phone", "email", "url", "about", "schools", "municipalities")


class ResourceReader(OfficeReader):
    """The `resources:` list of one municipality or region file."""

    def resources(self, value: Any, *, schools: tuple[School, ...] | None) -> tuple[Resource, ...]:
        """`schools` are the municipality file's schools; None in a region file."""
        at: PathKey = ("resources",)
        if not self.given(at, value, list, "resources"):
            return ()
        by_name = _school_names(schools or ())
        out: list[Resource] = []
        ids: set[str] = set()
        for i, item in enumerate(value):
            resource = self.resource((*at, i), item, i, by_name, schools is None)
            if resource is None:
                continue
            if resource.id in ids:
                self.error((*at, i, "id"), f"resources[{i}] — the id '{resource.id}' is used twice")
                continue
            ids.add(resource.id)
            out.append(resource)
        return tuple(out)

    def resource(
        self,
        here: PathKey,
        item: Any,
        i: int,
        schools: Mapping[str, tuple[str, str]],
        in_region: bool,
    ) -> Resource | None:
        name = item.get("name") if isinstance(item, dict) else None
        what = f"resources[{i}] '{name}'" if isinstance(name, str) else f"resources[{i}]"
        block = self.block(here, item, what, RESOURCE_KEYS, RESOURCE_OPTIONAL)
        if block is None:
            return None
        rid = self.slug((*here, "id"), block.get("id"), f"{what}: id", "umo-nykoping")
        kind = self.text((*here, "kind"), block.get("kind"), f"{what}: kind")
        if kind is not None and kind not in KINDS:
            self.error(
                (*here, "kind"),
                f"{what}: kind — unknown kind '{kind}' (known: {', '.join(KINDS)})"
                + did_you_mean(kind, KINDS),
            )
            kind = None
        name = self.text((*here, "name"), block.get("name"), f"{what}: name")
        ages = self.ages((*here, "ages"), block.get("ages"), what)
        url = self.web_address((*here, "url"), block.get("url"), f"{what}: url")
        served, ok = self.served(here, block, what, schools, in_region)
        if rid is None or kind is None or name is None or ages is None or not ok:
            return None
        return Resource(
            id=rid,
            kind=cast(ResourceKind, kind),
            name=name,
            min_age=ages[0],
            max_age=ages[1],
            phone=self.text((*here, "phone"), block.get("phone"), f"{what}: phone"),
            email=self.email((*here, "email"), block.get("email"), f"{what}: email"),
            url=url,
            about=self.text((*here, "about"), block.get("about"), f"{what}: about"),
            schools=served if not in_region else (),
            municipalities=served if in_region else (),
            origin=self.origin(here),
        )

    def served(
        self,
        here: PathKey,
        block: Mapping[str, Any],
        what: str,
        schools: Mapping[str, tuple[str, str]],
        in_region: bool,
    ) -> tuple[tuple[str, ...], bool]:
        """The school keys (municipality file) or municipality ids (region file) it serves."""
        key, other = ("municipalities", "schools") if in_region else ("schools", "municipalities")
        if other in block:
            where = "a region file" if not in_region else "a municipality file"
            self.error(
                (*here, other),
                f"{what}: {other} — '{other}' belongs in {where}: here, narrow the resource "
                f"with '{key}'",
                at_key=True,
            )
            return (), False
        listed = self.string_list((*here, key), block.get(key), f"{what}: {key}")
        if in_region:
            return tuple(listed), True
        keys: list[str] = []
        ok = True
        for j, label in enumerate(listed):
            found = schools.get(slugify(label))
            if found is None:
                self.error(
                    (*here, key, j),
                    f"{what}: schools — no school '{label}' in this file"
                    + did_you_mean(label, [name for _, name in schools.values()]),
                )
                ok = False
            else:
                keys.append(found[0])
        return tuple(keys), ok


def _school_names(schools: tuple[School, ...]) -> dict[str, tuple[str, str]]:
    """The slug of every school name and alias -> (the school's key, the name or alias)."""
    out: dict[str, tuple[str, str]] = {}
    for school in schools:
        for label in (school.name, *school.aliases):
            out.setdefault(slugify(label), (school.key, label))
    return out
