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
and `stats:months` the set of months that have counts, so reading needs no key scan.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import LockError, RedisError

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


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


class SessionBusy(BotError):
    """Another replica held the session lock for longer than we were willing to wait."""


class RedisStore:
    """Sessions, saved schools, event claims, per-session locks and statistics in Redis."""

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
