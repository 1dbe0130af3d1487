"""Sessions: what the bot remembers between two messages, and the store interface.

Key policy: a session is keyed by (transport, workspace or chat, user[, thread]) — see
`session_key`. A session holds ids only (flow, step, option ids, school keys, municipality
ids) and timestamps, never text a person typed. Expiry is checked when a session is read.
`MemoryStore` also keeps records with a due time (`bot.core.records`) for single-process use.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from bot.core.records import Record
from bot.core.stats import StatKey, wanted

DEFAULT_TTL_SECONDS = 4 * 3600  # an idle checklist is gone after a few hours


def session_key(transport: str, workspace: str, user: str, thread: str | None = None) -> str:
    """The one place the key policy lives."""
    parts = [transport, workspace, user] + ([thread] if thread else [])
    return ":".join(parts)


def platform_user(user: str) -> str:
    """The chat platform's own id in a transport-qualified user id (IncomingMessage.user,
    `<transport>:<workspace>:<id>`): what the platform knows the person by."""
    return user.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class Session:
    """Conversation state between two messages. Every field is an id, a number or a time."""

    flow: str | None = None  # active checklist flow id
    step: str | None = None  # current step id in that flow
    answers: tuple[tuple[str, str], ...] = ()  # (step id, option id) in the order given
    facts: Mapping[str, str] = field(default_factory=dict)  # fact name -> value id
    school: str | None = None  # school key chosen in this conversation
    candidates: tuple[str, ...] = ()  # school keys offered by an ambiguous lookup
    age: int | None = None  # age asked about, kept while the user picks a school
    locale: str | None = None
    updated_at: float = 0.0

    def touched(self) -> Session:
        return replace(self, updated_at=time.time())

    def to_json(self) -> str:
        return json.dumps(
            {
                "flow": self.flow,
                "step": self.step,
                "answers": [list(a) for a in self.answers],
                "facts": dict(self.facts),
                "school": self.school,
                "candidates": list(self.candidates),
                "age": self.age,
                "locale": self.locale,
                "updated_at": self.updated_at,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> Session:
        d: dict[str, Any] = json.loads(raw)
        return cls(
            flow=d.get("flow"),
            step=d.get("step"),
            answers=tuple((str(a[0]), str(a[1])) for a in d.get("answers", [])),
            facts={str(k): str(v) for k, v in d.get("facts", {}).items()},
            school=d.get("school"),
            candidates=tuple(d.get("candidates", [])),
            age=d.get("age"),
            locale=d.get("locale"),
            updated_at=float(d.get("updated_at", 0.0)),
        )


ClaimState = Literal["claimed", "done", "held"]


@dataclass(frozen=True)
class Claim:
    """What a claim on a key found: `claimed` (with the token naming it), `done` (the key was
    marked done: a duplicate) or `held` (someone else's claim whose lease has not ended)."""

    state: ClaimState
    token: str = ""

    @classmethod
    def granted(cls, token: str) -> Claim:
        return cls("claimed", token)


DONE = Claim("done")
HELD = Claim("held")


class SessionStore(Protocol):
    """Where sessions, saved schools and event claims live (memory, SQLite or Redis)."""

    async def load(self, key: str) -> Session | None:
        """The session, or None when there is none or it has expired."""

    async def save(self, key: str, session: Session) -> None: ...

    async def clear(self, key: str) -> None: ...

    async def saved_school(self, user: str) -> str | None:
        """The school key the user saved ("Spara som min skola"); never expires."""

    async def save_school(self, user: str, school_key: str) -> None: ...

    async def claim(self, key: str, lease_seconds: float) -> Claim:
        """Claim `key` for `lease_seconds`: `claimed` with a fresh token, else `done` when
        `key` is marked done or `held` when it has an unexpired claim. Atomic across every
        process sharing the store."""

    async def complete(self, key: str, ttl_seconds: float) -> None:
        """Mark `key` done for `ttl_seconds`, replacing any claim: later claims are refused."""

    async def release(self, key: str, token: str) -> None:
        """Drop the claim `token` holds on `key`, so it can be claimed at once. Does nothing
        when the claim has expired and someone else claimed `key`, or `key` is done."""

    async def ping(self) -> bool:
        """True when the store answers (readiness)."""

    def locked(self, key: str) -> AbstractAsyncContextManager[None]:
        """Hold while handling one message, so messages of one session run one at a time."""
        ...

    async def close(self) -> None: ...


class KeyedLocks:
    """One asyncio.Lock per key, kept only while someone holds or waits for it.

    The table is bounded by the number of sessions being handled right now, not by the
    number of sessions ever seen.
    """

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}

    def __len__(self) -> int:
        return len(self._locks)

    @asynccontextmanager
    async def locked(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._locks[key]


def claim_token() -> str:
    """A token naming one claim, so only its owner can release it."""
    return secrets.token_hex(8)


class MemoryStore:
    """A process-local store for the console, tests and single-run use (also a StatsStore
    and a RecordStore)."""

    def __init__(self, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> None:
        self.ttl = ttl_seconds
        self._sessions: dict[str, str] = {}
        self._schools: dict[str, str] = {}
        # key -> (token, expires at); the token is None for a done mark
        self._marks: dict[str, tuple[str | None, float]] = {}
        self._marks_pruned = 0.0
        self._keyed = KeyedLocks()
        self._stats: dict[StatKey, int] = {}
        # kind -> id -> (record, expires at)
        self._records: dict[str, dict[str, tuple[Record, float]]] = {}
        self._records_pruned = 0.0

    async def load(self, key: str) -> Session | None:
        raw = self._sessions.get(key)
        if raw is None:
            return None
        session = Session.from_json(raw)
        if time.time() - session.updated_at > self.ttl:
            del self._sessions[key]
            return None
        return session

    async def save(self, key: str, session: Session) -> None:
        self._sessions[key] = session.touched().to_json()

    async def clear(self, key: str) -> None:
        self._sessions.pop(key, None)

    async def saved_school(self, user: str) -> str | None:
        return self._schools.get(user)

    async def save_school(self, user: str, school_key: str) -> None:
        self._schools[user] = school_key

    # No await in claim, complete or release: each is atomic on the event loop.

    async def claim(self, key: str, lease_seconds: float) -> Claim:
        now = time.time()
        if now - self._marks_pruned > 60:  # prune in bulk at most once a minute
            self._marks = {k: m for k, m in self._marks.items() if m[1] > now}
            self._marks_pruned = now
        mark = self._marks.get(key)
        if mark is not None and mark[1] > now:
            return HELD if mark[0] else DONE
        token = claim_token()
        self._marks[key] = (token, now + lease_seconds)
        return Claim.granted(token)

    async def complete(self, key: str, ttl_seconds: float) -> None:
        self._marks[key] = (None, time.time() + ttl_seconds)

    async def release(self, key: str, token: str) -> None:
        mark = self._marks.get(key)
        if mark is not None and mark[0] == token:
            del self._marks[key]

    async def increment(self, key: StatKey) -> None:
        self._stats[key] = self._stats.get(key, 0) + 1

    async def counts(
        self, *, since: str | None = None, municipality: str | None = None
    ) -> dict[StatKey, int]:
        return {k: n for k, n in self._stats.items() if wanted(k, since, municipality)}

    # Records: no await in any of these either, so each is atomic on the event loop.

    def _live(self, kind: str, rid: str, now: float) -> Record | None:
        kept = self._records.get(kind, {}).get(rid)
        if kept is None:
            return None
        if kept[1] <= now:  # expired: forget it now
            del self._records[kind][rid]
            return None
        return kept[0]

    async def create(
        self, kind: str, rid: str, body: str, *, due: float | None, keep_seconds: float
    ) -> bool:
        now = time.time()
        if now - self._records_pruned > 60:  # prune in bulk at most once a minute
            for records in self._records.values():
                for old in [r for r, (_, until) in records.items() if until <= now]:
                    del records[old]
            self._records_pruned = now
        if self._live(kind, rid, now) is not None:
            return False
        record = Record(rid, body, 1, due)
        self._records.setdefault(kind, {})[rid] = (record, now + keep_seconds)
        return True

    async def read(self, kind: str, rid: str) -> Record | None:
        return self._live(kind, rid, time.time())

    async def swap(
        self,
        kind: str,
        rid: str,
        version: int,
        body: str,
        *,
        due: float | None,
        keep_seconds: float,
    ) -> bool:
        now = time.time()
        found = self._live(kind, rid, now)
        if found is None or found.version != version:
            return False
        record = Record(rid, body, version + 1, due)
        self._records[kind][rid] = (record, now + keep_seconds)
        return True

    async def due(self, kind: str, now: float, limit: int) -> list[str]:
        alive = time.time()  # expiry runs on the store's clock, due on the caller's
        waiting = sorted(
            (record.due, rid)
            for rid, (record, until) in self._records.get(kind, {}).items()
            if until > alive and record.due is not None and record.due <= now
        )
        return [rid for _, rid in waiting[: max(0, limit)]]

    async def listing(self, kind: str) -> list[Record]:
        now = time.time()
        return [record for record, until in self._records.get(kind, {}).values() if until > now]

    async def delete(self, kind: str, rid: str) -> None:
        self._records.get(kind, {}).pop(rid, None)

    async def ping(self) -> bool:
        return True

    def locked(self, key: str) -> AbstractAsyncContextManager[None]:
        return self._keyed.locked(key)

    async def close(self) -> None:
        return None
