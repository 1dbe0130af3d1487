"""The directory across its files: ids, codes and Slack channels unique; the Directory built."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.core.models import Directory, Municipality
from bot.core.yamlio import Document, LazyDocument, PathKey
from bot.errors import Problem


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
