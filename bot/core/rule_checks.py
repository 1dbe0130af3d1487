"""Checks across flows, files and the directory: ids, targets, reachability, templates, tests.

`rules_parser.parse_rules` checks each block's shape; this module checks what only the whole picture
shows. Every problem is located at the key that must change and, for unknown ids, suggests
the closest known one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from bot.core import rule_tests, templates
from bot.core.graph import State, moves
from bot.core.models import Directory
from bot.core.rules import (
    AGES_ADULT,
    AGES_FACT,
    AGES_UNKNOWN,
    CLOCK_FACT,
    CLOCK_VALUES,
    RESIDENCE_FACT,
    RESIDENCE_VALUES,
    Flow,
    LocalText,
)
from bot.core.schema import did_you_mean
from bot.core.yamlio import Document, PathKey
from bot.errors import Problem, Severity


class _Checker:
    def __init__(self, docs: Mapping[str, Document], directory: Directory) -> None:
        self.docs = docs
        self.directory = directory
        self.problems: list[Problem] = []

    def report(
        self,
        flow: Flow,
        keys: PathKey,
        message: str,
        *,
        severity: Severity = "error",
        at_key: bool = False,
    ) -> None:
        doc = self.docs.get(flow.path)
        if doc is None:
            self.problems.append(Problem(flow.path or "<rules>", 1, 1, severity, message))
        else:
            self.problems.append(doc.problem(keys, message, severity=severity, at_key=at_key))

    def line_of(self, flow: Flow, keys: PathKey) -> int:
        doc = self.docs.get(flow.path)
        return doc.mark(keys).line if doc else 1

    # ------------------------------------------------------------------ across flows

    def flow_ids(self, flows: Sequence[Flow]) -> None:
        first: dict[str, Flow] = {}
        for flow in flows:
            if flow.id in first:
                other = first[flow.id]
                self.report(
                    flow,
                    (*flow.where, "id"),
                    f"flow id '{flow.id}' is used twice "
                    f"(first in {other.path}, line {self.line_of(other, (*other.where, 'id'))})",
                )
            else:
                first[flow.id] = flow

    def triggers(self, flows: Sequence[Flow]) -> None:
        owner: dict[str, Flow] = {}
        for flow in flows:
            for lang, words in flow.triggers.items():
                for i, word in enumerate(words):
                    key = " ".join(word.casefold().split())
                    other = owner.setdefault(key, flow)
                    if other is not flow and other.id != flow.id:
                        self.report(
                            flow,
                            (*flow.where, "triggers", lang, i),
                            f"flow '{flow.id}': trigger word '{word}' also starts flow "
                            f"'{other.id}' — a word can start only one flow",
                        )

    def handovers(self, flows: Sequence[Flow]) -> None:
        """An outcome's `then:` names another flow: one that exists, and not its own."""
        for flow in flows:
            others = [f.id for f in flows if f.id != flow.id]
            for outcome in flow.outcomes:
                if outcome.then is None or outcome.then in others:
                    continue
                where = f"flow '{flow.id}', outcome '{outcome.id}': then '{outcome.then}'"
                if outcome.then == flow.id:
                    message = f"{where} is this flow itself — hand over to another flow"
                else:
                    listed = ", ".join(others) if others else "none"
                    message = (
                        f"{where} is no other flow" + did_you_mean(outcome.then, others)
                        + f" (other flows: {listed})"
                    )  # fmt: skip
                self.report(flow, (*outcome.where, "then"), message)

    # ------------------------------------------------------------------ within a flow

    def ids(self, flow: Flow) -> None:
        seen: dict[str, PathKey] = {}
        for node_id, where in [(s.id, s.where) for s in flow.steps] + [
            (o.id, o.where) for o in flow.outcomes
        ]:
            if node_id in seen:
                self.report(
                    flow,
                    (*where, "id"),
                    f"flow '{flow.id}': id '{node_id}' is used twice "
                    f"(first on line {self.line_of(flow, (*seen[node_id], 'id'))}); "
                    "steps and outcomes need different ids",
                )
            else:
                seen[node_id] = where
        for step in flow.steps:
            options: set[str] = set()
            for option in step.options:
                if option.id in options:
                    self.report(
                        flow,
                        (*option.where, "id"),
                        f"flow '{flow.id}', step '{step.id}': option id '{option.id}' is used "
                        "twice in this step",
                    )
                options.add(option.id)

    def targets(self, flow: Flow) -> None:
        known = flow.node_ids()
        if flow.start not in known:
            self.report(
                flow,
                (*flow.where, "start"),
                f"flow '{flow.id}': start '{flow.start}' is no step in this flow"
                + did_you_mean(flow.start, known),
            )
        for step in flow.steps:
            for target, keys in step.targets():
                if target not in known:
                    self.report(
                        flow,
                        keys,
                        f"flow '{flow.id}', step '{step.id}': '{target}' is no step or outcome "
                        "in this flow" + did_you_mean(target, known),
                    )

    def graph(self, flow: Flow) -> None:
        """Unreachable nodes, dead ends and loops that the engine would spin in."""
        edges = {s.id: [t for t, _ in s.targets() if t in flow.node_ids()] for s in flow.steps}
        reach = _reachable(flow.start, edges)
        for step in flow.steps:
            if step.id not in reach and flow.start in edges:
                self.report(
                    flow,
                    (*step.where, "id"),
                    f"flow '{flow.id}': step '{step.id}' cannot be reached from the start "
                    f"'{flow.start}'; link to it or remove it",
                )
        # which steps can still reach an outcome, at each time of day and with the facts set
        # on the way (a route decides the same way every time round a loop)
        stuck_at = {clock: _stuck(flow, clock) for clock in CLOCK_VALUES}
        stuck_ids = set().union(*stuck_at.values())
        stuck = [s for s in flow.steps if s.id in stuck_ids]
        if stuck:
            names = ", ".join(f"'{s.id}'" for s in stuck)
            only = [c for c, ids in stuck_at.items() if ids]
            when = {"office_hours": " in office hours", "after_hours": " after hours"}
            at = when[only[0]] if len(only) == 1 else ""
            self.report(
                flow,
                (*stuck[0].where, "id"),
                f"flow '{flow.id}': from {names} no path leads to an outcome{at} (the answers "
                "only loop back) — let at least one answer end in an outcome",
            )
        else:
            for outcome in flow.outcomes:
                if outcome.id not in reach and flow.start in edges:
                    self.report(
                        flow,
                        (*outcome.where, "id"),
                        f"flow '{flow.id}': outcome '{outcome.id}' is never reached",
                        severity="warning",
                    )
        self.auto_loops(flow, edges)
        self.school_first(flow, edges)

    def auto_loops(self, flow: Flow, edges: Mapping[str, list[str]]) -> None:
        """A loop of route steps only would spin without asking anything."""
        auto = {s.id for s in flow.steps if s.kind in ("route", "school")}
        auto_edges = {k: [t for t in v if t in auto] for k, v in edges.items() if k in auto}
        for node, targets in auto_edges.items():
            if node in set().union(*(_reachable(t, auto_edges) for t in targets)):
                step = flow.step(node)
                assert step is not None
                self.report(
                    flow,
                    (*step.where, "id"),
                    f"flow '{flow.id}': step '{node}' leads back to itself without asking "
                    "anything, so the conversation would never move on",
                )

    def school_first(self, flow: Flow, edges: Mapping[str, list[str]]) -> None:
        """Every outcome shows the socialjour of the school's municipality: ask the school."""
        schools = {s.id for s in flow.steps if s.kind == "school"}
        no_school = {k: [t for t in v if t not in schools] for k, v in edges.items()}
        if flow.start in schools:
            return
        early = [o.id for o in flow.outcomes if o.id in _reachable(flow.start, no_school)]
        if early:
            names = ", ".join(f"'{o}'" for o in early)
            self.report(
                flow,
                (*flow.where, "start"),
                f"flow '{flow.id}': {'outcome' if len(early) == 1 else 'outcomes'} {names} "
                "can be reached without a school step, so the bot cannot show the school's "
                "contacts and socialjour — start the flow with a school step",
            )

    def facts(self, flow: Flow) -> None:
        set_facts: dict[str, set[str]] = {RESIDENCE_FACT: set(RESIDENCE_VALUES)}
        if any(s.kind == "ages" for s in flow.steps):
            set_facts[AGES_FACT] = set()
        for step in flow.steps:
            for option in step.options:
                for name, value in option.sets.items():
                    set_facts.setdefault(name, set()).add(value)
        for step in flow.steps:
            for rule in step.routes:
                for cond in rule.when:
                    if cond.fact == CLOCK_FACT:
                        continue
                    keys = (*rule.where, "when", cond.fact)
                    if cond.fact not in set_facts:
                        self.report(
                            flow,
                            keys,
                            f"flow '{flow.id}', step '{step.id}': no option sets the fact "
                            f"'{cond.fact}'" + did_you_mean(cond.fact, set_facts),
                            at_key=True,
                        )
                        continue
                    for value in cond.values:
                        if value not in set_facts[cond.fact] and cond.fact != AGES_FACT:
                            self.report(
                                flow,
                                keys,
                                f"flow '{flow.id}', step '{step.id}': no option sets "
                                f"'{cond.fact}' to '{value}'"
                                + did_you_mean(value, set_facts[cond.fact]),
                            )

    def texts(self, flow: Flow) -> None:
        known = {f for s in flow.steps for o in s.options for f in o.sets}
        known |= {RESIDENCE_FACT} if any(s.kind == "residence" for s in flow.steps) else set()
        known |= {AGES_FACT} if any(s.kind == "ages" for s in flow.steps) else set()
        for keys, text in _all_texts(flow):
            for lang, source in text.items():
                for message in templates.check_template(source):
                    self.report(flow, (*keys, lang), f"flow '{flow.id}': {message}")
                for fact in sorted(templates.fact_uses(source) - known):
                    self.report(
                        flow,
                        (*keys, lang),
                        f"flow '{flow.id}': no answer sets the fact '{fact}' that the text "
                        f"reads as facts.{fact}" + did_you_mean(fact, known),
                    )

    def tests(self, flow: Flow) -> None:
        answers = {o.id for s in flow.steps for o in s.options}
        if any(s.kind == "info" for s in flow.steps):
            answers.add("next")
        if any(s.kind == "residence" for s in flow.steps):
            answers |= set(RESIDENCE_VALUES) | {
                rule_tests.ANY_OTHER,
                rule_tests.NOT_LISTED,
                rule_tests.UNCONFIGURED,
            }
            answers |= set(self.directory.municipalities)
        if any(s.kind == "ages" for s in flow.steps):
            answers |= {AGES_ADULT, AGES_UNKNOWN}
            answers |= {g.id for m in self.directory.municipalities.values() for g in m.age_groups}
            answers |= {str(age) for age in range(100)}  # "8": the group of 8-year-olds
        outcomes = [o.id for o in flow.outcomes]
        for test in flow.tests:
            where = f"flow '{flow.id}', test '{test.name}'"
            for i, answer in enumerate(test.answers):
                if answer not in answers:
                    self.report(
                        flow,
                        (*test.where, "answers", i),
                        f"{where}: '{answer}' is no option in this flow"
                        + did_you_mean(answer, answers),
                    )
            if test.expect not in outcomes:
                self.report(
                    flow,
                    (*test.where, "expect"),
                    f"{where}: '{test.expect}' is no outcome in this flow"
                    + did_you_mean(test.expect, outcomes),
                )
            if test.school is not None and test.school not in self.directory.schools:
                self.report(
                    flow,
                    (*test.where, "school"),
                    f"{where}: school '{test.school}' is not in the directory"
                    + did_you_mean(test.school, self.directory.schools),
                )
            phrases_of = (
                ("contains", test.contains),
                ("not_contains", test.not_contains),
                ("shows", test.shows),
            )
            for key, phrases in phrases_of:
                for i, phrase in enumerate(phrases):
                    for message in templates.check_template(phrase):
                        self.report(flow, (*test.where, key, i), f"{where}: {message}")


def _all_texts(flow: Flow) -> Iterable[tuple[PathKey, LocalText]]:
    yield (*flow.where, "title"), flow.title
    for step in flow.steps:
        if step.text is not None:
            yield (*step.where, step.kind), step.text
        for option in step.options:
            yield (*option.where, "label"), option.label
    for outcome in flow.outcomes:
        yield (*outcome.where, "text"), outcome.text
        if outcome.title is not None:
            yield (*outcome.where, "title"), outcome.title


def _reachable(start: str, edges: Mapping[str, list[str]]) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for nxt in edges.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


MAX_STATES = 20_000  # (step, facts) pairs explored per flow and time of day


def _stuck(flow: Flow, clock: str) -> set[str]:
    """Steps where, at this time of day and with the facts so far, no outcome can follow."""
    outcomes = {o.id for o in flow.outcomes}
    start: State = (flow.start, frozenset())
    edges: dict[State, list[State]] = {}
    todo = [start]
    while todo:
        state = todo.pop()
        if state in edges or state[0] in outcomes:
            continue
        if len(edges) > MAX_STATES:
            return set()  # too many combinations to check; the plain reachability still ran
        edges[state] = [nxt for nxt, _ in moves(flow, state, clock)]
        todo.extend(edges[state])
    back: dict[State, list[State]] = {}
    for src, targets in edges.items():
        for t in targets:
            back.setdefault(t, []).append(src)
    fine = {t for targets in edges.values() for t in targets if t[0] in outcomes}
    todo = list(fine)
    while todo:
        for prev in back.get(todo.pop(), []):
            if prev not in fine:
                fine.add(prev)
                todo.append(prev)
    return {state[0] for state in edges if state not in fine}


def cross_check(
    flows: Sequence[Flow], docs: Mapping[str, Document], directory: Directory
) -> list[Problem]:
    """Every problem that needs more than one block to see, errors and warnings."""
    checker = _Checker(docs, directory)
    checker.flow_ids(flows)
    checker.triggers(flows)
    checker.handovers(flows)
    for flow in flows:
        checker.texts(flow)
        if not flow.complete:
            continue  # parts are missing: what follows would only repeat the parse errors
        before = len(checker.problems)
        checker.ids(flow)
        checker.targets(flow)
        if len(checker.problems) == before:  # a graph with broken links says nothing new
            checker.graph(flow)
        checker.facts(flow)
        checker.tests(flow)
    return checker.problems
