"""Exactly-once answers to Slack's retried events: claim an event, then mark it done.

An event id is claimed with a lease before it is answered and marked done once the answer
is posted. A retry (or a second replica given the same event) is answered only when the id
is neither done nor under a live claim, so a process that dies between its claim and its
answer leaves a later retry answerable, and an answered event is never answered twice. A
claim refused says why: `done` (a duplicate, acknowledged and dropped) or `held` (a live
claim elsewhere: the listener answers Slack non-2xx, so Slack retries after the lease).

A store that fails (Redis down, SQLite locked or read-only) must not lose the event: `claim`
then says "answer it" and logs a warning. A duplicate answer in a rare outage is better than
a person who never gets one. `done` and `release` log store errors and carry on: the worst
case is a lease that ages out, after which a retry is answered again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

from bot.core.sessions import Claim, ClaimState

logger = logging.getLogger(__name__)

# Slack retries an unacknowledged event nearly at once, then about 1 minute and 5 minutes
# later. A claim's lease must outlast the slowest answer (session lock wait plus Web API
# calls, well under this) and end before the 1-minute retry (~60-70 s after the original),
# so a process that died after its claim leaves the 1-minute (at worst the 5-minute) retry
# answerable. 50 s keeps a margin on both sides.
CLAIM_LEASE_SECONDS = 50.0
# Done marks outlive every retry (the last comes ~5-6 minutes after the original) and cover a
# second replica that gets the same event: an hour.
DONE_TTL_SECONDS = 3600.0
# A store slower than this counts as failed: the answer must not wait for it (Slack's ack
# deadline is 3 s).
STORE_TIMEOUT_SECONDS = 2.0


class SeenEvents(Protocol):
    """What the listeners ask before and after answering one event id."""

    async def claim(self, event_id: str) -> ClaimState:
        """`claimed`: answer it now; `done`: answered already; `held`: a live claim elsewhere
        (its holder still answering, or dead with its lease not over yet)."""

    async def done(self, event_id: str) -> None:
        """The answer is posted: every later retry of this id is a duplicate."""

    async def release(self, event_id: str) -> None:
        """Answering failed: a retry may claim the id at once."""


class EventClaims(Protocol):
    """What the session stores offer (MemoryStore, SQLite, Redis): atomic claims on keys."""

    async def claim(self, key: str, lease_seconds: float, /) -> Claim: ...

    async def complete(self, key: str, ttl_seconds: float, /) -> None: ...

    async def release(self, key: str, token: str, /) -> None: ...


class StoreSeenEvents:
    """SeenEvents on a session store, under keys of their own (`slack:event:<id>`).

    Remembers the token of each claim it holds (until done, release or the lease's end), so
    `release` frees only its own claim.
    """

    def __init__(
        self,
        store: EventClaims,
        *,
        lease_seconds: float = CLAIM_LEASE_SECONDS,
        done_ttl_seconds: float = DONE_TTL_SECONDS,
        timeout_seconds: float = STORE_TIMEOUT_SECONDS,
    ) -> None:
        self._store = store
        self._lease = lease_seconds
        self._done_ttl = done_ttl_seconds
        self._timeout = timeout_seconds
        self._held: dict[str, tuple[str, float]] = {}  # event id -> (token, lease end)
        self._pruned = time.monotonic()

    @staticmethod
    def _key(event_id: str) -> str:
        return f"slack:event:{event_id}"

    async def claim(self, event_id: str) -> ClaimState:
        self._prune()
        try:
            found = await asyncio.wait_for(
                self._store.claim(self._key(event_id), self._lease), self._timeout
            )
        except Exception as exc:  # any store failure: answer rather than lose the event
            logger.warning(
                "event claim failed (%s): answering anyway, a retry may be answered twice",
                type(exc).__name__,
            )
            return "claimed"
        if found.state == "claimed":
            self._held[event_id] = (found.token, time.monotonic() + self._lease)
        return found.state

    async def done(self, event_id: str) -> None:
        self._held.pop(event_id, None)
        try:
            await asyncio.wait_for(
                self._store.complete(self._key(event_id), self._done_ttl), self._timeout
            )
        except Exception as exc:  # the claim's lease ages out; a late retry is answered again
            logger.warning("marking an event answered failed (%s)", type(exc).__name__)

    async def release(self, event_id: str) -> None:
        held = self._held.pop(event_id, None)
        if held is None:  # not ours (or the claim failed open): nothing to free
            return
        try:
            await asyncio.wait_for(self._store.release(self._key(event_id), held[0]), self._timeout)
        except Exception as exc:  # the claim's lease ages out; a later retry is answered
            logger.warning("releasing an event claim failed (%s)", type(exc).__name__)

    def _prune(self) -> None:
        """Forget tokens of leases that ended (a listener that neither finished nor failed)."""
        now = time.monotonic()
        if now - self._pruned > 60:
            self._held = {e: h for e, h in self._held.items() if h[1] > now}
            self._pruned = now
