"""Transports: the Transport protocol and a plain registry of factories by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class Transport(Protocol):
    """Something that feeds messages to the service until it is closed."""

    async def run(self) -> None:
        """Serve until `close()` is called (or the input ends, for the console)."""

    async def close(self) -> None:
        """Stop serving and release connections; safe to call twice."""


TransportFactory = Callable[..., Transport]


# Each factory imports its transport when called, so running the console never imports
# slack_bolt or telegram. Arguments are the transport's own constructor arguments.
def _console(*args: Any, **kwargs: Any) -> Transport:
    from bot.transports.console import ConsoleTransport

    return ConsoleTransport(*args, **kwargs)


def _slack(*args: Any, **kwargs: Any) -> Transport:
    from bot.transports.slack import SlackTransport

    return SlackTransport(*args, **kwargs)


def _telegram(*args: Any, **kwargs: Any) -> Transport:
    from bot.transports.telegram import TelegramTransport

    return TelegramTransport(*args, **kwargs)


TRANSPORTS: dict[str, TransportFactory] = {
    "console": _console,
    "slack": _slack,
    "telegram": _telegram,
}
