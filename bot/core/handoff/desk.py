"""The desk: consultation requests in the store, their timers, and the courier.

`request`, `take` and `decline` answer the clicks (through bot.core.service, like every
click); `run` is the worker every replica runs, which delivers what a change left in a
request's outbox and moves requests on when their timer comes (bot.core.handoff.timed makes
each step happen once). The courier is the transport's: the core never imports one.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core import clock, stats
from bot.core.actions import AskAdvice, RemindFeedback, RequestAdvice
from bot.core.catalog import Catalog
from bot.core.contacts import group_label_of
from bot.core.handoff import messages, steps
from bot.core.handoff.chain import reachable
from bot.core.handoff.courier import Courier, Undeliverable
from bot.core.handoff.reminders import Reminders
from bot.core.handoff.requests import (
    KIND,
    TOPICS,
    HandoffRequest,
    channel_target,
    person_target,
    target_parts,
)
from bot.core.handoff.timed import (
    DEFAULT_LEASE_SECONDS,
    TimedStore,
    claimed_step,
    clicked_step,
)
from bot.core.models import Choice, Directory, Locale, Municipality, Reply
from bot.core.records import Record
from bot.core.sessions import platform_user
from bot.core.texts import text

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # how often a worker looks for due records it was not woken for
BATCH = 50  # due records taken per look
MAX_STEPS = 12  # steps one request takes back to back before others get their turn
CONCURRENT = 16  # requests whose steps are taken at once (each waits on the Web API)
DEFAULT_KEEP_DAYS = 90
# how fast requests were taken, as bucketed counts (bot.core.stats): upper bounds in minutes
ACCEPTED_WITHIN = ((5, "5m"), (15, "15m"), (30, "30m"), (60, "1h"))


def accepted_within(seconds: float) -> str:
    """The bucket of a time to accept: "5m", "15m", "30m", "1h" or "later"."""
    return next((name for limit, name in ACCEPTED_WITHIN if seconds <= limit * 60), "later")


class Desk:
    """Requests for advice: made, taken, passed on and moved on in time."""

    def __init__(
        self,
        store: TimedStore,
        courier: Courier,
        *,
        transport: str,
        now: Callable[[], datetime],
        tally: stats.Tally,
        keep_days: float = DEFAULT_KEEP_DAYS,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        """`transport`: the IncomingMessage.transport whose users the courier reaches;
        `keep_days`: how long a request is kept for the admins' audit; `lease_seconds`:
        how long a step of a process that died blocks that request (bot.core.handoff.timed)."""
        self.store = store
        self.courier = courier
        self.transport = transport
        self.now = now
        self.tally = tally
        self.keep_seconds = keep_days * 86400
        self.new_id = new_id
        self.lease = lease_seconds
        self.reminders = Reminders(store, courier, now=now, lease_seconds=lease_seconds)
        self._wake = asyncio.Event()

    def follow_ups(self, reply: Reply, directory: Directory) -> Reply:
        """`reply` with what the desk adds to it, for an asker on the desk's transport: "Be
        om rådgivning" under a school's contacts and at the end of a consultation checklist
        (one button per age group shown whose contacts can be reached in the chat), and
        "Påminn mig om en vecka" after a report checklist's outcome."""
        locale = reply.locale
        school: str | None = None
        groups: tuple[str, ...] = ()
        if reply.contact is not None and reply.contact.status == "found" and reply.contact.school:
            school, groups = reply.contact.school.key, reply.contact.age_groups
        outcome = reply.outcome
        if outcome is not None and outcome.kind == "report" and outcome.school:
            known = directory.schools.get(outcome.school)
            if known is not None:
                remind = RemindFeedback(known.municipality_id)
                choice = Choice(remind, text("handoff.remind", locale))
                return replace(reply, choices=(*reply.choices, choice))
        if outcome is not None and outcome.kind == "consult" and outcome.school:
            school, groups = outcome.school, outcome.age_groups
        found = directory.schools.get(school) if school else None
        if found is None:
            return reply
        municipality = directory.municipality_of(found)
        day = clock.to_local(self.now()).date()
        reached = [g for g in dict.fromkeys(groups) if reachable(municipality, found, g, day)]
        asks = []
        for group in reached:
            label = text("handoff.button", locale)
            if len(reached) > 1:
                named = group_label_of(municipality, group, locale)
                label = text("handoff.button_group", locale, group=named)
            asks.append(Choice(AskAdvice(found.key, group), label, "primary"))
        return replace(reply, choices=(*reply.choices, *asks)) if asks else reply

    # ------------------------------------------------------------------ clicks

    async def request(
        self, user: str, locale: Locale, catalog: Catalog, asked: RequestAdvice
    ) -> Reply:
        """Send a request for `asked` from `user`: stored, then delivered by the worker."""
        directory = catalog.directory
        school = directory.schools.get(asked.school)
        if school is None or asked.topic not in TOPICS:
            return _notice("handoff.unknown_school", locale)
        municipality = directory.municipality_of(school)
        now = self.now()
        draft = HandoffRequest(
            id=self.new_id(),
            municipality=municipality.id,
            school=school.key,
            age_group=asked.age_group,
            topic=asked.topic,
            requester=user,
            locale=locale,
            created=now.timestamp(),
            state="queued",
            timer=None,
        )
        made = steps.opened(draft, municipality, directory, now)
        if made.state == "unanswered":  # nobody in the chat any more: no request to keep
            office = municipality.reception
            return _notice(
                "handoff.nobody", locale, school=school.name, office=office.name, phone=office.phone
            )
        await self.store.create(
            KIND, made.id, made.to_json(), due=made.due, keep_seconds=self.keep_seconds
        )
        await self.tally.add([(municipality.id, asked.age_group, "handoff:requested")])
        self._wake.set()
        return _notice("handoff.sent", locale)

    async def take(self, user: str, rid: str, catalog: Catalog) -> Reply:
        """ "Jag tar den": the request is `user`'s unless someone was first."""

        async def work(record: Record, _: bool) -> tuple[bool, Reply]:
            request = HandoffRequest.from_json(record.body)
            municipality = catalog.directory.municipalities.get(request.municipality)
            if municipality is None:
                return False, messages.note("gone")
            who = _clicker(request, municipality, user)
            if who is None:
                return False, messages.note("not_yours", request)
            took = steps.taken(request, who, self.now())
            if took is None:
                return False, _after_the_fact(request, municipality, who)
            await self._write(record, took)
            waited = (took.taken_at or 0) - request.created
            counted = ("handoff:accepted", f"handoff:accepted_within:{accepted_within(waited)}")
            await self.tally.add([(request.municipality, request.age_group, m) for m in counted])
            return True, messages.took(took, municipality)

        return await self._click(rid, work)

    async def decline(self, user: str, rid: str, catalog: Catalog) -> Reply:
        """ "Kan inte nu": on to the next at once."""

        async def work(record: Record, _: bool) -> tuple[bool, Reply]:
            request = HandoffRequest.from_json(record.body)
            directory = catalog.directory
            municipality = directory.municipalities.get(request.municipality)
            if municipality is None:
                return False, messages.note("gone")
            who = _clicker(request, municipality, user)
            if who is None:
                return False, messages.note("not_yours", request)
            moved = steps.declined(request, who, municipality, directory, self.now())
            if moved is None:
                return False, _after_the_fact(request, municipality, who)
            await self._write(record, moved)
            return True, messages.note("passed_you", request)

        return await self._click(rid, work)

    async def _click(
        self, rid: str, work: Callable[[Record, bool], Awaitable[tuple[bool, Reply]]]
    ) -> Reply:
        record, reply = await clicked_step(self.store, KIND, rid, work, self.lease)
        if record is None:
            return messages.note("gone")
        self._wake.set()
        return reply if reply is not None else messages.note("busy")

    async def _write(self, record: Record, request: HandoffRequest) -> None:
        """The new version, under the claim of the old one (it cannot have moved
        meanwhile); a request that has just ended unanswered is counted."""
        if request.state == "unanswered" and HandoffRequest.from_json(record.body).state != (
            "unanswered"
        ):
            counted = (request.municipality, request.age_group, "handoff:unanswered")
            await self.tally.add([counted])
        written = await self.store.swap(
            KIND,
            record.id,
            record.version,
            request.to_json(),
            due=request.due,
            keep_seconds=self.keep_seconds,
        )
        if not written:  # only when a step outlived its lease (a stalled process)
            raise RuntimeError("a handoff record changed under its claim")

    # ------------------------------------------------------------------ the worker

    async def run(self, catalogs: Callable[[], Catalog], stop: asyncio.Event) -> None:
        """Deliver and move on due requests until `stop`; woken at once by a click."""
        while not stop.is_set():
            try:
                catalog = catalogs()
                await self.tick(catalog)
                await self.reminders.tick(catalog)
            except Exception as error:  # the store or the platform away: try again soon
                logger.warning("handoff worker: %s", type(error).__name__)
            self._wake.clear()
            waiting = asyncio.ensure_future(self._wake.wait())
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait(
                {waiting, stopping}, timeout=POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
            waiting.cancel()
            stopping.cancel()

    async def tick(self, catalog: Catalog) -> None:
        """Take every step that is due now, once: CONCURRENT requests at a time, each
        request's steps in order."""
        due = await self.store.due(KIND, self.now().timestamp(), BATCH)
        turns = asyncio.Semaphore(CONCURRENT)

        async def advance(rid: str) -> None:
            async with turns:
                for _ in range(MAX_STEPS):
                    record = await self.store.read(KIND, rid)
                    if record is None or record.due is None or record.due > self.now().timestamp():
                        return
                    step = functools.partial(self._step, catalog=catalog)
                    done, _ = await claimed_step(self.store, KIND, record, step, self.lease)
                    if not done:
                        return

        await asyncio.gather(*(advance(rid) for rid in due))

    async def _step(self, record: Record, retried: bool, catalog: Catalog) -> tuple[bool, None]:
        """One step of a due request: its next message delivered, or its timer's move.
        `retried`: a process that took this step before died, maybe after posting."""
        request = HandoffRequest.from_json(record.body)
        directory = catalog.directory
        municipality = directory.municipalities.get(request.municipality)
        now = self.now()
        if municipality is None:  # removed in a reload: nothing left to deliver or time
            logger.warning("handoff: a request's municipality is gone; it is closed")
            await self._write(record, replace(request, outbox=(), timer=None))
            return True, None
        if request.outbox:
            posting = _Posting(f"{request.id}:{record.version}", retried)
            after = await self._deliver(request, municipality, directory, now, posting)
        else:
            after = steps.timer_fired(request, municipality, directory, now)
        await self._write(record, after)
        return True, None

    async def _deliver(
        self,
        request: HandoffRequest,
        municipality: Municipality,
        directory: Directory,
        now: datetime,
        posting: _Posting,
    ) -> HandoffRequest:
        """The first message of the outbox delivered; the request as it is after it."""
        item, rest = request.outbox[0], request.outbox[1:]
        request = replace(request, outbox=rest)
        if item == "offer":
            newest = request.offers[-1]
            try:
                offer = messages.offer(request, newest, municipality, directory)
                ref = await self._post(_chat_id(newest.target, municipality), offer, posting)
            except Undeliverable:
                logger.warning("handoff: an offer could not be delivered; on to the next")
                return steps.unreachable(request, municipality, directory, now)
            return replace(request, offers=(*request.offers[:-1], replace(newest, ref=ref)))
        if item == "status":
            status = messages.status(request, municipality, now)
            try:
                if request.status_ref is not None:
                    await self.courier.update(request.status_ref, status)
                    return request
                ref = await self._post(platform_user(request.requester), status, posting)
            except Undeliverable:
                logger.warning("handoff: the asker's status could not be delivered")
                return request
            return replace(request, status_ref=ref)
        closing = messages.closed(request, municipality)
        for offered in request.offers:
            if offered.ref is None or offered.target == request.owner:
                continue  # the one who took it sees the answer to their own click
            try:
                await self.courier.update(offered.ref, closing)
            except Undeliverable:
                logger.info("handoff: an offer could not be updated")
        return request

    async def _post(self, to: str, message: Reply, posting: _Posting) -> str:
        """Post once: a retried step first looks for the message its first try posted."""
        if posting.retried:
            found = await self.courier.find(to, posting.marker)
            if found is not None:
                logger.info("handoff: a retried step found its message posted already")
                return found
        return await self.courier.send(to, message, posting.marker)


@dataclass(frozen=True, slots=True)
class _Posting:
    """What a post of one step carries: the step's marker (request id and version, ids
    only) and whether the step was tried before."""

    marker: str
    retried: bool


def _chat_id(target: str, municipality: Municipality) -> str:
    """Where an offer goes: the person's chat id, or the channel."""
    kind, rid = target_parts(target)
    if kind == "person":
        return municipality.people[rid].slack or ""
    return rid


def _clicker(request: HandoffRequest, municipality: Municipality, user: str) -> str | None:
    """Who a click on the request's buttons is from, as an owner: a person it was offered
    to; anyone in the reception's channel once it was offered there (a person of the
    directory by their id, anyone else by their chat id); None for anyone else."""
    chat_id = platform_user(user)
    person = next((p for p in municipality.people.values() if p.slack == chat_id), None)
    offered = {o.target for o in request.offers}
    if person is not None and person_target(person.id) in offered:
        return person_target(person.id)
    channel = municipality.handoff.channel
    if channel and channel_target(channel) in offered:
        return person_target(person.id) if person else f"user:{chat_id}"
    return None


def _after_the_fact(request: HandoffRequest, municipality: Municipality, who: str) -> Reply:
    """A click that came too late: taken (by them: their view again), ended or moved on."""
    if request.state == "taken":
        if request.owner == who:
            return messages.took(request, municipality)
        return messages.closed(request, municipality)
    if request.state == "unanswered":
        return messages.note("ended", request)
    return messages.note("moved_on", request)


def _notice(key: str, locale: Locale, **values: object) -> Reply:
    return Reply(kind="notice", parts=(text(key, locale, **values),), locale=locale)
