"""The follow-up statistics as an administrator would read them after real conversations."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from bot.core import stats
from bot.core.clock import STOCKHOLM
from bot.core.models import Intent, Reply
from bot.core.service import FixedCatalog, Service
from bot.core.sessions import MemoryStore
from bot.core.stats import StatKey
from tests.helpers.shipped import shipped_catalog
from tests.helpers.traffic import ACUTE_CHECKLIST, REPORT_CHECKLIST, message

NOVEMBER = datetime(2026, 11, 24, 10, 0, tzinfo=STOCKHOLM)


class Staff:
    """People talking to one service that counts into `counted`."""

    def __init__(self, when: datetime = NOVEMBER, counted: stats.StatsStore | None = None):
        self.counted = counted if counted is not None else MemoryStore()
        self.service = Service(
            FixedCatalog(shipped_catalog()),
            MemoryStore(),
            now=lambda: when,
            stats_store=self.counted,
        )

    async def send(self, said: str, who: str = "u1", intent: Intent = "auto") -> Reply:
        return await self.service.handle(message(said, who, intent))

    async def counts(self) -> dict[tuple[str, str, str], int]:
        found = await self.counted.counts()
        return {(k.municipality, k.age_group, k.measure): n for k, n in found.items()}


async def test_contact_questions_are_counted_by_municipality_and_age_group() -> None:
    staff = Staff()
    await staff.send("vem är soc-kontakten för Ängsskolan åk 8?")  # unga (13–20)
    await staff.send("Ängsskolan åk 2")  # barn
    await staff.send("angsskolan")  # no age: both groups' contacts, the age is not known
    await staff.send("socialtjänsten i Mora")  # the municipality alone
    await staff.send("tunaskolan")  # in two municipalities
    await staff.send("Skolan som inte finns någonstans")
    await staff.send("socialtjänsten i Kiruna")  # a municipality without a file
    assert await staff.counts() == {
        ("mora", "unga", "contact_found"): 1,
        ("mora", "barn", "contact_found"): 1,
        ("mora", "unknown", "contact_found"): 2,
        ("unknown", "unknown", "contact_ambiguous"): 1,
        ("unknown", "unknown", "contact_not_found"): 2,
    }


async def test_a_question_for_a_kind_of_help_is_counted_by_kind_and_municipality() -> None:
    staff = Staff()
    await staff.send("ungdomsmottagning Trosa")  # the region's clinics serve Trosa
    await staff.send("umo i trosa")
    await staff.send("BUP Eskilstuna")
    await staff.send("konsultationsteam Mora")  # none in Mora's file: counted all the same
    assert await staff.counts() == {
        ("trosa", "unknown", "resources:ungdomsmottagning"): 2,
        ("eskilstuna", "unknown", "resources:bup"): 1,
        ("mora", "unknown", "resources:konsultationsteam"): 1,
    }


async def test_an_ambiguous_question_within_one_municipality_is_counted_there() -> None:
    staff = Staff()
    reply = await staff.send("tunaskolan")
    assert reply.contact is not None and reply.contact.status == "ambiguous"
    await staff.send(f"contact:{reply.contact.candidates[0].key}")  # the first one picked
    counted = await staff.counts()
    assert counted.pop(("unknown", "unknown", "contact_ambiguous")) == 1
    assert list(counted.values()) == [1]
    ((municipality, _, measure),) = counted
    assert measure == "contact_found" and municipality != "unknown"


async def test_a_checklist_is_counted_when_started_and_at_its_outcome() -> None:
    staff = Staff()
    for said in REPORT_CHECKLIST:
        last = await staff.send(said)
    assert last.kind == "outcome"
    assert await staff.counts() == {
        # started before the school was named: the municipality is not known yet
        ("unknown", "unknown", "flow_started:orosanmalan"): 1,
        ("mora", "unga", "outcome:orosanmalan/anmalan"): 1,
    }


async def test_a_checklist_started_for_a_known_school_counts_its_municipality() -> None:
    staff = Staff()
    for said in ACUTE_CHECKLIST:
        last = await staff.send(said)
    assert last.kind == "outcome"
    assert await staff.counts() == {
        ("mora", "unknown", "flow_started:orosanmalan"): 1,
        # acute before the age was asked: every age group's contacts were shown
        ("mora", "unknown", "outcome:orosanmalan/akut_mottagning"): 1,
    }


async def test_help_the_home_tab_and_steps_count_nothing() -> None:
    staff = Staff()
    await staff.send("hjälp")
    await staff.send("step:akut:ja")  # a click with no checklist going
    await staff.send("", intent="home")
    assert await staff.counts() == {}


async def test_the_month_is_the_month_in_sweden() -> None:
    new_year_in_stockholm = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January
    staff = Staff(when=new_year_in_stockholm)
    await staff.send("Ängsskolan åk 8")
    assert [k.month for k in await staff.counted.counts()] == ["2027-01"]


class BrokenStats(MemoryStore):
    async def increment(self, key: StatKey) -> None:
        raise ConnectionError("the store is down")


async def test_a_store_that_fails_to_count_still_lets_the_answer_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    staff = Staff(counted=BrokenStats())
    with caplog.at_level(logging.WARNING):
        reply = await staff.send("vem är soc-kontakten för Ängsskolan åk 8?")
        started = await staff.send("orosanmälan", who="u2")
    assert reply.kind == "contact" and "Cecilia Lind" in [c.name for c in reply.cards]
    assert started.kind == "step"
    lost = [r.getMessage() for r in caplog.records if r.name == "bot.core.stats"]
    assert lost == ["statistics: a count was lost (ConnectionError)"] * 2
    assert not any("Ängsskolan" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("month", "municipality", "age_group", "measure"),
    [
        ("2026-13", "mora", "all", "contact_found"),
        ("2026-1", "mora", "all", "contact_found"),
        ("2026-11", "Ängsskolan", "all", "contact_found"),
        ("2026-11", "mora", "en elev", "contact_found"),
        ("2026-11", "mora", "all", "contact_found:hemligt namn"),
        ("2026-11", "mora", "all", "outcome:a/b/c"),
        ("2026-11", "mora|barn", "all", "contact_found"),
        ("2026-11", "m" * 65, "all", "contact_found"),
    ],
)
def test_a_key_is_made_of_ids_only(
    month: str, municipality: str, age_group: str, measure: str
) -> None:
    with pytest.raises(ValueError):
        StatKey(month, municipality, age_group, measure)


def test_handoff_measures_have_room() -> None:
    key = StatKey("2026-11", "mora", "unga", stats.HANDOFF_PREFIX + "accepted_within:15m")
    assert key.measure == "handoff:accepted_within:15m"


def test_counts_from_1_to_4_are_shown_as_under_5_and_0_not_at_all() -> None:
    counts = {StatKey("2026-11", "mora", "unga", f"flow_started:f{n}"): n for n in (0, 1, 4, 5, 17)}
    assert [(r.measure, r.count) for r in stats.shown(counts)] == [
        ("flow_started:f1", "<5"),
        ("flow_started:f17", 17),
        ("flow_started:f4", "<5"),
        ("flow_started:f5", 5),
    ]
