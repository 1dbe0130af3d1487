"""The core stays transport-agnostic: no Slack, Telegram or HTTP imports below bot/core."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "bot" / "core"
FORBIDDEN = (
    "slack_bolt",
    "slack_sdk",
    "telegram",
    "aiohttp",
    "bot.transports",
    "bot.app",
    "bot.cli",
    "bot.settings",
    "prometheus_client",
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_imports_no_transport() -> None:
    offenders = {
        f"{path.name}: {name}"
        for path in CORE.glob("*.py")
        for name in imported_modules(path)
        if name.startswith(FORBIDDEN)
    }
    assert not offenders


def test_the_scan_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from slack_bolt.async_app import AsyncApp\nimport os\n")
    assert imported_modules(sample) == {"slack_bolt.async_app", "os"}
