"""Checklist flows: the frozen model of a rules file.

A rules file holds `flows:`; each flow has steps (question, ages, info, route, school, residence),
outcomes and rule tests. `bot.core.rules_parser` builds this model from a file, checking the
shape of every block; `bot.core.rule_checks` checks the references between ids afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

from bot.core.models import AgeGroup
from bot.core.yamlio import PathKey

StepKind = Literal["question", "ages", "info", "route", "school", "residence"]
OutcomeKind = Literal["acute", "protect", "report", "consult", "adult", "info"]
STEP_KINDS: tuple[str, ...] = get_args(StepKind)
OUTCOME_KINDS: tuple[str, ...] = get_args(OutcomeKind)
LOCALES = ("sv", "en")

# Facts the engine sets or reads itself; rule files may route on them.
CLOCK_FACT = "clock"  # office_hours | after_hours, for the school's municipality, right now
CLOCK_VALUES = ("office_hours", "after_hours")
AGES_FACT = "ages"  # "13-17": picks the school's contacts for that age group
CHILD_MAX_AGE = 17  # a child is under 18 (3 kap. 1 § socialtjänstlagen)
ADULT_AGES = "18-20"  # what the 18-or-older answer of an ages step sets
# the answers of an ages step besides the ids of the municipality's age groups
AGES_ADULT = "adult"
AGES_UNKNOWN = "unknown"
RESIDENCE_FACT = "residence"  # here | other | unknown, set by a residence step
RESIDENCE_VALUES = ("here", "other", "unknown")

ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
AGES_RE = re.compile(r"^(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class LocalText:
    """A text in Swedish (required) and English (optional; Swedish is shown instead)."""

    sv: str
    en: str | None = None

    def get(self, locale: str) -> str:
        return self.en if locale == "en" and self.en else self.sv

    def items(self) -> tuple[tuple[str, str], ...]:
        return tuple((k, v) for k, v in (("sv", self.sv), ("en", self.en)) if v is not None)


@dataclass(frozen=True)
class Option:
    """One answer button of a question step: where it goes and which facts it sets."""

    id: str
    label: LocalText
    goto: str
    sets: Mapping[str, str] = field(default_factory=dict)
    where: PathKey = ()


@dataclass(frozen=True)
class Condition:
    """`fact` has one of `values` (the `clock` fact is computed, not set by an option)."""

    fact: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class RouteRule:
    """Go to `goto` when every condition holds; no conditions means 'otherwise'."""

    when: tuple[Condition, ...]
    goto: str
    where: PathKey = ()


@dataclass(frozen=True)
class Step:
    """One step of a flow. Which fields matter depends on `kind` (see rules/README.md)."""

    id: str
    kind: StepKind
    text: LocalText | None = None  # the question / information / prompt
    options: tuple[Option, ...] = ()  # question
    next: str | None = None  # info, school, residence; ages: for a child
    adult: str | None = None  # ages: for 18 or older
    routes: tuple[RouteRule, ...] = ()  # route
    where: PathKey = ()

    def targets(self) -> tuple[tuple[str, PathKey], ...]:
        """Every id this step can lead to, with where in the file it is written."""
        out: list[tuple[str, PathKey]] = [(o.goto, (*o.where, "goto")) for o in self.options]
        out.extend((r.goto, (*r.where, "goto")) for r in self.routes)
        if self.next is not None:
            out.append((self.next, (*self.where, "next")))
        if self.adult is not None:
            out.append((self.adult, (*self.where, "adult")))
        return tuple(out)

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Outcome:
    """The end of a flow: what to do, of a kind that the transports may style."""

    id: str
    kind: OutcomeKind
    text: LocalText
    title: LocalText | None = None
    then: str | None = None  # Flow.id the outcome offers a button to go on with
    where: PathKey = ()


@dataclass(frozen=True)
class RuleTest:
    """An answer sequence (option ids) and what the outcome must be and say."""

    name: str
    answers: tuple[str, ...]
    expect: str
    at: datetime | None = None  # naive = Stockholm local time
    school: str | None = None  # school key; default: the first school of the directory
    locale: str = "sv"
    contains: tuple[str, ...] = ()
    not_contains: tuple[str, ...] = ()
    shows: tuple[str, ...] = ()  # somewhere on the way, a step or the outcome
    max_clicks: int | None = None  # at most this many clicks after the school
    where: PathKey = ()


@dataclass(frozen=True)
class Flow:
    """A checklist. Steps and outcomes keep file order (duplicates are reported by checks)."""

    id: str
    title: LocalText
    start: str
    steps: tuple[Step, ...]
    outcomes: tuple[Outcome, ...]
    triggers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    tests: tuple[RuleTest, ...] = ()
    path: str = ""
    where: PathKey = ()
    complete: bool = True  # False when parts could not be read: checks then skip the graph

    def step(self, node_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == node_id), None)

    def outcome(self, node_id: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.id == node_id), None)

    def node_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.steps) + tuple(o.id for o in self.outcomes)

    def all_triggers(self) -> tuple[str, ...]:
        """Trigger words of every language: a Swedish word starts the flow in English too."""
        return tuple(w for words in self.triggers.values() for w in words)


def ages_of(value: str | None) -> tuple[int, int] | None:
    """The (low, high) ages of an 'ages' fact, or None."""
    m = AGES_RE.match(value or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def child_bands(groups: tuple[AgeGroup, ...]) -> tuple[tuple[str, int, int], ...]:
    """(group id, youngest, oldest) of each age group with children in it, capped at 17:
    the answers of an ages step (18 or older is an answer of its own)."""
    return tuple(
        (g.id, g.min_age, min(g.max_age, CHILD_MAX_AGE))
        for g in groups
        if g.min_age <= CHILD_MAX_AGE
    )
