"""SQLiteStore: the embedded single-server session store, one file, no server.

One connection in WAL mode under a lock, each write committed on its own, so a process killed
with SIGKILL loses at most the message being handled. `synchronous=NORMAL` is durable against
a killed process (not against power loss). `locked()` serialises per key within this process
only (shared by every store object on the same file): SQLite mode is meant for one server.
Event claims (`claim`, `complete`, `release`) are atomic even across processes sharing the
file: a claim is one `BEGIN IMMEDIATE` transaction, the others one statement each. So is a
statistics count (`increment`): one UPSERT that adds one in place. So are records
(`bot.core.records`): `create` is one `BEGIN IMMEDIATE` transaction (drop expired rows, then
`INSERT OR IGNORE`), `swap` one `UPDATE … WHERE version = ?` whose row count says who won.

Writes run in one worker thread of the store's own: the connection lock lets one write run
at a time anyway, and asyncio's shared pool started a thread per waiting write (each with
its own allocator arena and stack). Point reads by primary key (a session, a saved school)
run on the event loop itself: in WAL mode they are served from the page cache in
microseconds, far less than a hop to a thread and back, and they are on the path of every
answer (measured in bench/README.md). So does reading one record; `due` and `listing` scan
a range, so they run in the worker thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, TypeVar

from bot.core.records import Record
from bot.core.sessions import (
    DEFAULT_TTL_SECONDS,
    DONE,
    HELD,
    Claim,
    KeyedLocks,
    Session,
    claim_token,
)
from bot.core.stats import StatKey

T = TypeVar("T")

# Session locks per database file, so two store objects on one file in one process agree.
_LOCKS: dict[Path, KeyedLocks] = {}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    key TEXT PRIMARY KEY,
    json TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_updated_at ON sessions (updated_at);
CREATE TABLE IF NOT EXISTS saved_schools (
    user TEXT PRIMARY KEY,
    school TEXT NOT NULL
);
-- A claim (token set) or a done mark (token NULL), each until expires_at. Replaces the
-- seen_events table of the first-time marks, whose rows only lived for an hour anyway.
DROP TABLE IF EXISTS seen_events;
CREATE TABLE IF NOT EXISTS event_marks (
    key TEXT PRIMARY KEY,
    token TEXT,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS event_marks_expires_at ON event_marks (expires_at);
-- follow-up statistics (bot.core.stats): ids and a count, nothing else
CREATE TABLE IF NOT EXISTS stats (
    month TEXT NOT NULL,
    municipality TEXT NOT NULL,
    age_group TEXT NOT NULL,
    measure TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (month, municipality, age_group, measure)
);
-- records with a due time (bot.core.records): ids and times in body, never typed text
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    version INTEGER NOT NULL,
    due REAL NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (kind, id)
);
-- `due` walks this in order (ties by id) and stops at the limit: no sort, no other kind
CREATE INDEX IF NOT EXISTS records_due ON records (kind, due, id) WHERE due IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_expires_at ON records (expires_at);
"""


class SQLiteStore:
    """Sessions, saved schools, event claims, statistics and records in one SQLite file."""

    def __init__(self, path: str | Path, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> None:
        self.path = Path(path)
        self.ttl = ttl_seconds
        # isolation_level=None: autocommit, transactions only where written out (claim).
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn_lock = threading.Lock()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-store")
        self._keyed = _LOCKS.setdefault(self.path.resolve(), KeyedLocks())
        self._conn.execute("PRAGMA busy_timeout = 5000")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        self._conn.executescript(_SCHEMA)

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r}, ttl_seconds={self.ttl})"

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def call() -> T:
            with self._conn_lock:
                return fn(self._conn)

        return await asyncio.get_running_loop().run_in_executor(self._writer, call)

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """A quick point read, on the calling thread (see the module docstring)."""
        with self._conn_lock:
            return fn(self._conn)

    async def load(self, key: str) -> Session | None:
        def read(conn: sqlite3.Connection) -> tuple[str, float] | None:
            row = conn.execute(
                "SELECT json, updated_at FROM sessions WHERE key = ?", (key,)
            ).fetchone()
            return None if row is None else (str(row[0]), float(row[1]))

        found = self._read(read)
        if found is None:
            return None
        if time.time() - found[1] > self.ttl:  # expired: forget it (a write, so in a thread)
            await self.clear(key)
            return None
        return Session.from_json(found[0])

    async def save(self, key: str, session: Session) -> None:
        touched = session.touched()

        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR REPLACE INTO sessions (key, json, updated_at) VALUES (?, ?, ?)",
                (key, touched.to_json(), touched.updated_at),
            )
            conn.execute(
                "DELETE FROM sessions WHERE updated_at < ?", (touched.updated_at - self.ttl,)
            )

        await self._run(write)

    async def clear(self, key: str) -> None:
        await self._run(lambda conn: conn.execute("DELETE FROM sessions WHERE key = ?", (key,)))

    async def saved_school(self, user: str) -> str | None:
        def read(conn: sqlite3.Connection) -> str | None:
            row = conn.execute(
                "SELECT school FROM saved_schools WHERE user = ?", (user,)
            ).fetchone()
            return None if row is None else str(row[0])

        return self._read(read)

    async def save_school(self, user: str, school_key: str) -> None:
        await self._run(
            lambda conn: conn.execute(
                "INSERT OR REPLACE INTO saved_schools (user, school) VALUES (?, ?)",
                (user, school_key),
            )
        )

    async def claim(self, key: str, lease_seconds: float) -> Claim:
        token = claim_token()

        def claim(conn: sqlite3.Connection) -> Claim:
            now = time.time()
            conn.execute("BEGIN IMMEDIATE")  # the write lock first: no other process between
            try:
                conn.execute("DELETE FROM event_marks WHERE expires_at <= ?", (now,))
                cur = conn.execute(
                    "INSERT OR IGNORE INTO event_marks (key, token, expires_at) VALUES (?, ?, ?)",
                    (key, token, now + lease_seconds),
                )
                if cur.rowcount == 1:
                    found = Claim.granted(token)
                else:  # a done mark (no token) or another's claim, both unexpired
                    row = conn.execute(
                        "SELECT token FROM event_marks WHERE key = ?", (key,)
                    ).fetchone()
                    found = DONE if row is not None and row[0] is None else HELD
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return found

        return await self._run(claim)

    async def complete(self, key: str, ttl_seconds: float) -> None:
        await self._run(
            lambda conn: conn.execute(
                "INSERT OR REPLACE INTO event_marks (key, token, expires_at) VALUES (?, NULL, ?)",
                (key, time.time() + ttl_seconds),
            )
        )

    async def release(self, key: str, token: str) -> None:
        await self._run(
            lambda conn: conn.execute(
                "DELETE FROM event_marks WHERE key = ? AND token = ?", (key, token)
            )
        )

    async def increment(self, key: StatKey) -> None:
        await self._run(
            lambda conn: conn.execute(
                "INSERT INTO stats (month, municipality, age_group, measure, count)"
                " VALUES (?, ?, ?, ?, 1)"
                " ON CONFLICT (month, municipality, age_group, measure)"
                " DO UPDATE SET count = count + 1",
                (key.month, key.municipality, key.age_group, key.measure),
            )
        )

    async def counts(
        self, *, since: str | None = None, municipality: str | None = None
    ) -> dict[StatKey, int]:
        def read(conn: sqlite3.Connection) -> list[tuple[str, str, str, str, int]]:
            return conn.execute(
                "SELECT month, municipality, age_group, measure, count FROM stats"
                " WHERE month >= ? AND (? IS NULL OR municipality = ?)",
                (since or "", municipality, municipality),
            ).fetchall()

        return {StatKey(*row[:4]): int(row[4]) for row in await self._run(read)}

    async def create(
        self, kind: str, rid: str, body: str, *, due: float | None, keep_seconds: float
    ) -> bool:
        def create(conn: sqlite3.Connection) -> bool:
            now = time.time()
            conn.execute("BEGIN IMMEDIATE")  # the write lock first: no other process between
            try:
                # Every expired row goes (cheap on the index), this key's among them, so an
                # expired record does not block a new one under its id.
                conn.execute("DELETE FROM records WHERE expires_at <= ?", (now,))
                cur = conn.execute(
                    "INSERT OR IGNORE INTO records (kind, id, body, version, due, expires_at)"
                    " VALUES (?, ?, ?, 1, ?, ?)",
                    (kind, rid, body, due, now + keep_seconds),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return cur.rowcount == 1

        return await self._run(create)

    async def read(self, kind: str, rid: str) -> Record | None:
        def read(conn: sqlite3.Connection) -> Record | None:
            row = conn.execute(
                "SELECT body, version, due FROM records"
                " WHERE kind = ? AND id = ? AND expires_at > ?",
                (kind, rid, time.time()),
            ).fetchone()
            return None if row is None else _record(rid, row)

        return self._read(read)

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
        def swap(conn: sqlite3.Connection) -> bool:
            now = time.time()
            cur = conn.execute(  # one statement: SQLite lets one writer at a time through
                "UPDATE records SET body = ?, version = version + 1, due = ?, expires_at = ?"
                " WHERE kind = ? AND id = ? AND version = ? AND expires_at > ?",
                (body, due, now + keep_seconds, kind, rid, version, now),
            )
            return cur.rowcount == 1

        return await self._run(swap)

    async def due(self, kind: str, now: float, limit: int) -> list[str]:
        def due(conn: sqlite3.Connection) -> list[str]:
            rows = conn.execute(
                "SELECT id FROM records"
                " WHERE kind = ? AND due IS NOT NULL AND due <= ? AND expires_at > ?"
                " ORDER BY due, id LIMIT ?",
                (kind, now, time.time(), max(0, limit)),
            ).fetchall()
            return [str(row[0]) for row in rows]

        return await self._run(due)

    async def listing(self, kind: str) -> list[Record]:
        def listing(conn: sqlite3.Connection) -> list[Record]:
            rows = conn.execute(
                "SELECT id, body, version, due FROM records WHERE kind = ? AND expires_at > ?",
                (kind, time.time()),
            ).fetchall()
            return [_record(str(row[0]), row[1:]) for row in rows]

        return await self._run(listing)

    async def delete(self, kind: str, rid: str) -> None:
        await self._run(
            lambda conn: conn.execute("DELETE FROM records WHERE kind = ? AND id = ?", (kind, rid))
        )

    async def ping(self) -> bool:
        try:
            return await self._run(lambda conn: conn.execute("SELECT 1").fetchone() == (1,))
        except sqlite3.Error:
            return False

    def locked(self, key: str) -> AbstractAsyncContextManager[None]:
        return self._keyed.locked(key)

    async def close(self) -> None:
        await self._run(lambda conn: conn.close())
        self._writer.shutdown()


def _record(rid: str, row: Sequence[Any]) -> Record:
    """A record from its (body, version, due) columns."""
    body, version, due = row
    return Record(rid, str(body), int(version), None if due is None else float(due))
