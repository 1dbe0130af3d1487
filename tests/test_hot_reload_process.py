"""A running bot process picks up an edited directory file, and never a broken one.

The bot is its own OS process (`referral-bot serve --http`) loading its catalog in a worker
thread; staff ask it in a DM (signed requests) and read the answer at the Slack stand-in.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import shutil
import subprocess
import sys
from pathlib import Path

import aiohttp
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


async def test_a_restart_with_a_broken_file_serves_the_last_good_copy_and_says_so(
    slack: SlackStandIn, tmp_path: Path
) -> None:
    """After a bad edit, a restart (a deploy, a crash, a reboot) must not take the bot down."""
    shutil.copytree(ROOT / "directory", tmp_path / "directory")
    mora = tmp_path / "directory" / "mora.yml"
    env = {
        "REFERRAL_DIRECTORY": str(tmp_path / "directory"),
        "DATA_DIR": str(tmp_path / "data"),
        "ADMIN_CHANNEL": "C0ADMIN001",
    }
    store = f"sqlite:///{tmp_path / 'state.db'}"
    first = BotProcess(api_url=slack.api_url, store_url=store, log=tmp_path / "1.log", env=env)
    try:
        await first.ready()
        assert "Cecilia Lind" in await answer(first, slack)
    finally:
        first.stop()
    mora.write_text(mora.read_text(encoding="utf-8").replace("schools:", "schools: [", 1))

    second = BotProcess(api_url=slack.api_url, store_url=store, log=tmp_path / "2.log", env=env)
    try:
        await second.ready()
        assert "Cecilia Lind" in await answer(second, slack)
        async with aiohttp.ClientSession() as http, http.get(f"{second.url}/readyz") as got:
            body = await got.json()
        assert got.status == 200 and "last good" in body["serving"]
        assert any(re.match(rf"{re.escape(str(mora))}:\d+:\d+: error", p) for p in body["problems"])
        for _ in range(100):
            told = [
                c for c in slack.of("chat.postMessage") if c.args.get("channel") == "C0ADMIN001"
            ]
            if told:
                break
            await asyncio.sleep(0.05)
        assert told and "mora.yml:" in told[0].blocks_text()
        assert "last good" in (tmp_path / "2.log").read_text(encoding="utf-8")
    finally:
        second.stop()
    checked = subprocess.run(
        [sys.executable, "-m", "bot", "check", str(tmp_path / "directory"), str(ROOT / "rules")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 1 and "mora.yml:" in checked.stderr
