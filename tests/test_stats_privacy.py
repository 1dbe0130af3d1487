"""A real bot process: nothing anyone typed reaches the statistics, only ids and counts."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.helpers import slack_requests as rq
from tests.helpers.bot_process import BotProcess
from tests.helpers.slack_standin import SlackStandIn
from tests.test_cli import run_bot

pytestmark = pytest.mark.slow

USER = "U0STATS001"
TYPED = (
    "vem är soc-kontakten för Ängsskolan åk 8?",
    "Min elev Kalle Testsson på Tunaskolan i Mora har det svårt hemma",
    "Skolan som inte finns någonstans",
    "orosanmälan",
    "Lagaskolan",
)
CLICKS = ("step:akut:nej", "step:alder:unga", "step:oro:omsorg")
# words of what was typed, as they might be stored (any case, with or without å ä ö)
WORDS = {"ängsskolan", "angsskolan", "kalle", "testsson", "tunaskolan", "lagaskolan", "hemma"}
WORDS |= {"skolan", "någonstans", "nagonstans", "elev", "svårt", "svart", "åk 8"}


async def wait_for_posts(slack: SlackStandIn, count: int) -> None:
    for _ in range(400):
        if len(slack.of("chat.postMessage", "chat.update")) >= count:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"fewer than {count} answers")


async def test_the_statistics_hold_ids_and_counts_and_nothing_typed(
    slack: SlackStandIn, tmp_path: Path
) -> None:
    store_url = f"sqlite:///{tmp_path / 'state.db'}"
    bot = BotProcess(api_url=slack.api_url, store_url=store_url, log=tmp_path / "bot.log")
    try:
        await bot.ready()
        for n, text in enumerate(TYPED):
            event = rq.direct_message(text, user=USER, event_id=f"EvStats{n}", ts=f"17000002{n}.0")
            assert await bot.send(event) == 200
            await wait_for_posts(slack, n + 1)
        dm = "D" + USER[1:]
        for n, value in enumerate(CLICKS, start=len(TYPED)):
            assert await bot.send(rq.block_actions("choice:1", value, channel=dm, user=USER)) == 200
            await wait_for_posts(slack, n + 1)
    finally:
        bot.stop()

    with closing(sqlite3.connect(tmp_path / "state.db")) as db:  # `with` alone keeps it open
        rows = db.execute("SELECT month, municipality, age_group, measure, count FROM stats")
        stored = [tuple(map(str, row)) for row in rows]
    assert ("mora", "unga", "contact_found") in {row[1:4] for row in stored}
    assert any(row[3] == "flow_started:orosanmalan" for row in stored)
    for row in stored:
        assert not any(word in value.casefold() for word in WORDS for value in row), row
    everything = (tmp_path / "state.db").read_bytes()
    assert b"Testsson" not in everything and "svårt".encode() not in everything

    shown = run_bot("stats", "--format", "csv", env={"STORE_URL": store_url})
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "month,municipality,age_group,measure,count"
    assert len(lines) == 1 + len(stored) and all(line.endswith(",<5") for line in lines[1:])
    assert not any(word in shown.stdout.casefold() for word in WORDS)
