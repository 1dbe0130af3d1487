"""/kontakt answered in the ack itself, through bolt like every request, for everyone.

The contact command in a channel is answered in its ack whenever the answer is ready in time
(bot.transports.slack.listeners.ANSWER_IN_ACK_SECONDS); in a DM, and when the core is slow, it
follows an empty ack. Real signed requests against the real HTTP server and the real core on
the shipped directory.
"""

from __future__ import annotations

import json
import logging
import secrets
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.core.catalog import Catalog, load_catalog
from bot.core.clock import STOCKHOLM
from bot.core.service import FixedCatalog, Service
from bot.core.sessions import MemoryStore
from tests.helpers import slack_requests as rq
from tests.helpers.fake_service import SlowService
from tests.helpers.held_text import holders_of
from tests.helpers.shipped import ROOT, shipped_catalog
from tests.helpers.slack_standin import TEAM, Call, SlackStandIn
from tests.transports.test_slack_http import TUESDAY_MORNING, Bot, buttons, click, running


@dataclass
class Ack:
    status: int
    content_type: str
    text: str

    def answer(self) -> dict[str, Any]:
        return dict(json.loads(self.text))

    def shown(self) -> str:
        """What the asker sees: the fallback text and the blocks."""
        answer = self.answer()
        return answer["text"] + json.dumps(answer["blocks"], ensure_ascii=False)


async def post(bot: Bot, request: rq.SignedRequest) -> Ack:
    async with (
        aiohttp.ClientSession() as session,
        session.post(bot.url, data=request.body, headers=request.headers) as response,
    ):
        return Ack(response.status, response.content_type, await response.text())


async def introduce(bot: Bot, slack: SlackStandIn) -> None:
    """A first command: the bot asks users.info on the way and answers in the ack."""
    ack = await post(bot, rq.slash_command("/kontakt", "Ängsskolan"))
    assert "Ängsskolan F-9, Mora kommun" in ack.shown()
    assert len(slack.of("users.info")) == 1
    await bot.settle()


class SwappableCatalog:
    """The live catalog, replaced by a test as a reload would."""

    def __init__(self, catalog: Catalog) -> None:
        self.current = catalog


@pytest.fixture
async def known(slack: SlackStandIn) -> AsyncIterator[Bot]:
    """The bot on the shipped directory at a Tuesday morning, the teacher already introduced."""
    store = MemoryStore()
    service = Service(FixedCatalog(shipped_catalog()), store, now=lambda: TUESDAY_MORNING)
    async with running(slack, service, store) as bot:
        await introduce(bot, slack)
        yield bot


async def test_a_known_teacher_gets_the_answer_in_the_ack_without_a_web_api_call(
    known: Bot, slack: SlackStandIn
) -> None:
    calls = len(slack.calls)
    ack = await post(known, rq.slash_command("/kontakt", "Ängsskolan åk 8"))
    assert (ack.status, ack.content_type) == (200, "application/json")
    answer = ack.answer()
    assert answer["response_type"] == "ephemeral"  # only the asker sees it
    assert "Ängsskolan F-9, Mora kommun" in answer["text"]
    shown = ack.shown()
    assert "Cecilia Lind" in shown and "<tel:0000100103|0000-10 01 03>" in shown
    assert "Anna Svensson" not in shown and "ring 112" in shown
    assert "Spara som min skola" in buttons(Call("ack", answer))
    await known.settle()
    assert len(slack.calls) == calls  # no users.info, no chat.postEphemeral
    assert known.observed.count(("slack_request", "command")) == 2


async def ask_naming_a_child(bot: Bot, child: str) -> Ack:
    """The teacher writes a child's name with the question, as people do on a hard day."""
    return await post(bot, rq.slash_command("/kontakt", f"Ängsskolan åk 8 {child}"))


async def test_once_answered_nothing_in_the_process_keeps_a_name_typed_with_the_question(
    known: Bot,
) -> None:
    """Not our memos, nor a library's cache (yarl's URL cache once kept the last 128 request
    bodies), nor bolt's request."""
    child = "Elev" + secrets.token_hex(6)  # letters and digits: the same in the form body
    ack = await ask_naming_a_child(known, child)
    assert "Cecilia Lind" in ack.shown() and child not in ack.text  # answered, not echoed
    del ack
    await known.settle()
    assert holders_of(child, __file__) == []


async def test_nor_after_an_answer_too_slow_for_the_ack_posted_through_the_web_api(
    slack: SlackStandIn,
) -> None:
    store = MemoryStore()
    service = Service(FixedCatalog(shipped_catalog()), store, now=lambda: TUESDAY_MORNING)
    slow = SlowService(service, delay=0.2)
    async with running(slack, slow, store, answer_in_ack_seconds=0.05) as bot:
        child = "Elev" + secrets.token_hex(6)
        assert (await ask_naming_a_child(bot, child)).text == ""  # acked, answered after
        [call] = await slack.wait_for("chat.postEphemeral")
        assert "Cecilia Lind" in call.blocks_text() and child not in str(call.args)
        del call
        await bot.settle()
        assert holders_of(child, __file__) == []  # the stand-in's record of every call included


async def test_a_forged_signature_from_a_known_teacher_is_still_401(
    known: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    request = rq.slash_command("/kontakt", "Ängsskolan hemlig", secret="not-the-secret")
    ack = await post(known, request)
    assert ack.status == 401  # from bolt's own request verification
    assert "rejected Slack request (401)" in caplog.text and "hemlig" not in caplog.text
    assert known.observed[-1] == ("slack_rejected", "401")
    assert known.observed.count(("slack_request", "command")) == 1  # only the introduction


async def test_a_known_teachers_command_without_a_channel_is_400(
    known: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    form = {"team_id": TEAM, "user_id": rq.USER, "command": "/kontakt", "text": "hemlig"}
    ack = await post(known, rq.sign(urlencode(form), "application/x-www-form-urlencoded"))
    assert ack.status == 400
    assert "rejected Slack request (400): slash command without channel_id" in caplog.text
    assert "hemlig" not in caplog.text


async def test_a_known_teacher_in_a_dm_still_gets_a_message_after_an_empty_ack(
    known: Bot, slack: SlackStandIn
) -> None:
    ack = await post(known, rq.slash_command("/kontakt", "Ängsskolan åk 8", channel=rq.DM))
    assert (ack.status, ack.text) == (200, "")
    [call] = await slack.wait_for("chat.postMessage")
    assert call.args["channel"] == rq.DM and "Cecilia Lind" in call.blocks_text()


async def test_the_checklist_command_of_a_known_teacher_still_goes_to_the_dm(
    known: Bot, slack: SlackStandIn
) -> None:
    ack = await post(known, rq.slash_command("/oro", ""))
    assert (ack.status, ack.text) == (200, "")
    [call] = await slack.wait_for("chat.postMessage")
    assert call.args["channel"] == rq.DM


async def test_a_shared_school_name_in_the_ack_remembers_the_asked_age_for_the_click(
    known: Bot, slack: SlackStandIn
) -> None:
    choose = (await post(known, rq.slash_command("/kontakt", "tunaskolan åk 8"))).answer()
    offered = Call("ack", choose)
    assert "Tunaskolan – Botkyrka kommun" in buttons(offered)
    request = click(
        offered,
        "Tunaskolan – Botkyrka kommun",
        channel=rq.CHANNEL,
        ephemeral=True,
        response_url=slack.response_url(),
    )
    await post(known, request)
    [answer] = await slack.wait_for("response_url")
    shown = answer.blocks_text()
    assert "Tunaskolan, Botkyrka kommun" in shown
    assert "Petra Nyström" in shown and "Amira Hassan" not in shown  # for 14-year-olds only


async def test_the_answer_in_the_ack_follows_the_clock(slack: SlackStandIn) -> None:
    """Same question, same teacher: office hours, closing time and an absence show at once."""
    now = [datetime(2026, 12, 15, 10, 0, tzinfo=STOCKHOLM)]  # a Tuesday, the reception open
    store = MemoryStore()
    service = Service(FixedCatalog(shipped_catalog()), store, now=lambda: now[0])
    async with running(slack, service, store) as bot:
        await introduce(bot, slack)
        ask = rq.slash_command

        morning = (await post(bot, ask("/kontakt", "Ängsskolan åk 8"))).shown()
        assert "Mottagningen har öppet nu" in morning
        assert morning.index("Cecilia Lind") < morning.index("Team tidiga insatser")

        now[0] = datetime(2026, 12, 15, 16, 45, tzinfo=STOCKHOLM)  # closed since 16:30
        evening = (await post(bot, ask("/kontakt", "Ängsskolan åk 8"))).shown()
        assert "stängd nu och öppnar i morgon kl. 08:00" in evening
        assert "Mottagningen har öppet nu" not in evening

        now[0] = datetime(2026, 12, 21, 10, 0, tzinfo=STOCKHOLM)  # Cecilia is away
        away = (await post(bot, ask("/kontakt", "Ängsskolan åk 8"))).shown()
        assert "Mottagningen har öppet nu" in away
        assert away.index("Team tidiga insatser") < away.index("Cecilia Lind")
        assert "Frånvarande till och med 6 januari 2027" in away


def renamed_copy(tmp_path: Path, old: str, new: str) -> Catalog:
    """The shipped directory and rules, with one person renamed, loaded as a reload would."""
    shutil.copytree(ROOT / "directory", tmp_path / "directory")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    mora = tmp_path / "directory" / "mora.yml"
    mora.write_text(mora.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return load_catalog([tmp_path / "directory", tmp_path / "rules"])


async def test_a_reload_shows_in_the_next_answer(slack: SlackStandIn, tmp_path: Path) -> None:
    catalogs = SwappableCatalog(shipped_catalog())
    store = MemoryStore()
    now: Callable[[], datetime] = lambda: TUESDAY_MORNING  # noqa: E731
    async with running(slack, Service(catalogs, store, now=now), store) as bot:
        await introduce(bot, slack)
        before = (await post(bot, rq.slash_command("/kontakt", "Ängsskolan åk 8"))).shown()
        assert "Cecilia Lind" in before
        catalogs.current = renamed_copy(tmp_path, "Cecilia Lind", "Cecilia Berg")
        after = (await post(bot, rq.slash_command("/kontakt", "Ängsskolan åk 8"))).shown()
        assert "Cecilia Berg" in after and "Cecilia Lind" not in after
