"""Small declarative checks shared by the directory and rule validators.

Each check appends located Problems to a list instead of raising, so one run reports every
error in a file. Suggestions ("did you mean …?") come from rapidfuzz.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rapidfuzz import fuzz, process

from bot.core.yamlio import Document, PathKey
from bot.errors import Problem


def suggest(word: str, known: Iterable[str], cutoff: float = 60.0) -> str | None:
    """The known name closest to `word`, if it is close enough to be a likely typo."""
    best = process.extractOne(word, list(known), scorer=fuzz.ratio, score_cutoff=cutoff)
    return str(best[0]) if best else None


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """' — did you mean 'x'?' or '' — appended to unknown-id messages."""
    hit = suggest(word, known)
    return f" — did you mean '{hit}'?" if hit else ""


TYPE_NAMES: dict[type, str] = {
    str: "text",
    int: "a whole number",
    bool: "true or false",
    list: "a list",
    dict: "a block of keys",
}


def expect(
    doc: Document,
    keys: PathKey,
    value: Any,
    kind: type | tuple[type, ...],
    problems: list[Problem],
    what: str,
) -> bool:
    """Check that `value` has the Python type `kind`; report '<what> must be <type>' if not."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    ok = isinstance(value, kinds) and not (bool not in kinds and isinstance(value, bool))
    if not ok:
        names = " or ".join(TYPE_NAMES.get(k, k.__name__) for k in kinds)
        problems.append(doc.problem(keys, f"{what} must be {names}"))
    return ok


def check_mapping(
    doc: Document,
    keys: PathKey,
    value: Any,
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    problems: list[Problem],
    what: str,
) -> Mapping[str, Any] | None:
    """Check a block of keys: it is a mapping, required keys are there, no unknown keys.

    Returns the mapping when it is one (even with problems) so callers can go on checking.
    """
    if not expect(doc, keys, value, dict, problems, what):
        return None
    required = list(required)
    allowed = required + list(optional)
    for name in required:
        if name not in value:
            problems.append(doc.problem(keys, f"{what} is missing '{name}'"))
    for name in value:
        if name not in allowed:
            listed = ", ".join(allowed)
            problems.append(
                doc.problem(
                    (*keys, name),
                    f"{what} has an unknown key '{name}' (allowed: {listed})"
                    + did_you_mean(str(name), allowed),
                    at_key=True,
                )
            )
    return value  # type: ignore[no-any-return]


class Reader:
    """One pass over one document with the checks above; every problem goes to `problems`."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def error(self, keys: PathKey, message: str, *, at_key: bool = False) -> None:
        self.problems.append(self.doc.problem(keys, message, at_key=at_key))

    def warning(self, keys: PathKey, message: str) -> None:
        self.problems.append(self.doc.problem(keys, message, severity="warning"))

    def expect(self, keys: PathKey, value: Any, kind: type | tuple[type, ...], what: str) -> bool:
        return expect(self.doc, keys, value, kind, self.problems, what)

    def given(self, keys: PathKey, value: Any, kind: type, what: str) -> bool:
        """An optional value: False when it is missing (None) or not of `kind` (reported)."""
        return value is not None and self.expect(keys, value, kind, what)

    def block(
        self,
        keys: PathKey,
        value: Any,
        what: str,
        required: Iterable[str],
        optional: Iterable[str] = (),
    ) -> Mapping[str, Any] | None:
        return check_mapping(
            self.doc, keys, value, required=required, optional=optional,
            problems=self.problems, what=what,
        )  # fmt: skip
