"""The feedback reminder: "Påminn mig om en vecka" after the report checklist's outcome.

A reporter who asks is told, within a week of the decision, whether an investigation was
opened (19 kap. 6 § socialtjänstlagen (2025:400)); a reminder a week later helps them ask.
It stores the user's chat id, the municipality and the due time, nothing else, waits in
the store like a request (durable, taken once) and can be cancelled by its owner.
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core import clock
from bot.core.actions import CancelReminder
from bot.core.catalog import Catalog
from bot.core.handoff.courier import Courier, Undeliverable
from bot.core.handoff.timed import (
    DEFAULT_LEASE_SECONDS,
    TimedStore,
    claimed_step,
    clicked_step,
)
from bot.core.models import Choice, Locale, Municipality, Reply
from bot.core.records import Record
from bot.core.sessions import platform_user
from bot.core.texts import text

logger = logging.getLogger(__name__)

KIND = "reminder"
REMIND_AFTER = timedelta(days=7)
BATCH = 50


class Reminders:
    """Feedback reminders: set, cancelled, and sent when due by the worker."""

    def __init__(
        self,
        store: TimedStore,
        courier: Courier,
        *,
        now: Callable[[], datetime],
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self.store = store
        self.courier = courier
        self.now = now
        self.lease = lease_seconds
        self.new_id = new_id

    async def remind(self, user: str, municipality: Municipality, locale: Locale) -> Reply:
        """Set a reminder for `user` a week from now, with a button to cancel it."""
        due = self.now() + REMIND_AFTER
        rid = self.new_id()
        body = json.dumps({"user": user, "municipality": municipality.id})
        keep = (REMIND_AFTER + timedelta(days=1)).total_seconds()
        await self.store.create(KIND, rid, body, due=due.timestamp(), keep_seconds=keep)
        day = clock.format_date(clock.to_local(due).date(), locale)
        return Reply(
            kind="notice",
            parts=(text("handoff.remind_set", locale, day=day),),
            choices=(Choice(CancelReminder(rid), text("handoff.remind_cancel", locale)),),
            locale=locale,
            keeps_clicked=True,
        )

    async def cancel(self, user: str, rid: str, locale: Locale) -> Reply:
        """Cancel the reminder, if it is `user`'s."""

        async def work(record: Record, _: bool) -> tuple[bool, bool]:
            if json.loads(record.body)["user"] != user:
                return False, False
            await self.store.delete(KIND, rid)
            return True, True

        record, cancelled = await clicked_step(self.store, KIND, rid, work, self.lease)
        key = (
            "handoff.remind_cancelled"
            if record is not None and cancelled
            else "handoff.remind_gone"
        )
        return Reply(kind="notice", parts=(text(key, locale),), locale=locale)

    async def tick(self, catalog: Catalog) -> None:
        """Send every reminder that is due, once."""
        for rid in await self.store.due(KIND, self.now().timestamp(), BATCH):
            record = await self.store.read(KIND, rid)
            if record is not None:
                send = functools.partial(self._send, catalog=catalog)
                await claimed_step(self.store, KIND, record, send, self.lease)

    async def _send(self, record: Record, retried: bool, catalog: Catalog) -> tuple[bool, None]:
        """Send the reminder and forget it; once, even when a process died after sending."""
        body = json.loads(record.body)
        to, marker = platform_user(body["user"]), f"{record.id}:{record.version}"
        municipality = catalog.directory.municipalities.get(body["municipality"])
        if municipality is not None:
            try:
                if not (retried and await self.courier.find(to, marker)):
                    await self.courier.send(to, _reminder(municipality), marker)
            except Undeliverable:
                logger.warning("a feedback reminder could not be delivered")
        await self.store.delete(KIND, record.id)
        return True, None


def _reminder(municipality: Municipality) -> Reply:
    """The reminder itself, in Swedish (it keeps no language: nothing but the three ids)."""
    office = municipality.reception
    return Reply(
        kind="notice",
        title=text("handoff.remind_title"),
        parts=(
            text(
                "handoff.remind_text",
                municipality=municipality.name,
                office=office.name,
                phone=office.phone,
            ),
            text("handoff.remind_secrecy"),
        ),
    )
