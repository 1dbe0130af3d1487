"""The statistics survive a restart, and two replicas on one Redis count as one bot would."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from pathlib import Path

from bot.core.clock import STOCKHOLM
from bot.core.service import FixedCatalog, Service
from bot.core.stats import StatKey
from bot.stores import Store
from bot.stores.redis import RedisStore
from bot.stores.sqlite import SQLiteStore
from tests.helpers.shipped import shipped_catalog
from tests.helpers.traffic import CONVERSATIONS, message

NOVEMBER = datetime(2026, 11, 24, 10, 0, tzinfo=STOCKHOLM)


def replica(store: Store) -> Service:
    """A bot serving from `store`, sessions and statistics both."""
    return Service(FixedCatalog(shipped_catalog()), store, now=lambda: NOVEMBER, stats_store=store)


async def converse(replicas: list[Service], who: str, conversation: tuple[str, ...]) -> None:
    """One person's conversation, each message to the next replica in turn (a balancer)."""
    for n, said in enumerate(conversation):
        await replicas[n % len(replicas)].handle(message(said, who))


async def serve_everyone(replicas: list[Service], rounds: int = 3) -> None:
    """Every conversation `rounds` times, the people all at once."""
    await asyncio.gather(
        *(
            converse(replicas, f"u{r}-{i}", conversation)
            for r in range(rounds)
            for i, conversation in enumerate(CONVERSATIONS)
        )
    )


async def test_two_replicas_on_one_redis_count_exactly_as_one_bot(redis_url: str) -> None:
    alone = RedisStore(redis_url, prefix=f"test-{uuid.uuid4().hex}:")
    await serve_everyone([replica(alone)])
    prefix = f"test-{uuid.uuid4().hex}:"
    a, b = RedisStore(redis_url, prefix=prefix), RedisStore(redis_url, prefix=prefix)
    await serve_everyone([replica(a), replica(b)])
    one = await alone.counts()
    assert one[StatKey("2026-11", "mora", "unga", "outcome:orosanmalan/anmalan")] == 3
    assert await a.counts() == await b.counts() == one
    for store in (alone, a, b):
        await store.close()


async def test_counts_survive_a_restart_of_a_sqlite_bot(tmp_path: Path) -> None:
    first = SQLiteStore(tmp_path / "state.db")
    await serve_everyone([replica(first)], rounds=1)
    before = await first.counts()
    await first.close()
    again = SQLiteStore(tmp_path / "state.db")  # the bot restarted on the same file
    assert await again.counts() == before
    await serve_everyone([replica(again)], rounds=1)
    assert await again.counts() == {key: 2 * n for key, n in before.items()}
    await again.close()


async def test_counts_survive_a_restart_of_a_redis_bot(redis_url: str) -> None:
    prefix = f"test-{uuid.uuid4().hex}:"
    first = RedisStore(redis_url, prefix=prefix)
    await serve_everyone([replica(first)], rounds=1)
    before = await first.counts()
    assert before  # something was counted
    await first.close()
    again = RedisStore(redis_url, prefix=prefix)  # a new client: the bot restarted
    assert await again.counts() == before
    await serve_everyone([replica(again)], rounds=1)
    assert await again.counts() == {key: 2 * n for key, n in before.items()}
    await again.close()
