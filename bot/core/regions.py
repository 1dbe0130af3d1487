"""Regions: what municipalities share (the regional socialjour), inherited at load.

A municipality file may name a region (`region: sormland` in its `municipality:` block);
each of INHERITED it does not state itself comes from that region's file, and what it states
overrides. Each file is parsed on its own (and memoised by its bytes, see
catalog.ValidatedFiles) into a MunicipalityDraft; the drafts are joined to their regions on
every load, so an edit to a region file reaches every municipality that inherits from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.core.models import (
    AgeGroup,
    Handoff,
    Municipality,
    Office,
    OpeningSpan,
    Origin,
    Person,
    Region,
    Resource,
    School,
)
from bot.core.schema import did_you_mean
from bot.errors import Problem

INHERITED = ("office_hours", "reception", "after_hours")
WHAT = {
    "office_hours": "office_hours (the reception's hours)",
    "reception": "reception",
    "after_hours": "after_hours (the socialjour)",
}


@dataclass(frozen=True, slots=True)
class MunicipalityDraft:
    """A municipality file as written: the INHERITED values it leaves out are None.

    `origins` holds where each stated value, the `municipality` block and the `region`
    value were written, so problems found when joining the region can point into the file
    without keeping it parsed.
    """

    id: str
    name: str
    code: str
    office_hours: tuple[OpeningSpan, ...] | None
    reception: Office | None
    after_hours: Office | None
    age_groups: tuple[AgeGroup, ...]
    people: Mapping[str, Person]
    schools: tuple[School, ...]
    reviewed: date | None
    source: str
    region: str | None
    origins: Mapping[str, Origin]
    resources: tuple[Resource, ...] = ()
    min_contacts: int = 1
    admin_channel: str | None = None
    admins: tuple[str, ...] = ()
    handoff: Handoff = field(default_factory=Handoff)


@dataclass(frozen=True, slots=True)
class BrokenRegion:
    """A region file with errors (reported from that file): its municipalities get no
    second message about a region they name correctly."""

    id: str


def _problem(at: Origin, message: str) -> Problem:
    return Problem(at.path, at.line, at.col, "error", message)


def inherit(
    draft: MunicipalityDraft, region: Region | None
) -> tuple[Municipality | None, Problem | None]:
    """The municipality with what it leaves out taken from `region`; None and the problem
    when something is in neither file."""
    values: dict[str, Any] = {}
    origins = dict(draft.origins)  # and where the block and the region line are
    missing: list[str] = []
    for key in INHERITED:
        own = getattr(draft, key)
        shared = getattr(region, key) if region is not None else None
        if own is not None:
            values[key] = own
        elif shared is not None and region is not None:
            values[key] = shared
            origins[key] = region.origins[key]
        else:
            missing.append(key)
    if missing:
        names = " and ".join(f"'{WHAT[k]}'" for k in missing)
        if region is None:
            message = (
                f"municipality is missing {names}: write it here, or name the region that "
                "has it with 'region: <id>'"
            )
            return None, _problem(draft.origins["municipality"], message)
        message = (
            f"municipality.region — region '{region.id}' ({region.source}) has no {names} to "
            "inherit: write it in this file or in the region's"
        )
        return None, _problem(draft.origins["region"], message)
    return (
        Municipality(
            id=draft.id,
            name=draft.name,
            code=draft.code,
            age_groups=draft.age_groups,
            people=draft.people,
            schools=draft.schools,
            reviewed=draft.reviewed,
            source=draft.source,
            region=draft.region,
            origins=origins,
            resources=(*draft.resources, *_shared_with(draft, region)),
            min_contacts=draft.min_contacts,
            admin_channel=draft.admin_channel,
            admins=draft.admins,
            handoff=draft.handoff,
            **values,
        ),
        None,
    )


def _shared_with(draft: MunicipalityDraft, region: Region | None) -> tuple[Resource, ...]:
    """The region's resources that serve this municipality (all, or those naming it)."""
    if region is None:
        return ()
    return tuple(
        r for r in region.resources if not r.municipalities or draft.id in r.municipalities
    )


def unique_regions(regions: Iterable[Region]) -> tuple[dict[str, Region], list[Problem]]:
    """Regions by id; a second file with an id already taken is an error at its id."""
    by_id: dict[str, Region] = {}
    problems: list[Problem] = []
    for region in regions:
        first = by_id.get(region.id)
        if first is not None:
            message = (
                f"region.id — '{region.id}' is already the id of {first.name} "
                f"({first.source}): ids must be unique"
            )
            problems.append(_problem(region.origins["id"], message))
            continue
        by_id[region.id] = region
    return by_id, problems


def resolve(
    drafts: Iterable[MunicipalityDraft],
    regions: Mapping[str, Region],
    broken: Iterable[str] = (),
    join: Callable[
        [MunicipalityDraft, Region | None], tuple[Municipality | None, Problem | None]
    ] = inherit,
) -> tuple[list[Municipality], list[Problem]]:
    """Every draft joined to the region it names (by `join`: inherit, or a memo of it); an
    unknown region id is an error at the `region:` value with the nearest known id
    suggested."""
    out: list[Municipality] = []
    problems: list[Problem] = []
    broken_ids = set(broken)
    drafts = list(drafts)
    problems += _unserved(drafts, regions)
    for draft in drafts:
        region = regions.get(draft.region) if draft.region is not None else None
        if draft.region is not None and region is None:
            if draft.region not in broken_ids:
                known = sorted(regions)
                listed = f" (known: {', '.join(known)})" if known else " (there is no region file)"
                problems.append(
                    _problem(
                        draft.origins["region"],
                        f"municipality.region — unknown region '{draft.region}'{listed}"
                        + did_you_mean(draft.region, known),
                    )
                )
            continue
        municipality, problem = join(draft, region)
        if problem is not None:
            problems.append(problem)
        if region is not None and region.county and not draft.code.startswith(region.county):
            problems.append(
                Problem(
                    draft.origins["region"].path,
                    draft.origins["region"].line,
                    draft.origins["region"].col,
                    "warning",
                    f"municipality.region — {draft.name} ({draft.code}) is in county "
                    f"{draft.code[:2]}, region '{region.id}' is for county {region.county}: "
                    "check that it is the right region",
                )
            )
        if municipality is not None:
            out.append(municipality)
    return out, problems


def _unserved(drafts: list[MunicipalityDraft], regions: Mapping[str, Region]) -> list[Problem]:
    """A region's resource that names a municipality not in that region reaches nobody
    there: a warning at the resource, with the nearest municipality of the region."""
    members: dict[str, list[str]] = {}
    for draft in drafts:
        if draft.region is not None:
            members.setdefault(draft.region, []).append(draft.id)
    problems: list[Problem] = []
    for region in regions.values():
        ids = sorted(members.get(region.id, ()))
        for resource in region.resources:
            for mid in resource.municipalities:
                if mid in ids or resource.origin is None:
                    continue
                at = resource.origin
                problems.append(
                    Problem(
                        at.path,
                        at.line,
                        at.col,
                        "warning",
                        f"resources '{resource.id}': municipalities — no municipality '{mid}' "
                        f"names region '{region.id}', so the resource reaches nobody there"
                        + did_you_mean(mid, ids),
                    )
                )
    return problems
