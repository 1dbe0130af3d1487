"""Diagrams of a flow: every question, answer and outcome shows up, outcomes styled by kind."""

from __future__ import annotations

import re

from bot.core.graph import to_dot, to_mermaid
from tests.helpers.rules_fixtures import ROOT, parse_text, shipped_flows


def test_mermaid_has_every_step_answer_and_outcome() -> None:
    flow = shipped_flows()["orosanmalan"]
    chart = to_mermaid(flow)
    assert chart.startswith("flowchart TD\n")
    assert '    s1{"Är barnet i akut fara just nu?"}' in chart
    assert '    s1 -->|"Ja, akut fara nu"| s2' in chart
    assert '    s6 -->|"category: violence, sexual_abuse, honour"| o3' in chart
    assert '    s3 -->|"18 år eller äldre"| o2' in chart  # the ages step's adult way
    assert (
        '    o3(["PROTECT · skydd<br/>Kontakta inte familjen – ring socialtjänsten nu'
        '<br/>3 klick efter skolan"]):::protect' in chart
    )
    assert "    classDef acute fill:#f8d7da,stroke:#b02a37,stroke-width:2px" in chart
    node_lines = [line for line in chart.splitlines() if re.match(r"    [so]\d+[\[{(]", line)]
    assert len(node_lines) == len(flow.steps) + len(flow.outcomes)
    edges = [line for line in chart.splitlines() if "-->" in line]
    options = sum(len(s.options) for s in flow.steps)
    routes = sum(len(s.routes) for s in flow.steps)
    plain = sum(1 for s in flow.steps if s.next) + sum(1 for s in flow.steps if s.adult)
    assert len(edges) == options + routes + plain


def test_english_labels() -> None:
    chart = to_mermaid(shipped_flows()["orosanmalan"], locale="en")
    assert '{"Is the child in acute danger right now?"}' in chart
    assert '|"otherwise"|' in chart


def test_quotes_in_labels_do_not_break_the_diagrams() -> None:
    text = (ROOT / "tests" / "fixtures" / "rules" / "valid.yml").read_text()
    text = text.replace('question: {sv: "Akut fara?"', "question: {sv: 'Är det \"akut\"?'")
    (flow,), _ = parse_text(text)
    assert '{"Är det #quot;akut#quot;?"}' in to_mermaid(flow)
    assert 'label="Är det \\"akut\\"?"' in to_dot(flow)


def test_dot_is_a_digraph_with_coloured_outcomes() -> None:
    flow = shipped_flows()["konsultation"]
    dot = to_dot(flow)
    assert dot.startswith('digraph "konsultation" {\n')
    assert dot.rstrip().endswith("}")
    assert dot.count("{") == dot.count("}")
    assert (
        '    o2 [shape=box, style="rounded,filled", fillcolor="#cfe2ff", color="#0a58ca", '
        'penwidth=2, label="CONSULT · ring_nu\\nRing mottagningen\\n2 klick efter skolan"];'
    ) in dot
    assert '    s1 -> s2 [label="Ja, akut fara nu"];' in dot
    assert "    s0 -> s1;" in dot


def test_the_readme_embeds_the_current_diagram() -> None:
    readme = (ROOT / "rules" / "README.md").read_text(encoding="utf-8")
    chart = to_mermaid(shipped_flows()["orosanmalan"])
    assert f"```mermaid\n{chart}```" in readme


def test_the_readme_examples_are_valid_yaml() -> None:
    from bot.core.yamlio import parse_document

    readme = (ROOT / "rules" / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, flags=re.S)
    assert len(blocks) >= 6
    for block in blocks:
        assert parse_document(block, "README.md").data


def test_clicks_count_every_answer_and_continue_after_the_school() -> None:
    from bot.core.graph import clicks, clicks_label

    (flow,), _ = parse_text((ROOT / "tests" / "fixtures" / "rules" / "valid.yml").read_text(), "v")
    assert clicks(flow) == {"ring": (1, 1), "klart": (2, 2)}  # nej, then Continue on 'info'
    (looping,), _ = parse_text(
        (ROOT / "tests" / "fixtures" / "rules" / "valid.yml")
        .read_text()
        .replace("next: klart", "next: akut"),
        "v",
    )
    assert clicks(looping) == {"ring": (1, None)}  # nej, Continue, round and round
    assert clicks_label((6, 7), "sv") == "6–7 klick efter skolan"
    assert clicks_label((3, 3), "en") == "3 clicks after the school"
    assert clicks_label((2, None), "en") == "2–∞ clicks after the school"
    assert clicks_label(None, "sv") == ""


def test_the_ages_step_has_a_way_for_children_and_one_for_adults() -> None:
    chart = to_mermaid(shipped_flows()["orosanmalan"])
    assert '    s3 -->|"kommunens åldersgrupper / vet inte"| s5' in chart
    assert '    s3 -->|"18 år eller äldre"| o2' in chart
