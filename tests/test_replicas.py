"""Several bot processes for real: shared Redis, SIGKILL in the middle of a checklist, restart.

Each bot is its own OS process serving signed HTTP requests on loopback; Slack's Web API is
the local stand-in. What a user would notice: the checklist continues wherever the next
request lands, a retried event gets one answer in total, and nothing is lost on a crash: not
when a bot is SIGKILLed while posting an answer (it had not acked, so Slack retries), not
while Redis is down for seconds, not over 100 events with replicas killed among them.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from tests.helpers import slack_requests as rq
from tests.helpers.bot_process import BotProcess
from tests.helpers.slack_standin import Call, SlackStandIn
from tests.stores.test_seen_events import RedisServer

pytestmark = pytest.mark.slow
_users = itertools.count(1)

# A claim's lease in the bot processes below (SLACK_EVENT_LEASE_SECONDS), short so that a
# retry after a kill comes after the lease without waiting for Slack's 1-minute retry.
LEASE = 1  # seconds (a whole number: SLACK_EVENT_LEASE_SECONDS)
SHORT_LEASE = {"SLACK_EVENT_LEASE_SECONDS": str(LEASE)}
ANSWER = "Cecilia Lind"  # in the answer to "Ängsskolan åk 8"
ERROR_NOTICE = "Något gick fel hos mig"


@dataclass
class PostingStandIn(SlackStandIn):
    """The stand-in, with chat.postMessage taking `post_seconds`: a message counts as posted
    (is recorded) only when that time is over and its caller is still connected, so a bot
    killed while posting has posted nothing, as when its request never reached Slack."""

    post_seconds: float = 0.0
    posting: collections.Counter[str] = field(default_factory=collections.Counter)  # channels
    last_posted: float = 0.0  # when the last post was answered (monotonic)
    lost_posts: int = 0

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["method"] != "chat.postMessage" or not self.post_seconds:
            return await super()._api(request)
        args = await self._args(request)  # once: aiohttp reads a body only once
        channel = str(args.get("channel"))
        self.posting[channel] += 1
        try:
            await asyncio.sleep(self.post_seconds)
        finally:
            self.posting[channel] -= 1
        if request.transport is None or request.transport.is_closing():
            self.lost_posts += 1  # the bot died while posting
            return web.Response(status=500)
        self.last_posted = time.monotonic()
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        await self._record(Call("chat.postMessage", args, token))
        return web.json_response(self._answer("chat.postMessage", args))


@pytest.fixture
async def posting_slack() -> AsyncIterator[PostingStandIn]:
    async with PostingStandIn() as standin:
        yield standin


StartBot = Callable[..., BotProcess]


def _starter(slack: SlackStandIn, tmp_path: Path, started: list[BotProcess]) -> StartBot:
    def start(store_url: str, env: dict[str, str] | None = None) -> BotProcess:
        bot = BotProcess(
            api_url=slack.api_url,
            store_url=store_url,
            log=tmp_path / f"bot{len(started)}.log",
            env=env,
        )
        started.append(bot)
        return bot

    return start


@pytest.fixture
def start_bot(slack: SlackStandIn, tmp_path: Path) -> AsyncIterator[StartBot]:
    started: list[BotProcess] = []
    yield _starter(slack, tmp_path, started)  # type: ignore[misc]
    for bot in started:
        bot.stop()


@pytest.fixture
def start_posting_bot(
    posting_slack: PostingStandIn, tmp_path: Path
) -> AsyncIterator[tuple[StartBot, list[BotProcess]]]:
    started: list[BotProcess] = []
    yield _starter(posting_slack, tmp_path, started), started  # type: ignore[misc]
    for bot in started:
        bot.stop()


async def two_replicas(start_bot: StartBot, store_url: str) -> tuple[BotProcess, BotProcess]:
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
    slack: SlackStandIn, start_bot: StartBot, redis_url: str
) -> None:
    a, b = await two_replicas(start_bot, redis_url)
    user = new_user()
    assert await a.send(rq.direct_message("orosanmälan", user=user, event_id="EvR1")) == 200
    assert "Vilken skola eller förskola gäller det?" in await posted(slack, 1)
    assert await b.send(rq.direct_message("Ängsskolan", user=user, event_id="EvR2")) == 200
    assert "akut fara just nu" in await posted(slack, 2)  # B knew A's session
    dm = "D" + user[1:]
    await a.send(rq.block_actions("choice:1", "step:akut:nej", channel=dm, user=user))
    assert "Hur gammal är barnet?" in await posted(slack, 3)
    a.kill()
    await b.send(rq.block_actions("choice:1", "step:alder:unga", channel=dm, user=user))
    assert "Vad handlar oron mest om?" in await posted(slack, 4)
    restarted = start_bot(redis_url)  # A comes back as a new process
    await restarted.ready()
    await restarted.send(rq.block_actions("choice:1", "step:oro:omsorg", channel=dm, user=user))
    assert "Är du osäker kan du rådfråga mottagningen" in await posted(slack, 5)


async def test_a_retried_event_is_answered_once_across_replicas(
    slack: SlackStandIn, start_bot: StartBot, redis_url: str
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
    slack: SlackStandIn, start_bot: StartBot, redis_url: str
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
    slack: SlackStandIn, start_bot: StartBot, tmp_path: Path
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


# --------------------------------------------------------------------------- lost answers


async def attempt(bot: BotProcess, request: rq.SignedRequest) -> int:
    """The HTTP status Slack would see; 0 when the bot died before answering."""
    try:
        return await bot.send(request)
    except aiohttp.ClientError:
        return 0


async def until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.005)


def posts_to(slack: SlackStandIn, channel: str) -> list[str]:
    return [c.blocks_text() for c in slack.of("chat.postMessage") if c.args["channel"] == channel]


async def test_a_bot_killed_while_posting_its_answer_loses_no_answer(
    posting_slack: PostingStandIn,
    start_posting_bot: tuple[StartBot, list[BotProcess]],
    redis_url: str,
) -> None:
    start, _ = start_posting_bot
    a, b = start(redis_url, SHORT_LEASE), start(redis_url, SHORT_LEASE)
    await asyncio.gather(a.ready(), b.ready())
    posting_slack.post_seconds = 1.0
    user, event_id = new_user(), f"EvKill-{uuid.uuid4().hex[:8]}"
    dm = "D" + user[1:]

    def delivery(retry: int | None) -> rq.SignedRequest:
        return rq.direct_message("Ängsskolan åk 8", user=user, event_id=event_id, retry=retry)

    first = asyncio.ensure_future(attempt(a, delivery(None)))
    await until(lambda: posting_slack.posting[dm] == 1)  # A is posting the answer …
    a.kill()  # … and dies: it never acked, so Slack retries
    assert await first == 0
    assert await attempt(b, delivery(1)) == 503  # at once: A's claim is still live
    await asyncio.sleep(LEASE + 0.1)
    assert await attempt(b, delivery(2)) == 200  # after the lease: answered, then acked
    assert [ANSWER in text for text in posts_to(posting_slack, dm)] == [True]
    assert await attempt(b, delivery(3)) == 200  # a duplicate
    await asyncio.sleep(0.5)  # time enough for a second answer, if there were one
    assert posting_slack.lost_posts == 1 and len(posts_to(posting_slack, dm)) == 1


async def test_redis_down_for_seconds_events_are_still_answered_and_then_deduplicated(
    slack: SlackStandIn, start_bot: StartBot, tmp_path: Path
) -> None:
    redis = RedisServer(tmp_path)
    redis.start()
    try:
        bot = start_bot(redis.url)
        await bot.ready()
        users = [new_user() for _ in range(4)]
        ids = [f"EvDown-{uuid.uuid4().hex[:8]}" for _ in users]

        def delivery(n: int, retry: int | None = None) -> rq.SignedRequest:
            return rq.direct_message("Ängsskolan åk 8", user=users[n], event_id=ids[n], retry=retry)

        assert await bot.send(delivery(0)) == 200  # Redis up: answered and marked done
        redis.stop()
        # Redis down: the claims fail open (answered anyway, one warning each); the sessions
        # are in Redis too, so the answer is the calm notice, not acked (503): Slack retries
        outage = [await bot.send(delivery(n)) for n in (1, 2)]
        await asyncio.sleep(2.0)
        redis.start()  # back on the same port (empty: it kept nothing)
        assert outage == [503, 503]
        for n in (1, 2):
            assert await bot.send(delivery(n, retry=1)) == 200  # the retry: the answer
            assert await bot.send(delivery(n, retry=2)) == 200  # a duplicate, refused
        assert await bot.send(delivery(3)) == 200
        assert await bot.send(delivery(3, retry=1)) == 200
        await asyncio.sleep(0.5)  # time enough for a second answer, if there were one
    finally:
        redis.stop()
    shown = {n: posts_to(slack, "D" + users[n][1:]) for n in range(4)}
    assert [ANSWER in t for t in shown[0]] == [True]
    for n in (1, 2):  # the calm notice in the outage, then the answer: nothing lost
        assert [ERROR_NOTICE in t for t in shown[n]] == [True, False]
        assert ANSWER in shown[n][1]
    assert [ANSWER in t for t in shown[3]] == [True]
    log = (tmp_path / "bot0.log").read_text()
    assert log.count("event claim failed (ConnectionError): answering anyway") == 2
    assert "Traceback" not in log


# Slack's retries of an event not acked within 3 s: at once, after ~1 min and ~5 min. Here the
# later two come after the 1 s lease, as Slack's come after the 50 s lease of production.
RETRY_DELAYS = (0.0, LEASE + 0.5, 2 * LEASE + 2.0)
EVENTS = 100
KILLS = 5


async def test_100_events_with_random_kills_on_two_replicas_are_each_answered_once(
    posting_slack: PostingStandIn,
    start_posting_bot: tuple[StartBot, list[BotProcess]],
    redis_url: str,
) -> None:
    """Slack and a load balancer, simulated: each event goes to a ready replica, and is
    retried as Slack does while it gets no 200. Meanwhile replicas are SIGKILLed while they
    post an answer, and replaced. Every event is answered exactly once."""
    start, _ = start_posting_bot
    posting_slack.post_seconds = 0.3
    rng = random.Random(20261201)
    replicas = [start(redis_url, SHORT_LEASE), start(redis_url, SHORT_LEASE)]
    await asyncio.gather(*(r.ready() for r in replicas))
    up = {0, 1}
    in_flight: list[collections.Counter[str]] = [collections.Counter(), collections.Counter()]
    statuses: collections.Counter[int] = collections.Counter()
    history: dict[int, list[tuple[float, int, int]]] = collections.defaultdict(list)
    prefix = uuid.uuid4().hex[:8]

    async def deliver(n: int, user: str) -> bool:
        dm = "D" + user[1:]
        for retry, delay in enumerate((0.0, *RETRY_DELAYS)):
            await asyncio.sleep(delay)
            await until(lambda: bool(up), timeout=30)
            i = rng.choice(sorted(up))
            request = rq.direct_message(
                "Ängsskolan åk 8", user=user, event_id=f"Ev{prefix}-{n}", retry=retry or None
            )
            in_flight[i][dm] += 1
            try:
                status = await attempt(replicas[i], request)
            finally:
                in_flight[i][dm] -= 1
            statuses[status] += 1
            history[n].append((round(time.monotonic() % 1000, 2), i, status))
            if status == 200:
                return True
        return False  # Slack gives up

    kills_of: collections.Counter[str] = collections.Counter()  # DM channel -> kills it met

    def posting_on(i: int) -> bool:
        """Replica i posts an answer now, and may be killed: Slack gives up after 3 retries,
        the first of which comes at once and meets the dead one's claim, so an event killed
        on 3 of its 4 deliveries is lost whatever a bot does; a kill never makes it 3."""
        busy = [dm for dm, n in in_flight[i].items() if n]
        return any(posting_slack.posting[dm] for dm in busy) and all(
            kills_of[dm] < 2 for dm in busy
        )

    delivered = asyncio.Event()

    async def kill_some() -> int:
        killed = 0
        while killed < KILLS and not delivered.is_set():
            await asyncio.sleep(rng.uniform(0.2, 0.8))
            # a kill while a replica posts an answer, never in the few milliseconds after a
            # post returned and before its event is marked done: a kill there would make the
            # retry answer again (at least once, not exactly once, can be promised there)
            await until(
                lambda: (
                    delivered.is_set()
                    or (
                        up == {0, 1}
                        and any(posting_on(i) for i in up)
                        and time.monotonic() - posting_slack.last_posted > 0.1
                    )
                ),
                timeout=60,
            )
            if delivered.is_set():  # a slow machine: fewer kills (asserted below)
                break
            i = rng.choice([i for i in sorted(up) if posting_on(i)])
            up.discard(i)
            kills_of.update(dm for dm, n in in_flight[i].items() if n)
            replicas[i].kill()
            killed += 1
            replicas[i] = start(redis_url, SHORT_LEASE)
            await replicas[i].ready()
            up.add(i)
        return killed

    users = [new_user() for _ in range(EVENTS)]

    async def staggered(n: int) -> bool:
        await asyncio.sleep(n * 0.15)  # about 7 events a second, for 15 s
        return await deliver(n, users[n])

    killer = asyncio.ensure_future(kill_some())
    acked = await asyncio.gather(*(staggered(n) for n in range(EVENTS)))
    delivered.set()
    killed = await killer

    def answered() -> collections.Counter[str]:
        return collections.Counter(c.args["channel"] for c in posting_slack.of("chat.postMessage"))

    # an event acked at the ack deadline is still being answered (the work goes on): on a
    # loaded machine its post may land seconds after the last ack
    deadline = asyncio.get_running_loop().time() + 15
    while asyncio.get_running_loop().time() < deadline and (
        any(posting_slack.posting.values()) or not all(answered()["D" + u[1:]] for u in users)
    ):
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)  # time enough for a late second answer, if there were one
    answers = answered()
    per_event = [answers["D" + user[1:]] for user in users]
    lost, doubled = per_event.count(0), sum(1 for n in per_event if n > 1)
    odd = {n: history[n] for n, count in enumerate(per_event) if count != 1}
    assert (lost, doubled) == (0, 0), odd
    assert all(acked), statuses
    assert killed >= 3 and posting_slack.lost_posts >= killed  # each kill cost an answer …
    assert statuses[0] >= killed and statuses[503] >= 1  # … that Slack's retries brought back
    texts = [c.blocks_text() for c in posting_slack.of("chat.postMessage")]
    assert all(ANSWER in t for t in texts), statuses  # the answers, not calm notices


async def test_two_replicas_post_a_broken_file_to_the_admin_channel_once(
    slack: SlackStandIn, start_bot: StartBot, redis_url: str, tmp_path: Path
) -> None:
    """Both replicas watch the same files and both refuse the broken one; the admins read it
    once, not once per replica."""
    import shutil

    from tests.helpers.bot_process import ROOT

    shutil.copytree(ROOT / "directory", tmp_path / "directory")
    env = {"REFERRAL_DIRECTORY": str(tmp_path / "directory"), "ADMIN_CHANNEL": "C0ADMIN002"}
    a, b = start_bot(redis_url, env), start_bot(redis_url, env)
    await asyncio.gather(a.ready(), b.ready())
    mora = tmp_path / "directory" / "mora.yml"
    mora.write_text(mora.read_text(encoding="utf-8").replace("schools:", "schools: [", 1))

    def admin_posts() -> list[Call]:
        return [c for c in slack.of("chat.postMessage") if c.args.get("channel") == "C0ADMIN002"]

    for _ in range(200):
        if admin_posts():
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(2)  # time for the other replica's reload (and post, were it to post)
    [post] = admin_posts()
    assert "mora.yml:" in post.blocks_text()
    logs = [(tmp_path / f"bot{i}.log").read_text(encoding="utf-8") for i in range(2)]
    assert all("mora.yml:" in log for log in logs)  # both refused it
