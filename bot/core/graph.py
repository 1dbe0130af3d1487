"""A flow as a diagram: Mermaid (GitHub/GitLab render it inline) or Graphviz DOT.

Questions are diamonds, information steps boxes, the school and residence steps
parallelograms, routes hexagons; answers label the edges; outcomes are rounded and coloured
by kind, so the acute and protect ends stand out.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.rules import (
    ADULT_AGES,
    AGES_FACT,
    CLOCK_FACT,
    CLOCK_VALUES,
    RESIDENCE_FACT,
    RESIDENCE_VALUES,
    Flow,
    LocalText,
    Outcome,
    Step,
)

MAX_LABEL = 60
COLOURS = {
    "acute": ("#f8d7da", "#b02a37"),
    "protect": ("#fde2c4", "#c35a00"),
    "report": ("#d1e7dd", "#146c43"),
    "consult": ("#cfe2ff", "#0a58ca"),
    "adult": ("#e2d9f3", "#59359a"),
    "info": ("#e9ecef", "#495057"),
}
ROUTE_OTHERWISE = {"sv": "annars", "en": "otherwise"}
NEXT = {"sv": "vidare", "en": "next"}
RESIDENCE = {"sv": "här / annan kommun / vet inte", "en": "here / elsewhere / unknown"}
AGES_CHILD = {
    "sv": "kommunens åldersgrupper / vet inte",
    "en": "the municipality's age groups / unknown",
}
AGES_ADULT = {"sv": "18 år eller äldre", "en": "18 or older"}
CLICKS = {"sv": "klick efter skolan", "en": "clicks after the school"}
# step kind -> (Mermaid opening, Mermaid closing, Graphviz shape)
SHAPES = {
    "question": ("{", "}", "diamond"),
    "ages": ("{", "}", "diamond"),
    "info": ("[", "]", "box"),
    "school": ("[/", "/]", "parallelogram"),
    "residence": ("[/", "/]", "parallelogram"),
    "route": ("{{", "}}", "hexagon"),
}


def _short(text: LocalText | None, locale: str, fallback: str, *, last: bool = True) -> str:
    """One paragraph of a text (a question's last, an information's first), shortened."""
    if text is None:
        return fallback
    paragraphs = text.get(locale).strip().split("\n\n")
    body = paragraphs[-1] if last else paragraphs[0]
    body = " ".join(body.replace("*", "").split())
    if "{" in body:  # template code makes no sense in a diagram
        body = body.split("{", 1)[0].strip() or fallback
    return body if len(body) <= MAX_LABEL else body[: MAX_LABEL - 1].rstrip() + "…"


def _ids(flow: Flow) -> dict[str, str]:
    """Diagram-safe node ids (rule ids may contain '-' or words a renderer reserves)."""
    ids = {s.id: f"s{i}" for i, s in enumerate(flow.steps)}
    ids.update({o.id: f"o{i}" for i, o in enumerate(flow.outcomes)})
    return ids


def _edges(step: Step, locale: str) -> list[tuple[str, str]]:
    """(label, target) for every way out of a step."""
    if step.kind == "question":
        return [(o.label.get(locale), o.goto) for o in step.options]
    if step.kind == "route":
        out = []
        for rule in step.routes:
            if rule.when:
                label = "; ".join(f"{c.fact}: {', '.join(c.values)}" for c in rule.when)
            else:
                label = ROUTE_OTHERWISE.get(locale, "otherwise")
            out.append((label, rule.goto))
        return out
    if step.kind == "residence":
        return [(RESIDENCE.get(locale, RESIDENCE["en"]), step.next or "")]
    if step.kind == "ages":
        return [
            (AGES_CHILD.get(locale, AGES_CHILD["en"]), step.next or ""),
            (AGES_ADULT.get(locale, AGES_ADULT["en"]), step.adult or ""),
        ]
    return [("", step.next or "")]


def _node_label(step: Step, locale: str) -> str:
    if step.kind == "route":
        return step.id
    return _short(step.text, locale, step.id, last=step.kind != "info")


def _mermaid_text(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def clicks_label(span: tuple[int, int | None] | None, locale: str) -> str:
    """'6–7 klick efter skolan', '3 …', '2–∞ …' for a flow with a loop; '' when unreachable."""
    if span is None:
        return ""
    low, high = span
    shown = str(low) if high == low else f"{low}–{'∞' if high is None else high}"
    return f"{shown} {CLICKS.get(locale, CLICKS['en'])}"


def _outcome_label(
    outcome: Outcome, locale: str, spans: Mapping[str, tuple[int, int | None]], br: str
) -> str:
    label = f"{outcome.kind.upper()} · {outcome.id}{br}{_short(outcome.title, locale, '')}"
    if outcome.then:  # the flow it hands over to, which its button starts
        label += f"{br}→ {outcome.then}"
    counted = clicks_label(spans.get(outcome.id), locale)
    return f"{label}{br}{counted}" if counted else label


def to_mermaid(flow: Flow, locale: str = "sv") -> str:
    """A Mermaid flowchart of `flow`; each outcome says how many clicks it takes."""
    ids = _ids(flow)
    spans = clicks(flow)
    lines = ["flowchart TD"]
    for step in flow.steps:
        opening, closing, _ = SHAPES[step.kind]
        label = _node_label(step, locale)
        lines.append(f"    {ids[step.id]}{opening}{_mermaid_text(label)}{closing}")
    for outcome in flow.outcomes:
        label = _outcome_label(outcome, locale, spans, "<br/>")
        lines.append(f"    {ids[outcome.id]}([{_mermaid_text(label)}]):::{outcome.kind}")
    for step in flow.steps:
        for label, target in _edges(step, locale):
            if target not in ids:
                continue
            arrow = f" -->|{_mermaid_text(label)}| " if label else " --> "
            lines.append(f"    {ids[step.id]}{arrow}{ids[target]}")
    for kind in sorted({o.kind for o in flow.outcomes}):
        fill, stroke = COLOURS[kind]
        lines.append(f"    classDef {kind} fill:{fill},stroke:{stroke},stroke-width:2px")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def to_dot(flow: Flow, locale: str = "sv") -> str:
    """A Graphviz digraph of `flow` (render with `dot -Tsvg`)."""
    ids = _ids(flow)
    spans = clicks(flow)
    lines = [
        f"digraph {_dot_text(flow.id)} {{",
        f"    label={_dot_text(flow.title.get(locale))};",
        '    rankdir=TB; node [fontname="Helvetica"]; edge [fontname="Helvetica"];',
    ]
    for step in flow.steps:
        label = _node_label(step, locale)
        lines.append(
            f"    {ids[step.id]} [shape={SHAPES[step.kind][2]}, label={_dot_text(label)}];"
        )
    for outcome in flow.outcomes:
        fill, stroke = COLOURS[outcome.kind]
        label = _outcome_label(outcome, locale, spans, "\\n")
        lines.append(
            f'    {ids[outcome.id]} [shape=box, style="rounded,filled", fillcolor="{fill}", '
            f'color="{stroke}", penwidth=2, label={_dot_text(label)}];'
        )
    for step in flow.steps:
        for label, target in _edges(step, locale):
            if target in ids:
                attrs = f" [label={_dot_text(label)}]" if label else ""
                lines.append(f"    {ids[step.id]} -> {ids[target]}{attrs};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- paths and clicks

State = tuple[str, frozenset[tuple[str, str]]]  # (node, facts set so far)


def moves(flow: Flow, state: State, clock: str) -> list[tuple[State, int]]:
    """Every way on from `state` at this time of day, with the clicks it takes.

    A question, an age, an information and a residence answer take one click ("another
    municipality" one more, to pick it); routes and the school step (known by then) none.
    """
    node, facts = state
    step = flow.step(node)
    if step is None:
        return []

    def to(target: str | None, more: Mapping[str, str], clicks: int) -> tuple[State, int]:
        return (target or "", frozenset({**dict(facts), **more}.items())), clicks

    if step.kind == "question":
        return [to(o.goto, o.sets, 1) for o in step.options]
    if step.kind == "ages":
        return [to(step.next, {}, 1), to(step.adult, {AGES_FACT: ADULT_AGES}, 1)]
    if step.kind == "residence":
        return [
            to(step.next, {RESIDENCE_FACT: k}, 2 if k == "other" else 1) for k in RESIDENCE_VALUES
        ]
    if step.kind == "route":
        known = {**dict(facts), CLOCK_FACT: clock}
        for rule in step.routes:
            if all(known.get(c.fact) in c.values for c in rule.when):
                return [to(rule.goto, {}, 0)]
        return []
    return [to(step.next, {}, 1 if step.kind == "info" else 0)]


def clicks(flow: Flow) -> dict[str, tuple[int, int | None]]:
    """Per reachable outcome: the fewest and the most clicks after the school is known, over
    every path and time of day (the most is None when the flow has a loop)."""
    outcomes = {o.id for o in flow.outcomes}
    found: dict[str, tuple[int, int]] = {}
    loops = False

    def walk(state: State, clock: str, spent: int, path: frozenset[State]) -> None:
        nonlocal loops
        if state[0] in outcomes:
            low, high = found.get(state[0], (spent, spent))
            found[state[0]] = (min(low, spent), max(high, spent))
            return
        for nxt, cost in moves(flow, state, clock):
            if nxt in path:  # answers that lead back: as many clicks as one likes
                loops = True
            else:
                walk(nxt, clock, spent + cost, path | {nxt})

    start: State = (flow.start, frozenset())
    for clock in CLOCK_VALUES:
        walk(start, clock, 0, frozenset({start}))
    return {
        o.id: (found[o.id][0], None if loops else found[o.id][1])
        for o in flow.outcomes
        if o.id in found
    }
