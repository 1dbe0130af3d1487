"""Consultation requests across real bot processes: SIGKILL between the notification and the
escalation, a restart, and two replicas on a real Redis taking 100 requests through every
escalation step, each step exactly once.

Each bot is `referral-bot serve --http` on the handoff test directory (escalate_after 2s),
its clock started on a Wednesday at 10:00 (`--at`) so that the reception is open whenever
the suite runs. A step is counted where a user would notice it: a post in a contact's DM, in
the reception's channel, or in the asker's DM.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers import slack_requests as rq
from tests.helpers.bot_process import BotProcess
from tests.helpers.slack_standin import SlackStandIn

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ARGS = (
    "--directory", str(ROOT / "tests" / "fixtures" / "handoff"),
    "--at", "2026-11-25T10:00",
)  # fmt: skip
REQUEST = "request:hedemora/vasaskolan-7-9:unga:neglect"  # the topic button's value
PETRA_DM, ROLF_DM, RECEPTION = "D0PETRA001", "D0ROLF0001", "C0RECEPTION1"
ENDED = "Ingen har kunnat ta din fråga"
# a step a killed replica was taking is taken over after 1 s (HANDOFF_LEASE_SECONDS)
SHORT_LEASE = {"HANDOFF_LEASE_SECONDS": "1"}
_askers = itertools.count(1)

StartBot = Callable[[str], BotProcess]


@pytest.fixture
def start_bot(slack: SlackStandIn, tmp_path: Path) -> Iterator[StartBot]:
    started: list[BotProcess] = []

    def start(store_url: str) -> BotProcess:
        log = tmp_path / f"bot{len(started)}.log"
        bot = BotProcess(
            api_url=slack.api_url, store_url=store_url, log=log, args=ARGS, env=SHORT_LEASE
        )
        started.append(bot)
        return bot

    yield start
    for bot in started:
        bot.stop()


def asker() -> str:
    return f"U0ASK{next(_askers):05d}"


def ask(user: str) -> rq.SignedRequest:
    """The second click: the topic picked, in the asker's DM with the bot."""
    return rq.block_actions("choice:3", REQUEST, channel="D" + user[1:], user=user)


def steps(slack: SlackStandIn) -> collections.Counter[tuple[str, str]]:
    """(asker, where) for every post a request made: its offers, its status message."""
    seen: collections.Counter[tuple[str, str]] = collections.Counter()
    for call in slack.of("chat.postMessage"):
        channel, shown = call.args["channel"], call.blocks_text()
        if channel in (PETRA_DM, ROLF_DM, RECEPTION):
            for user in re.findall(r"<@(U0ASK\d+)>", shown):
                seen[(user, channel)] += 1
        elif "Din fråga om rådgivning" in shown:
            seen[("U" + channel[1:], "status")] += 1
    return seen


def ended(slack: SlackStandIn) -> set[str]:
    """The askers whose status message now says to phone the reception."""
    return {
        "U" + c.args["channel"][1:] for c in slack.of("chat.update") if ENDED in c.blocks_text()
    }


async def until(check: Callable[[], bool], timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_a_request_killed_between_notification_and_escalation_still_escalates(
    slack: SlackStandIn, start_bot: StartBot, tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path}/state.db"
    bot = start_bot(store)
    await bot.ready()
    user = asker()
    assert await bot.send(ask(user)) == 200
    await until(lambda: steps(slack)[(user, PETRA_DM)] == 1, timeout=5)
    bot.kill()  # SIGKILL: the timer lives only in the store now
    restarted = start_bot(store)
    await restarted.ready()
    await until(lambda: steps(slack)[(user, ROLF_DM)] == 1, timeout=10)
    await until(lambda: user in ended(slack), timeout=15)
    assert steps(slack) == {
        (user, PETRA_DM): 1,
        (user, "status"): 1,
        (user, ROLF_DM): 1,
        (user, RECEPTION): 1,
    }


@pytest.mark.parametrize("kill_after", [0.5, 2.0])
async def test_100_requests_on_two_replicas_with_a_sigkill_take_every_step_exactly_once(
    slack: SlackStandIn, start_bot: StartBot, redis_url: str, kill_after: float
) -> None:
    """A replica killed while the requests escalate (`kill_after` seconds after the last
    first offer: in the middle of the backups' and the channel's offers)."""
    a, b = start_bot(redis_url), start_bot(redis_url)
    await asyncio.gather(a.ready(), b.ready())
    users = [asker() for _ in range(100)]
    sent = await asyncio.gather(
        *(bot.send(ask(u)) for u, bot in zip(users, itertools.cycle((a, b))))
    )
    assert set(sent) == {200}
    await until(lambda: sum(steps(slack)[(u, PETRA_DM)] for u in users) == 100, timeout=10)
    await until(lambda: sum(steps(slack)[(u, "status")] for u in users) == 100, timeout=10)
    await asyncio.sleep(kill_after)
    a.kill()
    restarted = start_bot(redis_url)
    await restarted.ready()
    await until(lambda: set(users) <= ended(slack), timeout=40)
    await asyncio.sleep(1.0)  # time enough for a step taken twice to show
    taken = steps(slack)
    for where in (PETRA_DM, ROLF_DM, RECEPTION, "status"):
        counts = collections.Counter(taken[(u, where)] for u in users)
        assert counts == {1: 100}, (where, counts)  # none lost, none twice
    # the status updates in place: one message per asker, its last word the phone number
    assert set(users) <= ended(slack)
