"""Resources beyond the school's social-services contacts: which ones serve a school or a
municipality, for which ages, and what each kind is called.

A municipality's `resources` are its own followed by its region's (joined at load, see
bot.core.regions), so every question here is answered from the municipality alone.
"""

from __future__ import annotations

from typing import get_args

from bot.core.models import Municipality, Resource, ResourceKind, School
from bot.core.texts import text

KINDS: tuple[str, ...] = get_args(ResourceKind)


def kind_label(kind: str, locale: str) -> str:
    """The kind as staff say it: 'Ungdomsmottagning', 'BUP (barn- och ungdomspsykiatri)'."""
    return text(f"resources.kind_{kind}", locale)


def serving(
    municipality: Municipality,
    *,
    school: School | None = None,
    ages: tuple[int, int] | None = None,
    kind: str | None = None,
) -> tuple[Resource, ...]:
    """The municipality's resources that serve `school` (when given) and any of `ages` (when
    known), of `kind` (when given), in the directory's order: the municipality's own first."""
    return tuple(
        r
        for r in municipality.resources
        if (kind is None or r.kind == kind)
        and (school is None or not r.schools or school.key in r.schools)
        and (ages is None or r.serves(*ages))
    )


def by_kind(resources: tuple[Resource, ...]) -> dict[str, tuple[Resource, ...]]:
    """Every kind, each with its resources (empty when there are none), in KINDS order."""
    return {k: tuple(r for r in resources if r.kind == k) for k in KINDS}
