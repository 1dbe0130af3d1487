"""Canned core Replies for rendering tests, and a broken service for the transports' error path.

School names are real (Skolverket); people, phone numbers and addresses are made up.
"""

from __future__ import annotations

import asyncio

from bot.core.actions import Answer, Back, Cancel, SaveSchool
from bot.core.models import (
    Choice,
    ContactCard,
    ContactResult,
    IncomingMessage,
    Locale,
    Reply,
    SchoolSummary,
)
from bot.transports import Handler

SCHOOL_KEY = "mora/angsskolan-f-9"
CONTACT_NAMES = ("Kim Testsson", "Robin Exempelsson")
FOOTER = "Är ett barn i akut fara: ring 112."


def contact_reply(locale: Locale = "sv") -> Reply:
    cards = (
        ContactCard(
            "contact",
            CONTACT_NAMES[0],
            title="Socialsekreterare",
            phone="0000-12 34 56",
            email="kim.testsson@example.se",
            slack="U0KIMTEST",
            label="Primär",
        ),
        ContactCard(
            "contact",
            CONTACT_NAMES[1],
            title="Socialsekreterare",
            phone="0000-65 43 21",
            email="robin.exempelsson@example.se",
            label="Reserv",
            note="Borta till 6 januari 2027",
        ),
        ContactCard(
            "reception",
            "Mottagningen, Mora kommun",
            phone="0000-11 11 11",
            url="https://www.example.se/mottagning",
        ),
        ContactCard("emergency", "Larmnummer", phone="112"),
    )
    return Reply(
        kind="contact",
        title="Ängsskolan F-9, Mora",
        parts=("Gäller *åk 8*.", "Mottagningen har öppet nu. Vid akut oro, ring dem direkt."),
        cards=cards,
        choices=(Choice(SaveSchool(SCHOOL_KEY), "Spara som min skola"),),
        footer=FOOTER,
        locale=locale,
        contact=ContactResult(
            "found", school=SchoolSummary(SCHOOL_KEY, "Ängsskolan F-9", None, "Mora kommun")
        ),
    )


def step(step_id: str, question: str, locale: Locale = "sv") -> Reply:
    return Reply(
        kind="step",
        title="Inför en orosanmälan",
        parts=(question,),
        choices=(
            Choice(Answer(step_id, "ja"), "Ja", "primary"),
            Choice(Answer(step_id, "nej"), "Nej"),
            Choice(Back(), "Tillbaka"),
            Choice(Cancel(), "Avbryt", "danger"),
        ),
        footer=FOOTER,
        locale=locale,
    )


class BrokenService:
    """A core with a bug: raises, with what was typed in the exception's message (as a real
    bug might), so a test can check that neither the user nor the log sees it."""

    async def handle(self, msg: IncomingMessage) -> Reply:
        raise RuntimeError(f"a bug, with what was typed: {msg.text}")


class SlowService:
    """A core that takes `delay` seconds for every answer (a slow moment, a slow store)."""

    def __init__(self, service: Handler, delay: float) -> None:
        self._service = service
        self._delay = delay

    async def handle(self, msg: IncomingMessage) -> Reply:
        await asyncio.sleep(self._delay)
        return await self._service.handle(msg)
