"""A consultation request in Slack over real signed requests, a real clock and the Web API
stand-in: the button under the contacts, the DM to the contact with "Jag tar den" and
"Kan inte nu", the asker's one status message updated in place, and the escalation after
the test directory's two seconds to the backup and to the reception's channel."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.core import clock, stats
from bot.core.catalog import load_catalog
from bot.core.clock import STOCKHOLM
from bot.core.handoff.desk import Desk
from bot.core.service import FixedCatalog, Service
from bot.core.sessions import MemoryStore
from bot.transports.slack.courier import SlackCourier
from tests.helpers import slack_requests as rq
from tests.helpers.held_text import holders_of
from tests.helpers.slack_standin import Call, SlackStandIn
from tests.transports.test_slack_http import Bot, buttons, click, running

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "handoff"  # hedemora.yml: escalate_after 2s
WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0, tzinfo=STOCKHOLM)
PETRA, ROLF = "U0PETRA001", "U0ROLF0001"
PETRA_DM, ROLF_DM = "D0PETRA001", "D0ROLF0001"  # the stand-in's conversations.open
RECEPTION = "C0RECEPTION1"


@dataclass
class Handoff:
    bot: Bot
    slack: SlackStandIn
    store: MemoryStore

    def posted_in(self, channel: str, containing: str = "") -> list[Call]:
        return [
            c
            for c in self.slack.of("chat.postMessage")
            if c.args["channel"] == channel and containing in c.blocks_text()
        ]

    def status(self) -> str:
        """The asker's status message as it reads now (its post, then its updates)."""
        [posted] = self.posted_in(rq.DM, "Din fråga om rådgivning")
        ts = posted.answer["ts"]
        updates = [
            c
            for c in self.slack.of("chat.update")
            if c.args["channel"] == rq.DM and c.args["ts"] == ts
        ]
        return (updates[-1] if updates else posted).blocks_text()

    async def until(self, check: object, timeout: float = 8.0) -> None:
        """Wait until `check()` is true, with the real clock running."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not check():  # type: ignore[operator]
            assert asyncio.get_running_loop().time() < deadline, "timed out"
            await asyncio.sleep(0.05)

    async def ask(self) -> None:
        """/kontakt in the DM, "Be om rådgivning", a topic: two clicks from the answer."""
        await self.bot.send(rq.slash_command("/kontakt", "Vasaskolan åk 8", channel=rq.DM))
        [answer] = await self.slack.wait_for("chat.postMessage")
        assert "Be om rådgivning" in buttons(answer)
        await self.bot.send(click(answer, "Be om rådgivning"))
        question = (await self.slack.wait_for("chat.postMessage", 2))[-1]  # below the cards
        topic = click(question, "Brister i omsorgen", message_ts=question.answer["ts"])
        await self.bot.send(topic)
        await self.until(lambda: self.posted_in(PETRA_DM))


@asynccontextmanager
async def handing_off(slack: SlackStandIn) -> AsyncIterator[Handoff]:
    """The transport, the service and the desk's worker, as `serve --http` wires them, with
    the clock starting on a Wednesday at 10:00 and running at the real pace."""
    store = MemoryStore()
    catalog = load_catalog([FIXTURE, ROOT / "rules"], today=WEDNESDAY_10.date())
    now = clock.running_from(WEDNESDAY_10)
    desk = Desk(
        store,
        SlackCourier(rq.BOT_TOKEN, slack.api_url),
        transport="slack",
        now=now,
        tally=stats.Tally(store, now),
    )
    service = Service(FixedCatalog(catalog), store, now=now, stats_store=store, desk=desk)
    stop = asyncio.Event()
    async with running(slack, service, store) as bot:
        worker = asyncio.create_task(desk.run(lambda: catalog, stop))
        try:
            yield Handoff(bot, slack, store)
        finally:
            stop.set()
            await worker


async def test_the_contact_gets_a_dm_and_taking_it_updates_the_asker_s_status_in_place(
    slack: SlackStandIn,
) -> None:
    async with handing_off(slack) as office:
        await office.ask()
        [offer] = office.posted_in(PETRA_DM)
        shown = offer.blocks_text()
        assert "ring 112" in shown and "Skriv inte barnets namn" in shown
        assert f"<@{rq.USER}>" in shown  # who to get in touch with
        assert set(buttons(offer)) == {"Jag tar den", "Kan inte nu"}
        [sent] = slack.of("chat.update")  # the topic question became the confirmation
        assert "Din fråga är skickad" in sent.blocks_text()
        await office.until(lambda: office.posted_in(rq.DM, "Din fråga om rådgivning"))
        assert "till *Petra Persson*" in office.status()
        await office.bot.send(
            click(offer, "Jag tar den", user=PETRA, channel=PETRA_DM, message_ts=offer.answer["ts"])
        )
        await office.until(lambda: "tog din fråga" in office.status())
        assert "*Petra Persson* tog din fråga" in office.status()
        assert "0000-20 01 01" in office.status()
        took = next(c for c in slack.of("chat.update") if c.args["channel"] == PETRA_DM)
        assert "Du tog frågan" in took.blocks_text() and not buttons(took)
        await asyncio.sleep(2.5)  # past escalate_after: taken, nothing moves on
        assert office.posted_in(ROLF_DM) == []


async def test_no_answer_goes_to_the_backup_then_the_reception_channel(slack: SlackStandIn) -> None:
    async with handing_off(slack) as office:
        await office.ask()
        assert office.posted_in("D0SARA0001") == []  # Sara Sten is away: skipped
        await office.until(lambda: office.posted_in(ROLF_DM), timeout=5)
        await office.until(lambda: "Petra Persson kunde inte svara" in office.status())
        [rolf] = office.posted_in(ROLF_DM)
        await office.bot.send(
            click(rolf, "Kan inte nu", user=ROLF, channel=ROLF_DM, message_ts=rolf.answer["ts"])
        )
        await office.until(lambda: office.posted_in(RECEPTION), timeout=2)
        [channel] = office.posted_in(RECEPTION)
        assert set(buttons(channel)) == {"Jag tar den"}
        await office.bot.send(
            click(
                channel,
                "Jag tar den",
                user="U0RECEPT01",
                channel=RECEPTION,
                message_ts=channel.answer["ts"],
            )
        )
        await office.until(lambda: "Mottagningen tog din fråga" in office.status())
        took = next(c for c in slack.of("chat.update") if c.args["channel"] == RECEPTION)
        assert "<@U0RECEPT01>" in took.blocks_text()  # the channel sees who took it


async def test_a_double_click_on_take_gives_one_owner(slack: SlackStandIn) -> None:
    async with handing_off(slack) as office:
        await office.ask()
        [offer] = office.posted_in(PETRA_DM)
        take = click(
            offer, "Jag tar den", user=PETRA, channel=PETRA_DM, message_ts=offer.answer["ts"]
        )
        statuses = await asyncio.gather(office.bot.send(take), office.bot.send(take))
        assert [s for s, _ in statuses] == [200, 200]
        await office.until(lambda: "tog din fråga" in office.status())
        await office.bot.settle()
        counts = await office.store.counts()
        accepted = [n for k, n in counts.items() if k.measure == "handoff:accepted"]
        assert accepted == [1]


async def test_nothing_the_asker_typed_is_held_anywhere_once_the_request_is_out(
    slack: SlackStandIn,
) -> None:
    """The name typed with the question reaches neither the contact, nor the store, nor any
    object of this process (the stand-in's record of every Web API call included)."""
    child = "Elev" + secrets.token_hex(6)
    async with handing_off(slack) as office:
        command = rq.slash_command("/kontakt", f"Vasaskolan åk 8 {child}", channel=rq.DM)
        await office.bot.send(command)
        del command
        [answer] = await slack.wait_for("chat.postMessage")
        await office.bot.send(click(answer, "Be om rådgivning"))
        question = (await slack.wait_for("chat.postMessage", 2))[-1]
        await office.bot.send(click(question, "Något annat", message_ts=question.answer["ts"]))
        await office.until(lambda: office.posted_in(PETRA_DM))
        await office.until(lambda: office.posted_in(rq.DM, "Din fråga om rådgivning"))
        await office.bot.settle()
        shown = "\n".join([c.blocks_text() for c in slack.calls])  # no closure over `child`
        assert "Vasaskolan 7-9" in shown and child not in shown
        kept = "\n".join([r.body for r in await office.store.listing("handoff")])
        assert "vasaskolan-7-9" in kept and child not in kept
        del shown, kept
        assert holders_of(child, __file__) == []
