"""The diagram administrators read in rules/README.md is the flow that actually runs."""

from __future__ import annotations

import re

from bot.core.graph import to_mermaid
from tests.helpers.shipped import ROOT, shipped_catalog


def test_the_readme_diagram_matches_the_shipped_checklist() -> None:
    readme = (ROOT / "rules" / "README.md").read_text(encoding="utf-8")
    embedded = re.search(r"```mermaid\n(.*?)```", readme, re.S)
    assert embedded is not None
    current = to_mermaid(shipped_catalog().flows["orosanmalan"])
    assert embedded.group(1).strip() == current.strip(), (
        "rules/README.md shows an old diagram: paste `referral-bot graph orosanmalan` into it"
    )
