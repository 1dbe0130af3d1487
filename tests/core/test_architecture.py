"""The walls between the layers, checked on every import in bot/ (function-level ones too).

- the core imports no transport, store or face module, and no chat, HTTP, Redis, file-watch
  or metrics library;
- a transport imports no store or face module, and no other transport;
- a store imports no transport and no face module.

Faces are the top-level modules of bot/ (the CLI, the composition root, the admin command,
the web side, metrics, reload, settings, logging); `bot.errors` is shared by every layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
SHARED = {"bot.errors"}
CORE_LIBRARIES = (
    "slack_bolt",
    "slack_sdk",
    "telegram",
    "aiohttp",
    "redis",
    "watchfiles",
    "prometheus_client",
)


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path = BOT) -> set[str]:
    """Every module `path` imports, relative imports resolved against its package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path, root)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            prefix = ".".join(base) if node.level else ""
            module = ".".join(p for p in (prefix, node.module or "") if p)
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def faces(root: Path = BOT) -> set[str]:
    """The top-level modules of the package, but for the shared ones."""
    return {f"{root.name}.{p.stem}" for p in root.glob("*.py") if p.stem != "__init__"} - {
        f"{root.name}.{s.split('.', 1)[1]}" for s in SHARED
    }


def _within(name: str, prefixes: set[str] | tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def transports(root: Path = BOT) -> set[str]:
    """Each transport: a module or a package inside bot/transports."""
    folder = root / "transports"
    found = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
    found |= {p.name for p in folder.iterdir() if (p / "__init__.py").exists()}
    return {f"{root.name}.transports.{name}" for name in found}


def _transport_of(name: str, known: set[str]) -> str | None:
    """'bot.transports.slack' for 'bot.transports.slack.blocks'; None outside transports."""
    return next((t for t in known if _within(name, (t,))), None)


def wall_breaches(root: Path = BOT) -> set[str]:
    """'importer: imported' for every import that crosses a wall."""
    top = root.name
    face_modules = faces(root)
    stores, transport_layer, core = f"{top}.stores", f"{top}.transports", f"{top}.core"
    known = transports(root)
    found: set[str] = set()
    for path in root.rglob("*.py"):
        me = module_name(path, root)
        for name in imported_modules(path, root):
            if _within(me, (core,)):
                bad = _within(name, (transport_layer, stores, *face_modules, *CORE_LIBRARIES))
            elif _within(me, (transport_layer,)):
                mine, theirs = _transport_of(me, known), _transport_of(name, known)
                other_transport = theirs is not None and theirs != mine
                bad = other_transport or _within(name, (stores, *face_modules))
            elif _within(me, (stores,)):
                bad = _within(name, (transport_layer, *face_modules))
            else:
                bad = False
            if bad:
                found.add(f"{me}: {name}")
    return found


def test_every_wall_holds() -> None:
    assert wall_breaches() == set()


def test_the_layers_are_where_the_walls_expect_them() -> None:
    assert (BOT / "core").is_dir() and (BOT / "stores").is_dir() and (BOT / "transports").is_dir()
    assert {"bot.app", "bot.cli"} <= faces()
    assert "bot.errors" not in faces()


@pytest.mark.parametrize(
    ("where", "source", "breach"),
    [
        ("core/matching.py", "from slack_bolt.async_app import AsyncApp\n", "slack_bolt"),
        ("core/matching.py", "def f():\n    import redis\n", "redis"),
        ("core/matching.py", "from bot.stores import open_store\n", "bot.stores"),
        ("core/matching.py", "from ..app import serve\n", "bot.app"),
        ("core/matching.py", "import watchfiles\n", "watchfiles"),
        ("transports/telegram.py", "from bot.transports.slack import x\n", "bot.transports.slack"),
        ("transports/telegram.py", "from bot.stores.redis import RedisStore\n", "bot.stores.redis"),
        ("transports/slack/app.py", "from bot.settings import Settings\n", "bot.settings"),
        ("stores/redis.py", "from bot.transports.slack import x\n", "bot.transports.slack"),
        ("stores/redis.py", "from bot.metrics import Metrics\n", "bot.metrics"),
    ],
)
def test_the_scan_sees_each_kind_of_breach(
    tmp_path: Path, where: str, source: str, breach: str
) -> None:
    root = tmp_path / "bot"
    for package in ("core", "stores", "transports", "transports/slack", "transports/x"):
        (root / package).mkdir(parents=True, exist_ok=True)
        (root / package / "__init__.py").write_text("")
    for face in ("app.py", "settings.py", "metrics.py", "errors.py", "__init__.py"):
        (root / face).write_text("")
    (root / "transports" / "telegram.py").write_text("")
    (root / where).write_text(source)
    found = wall_breaches(root)
    assert any(b.split(": ")[1].startswith(breach) for b in found), found


def test_allowed_imports_are_no_breach(tmp_path: Path) -> None:
    root = tmp_path / "bot"
    for package in ("core", "stores", "transports/slack"):
        (root / package).mkdir(parents=True)
    (root / "errors.py").write_text("")
    (root / "app.py").write_text("from bot.transports.slack.app import SlackTransport\n")
    (root / "core" / "service.py").write_text("from bot.core.models import Reply\n")
    (root / "transports" / "slack" / "app.py").write_text(
        "from bot.transports import Handler\nfrom bot.transports.slack.blocks import b\n"
        "from .delivery import post\nfrom bot.errors import BotError\nimport aiohttp\n"
    )
    (root / "stores" / "redis.py").write_text("from bot.core.sessions import Session\n")
    assert wall_breaches(root) == set()
