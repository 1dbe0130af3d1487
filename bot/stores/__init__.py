"""Session store backends (sessions, statistics, records), chosen by `STORE_URL` (`open_store`)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from bot.core.records import RecordStore
from bot.core.sessions import DEFAULT_TTL_SECONDS, MemoryStore, SessionStore
from bot.core.stats import StatsStore
from bot.errors import BotError

DEFAULT_SQLITE_FILE = "state.db"  # in the data folder (DATA_DIR)
ACCEPTED = (
    "empty (SQLite at state.db in DATA_DIR, ./data by default), memory://, "
    "sqlite:///relative/path.db, sqlite:////absolute/path.db, redis://host:port/db or "
    "rediss://host:port/db"
)


class Store(SessionStore, StatsStore, RecordStore, Protocol):
    """What every backend is: the session store, which keeps the statistics and the records
    with a due time too."""


def open_store(
    url: str | None, *, ttl_seconds: int = DEFAULT_TTL_SECONDS, data: Path = Path("data")
) -> Store:
    """The store a `STORE_URL` names; raises BotError naming the accepted forms otherwise."""
    if not url:
        return _sqlite(data / DEFAULT_SQLITE_FILE, ttl_seconds)
    if url == "memory://":
        return MemoryStore(ttl_seconds)
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        return _sqlite(Path(url.removeprefix("sqlite:///")), ttl_seconds)
    if url.startswith(("redis://", "rediss://")):
        from bot.stores.redis import RedisStore

        return RedisStore(url, ttl_seconds=ttl_seconds)
    # Name only the scheme: the rest of a URL may carry a password.
    what = f"unknown scheme {url.split('://', 1)[0]!r}" if "://" in url else "not a URL"
    raise BotError(f"STORE_URL: {what}; accepted forms: {ACCEPTED}")


def _sqlite(path: Path, ttl_seconds: int) -> Store:
    from bot.stores.sqlite import SQLiteStore

    path.parent.mkdir(parents=True, exist_ok=True)
    return SQLiteStore(path, ttl_seconds=ttl_seconds)
