"""Consultation requests through the service and the desk's worker, with a clock the test moves
and a courier that records what it would have put in front of people (the Slack courier is
tested against the Web API stand-in in tests/transports)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import pytest

from bot.admin import Admin
from bot.core import stats
from bot.core.actions import (
    Action,
    Answer,
    AskAdvice,
    CancelReminder,
    PassRequest,
    RemindFeedback,
    RequestAdvice,
    TakeRequest,
)
from bot.core.catalog import Catalog, load_catalog
from bot.core.clock import STOCKHOLM
from bot.core.handoff.courier import Undeliverable
from bot.core.handoff.desk import Desk
from bot.core.handoff.requests import KIND, HandoffRequest
from bot.core.models import IncomingMessage, Reply
from bot.core.render import as_text
from bot.core.service import FixedCatalog, Service
from bot.core.sessions import MemoryStore
from bot.reload import CatalogHolder

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "handoff"
WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0, tzinfo=STOCKHOLM)
WEDNESDAY_20 = datetime(2026, 11, 25, 20, 0, tzinfo=STOCKHOLM)
VASA = "hedemora/vasaskolan-7-9"
ASKER = "slack:T1:U0ASKER001"
PETRA, ROLF, TOM = "slack:T1:U0PETRA001", "slack:T1:U0ROLF0001", "slack:T1:U0TOM00001"


@cache
def catalog() -> Catalog:
    return load_catalog([FIXTURE, ROOT / "rules"], today=WEDNESDAY_10.date())


@dataclass
class Sent:
    to: str
    ref: str
    reply: Reply
    marker: str

    @property
    def text(self) -> str:
        return as_text(self.reply)


class Killed(BaseException):
    """Stands for SIGKILL inside a step: nothing after it runs, no handler catches it."""


@dataclass
class RecordingCourier:
    """What a transport would post and update; `refuse` lists ids it cannot reach."""

    sent: list[Sent] = field(default_factory=list)
    updates: dict[str, list[Reply]] = field(default_factory=dict)
    refuse: set[str] = field(default_factory=set)
    die_after_posting: bool = False

    async def send(self, to: str, message: Reply, marker: str) -> str:
        if to in self.refuse:
            raise Undeliverable("user_not_found")
        ref = f"D{to}:{len(self.sent) + 1}"
        self.sent.append(Sent(to, ref, message, marker))
        if self.die_after_posting:
            self.die_after_posting = False
            raise Killed  # the process ends here: posted, nothing written after it
        return ref

    async def find(self, to: str, marker: str) -> str | None:
        return next((s.ref for s in self.sent if s.to == to and s.marker == marker), None)

    async def update(self, ref: str, message: Reply) -> None:
        self.updates.setdefault(ref, []).append(message)

    def to(self, who: str) -> list[Sent]:
        return [s for s in self.sent if s.to == who]

    def shown(self, ref: str) -> str:
        """The message at `ref` as it reads now."""
        first = next(s.reply for s in self.sent if s.ref == ref)
        return as_text(self.updates.get(ref, [first])[-1])


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


class Office:
    """The service and the desk, as one replica runs them, on a shared store."""

    def __init__(self, when: datetime = WEDNESDAY_10, store: MemoryStore | None = None) -> None:
        self.clock = Clock(when)
        self.store = store or MemoryStore()
        self.courier = RecordingCourier()
        self.desk = Desk(
            self.store,
            self.courier,
            transport="slack",
            now=self.clock,
            tally=stats.Tally(self.store, self.clock),
        )
        self.service = Service(
            FixedCatalog(catalog()),
            self.store,
            now=self.clock,
            stats_store=self.store,
            desk=self.desk,
        )

    async def say(self, text: str, user: str = ASKER, transport: str = "slack") -> Reply:
        msg = IncomingMessage(transport, f"{user}:s", user, text=text)
        return await self.service.handle(msg)

    async def click(self, action: Action, user: str = ASKER) -> Reply:
        msg = IncomingMessage("slack", f"{user}:s", user, choice=action)
        return await self.service.handle(msg)

    async def tick(self) -> None:
        await self.desk.tick(catalog())
        await self.desk.reminders.tick(catalog())

    async def ask(self, topic: str = "neglect") -> Reply:
        """The two clicks from a contact answer: the button, then the topic."""
        answer = await self.say("vem är kontakten för Vasaskolan åk 8?")
        ask = next(c.action for c in answer.choices if isinstance(c.action, AskAdvice))
        question = await self.click(ask)
        pick = next(
            c.action
            for c in question.choices
            if isinstance(c.action, RequestAdvice) and c.action.topic == topic
        )
        sent = await self.click(pick)
        await self.tick()
        return sent

    async def requests(self) -> list[HandoffRequest]:
        return [HandoffRequest.from_json(r.body) for r in await self.store.listing(KIND)]

    async def request_id(self) -> str:
        (request,) = await self.requests()
        return request.id

    def status(self) -> str:
        (status,) = self.courier.to("U0ASKER001")
        return self.courier.shown(status.ref)


async def test_a_contact_answer_offers_advice_and_the_request_goes_out_in_two_clicks() -> None:
    office = Office()
    answer = await office.say("vem är kontakten för Vasaskolan åk 8?")
    asks = [c for c in answer.choices if isinstance(c.action, AskAdvice)]
    assert [c.label for c in asks] == ["Be om rådgivning"]
    question = await office.click(asks[0].action)
    assert "inget om barnet" in as_text(question)
    sent = await office.click(question.choices[3].action)  # one of the topics
    assert "Din fråga är skickad" in as_text(sent)
    assert office.courier.sent == []  # the worker delivers, not the click
    await office.tick()
    # Sara Sten is first in the list but away: Petra Persson gets it
    (offer,) = office.courier.to("U0PETRA001")
    assert offer.text.startswith("Fråga om rådgivning\nDet här är ingen anmälan")
    assert "ring 112" in offer.text and "Skriv inte barnets namn" in offer.text
    assert "Vasaskolan 7-9" in offer.text and "brister i omsorgen" in offer.text
    assert [c.label for c in offer.reply.choices] == ["Jag tar den", "Kan inte nu"]
    assert offer.reply.cards[0].slack == "U0ASKER001"  # who to get in touch with
    assert office.courier.to("U0SARA0001") == []
    assert "till Petra Persson, Socialsekreterare. Svarar ingen inom 2 sekunder" in office.status()
    assert office.status().startswith("Din fråga om rådgivning\nDet här är ingen anmälan")


async def test_no_advice_button_where_nobody_can_be_reached_or_the_transport_cannot_deliver() -> (
    None
):
    office = Office()
    console = await office.say("Vasaskolan åk 8", transport="console")
    assert not any(isinstance(c.action, AskAdvice) for c in console.choices)
    # Avesta has no chat ids and no channel
    avesta = await office.say("Domarhagsskolan")
    assert avesta.kind == "contact"
    assert not any(isinstance(c.action, AskAdvice) for c in avesta.choices)


async def test_no_answer_in_time_passes_it_to_the_backup_then_the_channel_then_the_phone() -> None:
    office = Office()
    await office.ask()
    office.clock.advance(1)
    await office.tick()
    assert office.courier.to("U0ROLF0001") == []  # not yet
    office.clock.advance(1.5)
    await office.tick()
    (rolf,) = office.courier.to("U0ROLF0001")
    assert "Petra Persson kunde inte svara" in office.status()
    assert "till Rolf Rask" in office.status()
    office.clock.advance(2.5)
    await office.tick()
    (channel,) = office.courier.to("C0RECEPTION1")
    assert [c.label for c in channel.reply.choices] == ["Jag tar den"]  # nobody declines for all
    assert "Skickad till mottagningen" in office.status()
    office.clock.advance(2.5)
    await office.tick()
    assert "Ingen har kunnat ta din fråga. Ring mottagningen" in office.status()
    assert "0000-20 00 00" in office.status()
    for offer in (rolf, channel):  # the others read that it has ended
        assert "Ingen kunde ta frågan" in office.courier.shown(offer.ref)
    office.clock.advance(60)
    await office.tick()
    assert len(office.courier.sent) == 4  # Petra, the status, Rolf, the channel: no more
    counts = await office.store.counts()
    assert counts[next(k for k in counts if k.measure == "handoff:unanswered")] == 1


async def test_a_decline_passes_it_on_at_once() -> None:
    office = Office()
    await office.ask()
    reply = await office.click(PassRequest(await office.request_id()), user=PETRA)
    assert "går vidare" in as_text(reply)
    await office.tick()
    assert len(office.courier.to("U0ROLF0001")) == 1
    again = await office.click(PassRequest(await office.request_id()), user=PETRA)
    assert "gick vidare" in as_text(again)  # a second click does not skip Rolf
    await office.tick()
    assert office.courier.to("C0RECEPTION1") == []


async def test_accepted_the_asker_sees_who_and_their_phone_and_a_second_click_sees_who() -> None:
    office = Office()
    await office.ask()
    office.clock.advance(2.5)
    await office.tick()  # Rolf has it too now
    rid = await office.request_id()
    office.clock.at = office.clock.at.replace(minute=42)
    took = await office.click(TakeRequest(rid), user=PETRA)
    assert "Du tog frågan kl. 10:42" in as_text(took)
    await office.tick()
    assert "Petra Persson tog din fråga kl. 10:42" in office.status()
    assert "Telefon: 0000-20 01 01" in office.status()
    (rolf,) = office.courier.to("U0ROLF0001")
    assert "Petra Persson tog frågan kl. 10:42" in office.courier.shown(rolf.ref)
    late = await office.click(TakeRequest(rid), user=ROLF)
    assert "Petra Persson tog frågan" in as_text(late)
    double = await office.click(TakeRequest(rid), user=PETRA)
    assert "Du tog frågan kl. 10:42" in as_text(double)
    (request,) = await office.requests()
    assert request.owner == "person:petra-p"
    office.clock.advance(3600)
    await office.tick()
    assert office.courier.to("C0RECEPTION1") == []  # taken: the timer is gone
    counts = await office.store.counts()
    measures = {k.measure: n for k, n in counts.items() if k.measure.startswith("handoff:")}
    assert measures == {
        "handoff:requested": 1,
        "handoff:accepted": 1,
        "handoff:accepted_within:1h": 1,  # 42 minutes
    }


async def test_someone_not_asked_cannot_take_it() -> None:
    office = Office()
    await office.ask()
    reply = await office.click(TakeRequest(await office.request_id()), user=TOM)
    assert "gick inte till dig" in as_text(reply)
    (request,) = await office.requests()
    assert request.state == "open"


async def test_in_the_reception_channel_anyone_there_takes_it_and_everyone_sees_who() -> None:
    office = Office()
    await office.ask()
    rid = await office.request_id()
    await office.click(PassRequest(rid), user=PETRA)
    await office.tick()
    await office.click(PassRequest(rid), user=ROLF)
    await office.tick()
    took = await office.click(TakeRequest(rid), user="slack:T1:U0RECEPT01")
    shown = as_text(took)
    assert "Någon tog frågan" in shown
    assert {c.slack for c in took.cards} == {"U0ASKER001", "U0RECEPT01"}
    await office.tick()
    assert "Mottagningen tog din fråga" in office.status()


async def test_an_unreachable_contact_is_skipped() -> None:
    office = Office()
    office.courier.refuse.add("U0PETRA001")
    await office.ask()
    assert len(office.courier.to("U0ROLF0001")) == 1
    (request,) = await office.requests()
    assert [o.answer for o in request.offers] == ["unreachable", None]


async def test_after_hours_the_request_waits_for_the_opening_and_the_timer_counts_from_then() -> (
    None
):
    office = Office(WEDNESDAY_20)
    await office.ask()
    assert office.courier.to("U0PETRA001") == []
    assert "Mottagningen är stängd nu. Din fråga går fram i morgon kl. 08:00" in office.status()
    assert "socialjouren, Socialjouren Dalarna, 0000-20 99 99" in office.status()
    office.clock.at = datetime(2026, 11, 26, 7, 59, 59, tzinfo=STOCKHOLM)
    await office.tick()
    assert office.courier.to("U0PETRA001") == []
    office.clock.at = datetime(2026, 11, 26, 8, 0, 0, tzinfo=STOCKHOLM)
    await office.tick()
    assert len(office.courier.to("U0PETRA001")) == 1
    assert "till Petra Persson" in office.status()
    office.clock.advance(1.5)
    await office.tick()
    assert office.courier.to("U0ROLF0001") == []  # 2 s from the opening, not from the ask


async def test_requests_survive_a_new_process_on_the_same_store(tmp_path: Path) -> None:
    from bot.stores.sqlite import SQLiteStore

    first = SQLiteStore(tmp_path / "state.db")
    office = Office(store=first)  # type: ignore[arg-type]
    await office.ask()
    await first.close()
    second = SQLiteStore(tmp_path / "state.db")
    restarted = Office(office.clock.at, store=second)  # type: ignore[arg-type]
    restarted.clock.advance(2.5)
    await restarted.tick()
    assert len(restarted.courier.to("U0ROLF0001")) == 1
    await second.close()


async def test_the_stored_request_holds_ids_and_times_and_nothing_typed() -> None:
    office = Office()
    await office.say("Vasaskolan åk 8 hemligtord")
    await office.ask()
    (record,) = await office.store.listing(KIND)
    assert "hemligtord" not in record.body
    assert set(json.loads(record.body)) == {
        "id", "municipality", "school", "age_group", "topic", "requester", "locale",
        "created", "state", "timer", "offers", "outbox", "owner", "taken_at", "status_ref",
        "events",
    }  # fmt: skip


async def test_a_report_outcome_offers_a_reminder_that_comes_after_a_week_or_is_cancelled() -> None:
    office = Office()
    reply = await office.click(RemindFeedback("hedemora"))
    assert "påminner dig 2 december" in as_text(reply)
    cancel = next(c.action for c in reply.choices if isinstance(c.action, CancelReminder))
    (record,) = await office.store.listing("reminder")
    assert json.loads(record.body) == {"user": ASKER, "municipality": "hedemora"}
    office.clock.advance(7 * 86400 - 1)
    await office.tick()
    assert office.courier.sent == []
    office.clock.advance(1)
    await office.tick()
    (reminder,) = office.courier.to("U0ASKER001")
    assert "19 kap. 6 § socialtjänstlagen" in reminder.text
    assert "0000-20 00 00" in reminder.text
    await office.tick()
    assert len(office.courier.sent) == 1  # once
    again = await office.click(RemindFeedback("hedemora"))
    cancel = next(c.action for c in again.choices if isinstance(c.action, CancelReminder))
    assert "borttagen" not in as_text(await office.click(cancel, user="slack:T1:U0OTHER001"))
    assert "borttagen" in as_text(await office.click(cancel))
    office.clock.advance(8 * 86400)
    await office.tick()
    assert len(office.courier.sent) == 1


async def walk(office: Office, opening: str, prefer: tuple[str, ...]) -> Reply:
    """A checklist from `opening` to its outcome, answering with the options in `prefer`."""
    reply = await office.say(opening)
    while reply.kind == "step":
        answers = [c.action for c in reply.choices if isinstance(c.action, Answer)]
        reply = await office.click(next(a for p in prefer for a in answers if a.option == p))
    return reply


async def test_the_report_checklist_ends_with_the_reminder_button() -> None:
    office = Office()
    prefer = ("nej", "unga", "omsorg", "next", "here")
    reply = await walk(office, "jag är orolig för en elev på Vasaskolan", prefer)
    assert reply.kind == "outcome" and reply.outcome is not None
    assert reply.outcome.kind == "report"
    assert [c.label for c in reply.choices] == ["Påminn mig om en vecka"]


async def test_the_consultation_checklist_ends_with_the_advice_button() -> None:
    office = Office()
    reply = await office.say("konsultation")
    reply = await office.say("Vasaskolan")
    while reply.kind == "step":
        answers = [c.action for c in reply.choices if isinstance(c.action, Answer)]
        reply = await office.click(next(a for a in answers if a.option not in ("ja", "osaker")))
    assert reply.outcome is not None and reply.outcome.kind == "consult"
    asks = [c.action for c in reply.choices if isinstance(c.action, AskAdvice)]
    assert asks == [AskAdvice(VASA, "unga")]


async def test_admins_see_each_request_s_steps_and_others_are_refused() -> None:
    office = Office()
    await office.ask()
    office.clock.advance(2.5)
    await office.tick()
    await office.click(TakeRequest(await office.request_id()), user=ROLF)
    holder = CatalogHolder(catalog)
    admin = Admin(holder, users=["UADMIN"], paths=[], records=office.store)
    lines = as_text(await admin.handle("UADMIN", "requests", "sv"))
    assert "Frågor om rådgivning de senaste 90 dagarna: 1. Tagna: 1, utan svar: 0" in lines
    assert "Petra Persson 10:00 (inget svar) → Rolf Rask 10:00 → tagen av Rolf Rask" in lines
    assert "Vasaskolan 7-9 (unga) · Brister i omsorgen" in lines
    refused = as_text(await admin.handle("USOMEONE", "requests", "sv"))
    assert "Rolf" not in refused


async def test_a_step_retried_after_a_crash_finds_its_message_and_does_not_post_it_twice() -> None:
    office = Office()
    office.courier.die_after_posting = True
    with pytest.raises(Killed):
        await office.ask()  # died right after posting Petra's offer, before writing it down
    await office.tick()
    assert len(office.courier.to("U0PETRA001")) == 1
    (request,) = await office.requests()
    assert request.offers[0].ref == office.courier.to("U0PETRA001")[0].ref
    assert len(office.courier.to("U0ASKER001")) == 1  # and the status went out once


async def test_a_step_held_by_a_dead_process_waits_for_its_lease_then_is_taken() -> None:
    office = Office()
    office.desk.lease = 0.2
    answer = await office.say("Vasaskolan åk 8")
    ask = next(c.action for c in answer.choices if isinstance(c.action, AskAdvice))
    await office.click(RequestAdvice(ask.school, ask.age_group, "other"))
    (record,) = await office.store.listing(KIND)
    dead = await office.store.claim(f"{KIND}:{record.id}:{record.version}", 0.2)
    assert dead.state == "claimed"  # a process that then died
    await office.tick()
    assert office.courier.sent == []
    await asyncio.sleep(0.25)
    await office.tick()
    assert len(office.courier.to("U0PETRA001")) == 1


async def test_violence_abuse_or_honour_tells_the_asker_not_to_wait_nor_tell_the_family() -> None:
    office = Office()
    await office.ask("honour")
    assert "vänta inte på svar här. Ring nu, Mottagningen barn och unga, 0000-20 00 00" in (
        office.status()
    )
    calm = Office()
    await calm.ask("neglect")
    assert "vänta inte på svar" not in calm.status()
