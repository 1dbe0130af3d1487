"""Questions about help beyond social services: "ungdomsmottagning Nyköping", "vem kan hjälpa
med NPF i Gnesta?". The kind is read from the words staff use, typos too; the answer names
what the directory has for that school or municipality and age, and nothing of another's."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.app import reply_json
from bot.core.catalog import load_catalog
from bot.core.clock import STOCKHOLM
from bot.core.models import IncomingMessage, Reply
from bot.core.render import as_text
from bot.core.service import FixedCatalog, Service
from bot.core.sessions import MemoryStore
from tests.helpers.resource_directory import write_sormland

ROOT = Path(__file__).resolve().parents[2]
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=STOCKHOLM)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Service:
    folder = write_sormland(tmp_path_factory.mktemp("directory"))
    catalog = load_catalog([folder, ROOT / "rules"], today=TUESDAY_MORNING.date())
    return Service(FixedCatalog(catalog), MemoryStore(), now=lambda: TUESDAY_MORNING)


async def ask(service: Service, text: str, *, channel: str | None = None) -> Reply:
    msg = IncomingMessage("test", "test:ws:u1", "test:u1", text=text, channel=channel)
    return await service.handle(msg)


def shown(reply: Reply) -> list[str]:
    return [card.name for card in reply.cards]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("ungdomsmottagning Nyköping", ["Ungdomsmottagningen Nyköping"]),
        ("Finns det någon ungdomsmottagning i Nyköping?", ["Ungdomsmottagningen Nyköping"]),
        ("ungdomsmotagningen i nyköpng", ["Ungdomsmottagningen Nyköping"]),  # two slips
        ("UMO nyköping", ["Ungdomsmottagningen Nyköping"]),
        ("BUP Gnesta", ["BUP Sörmland"]),  # the region's, inherited
        ("barn- och ungdomspsykiatrin i Nyköping", ["BUP Sörmland"]),
        ("vem kan hjälpa med NPF på Tallskolan?", ["NPF-teamet"]),
        ("who can help with ADHD at Tallskolan", ["NPF-teamet"]),
        ("autism Tallis åk 3", ["NPF-teamet"]),
    ],
)
async def test_a_kind_of_help_and_a_place_name_what_the_directory_has_there(
    service: Service, question: str, expected: list[str]
) -> None:
    reply = await ask(service, question)
    assert reply.contact is not None and reply.contact.status == "resources"
    assert shown(reply) == expected
    assert reply.footer is not None and "112" in reply.footer


async def test_one_municipalitys_resource_is_never_shown_for_another(service: Service) -> None:
    reply = await ask(service, "ungdomsmottagning i Gnesta")
    assert "Ungdomsmottagningen Nyköping" not in as_text(reply)
    assert "Katalogen har inget sådant inlagt för Gnesta" in as_text(reply)
    assert [c.role for c in reply.cards] == ["reception", "after_hours"]  # Gnesta's, open now
    assert reply.cards[0].phone == "0000-0461"


async def test_a_resource_for_some_schools_and_ages_is_not_shown_outside_them(
    service: Service,
) -> None:
    other_school = await ask(service, "NPF Granskolan")
    too_old = await ask(service, "NPF Tallskolan 17 år")
    for reply in (other_school, too_old):
        assert reply.contact is not None and reply.contact.status == "resources"
        assert "NPF-teamet" not in shown(reply)
    assert "Skolan anpassar" in as_text(too_old)  # the advice is there either way


async def test_a_town_named_alone_means_the_town_even_when_a_school_bears_its_name(
    service: Service,
) -> None:
    reply = await ask(service, "BUP Nyköping")
    assert reply.contact is not None and reply.contact.school is None
    assert reply.title is not None and "Montessori" not in reply.title


async def test_without_a_school_or_a_place_it_asks_which(
    service: Service,
) -> None:
    asked = await ask(service, "vem kan hjälpa med autism?")
    assert asked.kind == "notice" and "Vilken kommun eller skola" in as_text(asked)


async def test_a_municipality_without_a_file_gets_the_honest_answer_and_1177(
    service: Service,
) -> None:
    reply = await ask(service, "BUP i Göteborg")
    text = as_text(reply)
    assert "Göteborg finns inte i min katalog" in text and "1177.se" in text
    assert "BUP Sörmland" not in text
    npf = await ask(service, "NPF i Göteborg")
    assert "1177.se" not in as_text(npf)  # the school and elevhälsa, not health care


async def test_ask_json_lists_the_resources_with_their_kind_ages_and_source(
    service: Service,
) -> None:
    out = reply_json(await ask(service, "ungdomsmottagning Nyköping"))
    assert out["status"] == "resources"
    assert out["municipality"] == {"name": "Nykoping", "code": "0480", "configured": True}
    [umo] = out["resources"]  # type: ignore[misc]
    assert umo["kind"] == "ungdomsmottagning" and umo["ages"] == [13, 25]
    assert str(umo["source"]).endswith("sormland.yml:12")


async def test_english_questions_get_english_answers(service: Service) -> None:
    reply = await ask(service, "who can help with autism in Gnesta")
    assert reply.locale == "en"
    assert reply.title == (
        "Support for neurodevelopmental conditions (NPF, e.g. ADHD and autism): Gnesta"
    )
    assert "The school adapts" in as_text(reply)


async def test_an_ordinary_contact_question_is_not_read_as_one_for_help(service: Service) -> None:
    reply = await ask(service, "vem är soc-kontakten för Tallskolan åk 8?")
    assert reply.contact is not None and reply.contact.status == "found"
