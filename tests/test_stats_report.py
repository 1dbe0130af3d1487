"""`referral-bot stats` as an administrator reads it: table, CSV and JSON, never a count 1–4."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import tempfile
from contextlib import redirect_stdout
from datetime import datetime
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.core.clock import STOCKHOLM
from bot.core.service import FixedCatalog, Service
from bot.core.stats import StatKey
from bot.stats_report import FORMATS
from bot.stores import open_store
from tests.helpers.shipped import shipped_catalog
from tests.helpers.traffic import CONVERSATIONS, message

Row = tuple[str, str, str, str]  # month, municipality, age group, measure


def stats_command(store_url: str, *args: str) -> str:
    """What `referral-bot stats ARGS` prints, reading the store at `store_url`."""
    out = io.StringIO()
    with mock.patch.dict(os.environ, {"STORE_URL": store_url}), redirect_stdout(out):
        assert main(["stats", *args]) == 0
    return out.getvalue()


def shown_counts(output: str, fmt: str) -> dict[Row, str]:
    """The count each row shows, read back from the output as a person or a script would."""
    if fmt == "json":
        objects = json.loads(output)
        return {
            (o["month"], o["municipality"], o["age_group"], o["measure"]): str(o["count"])
            for o in objects
        }
    if fmt == "csv":
        return {
            (r["month"], r["municipality"], r["age_group"], r["measure"]): r["count"]
            for r in csv.DictReader(io.StringIO(output))
        }
    lines = output.splitlines()
    if lines == ["no counts to show"]:
        return {}
    assert lines[0].split() == ["month", "municipality", "age_group", "measure", "count"]
    cells = [line.split() for line in lines[1:]]
    return {(c[0], c[1], c[2], c[3]): c[4] for c in cells}


async def count_into(store_url: str, counts: dict[StatKey, int]) -> None:
    store = open_store(store_url)
    for key, n in counts.items():
        for _ in range(n):
            await store.increment(key)
    await store.close()


async def serve(store_url: str, conversations: list[int], when: datetime) -> dict[StatKey, int]:
    """The conversations picked (by number, in order), served by a bot on the store."""
    store = open_store(store_url)
    bot = Service(FixedCatalog(shipped_catalog()), store, now=lambda: when, stats_store=store)
    for who, picked in enumerate(conversations):
        for said in CONVERSATIONS[picked]:
            await bot.handle(message(said, f"u{who}"))
    counted = await store.counts()
    await store.close()
    return counted


@settings(max_examples=30, deadline=None)
@given(
    conversations=st.lists(st.integers(0, len(CONVERSATIONS) - 1), max_size=40),
    month=st.integers(1, 12),
)
def test_no_output_of_stats_ever_shows_a_count_from_1_to_4(
    conversations: list[int], month: int
) -> None:
    when = datetime(2026, month, 15, 10, 0, tzinfo=STOCKHOLM)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/state.db"
        truth = asyncio.run(serve(url, conversations, when))
        for fmt in FORMATS:
            shown = shown_counts(stats_command(url, "--format", fmt), fmt)
            assert all(count == "<5" or int(count) >= 5 for count in shown.values())
            expected = {
                (k.month, k.municipality, k.age_group, k.measure): "<5" if n < 5 else str(n)
                for k, n in truth.items()
                if n > 0
            }
            assert shown == expected


def test_the_csv_header_names_its_columns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state.db"
    asyncio.run(count_into(url, {StatKey("2026-11", "mora", "unga", "contact_found"): 7}))
    out = stats_command(url, "--format", "csv")
    assert out == "month,municipality,age_group,measure,count\n2026-11,mora,unga,contact_found,7\n"


def test_the_table_and_json_show_what_an_admin_asked_for(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state.db"
    counts = {
        StatKey("2025-12", "mora", "unga", "contact_found"): 9,
        StatKey("2026-01", "mora", "unknown", "outcome:orosanmalan/anmalan"): 12,
        StatKey("2026-01", "mora", "barn", "contact_found"): 2,
        StatKey("2026-02", "laholm", "all", "contact_found"): 30,
    }
    asyncio.run(count_into(url, counts))
    assert stats_command(url, "--since", "2026-01", "--municipality", "mora") == (
        "month    municipality  age_group  measure                      count\n"
        "2026-01  mora          barn       contact_found                   <5\n"
        "2026-01  mora          unknown    outcome:orosanmalan/anmalan     12\n"
    )
    assert json.loads(stats_command(url, "--format", "json", "--since", "2026-02")) == [
        {
            "month": "2026-02",
            "municipality": "laholm",
            "age_group": "all",
            "measure": "contact_found",
            "count": 30,
        }
    ]
    assert stats_command(url, "--municipality", "gnesta") == "no counts to show\n"


def test_a_since_that_is_not_a_month_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["stats", "--since", "januari"])
    assert exited.value.code == 2
    assert "'januari' is not a month like 2026-01" in capsys.readouterr().err


def test_a_store_that_cannot_be_reached_is_a_problem_to_fix_not_a_bug(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with mock.patch.dict(os.environ, {"STORE_URL": "redis://127.0.0.1:1/0"}):
        assert main(["stats"]) == 1
    err = capsys.readouterr().err
    assert err == "referral-bot: STORE_URL: the store could not be read (ConnectionError)\n"
