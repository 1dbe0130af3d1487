"""RedisStore: the shared session store for several replicas behind one Redis.

Keys (all under a configurable prefix, default `referral-bot:`):
`session:<key>` a string with EX ttl; `schools` one hash user -> school key, no expiry;
`event:<key>` an event claim `claim:<token>` (SET NX PX lease, in a Lua script that also says
whether a refused claim met a done mark or a live claim) or a done mark `done` (SET PX ttl,
overwriting the claim), released only by its owner (a compare-and-delete Lua script);
`lock:<key>` a redis-py Lock held while one replica
handles a message of that session, so two replicas never work on one session at once;
`stats:<YYYY-MM>` one hash per month of follow-up statistics, field
`<municipality>|<age group>|<measure>` -> count (HINCRBY: atomic, so replicas count as one),
and `stats:months` the set of months that have counts, so reading needs no key scan;
records with a due time (`bot.core.records`): `rec:<kind>:<id>` a hash (body, version, due,
empty when none) with PEXPIRE keep, `due:<kind>` a sorted set id -> due time (only records
that have one) and `recs:<kind>` a sorted set id -> expiry in ms on the server's clock, for
`listing`. `create` and `swap` are one Lua script each (check, write the hash, update both
sets, set the expiry), so replicas never both win one version. The sets are indexes, the hash
is the truth: `due` and `listing` check each id's hash and drop the ids whose record expired
(in a script, so a record created again meanwhile keeps its entry).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import LockError, RedisError

from bot.core.records import Record
from bot.core.sessions import DEFAULT_TTL_SECONDS, DONE, HELD, Claim, Session, claim_token
from bot.core.stats import StatKey, wanted
from bot.errors import BotError

logger = logging.getLogger(__name__)

DEFAULT_PREFIX = "referral-bot:"

# Delete the key only while it still holds our claim: a release that comes after the lease
# expired must not free another replica's claim, nor a done mark.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


# Claim the key, or say what holds it, in one step: 1 claimed, 2 done, 3 another's live claim.
# (A script runs with the clock stopped: the key cannot expire between the SET and the GET.)
_CLAIM = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return 1
end
if redis.call('GET', KEYS[1]) == 'done' then
    return 2
end
return 3
"""


# The server's time in ms, for the expiry scores of `recs:<kind>` (the hash's PEXPIRE runs on
# the same clock, so no replica's clock matters). Scripts are replicated by their effects.
_NOW_MS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# Write the record's hash, expiry and both index entries. KEYS: rec, due, recs;
# ARGV: id, body, due ('' for none), keep in ms, version.
_WRITE = """
redis.call('HSET', KEYS[1], 'body', ARGV[2], 'version', ARGV[5], 'due', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if ARGV[3] == '' then
    redis.call('ZREM', KEYS[2], ARGV[1])
else
    redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[1])
-- prune ids whose record expired over a second ago (the slack covers rounding)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (now - 1000))
return 1
"""

# Create at version 1 unless the record exists (an expired hash is gone already).
_CREATE = (
    """
if redis.call('EXISTS', KEYS[1]) == 1 then
    return 0
end
"""
    + _NOW_MS
    + _WRITE
)

# Swap only while the record is at the version given. ARGV as _WRITE's, then the version
# expected (ARGV[5] is the new one).
_SWAP = (
    """
local found = redis.call('HGET', KEYS[1], 'version')
if not found or tonumber(found) ~= tonumber(ARGV[6]) then
    return 0
end
"""
    + _NOW_MS
    + _WRITE
)

# The records behind ids taken from an index: KEYS[1], KEYS[2] the due and recs sets, then one
# rec key per id in ARGV. Returns body, version, due of each live one (false for an expired
# one) and drops an expired one's ids from both sets in the same step, so a record created
# again under that id meanwhile cannot lose its entries.
_GATHER = """
local out = {}
for i, rid in ipairs(ARGV) do
    local fields = redis.call('HMGET', KEYS[i + 2], 'body', 'version', 'due')
    if fields[1] then
        out[i] = fields
    else
        redis.call('ZREM', KEYS[1], rid)
        redis.call('ZREM', KEYS[2], rid)
        out[i] = false
    end
end
return out
"""

_GATHER_CHUNK = 500  # ids per script call: a long listing must not stop Redis for long


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


class SessionBusy(BotError):
    """Another replica held the session lock for longer than we were willing to wait."""


class RedisStore:
    """Sessions, saved schools, event claims, per-session locks, statistics and records in
    Redis."""

    def __init__(
        self,
        url: str,
        *,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        prefix: str = DEFAULT_PREFIX,
        lock_timeout: float = 30.0,
        lock_wait: float = 10.0,
    ) -> None:
        """`lock_timeout`: a lock left by a crashed replica frees itself after this long.
        `lock_wait`: how long a message waits for its session before `SessionBusy`."""
        self.ttl = ttl_seconds
        self.prefix = prefix
        self.lock_timeout = lock_timeout
        self.lock_wait = lock_wait
        self._redis = Redis.from_url(url)
        self._release = self._redis.register_script(_RELEASE)
        self._claim = self._redis.register_script(_CLAIM)
        self._create = self._redis.register_script(_CREATE)
        self._swap = self._redis.register_script(_SWAP)
        self._gather = self._redis.register_script(_GATHER)
        self._where = self._redis.connection_pool.connection_kwargs.get("host", "?")

    def __repr__(self) -> str:  # the URL may carry a password: show the host only
        return f"RedisStore(host={self._where!r}, prefix={self.prefix!r}, ttl={self.ttl})"

    def _session(self, key: str) -> str:
        return f"{self.prefix}session:{key}"

    async def load(self, key: str) -> Session | None:
        raw = await self._redis.get(self._session(key))
        return None if raw is None else Session.from_json(raw)

    async def save(self, key: str, session: Session) -> None:
        await self._redis.set(self._session(key), session.touched().to_json(), ex=self.ttl)

    async def clear(self, key: str) -> None:
        await self._redis.delete(self._session(key))

    async def saved_school(self, user: str) -> str | None:
        raw = await self._redis.hget(f"{self.prefix}schools", user)
        return None if raw is None else _text(raw)

    async def save_school(self, user: str, school_key: str) -> None:
        await self._redis.hset(f"{self.prefix}schools", user, school_key)

    def _event(self, key: str) -> str:
        return f"{self.prefix}event:{key}"

    async def claim(self, key: str, lease_seconds: float) -> Claim:
        token = claim_token()
        lease_ms = max(1, round(lease_seconds * 1000))
        found = await self._claim(keys=[self._event(key)], args=[f"claim:{token}", lease_ms])
        return Claim.granted(token) if found == 1 else DONE if found == 2 else HELD

    async def complete(self, key: str, ttl_seconds: float) -> None:
        await self._redis.set(self._event(key), b"done", px=max(1, round(ttl_seconds * 1000)))

    async def release(self, key: str, token: str) -> None:
        await self._release(keys=[self._event(key)], args=[f"claim:{token}"])

    async def increment(self, key: StatKey) -> None:
        field = f"{key.municipality}|{key.age_group}|{key.measure}"
        async with self._redis.pipeline(transaction=True) as pipe:  # MULTI … EXEC
            pipe.hincrby(f"{self.prefix}stats:{key.month}", field, 1)
            pipe.sadd(f"{self.prefix}stats:months", key.month)
            await pipe.execute()

    async def counts(
        self, *, since: str | None = None, municipality: str | None = None
    ) -> dict[StatKey, int]:
        every = await self._redis.smembers(f"{self.prefix}stats:months")
        months = sorted(m for m in map(_text, every) if since is None or m >= since)
        async with self._redis.pipeline(transaction=False) as pipe:
            for month in months:
                pipe.hgetall(f"{self.prefix}stats:{month}")
            hashes = await pipe.execute()
        found: dict[StatKey, int] = {}
        for month, fields in zip(months, hashes, strict=True):
            for raw, count in fields.items():
                where, age_group, measure = _text(raw).split("|", 2)
                key = StatKey(month, where, age_group, measure)
                if wanted(key, since, municipality):
                    found[key] = int(count)
        return found

    def _record_keys(self, kind: str, rid: str) -> list[str]:
        """The record's hash, then its kind's `due` and `recs` sets."""
        p = self.prefix
        return [f"{p}rec:{kind}:{rid}", f"{p}due:{kind}", f"{p}recs:{kind}"]

    async def create(
        self, kind: str, rid: str, body: str, *, due: float | None, keep_seconds: float
    ) -> bool:
        args: list[str | int] = [rid, body, _due_text(due), _ms(keep_seconds), 1]
        return bool(await self._create(keys=self._record_keys(kind, rid), args=args))

    async def read(self, kind: str, rid: str) -> Record | None:
        fields = await self._redis.hmget(f"{self.prefix}rec:{kind}:{rid}", "body", "version", "due")
        return None if fields[0] is None else _record(rid, fields)

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
        new = version + 1
        args: list[str | int] = [rid, body, _due_text(due), _ms(keep_seconds), new, version]
        return bool(await self._swap(keys=self._record_keys(kind, rid), args=args))

    async def due(self, kind: str, now: float, limit: int) -> list[str]:
        found: list[str] = []
        while len(found) < limit:
            # Ids already found stay in the set: skip them, ask for what is still missing.
            wanted = limit - len(found)
            raw = await self._redis.zrangebyscore(
                f"{self.prefix}due:{kind}", "-inf", repr(now), start=len(found), num=wanted
            )
            ids = _ids(raw)
            records = await self._records(kind, ids)
            live = [rid for rid, record in zip(ids, records, strict=True) if record]
            found += [rid for rid in live if rid not in found]  # (a write may move an id)
            if len(ids) < wanted or len(live) == len(ids):
                break  # the set has no more due ids, or none was expired: done
        return found

    async def listing(self, kind: str) -> list[Record]:
        ids = _ids(await self._redis.zrange(f"{self.prefix}recs:{kind}", 0, -1))
        return [record for record in await self._records(kind, ids) if record is not None]

    async def _records(self, kind: str, ids: list[str]) -> list[Record | None]:
        """The records under `ids` (None for an expired one, whose ids are dropped)."""
        found: list[Record | None] = []
        for start in range(0, len(ids), _GATHER_CHUNK):
            chunk = ids[start : start + _GATHER_CHUNK]
            keys = [f"{self.prefix}due:{kind}", f"{self.prefix}recs:{kind}"]
            keys += [f"{self.prefix}rec:{kind}:{rid}" for rid in chunk]
            rows = await self._gather(keys=keys, args=chunk)
            found += [
                _record(rid, row) if row else None for rid, row in zip(chunk, rows, strict=True)
            ]
        return found

    async def delete(self, kind: str, rid: str) -> None:
        record, due, recs = self._record_keys(kind, rid)
        async with self._redis.pipeline(transaction=True) as pipe:  # MULTI … EXEC
            pipe.delete(record)
            pipe.zrem(due, rid)
            pipe.zrem(recs, rid)
            await pipe.execute()

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False

    def locked(self, key: str) -> AbstractAsyncContextManager[None]:
        return self._locked(key)

    @asynccontextmanager
    async def _locked(self, key: str) -> AsyncIterator[None]:
        lock = self._redis.lock(
            f"{self.prefix}lock:{key}",
            timeout=self.lock_timeout,
            sleep=0.02,
            blocking_timeout=self.lock_wait,
        )
        if not await lock.acquire():
            raise SessionBusy(f"session still busy after {self.lock_wait:g} s")
        try:
            yield
        finally:
            try:
                await lock.release()
            except LockError:
                # Held past lock_timeout: another replica may already have taken over.
                logger.warning("session lock expired before release (lock_timeout too short?)")

    async def close(self) -> None:
        await self._redis.aclose()


def _ids(members: list[Any]) -> list[str]:
    """The members of a sorted set read without scores."""
    return [_text(m) for m in members]


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _due_text(due: float | None) -> str:
    """A due time as the hash and the sorted set hold it ('' for none); repr keeps every bit."""
    return "" if due is None else repr(due)


def _record(rid: str, fields: list[bytes | str | None]) -> Record:
    """A record from its hash's body, version and due fields."""
    body, version, due = (None if f is None else _text(f) for f in fields)
    assert body is not None and version is not None
    return Record(rid, body, int(version), float(due) if due else None)
