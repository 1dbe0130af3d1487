"""A running bot process picks up an edited directory file, and never a broken one.

The bot is its own OS process (`referral-bot serve --http`) loading its catalog in a forked
child; staff ask it in a DM (signed requests) and read the answer at the Slack stand-in.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import shutil
from pathlib import Path

import pytest

from tests.helpers import slack_requests as rq
from tests.helpers.bot_process import ROOT, BotProcess
from tests.helpers.slack_standin import SlackStandIn

pytestmark = pytest.mark.slow
_events = itertools.count(1)


async def answer(bot: BotProcess, slack: SlackStandIn, *, timeout: float = 10.0) -> str:
    """What the bot answers to 'Ängsskolan åk 8' in a DM now."""
    before = len(slack.of("chat.postMessage"))
    asked = rq.direct_message("Ängsskolan åk 8", user="U0RELOAD01", event_id=f"EvRl{next(_events)}")
    assert await bot.send(asked) == 200
    for _ in range(int(timeout / 0.05)):
        shown = slack.of("chat.postMessage")
        if len(shown) > before:
            return shown[-1].blocks_text()
        await asyncio.sleep(0.05)
    raise TimeoutError("no answer")


async def test_an_edit_goes_live_and_a_broken_file_does_not(
    slack: SlackStandIn, tmp_path: Path
) -> None:
    shutil.copytree(ROOT / "directory", tmp_path / "directory")
    mora = tmp_path / "directory" / "mora.yml"
    log = tmp_path / "bot.log"
    bot = BotProcess(
        api_url=slack.api_url,
        store_url=f"sqlite:///{tmp_path / 'state.db'}",
        log=log,
        env={"REFERRAL_DIRECTORY": str(tmp_path / "directory")},
    )
    try:
        await bot.ready()
        assert "Cecilia Lind" in await answer(bot, slack)

        good = mora.read_text(encoding="utf-8").replace("Cecilia Lind", "Cecilia Ek")
        mora.write_text(good, encoding="utf-8")
        for _ in range(100):  # the watcher waits for quiet, then loads in a child process
            if "Cecilia Ek" in await answer(bot, slack):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the edit never went live")

        seen = len(log.read_text(encoding="utf-8"))
        mora.write_text(good.replace("schools:", "schools: [", 1), encoding="utf-8")
        for _ in range(100):
            if re.search(r"mora\.yml:\d+:\d+", log.read_text(encoding="utf-8")[seen:]):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the broken file was never reported")
        assert "Cecilia Ek" in await answer(bot, slack)  # the last good catalog stays live
    finally:
        bot.stop()
