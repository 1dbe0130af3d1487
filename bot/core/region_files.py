"""Region files: one `region:` block of what the municipalities that name it share.

Only a municipality names a region; a region file names none, so inheritance is one step.
"""

from __future__ import annotations

import re

from bot.core.directory_resources import ResourceReader
from bot.core.directory_schools import code_text
from bot.core.models import Region
from bot.core.regions import BrokenRegion
from bot.core.yamlio import Document, PathKey
from bot.errors import Problem

REGION_KEYS = ("id", "name", "after_hours")
REGION_OPTIONAL = ("county", "office_hours", "reception")
LANSKOD = re.compile(r"^\d{2}$")


def is_region_document(data: object) -> bool:
    """A region file has `region` and no `municipality` at the top."""
    return isinstance(data, dict) and "region" in data and "municipality" not in data


class _RegionParser(ResourceReader):
    """A region file: one `region:` block of what its municipalities share, and the
    `resources:` (BUP, Barnahus …) they share."""

    def parse_region(self) -> Region | BrokenRegion | None:
        at: PathKey = ("region",)
        data = self.block((), self.doc.data, "the file", ("region",), ("resources",))
        value = data.get("region") if data is not None else None
        if isinstance(value, dict) and "region" in value:
            self.error(
                (*at, "region"),
                "region.region — a region cannot name another region: only a municipality "
                "names its region, so what is shared is one step away and never goes in a circle",
                at_key=True,
            )
            value = {k: v for k, v in value.items() if k != "region"}
        block = self.block(at, value, "region", REGION_KEYS, REGION_OPTIONAL)
        if block is None:
            return None
        rid = self.slug((*at, "id"), block.get("id"), "region.id", "sormland")
        name = self.text((*at, "name"), block.get("name"), "region.name")
        county = code_text(block.get("county")) if "county" in block else None
        if "county" in block and (county is None or not LANSKOD.match(county)):
            self.error(
                (*at, "county"),
                f"region.county — '{block.get('county')}' is not a länskod: write the 2 digits "
                'in quotes, e.g. "04" for Södermanlands län',
            )
            county = None
        shared, ok = self.shared(at, block, "region")
        resources = self.resources(data.get("resources") if data else None, schools=None)
        if rid is None or name is None or not ok or shared["after_hours"] is None:
            return BrokenRegion(rid) if rid is not None else None
        if "county" in block and county is None:
            return BrokenRegion(rid)
        return Region(
            id=rid,
            name=name,
            county=county,
            source=self.doc.path,
            origins={"id": self.origin((*at, "id"))} | self.stated(at, shared),
            resources=resources,
            **shared,
        )


def parse_region(doc: Document) -> tuple[Region | BrokenRegion | None, list[Problem]]:
    """Validate one region file: the Region, a BrokenRegion (its id, when the rest has errors)
    or None, and every problem found."""
    parser = _RegionParser(doc)
    return parser.parse_region(), parser.problems
