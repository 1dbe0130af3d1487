"""'Fel uppgift?' in the core: the card's choice, the reasons, and what the admins are told."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.core.actions import Action, ReportReason, ReportWrong, decode, encode
from bot.core.clock import STOCKHOLM
from bot.core.models import IncomingMessage, Reply
from bot.core.render import as_text
from bot.core.service import FixedCatalog, Service
from bot.core.sessions import MemoryStore
from bot.core.texts import catalogue
from bot.core.wrong_details import REASONS
from tests.helpers.shipped import ROOT, shipped_catalog

TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=STOCKHOLM)
ANGS = "mora/angsskolan-f-9"
REPORTER = "test:ws:U0TEACHER1"


def service(admin_channel: str | None = None) -> Service:
    catalog = FixedCatalog(shipped_catalog())
    return Service(catalog, MemoryStore(), now=lambda: TUESDAY_MORNING, admin_channel=admin_channel)


async def ask(bot: Service, *, text: str | None = None, choice: Action | None = None) -> Reply:
    return await bot.handle(
        IncomingMessage("test", "test:ws:u1", REPORTER, text=text, choice=choice)
    )


def line_of(path: str, starts: str) -> int:
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    return next(n for n, text in enumerate(lines, start=1) if text.startswith(starts))


async def test_every_person_card_offers_wrong_details_with_ids_only() -> None:
    reply = await ask(service(), text="Ängsskolan åk 8")
    reports = {c.name: c.report for c in reply.cards}
    assert reports["Cecilia Lind"] is not None
    assert reports["Cecilia Lind"].label == "Fel uppgift?"
    assert encode(reports["Cecilia Lind"].action) == f"wrong:{ANGS}:cecilia-l:unga"
    # the reception and the socialjour are offices, not directory people
    assert reports["Mottagningen barn och unga"] is None


async def test_the_reasons_are_buttons_and_a_pick_tells_the_municipality_s_channel() -> None:
    bot = service(admin_channel="C0GLOBAL01")
    asked = await ask(bot, choice=ReportWrong(ANGS, "cecilia-l", "unga"))
    assert "Vad stämmer inte för Cecilia Lind?" in as_text(asked)
    assert [c.label for c in asked.choices] == [
        "Personen har slutat / är inte kontakt längre",
        "Fel telefonnummer",
        "Fel e-post",
        "Fel skola eller åldersgrupp",
        "Annat",
    ]
    phone = next(c.action for c in asked.choices if c.label == "Fel telefonnummer")
    assert decode(encode(phone)) == ReportReason(ANGS, "cecilia-l", "unga", "phone")
    reply = await ask(bot, choice=phone)
    assert "Tack!" in as_text(reply)
    notice = reply.notify
    assert notice is not None
    assert notice.channel == "C0MORAADM1"  # Mora's own, not the global one
    shown = "\n".join(notice.parts)
    line = line_of("directory/mora.yml", "  cecilia-l:")
    assert f"mora.yml:{line}" in shown
    assert "Cecilia Lind" in shown and "Ängsskolan F-9" in shown
    assert "Unga 13–20 år (unga)" in shown and "Fel telefonnummer" in shown
    assert notice.reporter == REPORTER
    # the answer if the post fails: the reception, with its number
    assert "0000-10 00 00" in as_text(notice.undelivered)


async def test_a_municipality_without_its_own_channel_uses_the_global_one() -> None:
    reply = await ask(
        service(admin_channel="C0GLOBAL01"),
        choice=ReportReason("flen/stenhammarskolan", "stina-w", "barn-unga", "gone"),
    )
    assert reply.notify is not None and reply.notify.channel == "C0GLOBAL01"


async def test_without_any_admin_channel_the_reporter_is_told_to_tell_the_reception() -> None:
    reply = await ask(
        service(), choice=ReportReason("flen/stenhammarskolan", "stina-w", "barn-unga", "email")
    )
    assert reply.notify is None
    shown = as_text(reply)
    assert "mottagningen" in shown and "0000-32 00 00" in shown


@pytest.mark.parametrize(
    "choice",
    [
        ReportWrong("mora/gone-school", "cecilia-l", "unga"),
        ReportWrong(ANGS, "nobody", "unga"),
        ReportWrong(ANGS, "anna-s", "unga"),  # she answers for barn, not unga
        ReportReason(ANGS, "cecilia-l", "unga", "typed-text"),
    ],
)
async def test_a_button_whose_ids_no_longer_resolve_is_an_old_button(choice: Action) -> None:
    reply = await ask(service(admin_channel="C0GLOBAL01"), choice=choice)
    assert "äldre svar" in as_text(reply) and reply.notify is None


def test_every_reason_has_a_label_in_both_languages() -> None:
    for reason in REASONS:
        assert f"report.reason_{reason}" in catalogue("sv")
        assert f"report.reason_{reason}" in catalogue("en")
