"""What administrators read in rules/README.md is the flows that actually run."""

from __future__ import annotations

import re

from bot.core.graph import clicks, to_mermaid
from tests.helpers.shipped import ROOT, shipped_catalog

README = ROOT / "rules" / "README.md"


def test_the_readme_diagrams_match_the_shipped_checklists() -> None:
    readme = README.read_text(encoding="utf-8")
    embedded = re.findall(r"```mermaid\n(.*?)```", readme, re.S)
    flows = shipped_catalog().flows
    current = [to_mermaid(flows[f]) for f in ("orosanmalan", "konsultation", "tidigt-stod")]
    assert [e.strip() for e in embedded] == [c.strip() for c in current], (
        "rules/README.md shows an old diagram: paste `referral-bot graph orosanmalan`, "
        "`referral-bot graph konsultation` and `referral-bot graph tidigt-stod` into it"
    )


def test_the_readme_click_counts_are_those_of_the_shipped_flows() -> None:
    rows = re.findall(
        r"^\| `([\w-]+)` \| `([\w-]+)` \| (\w+) \| (\d+)–(\d+|∞) \|$",
        README.read_text(encoding="utf-8"),
        re.M,
    )
    written = {(f, o): (kind, f"{low}–{high}") for f, o, kind, low, high in rows}
    computed = {}
    for flow in shipped_catalog().flows.values():
        kinds = {o.id: o.kind for o in flow.outcomes}
        for outcome, (low, high) in clicks(flow).items():
            shown = f"{low}–{'∞' if high is None else high}"
            computed[(flow.id, outcome)] = (kinds[outcome], shown)
    assert written == computed, "rules/README.md: the click table is out of date"


def test_the_goals_of_issue_14_hold() -> None:
    """The protect outcome in at most 3 clicks after the school, the report in at most 7."""
    counted = clicks(shipped_catalog().flows["orosanmalan"])
    assert counted["skydd"][1] is not None and counted["skydd"][1] <= 3
    assert counted["anmalan"][1] is not None and counted["anmalan"][1] <= 7
