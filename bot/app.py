"""The composition root: settings in, a running bot out. Transports never read YAML or env."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from bot.core import catalog as catalog_files
from bot.core import clock
from bot.core.catalog import Catalog
from bot.core.models import IncomingMessage, Locale, Reply
from bot.core.render import as_text
from bot.core.service import FixedCatalog, Service
from bot.core.sessions import MemoryStore, session_key
from bot.core.texts import text
from bot.errors import Problem
from bot.settings import Settings

logger = logging.getLogger(__name__)


def configure_logging(settings: Settings) -> None:
    from bot.logsetup import configure_logging as setup

    setup(settings.log_level, settings.log_format == "json")


def check(paths: Sequence[Path]) -> list[Problem]:
    return catalog_files.check(paths)


def load(settings: Settings) -> Catalog:
    return catalog_files.load_catalog([settings.directory, settings.rules])


def no_tokens_notice() -> str:
    return text("console.no_tokens", "sv")


def reply_text(reply: Reply) -> str:
    return as_text(reply)


def reply_json(reply: Reply) -> dict[str, object]:
    """The `ask --json` object: a fixed set of keys whatever the reply was."""
    data = dict(reply.data)
    intent = data.get("intent")
    if intent not in {"contact", "checklist", "help"}:
        intent = "checklist" if reply.kind in {"step", "outcome"} else "unknown"
    return {
        "intent": intent,
        "status": data.get("status", "not_found"),
        "school": data.get("school"),
        "candidates": data.get("candidates", []),
        "age_groups": data.get("age_groups", []),
        "contacts": data.get("contacts", []),
        "route": data.get("route"),
        "text": as_text(reply),
    }


class Asker:
    """One question, one answer, on a catalog loaded once (for `ask` and `ask -`)."""

    def __init__(self, settings: Settings, *, at: datetime | None, locale: Locale | None) -> None:
        self.catalog = load(settings)
        self.locale = locale
        now = (lambda: at) if at else clock.now
        self.service = Service(FixedCatalog(self.catalog), MemoryStore(), now=now)
        self.count = 0

    async def ask(self, question: str) -> Reply:
        self.count += 1  # each question is its own conversation
        key = session_key("cli", "ask", str(self.count))
        msg = IncomingMessage("cli", key, "cli:ask", text=question, locale=self.locale)
        return await self.service.handle(msg)


async def chat(settings: Settings, *, at: datetime | None, locale: Locale | None) -> None:
    from bot.transports.console import ConsoleTransport

    catalog = load(settings)
    now = (lambda: at) if at else clock.now
    service = Service(FixedCatalog(catalog), MemoryStore(), now=now)
    console = ConsoleTransport(
        service, sys.stdin, sys.stdout, interactive=sys.stdin.isatty(), locale=locale
    )
    await console.run()


def graph(settings: Settings, flow_id: str, fmt: str) -> str:
    from bot.core import graph as graphs

    catalog = load(settings)
    flow = catalog.flows.get(flow_id)
    if flow is None:
        from bot.core.schema import did_you_mean
        from bot.errors import BotError

        raise BotError(f"no flow '{flow_id}'" + did_you_mean(flow_id, catalog.flows))
    return graphs.to_dot(flow) if fmt == "dot" else graphs.to_mermaid(flow)


def write_schemas(out: Path) -> list[Path]:
    from bot.core.directory import directory_json_schema
    from bot.core.rules import rules_json_schema

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in (
        ("directory.schema.json", directory_json_schema()),
        ("rules.schema.json", rules_json_schema()),
    ):
        path = out / name
        path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


async def serve(settings: Settings, *, http: bool, host: str, port: int) -> None:
    """Run the Slack bot (Socket Mode, or HTTP with --http). Filled in by the Slack issue."""
    raise NotImplementedError
    await asyncio.sleep(0)
