"""One step of a timed record, taken by exactly one process.

Every change of a record at version v (a worker's step on a due record, a contact's click)
first claims `<kind>:<id>:<v>` (SessionStore.claim, atomic across replicas), then does its
side effects (a message posted), then writes version v+1 with a compare-and-swap. While one
process holds the claim, nobody else acts on that version, so a message is not posted twice
by two replicas, and a click cannot slip in between a message posted and its record
written. A process killed while holding a claim loses it after its lease; whoever
claims the version then does the step again (the one case where a message can be posted
twice: when the kill fell between the post and the write). So a step knows whether its
version was tried before (`retried`): a worker's step then first asks the courier whether
its message arrived the first time (Courier.find), and posts only if it did not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from bot.core.records import Record, RecordStore
from bot.core.sessions import Claim

logger = logging.getLogger(__name__)

# How long a claimed step may take (a Web API call or two, waiting out a rate limit) before
# another process may take it over: HANDOFF_LEASE_SECONDS.
DEFAULT_LEASE_SECONDS = 30.0
# How long a version's "tried" mark lasts: far longer than any step waits to be taken over.
TRIED_SECONDS = 24 * 3600
# A click waits this long, at most, for a step another process is taking on its record.
CLICK_WAIT_SECONDS = 3.0
CLICK_RETRY_SECONDS = 0.05

T = TypeVar("T")


class Claims(Protocol):
    """The claims of SessionStore that a step takes."""

    async def claim(self, key: str, lease_seconds: float) -> Claim: ...

    async def complete(self, key: str, ttl_seconds: float) -> None: ...

    async def release(self, key: str, token: str) -> None: ...


class TimedStore(RecordStore, Claims, Protocol):
    """What the timed records need of the store (every store is one)."""


async def claimed_step(
    store: TimedStore,
    kind: str,
    record: Record,
    work: Callable[[Record, bool], Awaitable[tuple[bool, T]]],
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> tuple[bool, T | None]:
    """Run `work(record, retried)` under the claim of the record's version: (True, its
    result), or (False, None) when another process holds that version or has moved past
    it. `retried`: this version was claimed before by a process that did not finish it.
    `work` does the side effects and the swap, and says whether it wrote a new version; a
    failure releases the claim, so the step is tried again, and is raised."""
    key = f"{kind}:{record.id}:{record.version}"
    claim = await store.claim(key, lease_seconds)
    if claim.state != "claimed":
        return False, None
    try:
        current = await store.read(kind, record.id)  # read before the claim: still so?
        if current is None or current.version != record.version:
            await store.release(key, claim.token)
            return False, None
        tried = await store.claim(f"{kind}-tried:{record.id}:{record.version}", TRIED_SECONDS)
        changed, result = await work(current, tried.state != "claimed")
    except BaseException:
        await store.release(key, claim.token)
        raise
    if changed:  # that version is history: a stale reader's claim on it is refused
        await store.complete(key, lease_seconds)
    else:
        await store.release(key, claim.token)
    return True, result


async def clicked_step(
    store: TimedStore,
    kind: str,
    rid: str,
    work: Callable[[Record, bool], Awaitable[tuple[bool, T]]],
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> tuple[Record | None, T | None]:
    """A click's change of record `rid`: `work` on its newest version, under that version's
    claim, waiting (briefly) while a worker takes a step on it. (None, None) when there is
    no such record; (record, None) when it stayed busy for CLICK_WAIT_SECONDS."""
    deadline = asyncio.get_running_loop().time() + CLICK_WAIT_SECONDS
    while True:
        record = await store.read(kind, rid)
        if record is None:
            return None, None
        done, result = await claimed_step(store, kind, record, work, lease_seconds)
        if done:
            return record, result
        if asyncio.get_running_loop().time() > deadline:
            logger.warning("a click waited in vain for a step on its %s record", kind)
            return record, None
        await asyncio.sleep(CLICK_RETRY_SECONDS)
