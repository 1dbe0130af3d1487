"""Transports: what every transport is (`Transport`) and the one thing it needs (`Handler`)."""

from __future__ import annotations

from typing import Protocol

from bot.core.models import Choice, IncomingMessage, Reply


class Handler(Protocol):
    """What a transport needs from the core (bot.core.service.Service)."""

    async def handle(self, msg: IncomingMessage) -> Reply: ...


class MenuHandler(Handler, Protocol):
    """What a transport with searchable menus (Reply.menu) needs from the core: Slack."""

    def municipality_options(self, typed: str) -> tuple[Choice, ...]: ...


class Transport(Protocol):
    """Something that feeds messages to the service until it is closed."""

    async def run(self) -> None:
        """Serve until `close()` is called (or the input ends, for the console)."""

    async def close(self) -> None:
        """Stop serving and release connections; safe to call twice."""
