"""Properties: flows that pass the checks never strand a user; no input crashes the loader."""

from __future__ import annotations

import tempfile
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.core import conversation
from bot.core.actions import Action, Back, Cancel
from bot.core.clock import STOCKHOLM
from bot.core.flow_state import FlowContext
from bot.core.matching import SchoolIndex
from bot.core.rule_checks import cross_check
from bot.core.rules import Flow
from bot.core.rules_parser import is_rules_document, parse_rules
from bot.core.sessions import Session
from bot.core.yamlio import load_document, parse_document
from bot.errors import ConfigError
from tests.helpers.rules_fixtures import tiny_directory

DIRECTORY = tiny_directory()
INDEX = SchoolIndex(DIRECTORY)
SCHOOL = DIRECTORY.schools["tuna/tunaskolan"]


@st.composite
def flow_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A flow whose steps form a chain (so all are reachable) with random extra links."""
    n = draw(st.integers(1, 6))
    m = draw(st.integers(1, 3))
    steps = [f"s{i}" for i in range(n)]
    outcomes = [f"o{i}" for i in range(m)]
    nodes = steps + outcomes
    raw_steps: list[dict[str, Any]] = [
        {"id": "skola", "school": {"sv": "Vilken skola?"}, "next": "s0"}
    ]
    for i, step_id in enumerate(steps):
        onward = steps[i + 1] if i + 1 < n else draw(st.sampled_from(outcomes))
        kind = draw(st.sampled_from(["question", "ages", "info", "route", "residence"]))
        text = {"sv": f"Text {i}", "en": f"Text {i}"}
        if kind == "question":
            extra = draw(st.lists(st.sampled_from(nodes), max_size=3))
            options = []
            for j, target in enumerate([onward, *extra]):
                option: dict[str, Any] = {
                    "id": f"a{j}",
                    "label": {"sv": f"Svar {j}"},
                    "goto": target,
                }
                if draw(st.booleans()):
                    option["sets"] = {"f": draw(st.sampled_from(["x", "y"]))}
                options.append(option)
            raw_steps.append({"id": step_id, "question": text, "options": options})
        elif kind == "route":
            rules: list[dict[str, Any]] = []
            if draw(st.booleans()):
                rules.append(
                    {"when": {"clock": "after_hours"}, "goto": draw(st.sampled_from(nodes))}
                )
            if draw(st.booleans()):
                rules.append({"when": {"residence": "other"}, "goto": draw(st.sampled_from(nodes))})
            rules.append({"goto": onward})
            raw_steps.append({"id": step_id, "route": rules})
        elif kind == "ages":
            adult = draw(st.sampled_from(nodes))
            raw_steps.append({"id": step_id, "ages": text, "next": onward, "adult": adult})
        else:
            raw_steps.append({"id": step_id, kind: text, "next": onward})
    raw_outcomes = [
        {"id": o, "kind": draw(st.sampled_from(["acute", "report", "info"])), "text": {"sv": o}}
        for o in outcomes
    ]
    return {"flows": [{"id": "slump", "title": "Slump", "start": "skola", "steps": raw_steps,
                       "outcomes": raw_outcomes}]}  # fmt: skip


def _checked_flow(data: dict[str, Any]) -> Flow | None:
    doc = parse_document(yaml.safe_dump(data, allow_unicode=True), "slump.yml")
    flows, problems = parse_rules(doc)
    problems += cross_check(flows, {doc.path: doc}, DIRECTORY)
    if any(p.severity == "error" for p in problems):
        return None
    return flows[0]


def _ctx(now: datetime, school_known: bool) -> FlowContext:
    return FlowContext(
        directory=DIRECTORY,
        index=INDEX,
        now=now,
        locale="sv",
        known_school=SCHOOL if school_known else None,
    )


def _moves(
    reply_choices: list[Action], step_kind: str | None
) -> list[tuple[Action | None, str | None]]:
    """Ways forward: click any offered answer, or type the school's name at a school step."""
    moves: list[tuple[Action | None, str | None]] = [
        (c, None) for c in reply_choices if not isinstance(c, Back | Cancel)
    ]
    if step_kind == "school":
        moves.append((None, "Tunaskolan"))
    return moves


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    data=flow_documents(),
    evening=st.booleans(),
    school_known=st.booleans(),
)
def test_flows_that_pass_the_checks_never_dead_end(
    data: dict[str, Any], evening: bool, school_known: bool
) -> None:
    flow = _checked_flow(data)
    assume(flow is not None)
    assert flow is not None
    now = datetime(2026, 11, 25, 21 if evening else 10, 0, tzinfo=STOCKHOLM)
    ctx = _ctx(now, school_known)

    # explore every state the engine can reach by answering (back is never needed to finish);
    # a state is what the engine acts on: the step, the facts, and a pending municipality
    def state(turn: conversation.Turn) -> tuple[object, ...]:
        session = turn.session
        pending = bool(session.answers) and session.answers[-1] == (session.step, "other")
        return (session.step, tuple(sorted(session.facts.items())), pending)

    first = conversation.start(flow, Session(), ctx)
    if first.reply.kind == "outcome":  # nothing to ask: the school was known
        assert "112" in (first.reply.footer or "")
        return
    edges: dict[tuple[object, ...], set[tuple[object, ...]]] = {}
    finished = {("outcome",)}
    todo = deque([first])
    seen = {state(first)}
    while todo:
        turn = todo.popleft()
        here = state(turn)
        step = flow.step(turn.session.step or "")
        moves = _moves([c.action for c in turn.reply.choices], step.kind if step else None)
        assert turn.reply.kind == "step" and moves, "a step with no way forward"
        for choice, text in moves:
            nxt = conversation.advance(flow, turn.session, ctx, choice=choice, text=text)
            assert nxt.reply.kind in ("step", "outcome")
            if nxt.reply.kind == "outcome":
                assert "112" in (nxt.reply.footer or "")
                edges.setdefault(here, set()).add(("outcome",))
                continue
            there = state(nxt)
            edges.setdefault(here, set()).add(there)
            if there not in seen:
                seen.add(there)
                todo.append(nxt)
    # from every state seen, some sequence of answers reaches an outcome
    can_finish = set(finished)
    changed = True
    while changed:
        changed = False
        for here, targets in edges.items():
            if here not in can_finish and targets & can_finish:
                can_finish.add(here)
                changed = True
    assert seen <= can_finish


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_crash_the_loader(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rules.yml"
        path.write_bytes(raw)
        try:
            doc = load_document(path)
        except ConfigError as exc:
            assert exc.problems and all(p.path == str(path) for p in exc.problems)
            return
    if is_rules_document(doc.data):
        flows, _ = parse_rules(doc)
        cross_check(flows, {doc.path: doc}, DIRECTORY)


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 30), st.text(max_size=8),
    st.sampled_from(["id", "sv", "en", "goto", "next", "skola", "o0", "{{ x }}", "{%", "13-17"]),
)  # fmt: skip
_keys = st.sampled_from(
    ["id", "title", "start", "steps", "outcomes", "tests", "question", "info", "route", "school",
     "residence", "options", "label", "goto", "next", "sets", "when", "kind", "text", "sv", "en",
     "answers", "expect", "at", "triggers", "contains", "x"]
)  # fmt: skip
_shapes = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=5)),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_shapes, max_size=3))
def test_any_shape_under_flows_gives_problems_not_exceptions(flows_data: list[Any]) -> None:
    text = yaml.safe_dump({"flows": flows_data}, allow_unicode=True)
    doc = parse_document(text, "shape.yml")
    flows, problems = parse_rules(doc)
    problems += cross_check(flows, {doc.path: doc}, DIRECTORY)
    assert all(p.path == "shape.yml" and p.line >= 1 for p in problems)
