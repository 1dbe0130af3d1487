"""Anonymous follow-up statistics: what is counted, under which key, and how it is shown.

A count is kept per month (YYYY-MM in Europe/Stockholm) × municipality id × age group id ×
measure, and nothing else: no user id, no school, no text. Every component of a key is an id
from the configuration (or one of the fixed words below), checked when the key is made, so
nothing a person typed can become one.

Measures: `contact_found`, `contact_ambiguous`, `contact_not_found`, `flow_started:<flow>`,
`outcome:<flow>/<outcome>`. The `handoff:` name space is kept for consultation requests and
how fast they are accepted (e.g. `handoff:requested`, `handoff:accepted_within:15m`): bucketed
counts keep every figure a count, so the same suppression protects it.

Every view and export shows counts through `shown`: 1–4 become "<5", so that no single case
can be singled out, and 0 is not shown at all.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core import clock
from bot.core.models import Directory, Reply

logger = logging.getLogger(__name__)

UNKNOWN = "unknown"  # the municipality or the age group is not known
ALL = "all"  # a school whose contacts answer for every age ("all" in the directory)
SUPPRESSED = "<5"
THRESHOLD = 5  # counts below this (and above 0) are never shown as they are

CONTACT_FOUND = "contact_found"
CONTACT_AMBIGUOUS = "contact_ambiguous"
CONTACT_NOT_FOUND = "contact_not_found"
HANDOFF_PREFIX = "handoff:"  # room for the handoff issue's measures

_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$")
_MEASURE = re.compile(r"^[a-z_]{1,32}(:[A-Za-z0-9_-]{1,64}(/[A-Za-z0-9_-]{1,64})?){0,2}$")
_CONTACT_MEASURES = {
    "found": CONTACT_FOUND,
    "ambiguous": CONTACT_AMBIGUOUS,
    "not_found": CONTACT_NOT_FOUND,
}


@dataclass(frozen=True, slots=True, order=True)
class StatKey:
    """What one count is of. Raises ValueError for anything that is not an id."""

    month: str
    municipality: str
    age_group: str
    measure: str

    def __post_init__(self) -> None:
        if not _MONTH.match(self.month):
            raise ValueError("a statistics month is YYYY-MM")
        if not (_ID.match(self.municipality) and _ID.match(self.age_group)):
            raise ValueError("a statistics municipality or age group is an id")
        if not _MEASURE.match(self.measure):
            raise ValueError("a statistics measure is a name, then ':' and ids")


class StatsStore(Protocol):
    """Durable counts (memory, SQLite or Redis). An increment is atomic across every process
    sharing the store, so two replicas count exactly as one would."""

    async def increment(self, key: StatKey) -> None:
        """Add one to the count of `key`."""

    async def counts(
        self, *, since: str | None = None, municipality: str | None = None
    ) -> dict[StatKey, int]:
        """Every count from month `since` on (all when None), of one municipality or all."""


def wanted(key: StatKey, since: str | None, municipality: str | None) -> bool:
    """Whether `key` is among the counts read with these filters (StatsStore.counts)."""
    return (since is None or key.month >= since) and (
        municipality is None or key.municipality == municipality
    )


def month_of(when: datetime) -> str:
    """The statistics month of a moment: its month in Swedish time."""
    return clock.to_local(when).strftime("%Y-%m")


def is_month(value: str) -> bool:
    return bool(_MONTH.match(value))


def flow_started(flow_id: str) -> str:
    return f"flow_started:{flow_id}"


def resources_asked(kind: str) -> str:
    return f"resources:{kind}"


def outcome_reached(flow_id: str, outcome_id: str) -> str:
    return f"outcome:{flow_id}/{outcome_id}"


def age_group_of(groups: Sequence[str]) -> str:
    """The age group an answer was for: the one group it showed (or "all"), else unknown —
    an answer for every age group of a school says nothing about the child's age."""
    return groups[0] if len(groups) == 1 else UNKNOWN


def measures_of(reply: Reply, directory: Directory) -> list[tuple[str, str, str]]:
    """(municipality, age group, measure) that a reply counts as: a contact question
    answered (a school's contacts, or a municipality of the directory named alone),
    ambiguous or not found (a municipality without a file among them), a kind of help
    asked for ("BUP Gnesta": `resources:bup`, whether the directory had any or not), or a
    checklist's outcome reached."""
    found: list[tuple[str, str, str]] = []
    contact = reply.contact
    if contact is not None and contact.resource_kind is not None:
        municipality = contact.municipality_id or UNKNOWN
        found.append((municipality, UNKNOWN, resources_asked(contact.resource_kind)))
    elif contact is not None:
        municipality = contact.municipality_id or UNKNOWN
        if contact.status == "municipality":  # one the directory has (found), or not
            measure = CONTACT_FOUND if contact.municipality_id else CONTACT_NOT_FOUND
        else:
            measure = _CONTACT_MEASURES[contact.status]
        found.append((municipality, age_group_of(contact.age_groups), measure))
    outcome = reply.outcome
    if outcome is not None:
        school = directory.schools.get(outcome.school) if outcome.school else None
        municipality = school.municipality_id if school else UNKNOWN
        age_group = age_group_of(outcome.age_groups)
        found.append((municipality, age_group, outcome_reached(outcome.flow, outcome.outcome)))
    return found


class Tally:
    """Counts on the request path and never fails it: a store error is logged (its type
    only, never a key's text or the message) and the answer still goes out."""

    def __init__(self, store: StatsStore | None, now: Callable[[], datetime]) -> None:
        self.store = store
        self.now = now

    async def add(self, counted: Iterable[tuple[str, str, str]]) -> None:
        if self.store is None:
            return
        month = month_of(self.now())
        for municipality, age_group, measure in counted:
            try:
                await self.store.increment(StatKey(month, municipality, age_group, measure))
            except Exception as exc:
                logger.warning("statistics: a count was lost (%s)", type(exc).__name__)


@dataclass(frozen=True, slots=True)
class ShownRow:
    """A count as every view and export shows it: "<5" or the number itself."""

    month: str
    municipality: str
    age_group: str
    measure: str
    count: int | str


def shown(counts: Mapping[StatKey, int]) -> list[ShownRow]:
    """The rows to show, in order: 0 left out, 1–4 as "<5". The one place that suppresses:
    every output of the statistics is made from these rows."""
    rows = []
    for key in sorted(counts):
        n = counts[key]
        if n <= 0:
            continue
        count: int | str = SUPPRESSED if n < THRESHOLD else n
        rows.append(ShownRow(key.month, key.municipality, key.age_group, key.measure, count))
    return rows
