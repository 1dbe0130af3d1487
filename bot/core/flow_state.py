"""Where a checklist stands: the answers replayed from the flow's start step.

A session holds only the answers; the current step, the facts and the chosen school are
derived by replaying them, so 'back' (drop the last answer) also undoes the facts that answer
set, and a session written before a rules reload still lands somewhere sane.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.core import clock
from bot.core.matching import SchoolIndex
from bot.core.models import Directory, Locale, School
from bot.core.rules import (
    ADULT_AGES,
    AGES_ADULT,
    AGES_FACT,
    AGES_UNKNOWN,
    CLOCK_FACT,
    RESIDENCE_FACT,
    Flow,
    Outcome,
    Step,
    child_bands,
)

logger = logging.getLogger(__name__)

MAX_AUTO_STEPS = 500  # a safety net; rule checks reject loops before a flow goes live
RESIDENCE_MUNICIPALITY = "residence_municipality"
OTHER = "other"


@dataclass(frozen=True)
class FlowContext:
    """What the engine needs besides the flow and the session; built per message."""

    directory: Directory
    index: SchoolIndex
    now: datetime
    locale: Locale
    known_school: School | None
    # every flow of the catalog, for the button of an outcome that hands over (`then:`)
    flows: Mapping[str, Flow] = field(default_factory=dict)


@dataclass
class Position:
    """Where a replay of the answers ends: waiting at a step, or at an outcome."""

    step: Step | None
    outcome: Outcome | None
    answers: list[tuple[str, str]]
    facts: dict[str, str] = field(default_factory=dict)
    school: School | None = None
    waiting: Literal["answer", "municipality", "done"] = "answer"


def _clock_fact(school: School | None, ctx: FlowContext) -> str | None:
    if school is None:
        return None
    m = ctx.directory.municipality_of(school)
    return "office_hours" if clock.is_office_hours(m, ctx.now) else "after_hours"


def _route(step: Step, facts: dict[str, str], school: School | None, ctx: FlowContext) -> str:
    def value(fact: str) -> str | None:
        return _clock_fact(school, ctx) if fact == CLOCK_FACT else facts.get(fact)

    for rule in step.routes:
        if all(value(cond.fact) in cond.values for cond in rule.when):
            return rule.goto
    return step.routes[-1].goto  # the parser guarantees a last rule without conditions


def _ages(
    step: Step, option_id: str, facts: dict[str, str], school: School | None, ctx: FlowContext
) -> str | None:
    """An answer of an ages step: an age group of the school's municipality, 18+ or unknown."""
    if option_id == AGES_ADULT:
        facts[AGES_FACT] = ADULT_AGES
        return step.adult
    if option_id == AGES_UNKNOWN:  # treated as a child; the contacts of every age are shown
        return step.next
    groups = ctx.directory.municipality_of(school).age_groups if school else ()
    for group_id, low, high in child_bands(groups):
        if group_id == option_id:
            facts[AGES_FACT] = f"{low}-{high}"
            return step.next
    return None


def _apply(
    step: Step, option_id: str, facts: dict[str, str], school: School | None, ctx: FlowContext
) -> tuple[str | None, bool]:
    """(next node, pending) for an answer at a step; None when the answer does not fit."""
    if step.kind == "ages":
        return _ages(step, option_id, facts, school, ctx), False
    if step.kind == "question":
        opt = step.option(option_id)
        if opt is None:
            return None, False
        facts.update(opt.sets)
        return opt.goto, False
    if step.kind == "info":
        return (step.next, False) if option_id == "next" else (None, False)
    if step.kind == "residence":
        kind, _, muni = option_id.partition(":")
        if kind not in ("here", "unknown", OTHER):
            return None, False
        facts[RESIDENCE_FACT] = kind
        facts.pop(RESIDENCE_MUNICIPALITY, None)
        if kind == OTHER and ":" not in option_id:
            return step.next, True  # still to name the municipality
        if muni and ctx.directory.places.by_key(muni) is not None:
            facts[RESIDENCE_MUNICIPALITY] = muni
        return step.next, False
    return None, False


def replay(flow: Flow, answers: tuple[tuple[str, str], ...], ctx: FlowContext) -> Position:
    """Walk the flow from its start through `answers`; stop where an answer is needed."""
    facts: dict[str, str] = {}
    school = ctx.known_school
    kept: list[tuple[str, str]] = []
    queue = list(answers)
    node = flow.start
    for _ in range(MAX_AUTO_STEPS):
        outcome = flow.outcome(node)
        if outcome is not None:
            return Position(None, outcome, kept, facts, school, "done")
        step = flow.step(node)
        if step is None:  # checks prevent this; a flow that cannot go on is ended politely
            logger.warning("flow %s: unknown node %s", flow.id, node)
            break
        if step.kind == "route":
            node = _route(step, facts, school, ctx)
            continue
        if step.kind == "school" and school is not None and not (queue and queue[0][0] == step.id):
            node = step.next or ""
            continue
        if not queue or queue[0][0] != step.id:
            return Position(step, None, kept, facts, school)
        answer = queue.pop(0)
        if step.kind == "school":
            chosen = ctx.directory.schools.get(answer[1])
            if chosen is None:
                return Position(step, None, kept, facts, school)
            school = chosen
            kept.append(answer)
            node = step.next or ""
            continue
        target, pending = _apply(step, answer[1], facts, school, ctx)
        if target is None:
            return Position(step, None, kept, facts, school)
        kept.append(answer)
        if pending:
            return Position(step, None, kept, facts, school, "municipality")
        node = target
    return Position(None, None, kept, facts, school, "done")
