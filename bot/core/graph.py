"""A flow as a diagram: Mermaid (GitHub/GitLab render it inline) or Graphviz DOT.

Questions are diamonds, information steps boxes, the school and residence steps
parallelograms, routes hexagons; answers label the edges; outcomes are rounded and coloured
by kind, so the acute and protect ends stand out.
"""

from __future__ import annotations

from bot.core.rules import Flow, LocalText, Step

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
# step kind -> (Mermaid opening, Mermaid closing, Graphviz shape)
SHAPES = {
    "question": ("{", "}", "diamond"),
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
    return [("", step.next or "")]


def _node_label(step: Step, locale: str) -> str:
    if step.kind == "route":
        return step.id
    return _short(step.text, locale, step.id, last=step.kind != "info")


def _mermaid_text(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def to_mermaid(flow: Flow, locale: str = "sv") -> str:
    """A Mermaid flowchart of `flow`."""
    ids = _ids(flow)
    lines = ["flowchart TD"]
    for step in flow.steps:
        opening, closing, _ = SHAPES[step.kind]
        label = _node_label(step, locale)
        lines.append(f"    {ids[step.id]}{opening}{_mermaid_text(label)}{closing}")
    for outcome in flow.outcomes:
        label = f"{outcome.kind.upper()} · {outcome.id}<br/>{_short(outcome.title, locale, '')}"
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
        label = f"{outcome.kind.upper()} · {outcome.id}\\n{_short(outcome.title, locale, '')}"
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
