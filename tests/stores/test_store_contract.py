"""One contract for every session store (memory, SQLite, Redis), plus what each adds."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.core.records import Record
from bot.core.sessions import (
    DEFAULT_TTL_SECONDS,
    DONE,
    HELD,
    KeyedLocks,
    MemoryStore,
    Session,
    SessionStore,
)
from bot.core.stats import StatKey
from bot.errors import BotError
from bot.stores import Store, open_store
from bot.stores.redis import RedisStore, SessionBusy
from bot.stores.sqlite import SQLiteStore

MakeStore = Callable[..., Store]

SESSION = Session(
    flow="orosanmalan",
    step="akut",
    answers=(("start", "ja"), ("akut", "nej")),
    facts={"age_group": "barn"},
    school="mora/angsskolan",
    candidates=("mora/angsskolan", "falkoping/angsskolan"),
    age=12,
    locale="sv",
)


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MakeStore]:
    """Builds stores of one kind that share their data, as replicas or restarts would."""
    kind: str = request.param
    prefix = f"test-{uuid.uuid4().hex}:"
    redis_url = request.getfixturevalue("redis_url") if kind == "redis" else ""
    memory: list[MemoryStore] = []
    opened: list[Store] = []

    def make(ttl_seconds: int = DEFAULT_TTL_SECONDS) -> Store:
        store: Store
        if kind == "memory":  # one process: the same object is every "replica"
            memory[:] = memory or [MemoryStore(ttl_seconds)]
            return memory[0]
        if kind == "sqlite":
            store = open_store(f"sqlite:///{tmp_path}/state.db", ttl_seconds=ttl_seconds)
        else:
            store = RedisStore(redis_url, ttl_seconds=ttl_seconds, prefix=prefix)
        opened.append(store)
        return store

    yield make
    for store in opened:
        await store.close()


async def test_session_round_trip(make_store: MakeStore) -> None:
    store = make_store()
    assert await store.load("slack:T1:U1") is None
    await store.save("slack:T1:U1", SESSION)
    loaded = await store.load("slack:T1:U1")
    assert loaded is not None
    assert loaded.updated_at > 0
    assert loaded == Session(**{**SESSION.__dict__, "updated_at": loaded.updated_at})
    assert await store.load("slack:T1:U2") is None
    await store.clear("slack:T1:U1")
    assert await store.load("slack:T1:U1") is None
    await store.clear("slack:T1:U1")  # clearing nothing is fine


async def test_save_replaces_the_session(make_store: MakeStore) -> None:
    store = make_store()
    await store.save("k", SESSION)
    await store.save("k", Session(flow="other"))
    loaded = await store.load("k")
    assert loaded is not None and loaded.flow == "other" and loaded.school is None


async def test_sessions_and_done_marks_expire_saved_schools_do_not(make_store: MakeStore) -> None:
    store = make_store(ttl_seconds=1)
    await store.save("k", SESSION)
    await store.save_school("U1", "mora/angsskolan")
    await store.complete("Ev1", 1)
    assert await store.load("k") is not None
    assert await store.claim("Ev1", 60) == DONE
    await asyncio.sleep(1.3)
    assert await store.load("k") is None
    assert await store.saved_school("U1") == "mora/angsskolan"
    assert (await store.claim("Ev1", 60)).state == "claimed"  # the dedup window has passed


async def test_saved_school_is_per_user(make_store: MakeStore) -> None:
    store = make_store()
    assert await store.saved_school("U1") is None
    await store.save_school("U1", "mora/angsskolan")
    await store.save_school("U2", "laholm/lagaskolan")
    await store.save_school("U1", "mora/noretskolan")
    assert await store.saved_school("U1") == "mora/noretskolan"
    assert await store.saved_school("U2") == "laholm/lagaskolan"
    assert await store.saved_school("U3") is None


async def test_a_claim_is_granted_once(make_store: MakeStore) -> None:
    store = make_store()
    first = await store.claim("Ev1", 60)
    assert first.state == "claimed" and first.token
    assert await store.claim("Ev1", 60) == HELD  # a live claim: not done, not ours
    other = await store.claim("Ev2", 60)
    assert other.state == "claimed" and other.token and other.token != first.token


async def test_a_claim_whose_lease_ended_can_be_claimed_again(make_store: MakeStore) -> None:
    a, b = make_store(), make_store()
    first = await a.claim("Ev1", 0.3)  # its owner dies and never calls complete
    assert first.state == "claimed"
    assert await b.claim("Ev1", 0.3) == HELD
    await asyncio.sleep(0.4)
    second = await b.claim("Ev1", 60)
    assert second.state == "claimed" and second.token != first.token


async def test_complete_refuses_every_later_claim(make_store: MakeStore) -> None:
    a, b = make_store(), make_store()
    assert (await a.claim("Ev1", 0.3)).state == "claimed"
    await a.complete("Ev1", 60)
    assert await b.claim("Ev1", 60) == DONE  # at once, while the lease would still run …
    await asyncio.sleep(0.4)  # … and after it: the done mark is what counts now
    assert await b.claim("Ev1", 60) == DONE
    await a.complete("Ev2", 60)  # done without a claim (a claim that failed open)
    assert await b.claim("Ev2", 60) == DONE


async def test_release_lets_the_next_claim_in_at_once(make_store: MakeStore) -> None:
    a, b = make_store(), make_store()
    token = (await a.claim("Ev1", 60)).token
    assert token
    await a.release("Ev1", token)
    assert (await b.claim("Ev1", 60)).state == "claimed"
    await a.release("Ev-never-claimed", token)  # nothing to release is fine


async def test_a_late_release_frees_neither_a_new_claim_nor_a_done_mark(
    make_store: MakeStore,
) -> None:
    a, b = make_store(), make_store()
    late = (await a.claim("Ev1", 0.3)).token
    assert late
    await asyncio.sleep(0.4)  # A is slow: its lease ends and B claims the event
    assert (await b.claim("Ev1", 60)).state == "claimed"
    await a.release("Ev1", late)
    assert await b.claim("Ev1", 60) == HELD  # still B's
    await b.complete("Ev1", 60)
    await a.release("Ev1", late)
    assert await b.claim("Ev1", 60) == DONE  # still done


async def test_concurrent_claims_admit_exactly_one(make_store: MakeStore) -> None:
    stores = [make_store(), make_store()]  # two replicas (or one, for memory)
    results = await asyncio.gather(*(stores[i % 2].claim("Ev-retry", 60) for i in range(50)))
    assert sorted(r.state for r in results) == ["claimed"] + ["held"] * 49


async def _overlap(locks: list[tuple[SessionStore, str]]) -> int:
    """The most tasks that were inside `locked()` at the same moment."""
    inside = peak = 0

    async def work(store: SessionStore, key: str) -> None:
        nonlocal inside, peak
        async with store.locked(key):
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.1)
            inside -= 1

    await asyncio.gather(*(work(s, k) for s, k in locks))
    return peak


async def test_locked_serialises_one_key(make_store: MakeStore) -> None:
    a, b = make_store(), make_store()
    assert await _overlap([(a, "k"), (b, "k"), (a, "k")]) == 1


async def test_locked_does_not_serialise_different_keys(make_store: MakeStore) -> None:
    store = make_store()
    assert await _overlap([(store, "k1"), (store, "k2")]) == 2


async def test_locked_is_released_on_error(make_store: MakeStore) -> None:
    store = make_store()
    with pytest.raises(RuntimeError):
        async with store.locked("k"):
            raise RuntimeError("handler failed")
    async with asyncio.timeout(2), store.locked("k"):
        pass


async def test_ping(make_store: MakeStore) -> None:
    assert await make_store().ping() is True


def stat(
    month: str = "2026-11", municipality: str = "mora", measure: str = "contact_found"
) -> StatKey:
    return StatKey(month, municipality, "unga", measure)


async def test_stats_count_every_key_apart(make_store: MakeStore) -> None:
    store = make_store()
    assert await store.counts() == {}
    times = {
        stat(): 3,
        stat(measure="outcome:orosanmalan/anmalan"): 1,
        stat(municipality="laholm"): 2,
        StatKey("2026-11", "mora", "unknown", "contact_found"): 1,
        stat(month="2026-12"): 1,
    }
    for key, n in times.items():
        for _ in range(n):
            await store.increment(key)
    assert await store.counts() == times


async def test_stats_are_read_from_a_month_on_and_for_one_municipality(
    make_store: MakeStore,
) -> None:
    store = make_store()
    for key in (stat("2025-12"), stat("2026-01"), stat("2026-02", "laholm"), stat("2026-02")):
        await store.increment(key)
    assert set(await store.counts(since="2026-01")) == {
        stat("2026-01"),
        stat("2026-02", "laholm"),
        stat("2026-02"),
    }
    assert set(await store.counts(municipality="laholm")) == {stat("2026-02", "laholm")}
    assert await store.counts(since="2026-02", municipality="mora") == {stat("2026-02"): 1}
    assert await store.counts(since="2026-03") == {}
    assert await store.counts(municipality="gnesta") == {}


async def test_stats_increments_from_two_replicas_at_once_are_all_counted(
    make_store: MakeStore,
) -> None:
    stores = [make_store(), make_store()]  # two replicas (or one, for memory)
    await asyncio.gather(*(stores[i % 2].increment(stat()) for i in range(200)))
    assert await stores[0].counts() == await stores[1].counts() == {stat(): 200}


# --- records with a due time (bot.core.records) ------------------------------------------

KEEP = 3600.0  # long enough that nothing expires during a test unless it means to


async def warm(stores: list[Store], racers: int) -> None:
    """Open a connection per racer first: redis-py opens them one at a time, so racers on a
    cold pool queue behind connection setup and never overlap."""
    await asyncio.gather(*(store.ping() for store in stores for _ in range(racers)))


async def test_a_created_record_is_read_back_at_version_1(make_store: MakeStore) -> None:
    store = make_store()
    assert await store.read("consult", "r1") is None
    assert await store.create("consult", "r1", '{"step":"asked"}', due=1000.5, keep_seconds=KEEP)
    assert await store.create("consult", "r2", "{}", due=None, keep_seconds=KEEP)
    assert await store.read("consult", "r1") == Record("r1", '{"step":"asked"}', 1, 1000.5)
    assert await store.read("consult", "r2") == Record("r2", "{}", 1, None)
    assert await store.read("reminder", "r1") is None  # the kind is part of the key


async def test_creating_a_record_twice_keeps_the_first(make_store: MakeStore) -> None:
    a, b = make_store(), make_store()
    assert await a.create("consult", "r1", "first", due=1000.0, keep_seconds=KEEP)
    assert not await b.create("consult", "r1", "second", due=10.0, keep_seconds=KEEP)
    assert await a.read("consult", "r1") == Record("r1", "first", 1, 1000.0)
    assert await b.due("consult", 500.0, 10) == []  # the refused due time was not indexed


async def test_swap_at_the_current_version_replaces_the_record(make_store: MakeStore) -> None:
    store = make_store()
    await store.create("consult", "r1", "v1", due=1000.0, keep_seconds=KEEP)
    assert await store.swap("consult", "r1", 1, "v2", due=2000.0, keep_seconds=KEEP)
    assert await store.read("consult", "r1") == Record("r1", "v2", 2, 2000.0)
    assert await store.swap("consult", "r1", 2, "v3", due=None, keep_seconds=KEEP)
    assert await store.read("consult", "r1") == Record("r1", "v3", 3, None)


async def test_swap_at_a_stale_version_changes_nothing(make_store: MakeStore) -> None:
    a, b = make_store(), make_store()
    await a.create("consult", "r1", "v1", due=1000.0, keep_seconds=KEEP)
    assert await a.swap("consult", "r1", 1, "v2", due=1500.0, keep_seconds=KEEP)
    assert not await b.swap("consult", "r1", 1, "late", due=None, keep_seconds=KEEP)
    assert not await b.swap("consult", "r1", 3, "ahead", due=None, keep_seconds=KEEP)
    assert await b.read("consult", "r1") == Record("r1", "v2", 2, 1500.0)
    assert await b.due("consult", 2000.0, 10) == ["r1"]  # still indexed at its due time


async def test_swap_on_a_missing_record_writes_nothing(make_store: MakeStore) -> None:
    store = make_store()
    assert not await store.swap("consult", "nobody", 1, "x", due=10.0, keep_seconds=KEEP)
    assert not await store.swap("consult", "nobody", 0, "x", due=10.0, keep_seconds=KEEP)
    assert await store.read("consult", "nobody") is None
    assert await store.due("consult", 100.0, 10) == []
    assert await store.listing("consult") == []


async def test_due_gives_the_records_due_by_now_earliest_first(make_store: MakeStore) -> None:
    store = make_store()
    for rid, due in [("late", 300.0), ("first", 100.0), ("never", None), ("second", 200.0)]:
        await store.create("consult", rid, "{}", due=due, keep_seconds=KEEP)
    await store.create("reminder", "other-kind", "{}", due=50.0, keep_seconds=KEEP)
    assert await store.due("consult", 99.0, 10) == []
    assert await store.due("consult", 200.0, 10) == ["first", "second"]  # at now counts
    assert await store.due("consult", 1000.0, 10) == ["first", "second", "late"]
    assert await store.due("consult", 1000.0, 2) == ["first", "second"]
    assert await store.due("consult", 1000.0, 1) == ["first"]
    assert await store.due("reminder", 1000.0, 10) == ["other-kind"]


async def test_due_follows_the_due_time_a_swap_sets(make_store: MakeStore) -> None:
    store = make_store()
    await store.create("consult", "r1", "{}", due=100.0, keep_seconds=KEEP)
    await store.create("consult", "r2", "{}", due=200.0, keep_seconds=KEEP)
    assert await store.swap("consult", "r1", 1, "{}", due=None, keep_seconds=KEEP)
    assert await store.due("consult", 1000.0, 10) == ["r2"]  # r1 is waiting for nothing
    assert await store.swap("consult", "r1", 2, "{}", due=300.0, keep_seconds=KEEP)
    assert await store.swap("consult", "r2", 1, "{}", due=400.0, keep_seconds=KEEP)
    assert await store.due("consult", 350.0, 10) == ["r1"]
    assert await store.due("consult", 1000.0, 10) == ["r1", "r2"]


async def test_listing_gives_every_record_of_one_kind(make_store: MakeStore) -> None:
    store = make_store()
    assert await store.listing("consult") == []
    await store.create("consult", "r1", "a", due=100.0, keep_seconds=KEEP)
    await store.create("consult", "r2", "b", due=None, keep_seconds=KEEP)
    await store.create("reminder", "r3", "c", due=100.0, keep_seconds=KEEP)
    await store.swap("consult", "r2", 1, "b2", due=50.0, keep_seconds=KEEP)
    listed = sorted(await store.listing("consult"), key=lambda r: r.id)
    assert listed == [Record("r1", "a", 1, 100.0), Record("r2", "b2", 2, 50.0)]
    assert await store.listing("reminder") == [Record("r3", "c", 1, 100.0)]


async def test_delete_drops_a_record_everywhere(make_store: MakeStore) -> None:
    store = make_store()
    await store.create("consult", "r1", "a", due=100.0, keep_seconds=KEEP)
    await store.create("consult", "r2", "b", due=100.0, keep_seconds=KEEP)
    await store.delete("consult", "r1")
    await store.delete("consult", "never-there")  # deleting nothing is fine
    await store.delete("reminder", "r2")  # another kind's: r2 stays
    assert await store.read("consult", "r1") is None
    assert await store.due("consult", 1000.0, 10) == ["r2"]
    assert [r.id for r in await store.listing("consult")] == ["r2"]
    assert not await store.swap("consult", "r1", 1, "x", due=None, keep_seconds=KEEP)
    assert await store.create("consult", "r1", "again", due=None, keep_seconds=KEEP)
    assert await store.read("consult", "r1") == Record("r1", "again", 1, None)


async def test_a_record_expires_keep_seconds_after_its_last_write(make_store: MakeStore) -> None:
    store = make_store()
    await store.create("consult", "short", "a", due=100.0, keep_seconds=0.2)
    await store.create("consult", "kept", "b", due=200.0, keep_seconds=0.6)
    await store.create("consult", "long", "c", due=300.0, keep_seconds=KEEP)
    await asyncio.sleep(0.3)
    assert await store.read("consult", "short") is None
    assert await store.due("consult", 1000.0, 10) == ["kept", "long"]
    assert sorted(r.id for r in await store.listing("consult")) == ["kept", "long"]
    assert not await store.swap("consult", "short", 1, "x", due=None, keep_seconds=KEEP)
    assert await store.swap("consult", "kept", 1, "b2", due=200.0, keep_seconds=0.6)
    await asyncio.sleep(0.4)  # past the create's keep, not the swap's: the swap renewed it
    assert await store.read("consult", "kept") == Record("kept", "b2", 2, 200.0)
    await asyncio.sleep(0.3)
    assert await store.read("consult", "kept") is None
    assert await store.due("consult", 1000.0, 10) == ["long"]
    assert [r.id for r in await store.listing("consult")] == ["long"]
    # An expired record is gone: its id can be created anew, at version 1.
    assert await store.create("consult", "short", "new", due=None, keep_seconds=KEEP)
    assert await store.read("consult", "short") == Record("short", "new", 1, None)


async def test_due_skips_expired_records_and_still_fills_its_limit(
    make_store: MakeStore,
) -> None:
    store = make_store()
    for i in range(5):  # the earliest due times expire first
        await store.create("consult", f"gone{i}", "{}", due=float(i), keep_seconds=0.2)
    for i in range(3):
        await store.create("consult", f"live{i}", "{}", due=10.0 + i, keep_seconds=KEEP)
    await asyncio.sleep(0.3)
    assert await store.due("consult", 100.0, 2) == ["live0", "live1"]
    assert await store.due("consult", 100.0, 10) == ["live0", "live1", "live2"]


async def test_replicas_racing_a_swap_on_one_version_admit_exactly_one(
    make_store: MakeStore,
) -> None:
    stores = [make_store(), make_store()]  # two replicas (or one, for memory)
    await warm(stores, 20)
    await stores[0].create("consult", "r1", "v1", due=100.0, keep_seconds=KEEP)
    results = await asyncio.gather(
        *(
            stores[i % 2].swap("consult", "r1", 1, f"by-{i}", due=None, keep_seconds=KEEP)
            for i in range(20)
        )
    )
    assert results.count(True) == 1
    winner = results.index(True)
    assert await stores[1].read("consult", "r1") == Record("r1", f"by-{winner}", 2, None)


async def test_replicas_racing_create_admit_exactly_one(make_store: MakeStore) -> None:
    stores = [make_store(), make_store()]
    await warm(stores, 20)
    results = await asyncio.gather(
        *(
            stores[i % 2].create("consult", "r1", f"by-{i}", due=None, keep_seconds=KEEP)
            for i in range(20)
        )
    )
    assert results.count(True) == 1
    found = await stores[1].read("consult", "r1")
    assert found is not None and found.body == f"by-{results.index(True)}"


async def test_read_then_swap_loses_no_update_between_replicas(make_store: MakeStore) -> None:
    """Each replica adds one to a counter by read-then-swap, retrying when it loses: every
    win must be counted once, as only a real compare-and-swap on the version makes it."""
    stores = [make_store(), make_store()]
    await warm(stores, 30)
    await stores[0].create("count", "c", "0", due=None, keep_seconds=KEEP)

    async def add_one(store: Store) -> None:
        while True:
            found = await store.read("count", "c")
            assert found is not None
            await asyncio.sleep(0)  # let the other replica read the same version
            new = str(int(found.body) + 1)
            if await store.swap("count", "c", found.version, new, due=None, keep_seconds=KEEP):
                return

    await asyncio.gather(*(add_one(stores[i % 2]) for i in range(30)))
    assert await stores[0].read("count", "c") == Record("c", "30", 31, None)


# --- memory ------------------------------------------------------------------------------


async def test_lock_table_is_emptied_after_use() -> None:
    locks = KeyedLocks()

    async def hold(key: str) -> None:
        async with locks.locked(key):
            await asyncio.sleep(0.01)

    await asyncio.gather(*(hold(f"k{i % 10}") for i in range(100)))
    assert len(locks) == 0


# --- SQLite ------------------------------------------------------------------------------


async def test_sqlite_reopened_sees_everything(tmp_path: Path) -> None:
    first = SQLiteStore(tmp_path / "state.db")
    await first.save("k", SESSION)
    await first.save_school("U1", "mora/angsskolan")
    await first.complete("Ev1", 60)
    assert (await first.claim("Ev2", 60)).state == "claimed"
    await first.close()

    second = SQLiteStore(tmp_path / "state.db")
    loaded = await second.load("k")
    assert loaded is not None and loaded.step == "akut"
    assert await second.saved_school("U1") == "mora/angsskolan"
    assert await second.claim("Ev1", 60) == DONE
    assert await second.claim("Ev2", 60) == HELD  # claimed, lease still running
    await second.close()


def test_sqlite_survives_sigkill(tmp_path: Path) -> None:
    script = f"""
import asyncio, os, signal
from bot.core.sessions import Session
from bot.stores.sqlite import SQLiteStore
async def main():
    store = SQLiteStore({str(tmp_path / "state.db")!r})
    await store.save("k", Session(flow="orosanmalan", step="akut"))
    await store.complete("Ev1", 60)
    assert (await store.claim("Ev2", 60)).state == "claimed"
    os.kill(os.getpid(), signal.SIGKILL)
asyncio.run(main())
"""
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-c", script], cwd=root, check=False)
    assert proc.returncode == -9

    async def check() -> None:
        store = SQLiteStore(tmp_path / "state.db")
        loaded = await store.load("k")
        assert loaded is not None and loaded.step == "akut"
        assert await store.claim("Ev1", 60) == DONE
        assert await store.claim("Ev2", 60) == HELD  # the killed process's claim
        await store.close()

    asyncio.run(check())


def test_sqlite_processes_racing_a_swap_lose_no_update(tmp_path: Path) -> None:
    """Real processes on one file, started together, each add one to a counter 50 times by
    read-then-swap: two processes winning one version would lose an increment."""
    path = tmp_path / "state.db"

    async def prepare() -> None:
        store = SQLiteStore(path)
        assert await store.create("count", "c", "0", due=None, keep_seconds=3600)
        await store.close()

    asyncio.run(prepare())
    go = tmp_path / "go"
    script = f"""
import asyncio, os, time
from bot.stores.sqlite import SQLiteStore
async def main():
    store = SQLiteStore({str(path)!r})
    while not os.path.exists({str(go)!r}):
        time.sleep(0.005)
    for _ in range(50):
        while True:
            found = await store.read("count", "c")
            new = str(int(found.body) + 1)
            if await store.swap("count", "c", found.version, new, due=None, keep_seconds=3600):
                break
    await store.close()
asyncio.run(main())
"""
    root = Path(__file__).resolve().parents[2]
    procs = [subprocess.Popen([sys.executable, "-c", script], cwd=root) for _ in range(3)]
    time.sleep(0.5)  # every process is up and waiting
    go.touch()
    for proc in procs:
        proc.communicate(timeout=60)
    assert [proc.returncode for proc in procs] == [0, 0, 0]

    async def check() -> None:
        store = SQLiteStore(path)
        assert await store.read("count", "c") == Record("c", "150", 151, None)
        await store.close()

    asyncio.run(check())


# --- Redis -------------------------------------------------------------------------------


async def test_redis_replicas_share_sessions_and_dedup(redis_url: str) -> None:
    prefix = f"test-{uuid.uuid4().hex}:"
    a = RedisStore(redis_url, prefix=prefix)
    b = RedisStore(redis_url, prefix=prefix)
    await a.save("slack:T1:U1", SESSION)  # a checklist started on replica A …
    loaded = await b.load("slack:T1:U1")  # … continues on replica B
    assert loaded is not None and loaded.answers == SESSION.answers
    await b.save_school("U1", "mora/angsskolan")
    assert await a.saved_school("U1") == "mora/angsskolan"
    assert (await a.claim("Ev1", 60)).state == "claimed"
    assert await b.claim("Ev1", 60) == HELD
    other = RedisStore(redis_url, prefix=f"other-{uuid.uuid4().hex}:")
    assert await other.load("slack:T1:U1") is None  # the prefix separates deployments
    for store in (a, b, other):
        await store.close()


async def test_redis_lock_gives_up_with_session_busy(redis_url: str) -> None:
    prefix = f"test-{uuid.uuid4().hex}:"
    a = RedisStore(redis_url, prefix=prefix)
    b = RedisStore(redis_url, prefix=prefix, lock_wait=0.2)
    async with a.locked("k"):
        with pytest.raises(SessionBusy):
            async with b.locked("k"):
                pass
    await a.close()
    await b.close()


async def test_redis_ping_is_false_when_unreachable() -> None:
    store = RedisStore("redis://127.0.0.1:1/0")
    assert await store.ping() is False
    await store.close()


# --- open_store --------------------------------------------------------------------------


async def test_open_store_picks_the_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    default = open_store(None)
    assert isinstance(default, SQLiteStore)
    assert (tmp_path / "data" / "state.db").exists()
    relative = open_store("sqlite:///var/bot/state.db", ttl_seconds=60)
    assert isinstance(relative, SQLiteStore) and relative.ttl == 60
    assert (tmp_path / "var" / "bot" / "state.db").exists()
    absolute = open_store(f"sqlite:///{tmp_path}/abs.db")
    assert isinstance(absolute, SQLiteStore) and absolute.path == tmp_path / "abs.db"
    assert isinstance(open_store("memory://"), MemoryStore)
    redis = open_store("redis://127.0.0.1:1/0")
    assert isinstance(redis, RedisStore)
    for store in (default, relative, absolute, redis):
        await store.close()


@pytest.mark.parametrize("url", ["postgres://bot:hemligt@db/x", "sqlite:///", "state.db"])
def test_open_store_rejects_other_urls(url: str) -> None:
    with pytest.raises(BotError) as caught:
        open_store(url)
    message = str(caught.value)
    assert "sqlite:///" in message and "redis://" in message and "memory://" in message
    assert "hemligt" not in message
