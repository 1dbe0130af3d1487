"""StoreSeenEvents on the real stores: exactly one answer per Slack event, none lost.

What a person would notice: an event whose process died before answering is answered by a
later retry; a store that is down, hung or locked still lets the event be answered.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.core.sessions import MemoryStore, SessionStore
from bot.stores.redis import RedisStore
from bot.stores.sqlite import SQLiteStore
from bot.transports.slack.seen import CLAIM_LEASE_SECONDS, StoreSeenEvents
from tests.helpers.redis_server import _answers, _free_port

ROOT = Path(__file__).resolve().parents[2]
LEASE = 0.3


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SessionStore]:
    made: SessionStore
    if request.param == "memory":
        made = MemoryStore()
    elif request.param == "sqlite":
        made = SQLiteStore(tmp_path / "state.db")
    else:
        url = request.getfixturevalue("redis_url")
        made = RedisStore(url, prefix=f"test-{uuid.uuid4().hex}:")
    yield made
    await made.close()


def test_the_lease_ends_before_slacks_one_minute_retry() -> None:
    assert 10 < CLAIM_LEASE_SECONDS < 60


async def test_claim_done_release(store: SessionStore) -> None:
    a, b = StoreSeenEvents(store), StoreSeenEvents(store)  # two replicas on one store
    assert await a.claim("Ev1") == "claimed"
    assert await b.claim("Ev1") == "held"  # the retry while A is still answering
    await a.done("Ev1")
    assert await b.claim("Ev1") == "done"  # answered: a duplicate
    assert await a.claim("Ev2") == "claimed"
    await a.release("Ev2")  # A could not answer
    assert await b.claim("Ev2") == "claimed"  # the retry is answered at once
    await a.release("Ev2")  # A's claim is gone: B's is untouched
    assert await a.claim("Ev2") == "held"
    await b.release("Ev-unknown")  # releasing what one does not hold does nothing


async def test_a_claim_whose_owner_dies_is_answered_after_the_lease(
    store: SessionStore,
) -> None:
    dying = StoreSeenEvents(store, lease_seconds=LEASE)
    assert await dying.claim("EvLost1") == "claimed"  # … and never calls done or release
    retry = StoreSeenEvents(store, lease_seconds=LEASE)
    assert await retry.claim("EvLost1") == "held"
    await asyncio.sleep(LEASE + 0.1)
    assert await retry.claim("EvLost1") == "claimed"  # the later retry gets the answer
    await retry.done("EvLost1")
    await asyncio.sleep(LEASE + 0.1)
    assert await retry.claim("EvLost1") == "done"


def _claim_and_die(store_expr: str) -> None:
    """A real process that claims an event and is killed before it answers."""
    script = f"""
import asyncio, os, signal
from bot.stores.redis import RedisStore
from bot.stores.sqlite import SQLiteStore
from bot.transports.slack.seen import StoreSeenEvents
async def main():
    seen = StoreSeenEvents({store_expr}, lease_seconds={LEASE})
    assert await seen.claim("EvKilled") == "claimed"
    os.kill(os.getpid(), signal.SIGKILL)
asyncio.run(main())
"""
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=False)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
async def test_a_process_killed_after_its_claim_loses_no_answer(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if kind == "sqlite":
        path = tmp_path / "state.db"
        store: SessionStore = SQLiteStore(path)
        expr = f"SQLiteStore({str(path)!r})"
    else:
        url, prefix = request.getfixturevalue("redis_url"), f"test-{uuid.uuid4().hex}:"
        store = RedisStore(url, prefix=prefix)
        expr = f"RedisStore({url!r}, prefix={prefix!r})"
    _claim_and_die(expr)  # it claimed just before it was killed
    seen = StoreSeenEvents(store)
    assert await seen.claim("EvKilled") == "held"  # the immediate retry: the lease still runs
    await asyncio.sleep(LEASE + 0.1)
    assert await seen.claim("EvKilled") == "claimed"  # the later retry is answered
    await seen.done("EvKilled")
    assert await seen.claim("EvKilled") == "done"
    await store.close()


# --- a store that fails ------------------------------------------------------------------


class RedisServer:
    """A private redis-server this test can stop, pause and start again on one port."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            if os.environ.get("REQUIRE_REDIS") == "1":
                pytest.fail("redis-server not installed and REQUIRE_REDIS=1")
            pytest.skip("redis-server not installed")
        self.binary, self.workdir, self.port = binary, workdir, _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                *(self.binary, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.workdir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not _answers(self.port):
            assert self.proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGCONT)  # in case it was paused
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def pause(self, paused: bool) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP if paused else signal.SIGCONT)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


async def test_redis_down_the_event_is_answered_anyway_and_once_it_is_back(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    store = RedisStore(redis_server.url, prefix="test:")
    seen = StoreSeenEvents(store, timeout_seconds=1.0)
    assert await seen.claim("EvUp") == "claimed"  # claimed while Redis is up …
    redis_server.stop()  # … then Redis goes away before the answer is posted
    with caplog.at_level(logging.WARNING, logger="bot.transports.slack.seen"):
        await seen.done("EvUp")  # cannot be recorded: logged, not raised
        assert await seen.claim("EvDown") == "claimed"  # Redis down: answered anyway
        await seen.release("EvDown")  # nothing of ours to free: no store call
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2
    assert "marking an event answered failed (ConnectionError)" in warnings[0]
    assert "answering anyway" in warnings[1] and "ConnectionError" in warnings[1]
    redis_server.start()  # back, empty (no persistence): nothing is refused wrongly
    assert await seen.claim("EvUp") == "claimed"  # the retry of the unrecorded answer: answered
    await seen.done("EvUp")
    await seen.done("EvDown")  # the answer given in the outage is recorded once Redis is back
    assert await seen.claim("EvDown") == "done"
    assert await seen.claim("EvUp") == "done"
    await store.close()


async def test_a_hung_redis_does_not_hold_the_answer(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    store = RedisStore(redis_server.url, prefix="test:")
    seen = StoreSeenEvents(store, timeout_seconds=0.3)
    assert await seen.claim("EvWarm") == "claimed"  # a connection in the pool
    await seen.done("EvWarm")
    redis_server.pause(True)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.transports.slack.seen"):
            async with asyncio.timeout(2):
                assert await seen.claim("EvHung") == "claimed"
        assert "event claim failed (TimeoutError)" in caplog.text
    finally:
        redis_server.pause(False)
    await seen.done("EvHung")
    assert await seen.claim("EvHung") == "done"
    await store.close()


async def test_a_locked_sqlite_file_does_not_hold_the_answer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = SQLiteStore(tmp_path / "state.db")
    seen = StoreSeenEvents(store, timeout_seconds=0.3)
    other = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with caplog.at_level(logging.WARNING, logger="bot.transports.slack.seen"):
            assert await seen.claim("EvLocked") == "claimed"
        assert "event claim failed (TimeoutError)" in caplog.text
    finally:
        other.execute("ROLLBACK")
        other.close()
    await seen.done("EvLocked")  # recorded once the lock is free
    assert await seen.claim("EvLocked") == "done"
    await store.close()


async def test_a_read_only_sqlite_file_still_lets_the_event_be_answered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = SQLiteStore(tmp_path / "state.db")
    store._conn.close()  # the same store, now on a read-only connection to its file
    store._conn = sqlite3.connect(
        f"file:{tmp_path / 'state.db'}?mode=ro", uri=True, check_same_thread=False
    )
    seen = StoreSeenEvents(store)
    with caplog.at_level(logging.WARNING, logger="bot.transports.slack.seen"):
        assert await seen.claim("EvRO") == "claimed"
        await seen.done("EvRO")
    assert "event claim failed (OperationalError)" in caplog.text
    assert "marking an event answered failed (OperationalError)" in caplog.text
    await store.close()
