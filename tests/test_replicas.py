"""Several bot processes for real: shared Redis, SIGKILL in the middle of a checklist, restart.

Each bot is its own OS process serving signed HTTP requests on loopback; Slack's Web API is
the local stand-in. What a user would notice: the checklist continues wherever the next
request lands, a retried event gets one answer in total, and nothing is lost on a crash.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.helpers import slack_requests as rq
from tests.helpers.bot_process import BotProcess
from tests.helpers.slack_standin import SlackStandIn

pytestmark = pytest.mark.slow
_users = itertools.count(1)


@pytest.fixture
def start_bot(slack: SlackStandIn, tmp_path: Path) -> AsyncIterator[Callable[[str], BotProcess]]:
    started: list[BotProcess] = []

    def start(store_url: str) -> BotProcess:
        bot = BotProcess(
            api_url=slack.api_url, store_url=store_url, log=tmp_path / f"bot{len(started)}.log"
        )
        started.append(bot)
        return bot

    yield start  # type: ignore[misc]
    for bot in started:
        bot.stop()


async def two_replicas(
    start_bot: Callable[[str], BotProcess], store_url: str
) -> tuple[BotProcess, BotProcess]:
    """Two bot processes on one shared store, both ready."""
    a, b = start_bot(store_url), start_bot(store_url)
    await asyncio.gather(a.ready(), b.ready())
    return a, b


def new_user() -> str:
    return f"U0REPL{next(_users):04d}"


async def posted(slack: SlackStandIn, count: int, timeout: float = 10.0) -> str:
    """What the bot showed in its `count`-th posted or updated message (waits for it)."""
    for _ in range(int(timeout / 0.05)):
        shown = slack.of("chat.postMessage", "chat.update")
        if len(shown) >= count:
            return shown[count - 1].blocks_text()
        await asyncio.sleep(0.05)
    raise TimeoutError(f"fewer than {count} messages posted")


async def test_a_checklist_moves_between_replicas_and_survives_a_sigkill(
    slack: SlackStandIn, start_bot: Callable[[str], BotProcess], redis_url: str
) -> None:
    a, b = await two_replicas(start_bot, redis_url)
    user = new_user()
    assert await a.send(rq.direct_message("orosanmälan", user=user, event_id="EvR1")) == 200
    assert "Vilken skola gäller det?" in await posted(slack, 1)
    assert await b.send(rq.direct_message("Ängsskolan", user=user, event_id="EvR2")) == 200
    assert "akut fara just nu" in await posted(slack, 2)  # B knew A's session
    dm = "D" + user[1:]
    await a.send(rq.block_actions("choice:1", "step:akut:nej", channel=dm, user=user))
    assert "Hur gammal är barnet?" in await posted(slack, 3)
    a.kill()
    await b.send(rq.block_actions("choice:1", "step:alder:13-17", channel=dm, user=user))
    assert "Vad handlar oron mest om?" in await posted(slack, 4)
    restarted = start_bot(redis_url)  # A comes back as a new process
    await restarted.ready()
    await restarted.send(rq.block_actions("choice:1", "step:oro:omsorg", channel=dm, user=user))
    assert "osäker på om det räcker" in await posted(slack, 5)


async def test_a_retried_event_is_answered_once_across_replicas(
    slack: SlackStandIn, start_bot: Callable[[str], BotProcess], redis_url: str
) -> None:
    a, b = await two_replicas(start_bot, redis_url)
    user = new_user()
    first = rq.direct_message("Ängsskolan åk 8", user=user, event_id="EvDup1")
    retry = rq.direct_message("Ängsskolan åk 8", user=user, event_id="EvDup1", retry=1)
    assert await a.send(first) == 200
    assert await b.send(retry) == 200
    assert "Cecilia Lind" in await posted(slack, 1)
    await asyncio.sleep(1.0)  # time enough for a second answer, if there were one
    assert len(slack.of("chat.postMessage")) == 1


def replica_that_dies_after_claiming(store_url: str, event_id: str, lease: float) -> None:
    """A process that claims an event as a replica would, then is SIGKILLed before it answers."""
    script = f"""
import asyncio, os, signal
from bot.stores import open_store
from bot.transports.slack.seen import StoreSeenEvents
async def main():
    seen = StoreSeenEvents(open_store({store_url!r}), lease_seconds={lease})
    assert await seen.claim({event_id!r}) == "claimed"
    os.kill(os.getpid(), signal.SIGKILL)
asyncio.run(main())
"""
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-c", script], cwd=root, check=False)
    assert proc.returncode == -signal.SIGKILL


async def test_an_event_whose_replica_died_after_claiming_it_is_answered_by_a_retry(
    slack: SlackStandIn, start_bot: Callable[[str], BotProcess], redis_url: str
) -> None:
    a, b = await two_replicas(start_bot, redis_url)
    user = new_user()

    def retry(n: int) -> rq.SignedRequest:
        return rq.direct_message("Ängsskolan åk 8", user=user, event_id="EvCrash1", retry=n)

    replica_that_dies_after_claiming(redis_url, "EvCrash1", lease=1.0)
    # The retry while the dead replica's claim still runs is not acknowledged (503), so that
    # Slack retries again: by then the lease has ended.
    assert await a.send(retry(1)) == 503
    await asyncio.sleep(1.2)  # the lease ends
    assert await b.send(retry(2)) == 200
    assert "Cecilia Lind" in await posted(slack, 1)  # answered: no answer lost
    assert await a.send(retry(3)) == 200
    await asyncio.sleep(1.0)  # time enough for a second answer, if there were one
    assert len(slack.of("chat.postMessage")) == 1


async def test_sqlite_keeps_a_checklist_through_a_sigkill_and_restart(
    slack: SlackStandIn, start_bot: Callable[[str], BotProcess], tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path / 'state.db'}"
    first = start_bot(store)
    await first.ready()
    user = new_user()
    await first.send(rq.direct_message("orosanmälan", user=user, event_id="EvS1"))
    await first.send(rq.direct_message("Ängsskolan", user=user, event_id="EvS2"))
    assert "akut fara just nu" in await posted(slack, 2)
    first.kill()
    second = start_bot(store)
    await second.ready()
    dm = "D" + user[1:]
    await second.send(rq.block_actions("choice:1", "step:akut:nej", channel=dm, user=user))
    assert "Hur gammal är barnet?" in await posted(slack, 3)
