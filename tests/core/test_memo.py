"""Remembered answers: bounded, forgotten on reload, and never holding what someone typed."""

from __future__ import annotations

import pickle
from datetime import datetime

from bot.core.clock import STOCKHOLM
from bot.core.memo import CatalogMemo, text_key
from bot.core.models import IncomingMessage
from bot.core.service import FixedCatalog, Service
from bot.core.sessions import MemoryStore
from tests.helpers.shipped import shipped_catalog

TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=STOCKHOLM)


def test_a_value_is_computed_once_per_key_and_catalog() -> None:
    memo: CatalogMemo[str, int] = CatalogMemo(size=10)
    calls: list[str] = []
    old, new = object(), object()

    def compute(key: str) -> int:
        calls.append(key)
        return len(calls)

    assert memo.get(old, "a", lambda: compute("a")) == 1
    assert memo.get(old, "a", lambda: compute("a")) == 1
    assert memo.get(new, "a", lambda: compute("a")) == 2  # a reload forgets everything
    assert calls == ["a", "a"]


def test_when_full_the_oldest_entry_makes_room() -> None:
    memo: CatalogMemo[int, int] = CatalogMemo(size=3)
    catalog = object()
    for key in range(5):
        memo.get(catalog, key, lambda k=key: k * 10)  # type: ignore[misc]
    assert len(memo) == 3
    assert memo.get(catalog, 0, lambda: -1) == -1  # 0 was dropped, so it is computed again
    assert memo.get(catalog, 4, lambda: -1) == 40


def test_a_text_key_tells_texts_apart_without_holding_them() -> None:
    typed = "Kalle Svensson på Ängsskolan"
    assert text_key(typed) == text_key(typed)
    assert text_key(typed) != text_key(typed + " ")
    assert b"Kalle" not in text_key(typed) and len(text_key(typed)) == 16


async def test_the_service_remembers_answers_but_not_a_childs_name_typed_in_a_question() -> None:
    service = Service(FixedCatalog(shipped_catalog()), MemoryStore(), now=lambda: TUESDAY_MORNING)
    questions = [
        "vem kontaktar jag om Kalle Svensson på Ängsskolan åk 8?",  # found
        "Tunaskolan Kalle Svensson",  # shared name: schools to pick from
        "Kallesvenssonskolan",  # nothing found: did you mean
    ]
    for i, question in enumerate(questions):
        msg = IncomingMessage(
            "test", f"test:ws:u{i}", f"test:u{i}", text=question, intent="contact", locale="sv"
        )
        first = await service.handle(msg)
        assert await service.handle(msg) == first  # the same answer the second time
    remembered = pickle.dumps(
        (
            service._lookups._values,
            service._contact_replies._values,
            service._school_choices._values,
        )
    )
    assert b"Kalle" not in remembered
    assert "Kalle".encode("utf-16-le") not in remembered
    assert len(service._lookups) == len(questions)
