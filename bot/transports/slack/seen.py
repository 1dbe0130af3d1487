"""Exactly-once Slack events: the one question the transport asks a store, with a lease."""

from __future__ import annotations

from typing import Protocol

from bot.core.sessions import SessionStore

# Slack retries an event for up to about an hour; remembering ids for an hour also covers a
# second replica that gets the same event.
DEDUP_TTL_SECONDS = 3600


class SeenEvents(Protocol):
    """Exactly-once events with a lease: claim, then `done` once answered or `release`."""

    async def claim(self, event_id: str) -> bool:
        """True: answer it now (not answered yet and no live claim)."""

    async def done(self, event_id: str) -> None:
        """The answer is posted: later retries are duplicates."""

    async def release(self, event_id: str) -> None:
        """Answering failed: a retry may claim it at once."""


class StoreSeenEvents:
    """SeenEvents on a store's atomic first-time mark (no lease yet: done/release are no-ops)."""

    def __init__(self, store: SessionStore) -> None:
        self._store = store

    async def claim(self, event_id: str) -> bool:
        return await self._store.first_time(f"slack:event:{event_id}", DEDUP_TTL_SECONDS)

    async def done(self, event_id: str) -> None:
        pass

    async def release(self, event_id: str) -> None:
        pass
