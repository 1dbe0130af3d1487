"""De-duplicating Slack's retried events: the one question the transport asks a store."""

from __future__ import annotations

from typing import Protocol

# Slack retries an event for up to about an hour (three retries, the last after ~5 minutes);
# remembering ids for an hour also covers a second replica that gets the same event.
DEDUP_TTL_SECONDS = 3600


class SeenEvents(Protocol):
    """Whether an event id arrives for the first time (across replicas, when shared)."""

    async def first_time(self, event_id: str) -> bool: ...


class KeyedOnce(Protocol):
    """What the session stores offer (MemoryStore, SQLite, Redis): an atomic first-time mark."""

    async def first_time(self, key: str, ttl_seconds: int, /) -> bool: ...


class StoreSeenEvents:
    """SeenEvents on a session store, under keys of their own (`slack:event:<id>`)."""

    def __init__(self, store: KeyedOnce, ttl_seconds: int = DEDUP_TTL_SECONDS) -> None:
        self._store = store
        self._ttl = ttl_seconds

    async def first_time(self, event_id: str) -> bool:
        return await self._store.first_time(f"slack:event:{event_id}", self._ttl)
