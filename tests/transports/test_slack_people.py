"""Contacts found in Slack by their e-mail (users.lookupByEmail) are shown as mentions.

Real signed /kontakt requests against the real HTTP server, the real core on the shipped
directory, and the Slack stand-in, whose table says who is in Slack. Ängsskolan åk 8 answers
with Cecilia Lind and Team tidiga insatser (directory/mora.yml): e-mails, no `slack:` ids.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from pathlib import Path

import pytest

from bot.app import people_relinker
from bot.core.catalog import load_catalog
from bot.core.service import Service
from bot.core.sessions import MemoryStore
from bot.reload import CatalogHolder
from tests.helpers import slack_requests as rq
from tests.helpers.shipped import ROOT
from tests.helpers.slack_standin import Call, SlackStandIn
from tests.transports.test_slack_http import TUESDAY_MORNING, Bot, real_service, running

CECILIA = "cecilia.l@mora.example.se"
TIDIGA = "tidiga.insatser@mora.example.se"
ASKED = ("/kontakt", "Ängsskolan åk 8")


def looked_up(slack: SlackStandIn) -> list[str]:
    return sorted(c.args["email"] for c in slack.of("users.lookupByEmail"))


async def ask(bot: Bot) -> str:
    """What the asker sees of the answer in the ack."""
    answer: Call = await bot.acked(rq.slash_command(*ASKED))
    return answer.blocks_text()


async def test_a_contact_with_only_an_e_mail_is_a_mention_looked_up_once_for_many_answers(
    slack: SlackStandIn,
) -> None:
    slack.emails[CECILIA] = "U0CECILIA1"
    store = MemoryStore()
    async with running(slack, real_service(store), store) as bot:
        together = await asyncio.gather(*(ask(bot) for _ in range(3)))
        later = [await ask(bot) for _ in range(2)]
        await bot.settle()
    for shown in [*together, *later]:
        assert "<@U0CECILIA1>" in shown and "Cecilia Lind" in shown
        assert f"mailto:{CECILIA}" in shown  # the e-mail stays beside the mention
    assert looked_up(slack) == [CECILIA, TIDIGA]  # once each, for five answers


async def test_an_e_mail_slack_does_not_know_is_looked_up_once_and_the_card_keeps_the_rest(
    slack: SlackStandIn,
) -> None:
    store = MemoryStore()
    async with running(slack, real_service(store), store) as bot:
        answers = [await ask(bot) for _ in range(3)]
        await bot.settle()
    for shown in answers:
        assert "Cecilia Lind" in shown and "<@" not in shown
        assert "<tel:0000100103|0000-10 01 03>" in shown and f"mailto:{CECILIA}" in shown
    assert looked_up(slack) == [CECILIA, TIDIGA]  # users_not_found is not asked again


async def test_a_slow_lookup_does_not_hold_up_the_answer_in_the_ack(slack: SlackStandIn) -> None:
    """Slower than the 2 s the command waits for its answer: a lookup that held the answer up
    would push it out of the ack."""
    slack.emails[CECILIA] = "U0CECILIA1"
    slack.delays["users.lookupByEmail"] = 2.5
    store = MemoryStore()
    async with running(slack, real_service(store), store) as bot:
        started = time.perf_counter()
        first = await ask(bot)  # fails unless the answer is in the ack
        assert time.perf_counter() - started < 1.5
        assert "Cecilia Lind" in first and "<tel:0000100103|0000-10 01 03>" in first
        assert "<@" not in first
        await asyncio.sleep(2.7)  # the lookups went on after the answer, and finished
        assert "<@U0CECILIA1>" in await ask(bot)
        await bot.settle()
    assert looked_up(slack) == [CECILIA, TIDIGA]


async def test_a_reload_that_changes_an_e_mail_looks_up_the_new_one_only(
    slack: SlackStandIn, tmp_path: Path
) -> None:
    shutil.copytree(ROOT / "directory", tmp_path / "directory")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    mora = tmp_path / "directory" / "mora.yml"
    new = "cecilia.lind@mora.example.se"
    slack.emails.update({CECILIA: "U0CECILIA1", new: "U0CECILIA2", TIDIGA: "U0TIDIGA01"})
    holder = CatalogHolder(lambda: load_catalog([tmp_path / "directory", tmp_path / "rules"]))
    store = MemoryStore()
    service = Service(holder, store, now=lambda: TUESDAY_MORNING)
    async with running(slack, service, store) as bot:
        holder.on_reload = people_relinker(bot.transport)  # as `serve` wires it
        assert "<@U0CECILIA1>" in await ask(bot)
        mora.write_text(mora.read_text(encoding="utf-8").replace(CECILIA, new), encoding="utf-8")
        assert (await holder.reload()).ok
        after = await ask(bot)
        await bot.settle()
    assert "<@U0CECILIA2>" in after and "<@U0CECILIA1>" not in after
    assert "<@U0TIDIGA01>" in after
    # the unchanged e-mail, found before the reload, is not asked again
    assert looked_up(slack) == sorted([CECILIA, TIDIGA, new])


async def test_a_missing_scope_is_logged_once_and_stops_the_lookups_until_the_next_load(
    slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    slack.failures[("users.lookupByEmail", "")] = "missing_scope"
    store = MemoryStore()
    async with running(slack, real_service(store), store) as bot:
        answers = [await ask(bot) for _ in range(3)]
        await bot.settle()
    assert all("Cecilia Lind" in shown and "<@" not in shown for shown in answers)
    assert looked_up(slack) == [CECILIA, TIDIGA]  # the two of the first answer, then none
    said = [r.getMessage() for r in caplog.records if "missing_scope" in r.getMessage()]
    assert len(said) == 1 and "users:read.email" in said[0]
    assert all("@mora.example.se" not in r.getMessage() for r in caplog.records)
