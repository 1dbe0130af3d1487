"""What the core asks of a transport to put a message in front of someone unasked."""

from __future__ import annotations

from typing import Protocol

from bot.core.models import Reply


class Undeliverable(Exception):
    """The platform refused a message for good (no such user or channel, the bot is not
    in it): the request moves on instead of trying again."""


class Courier(Protocol):
    """The transport's delivery of messages nobody asked for in that moment."""

    async def send(self, to: str, message: Reply, marker: str) -> str:
        """Post `message` to a chat user (their own id on the platform, e.g. Person.slack)
        privately, or in a channel; returns a reference to it for `update`. `marker` (ids
        only) goes with the message, invisibly, for `find`."""

    async def find(self, to: str, marker: str) -> str | None:
        """The reference of a recent message `send` posted to `to` with `marker`, if there
        is one; None when there is none, or the platform cannot tell."""

    async def update(self, ref: str, message: Reply) -> None:
        """Replace the message `ref` names with `message`."""
