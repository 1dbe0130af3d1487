"""The directory across its files: ids, codes and Slack channels unique; the Directory built."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from bot.core.models import Directory, Municipality, Region
from bot.core.yamlio import Document, LazyDocument, PathKey
from bot.errors import Problem


def locate_school(doc: Document | LazyDocument, name: str) -> tuple[PathKey, str]:
    """The path of the school called `name` in its file, and how messages name it."""
    schools = doc.data.get("schools") if isinstance(doc.data, dict) else None
    for i, item in enumerate(schools if isinstance(schools, list) else []):
        if isinstance(item, dict) and item.get("name") == name:
            return ("schools", i), f"schools[{i}] '{name}'"
    return ("schools",), f"'{name}'"


def cross_check(items: Sequence[tuple[Document | LazyDocument, Municipality]]) -> list[Problem]:
    """Checks across files: municipality ids and codes, school codes and Slack channels unique."""
    problems: list[Problem] = []
    owners: dict[tuple[str, str], str] = {}  # (kind, value) -> who has it, as messages name it

    def taken(kind: str, value: str, owner: str) -> str | None:
        """Who has `value` already, if anyone; else `owner` has it from now on."""
        if (kind, value) in owners:
            return owners[kind, value]
        owners[kind, value] = owner
        return None

    for doc, m in items:
        here = f"{m.name} ({doc.path})"
        if other := taken("id", m.id, here):
            message = f"municipality.id — '{m.id}' is already the id of {other}: ids must be unique"
            problems.append(doc.problem(("municipality", "id"), message))
        if other := taken("code", m.code, here):
            message = f"municipality.code — '{m.code}' is already the code of {other}"
            problems.append(doc.problem(("municipality", "code"), message))
        for school in m.schools:
            owner = f"'{school.name}' ({m.name})"
            if school.code is not None and (other := taken("school", school.code, owner)):
                at, what = locate_school(doc, school.name)
                message = f"{what}: code — '{school.code}' is already the code of {other}"
                problems.append(doc.problem((*at, "code"), message))
            for j, channel in enumerate(school.slack_channels):
                if other := taken("channel", channel, owner):
                    at, what = locate_school(doc, school.name)
                    problems.append(
                        doc.problem(
                            (*at, "slack_channels", j),
                            f"{what}: slack_channels — '{channel}' is already bound to {other}: "
                            "a channel can belong to one school only",
                        )
                    )
    return problems


def build_directory(
    munis: Iterable[Municipality], regions: Mapping[str, Region] | None = None
) -> Directory:
    """The frozen Directory with indexes by municipality id and by school key."""
    municipalities = {m.id: m for m in munis}
    schools = {s.key: s for m in municipalities.values() for s in m.schools}
    return Directory(municipalities=municipalities, schools=schools, regions=dict(regions or {}))
