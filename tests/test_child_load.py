"""Loading in a forked child gives the same catalog and the same problems as loading in-process."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from pathlib import Path

import pytest

from bot.child_load import ChildFailed, ChildLoader, in_child
from bot.core.catalog import load_catalog
from bot.errors import ConfigError
from bot.reload import CatalogHolder

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def paths(tmp_path: Path) -> list[Path]:
    shutil.copytree(ROOT / "directory", tmp_path / "directory")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    return [tmp_path / "directory", tmp_path / "rules"]


def test_the_work_runs_in_another_process_and_its_result_comes_back() -> None:
    assert in_child(os.getpid) != os.getpid()
    assert in_child(lambda: {"schools": ("Ängsskolan", 8)}) == {"schools": ("Ängsskolan", 8)}


def test_a_child_that_fails_or_dies_is_reported_not_hung() -> None:
    with pytest.raises(ChildFailed, match="ZeroDivisionError"):
        in_child(lambda: 1 / 0)
    with pytest.raises(ChildFailed, match="without an answer"):
        in_child(lambda: os._exit(3))


async def test_a_signal_to_the_child_ends_it_and_does_not_reach_the_bot() -> None:
    loop = asyncio.get_running_loop()
    stops: list[str] = []
    loop.add_signal_handler(signal.SIGTERM, lambda: stops.append("the bot would stop"))
    try:
        with pytest.raises(ChildFailed, match="without an answer"):
            # from a worker thread, as CatalogHolder.reload runs the loader
            await asyncio.to_thread(in_child, lambda: os.kill(os.getpid(), signal.SIGTERM))
        await asyncio.sleep(0.2)
        assert stops == []
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


def test_the_child_loads_what_an_in_process_load_gives(paths: list[Path]) -> None:
    here = load_catalog(paths)
    there = ChildLoader(paths)()
    assert there.version == here.version
    assert there.directory.municipalities == here.directory.municipalities
    assert set(there.flows) == set(here.flows)
    asked = there.index.lookup("vem är soc-kontakten för Ängsskolan åk 8?")
    assert asked.result.status == "found"
    assert asked.result.school == here.index.lookup("ängsskolan").result.school


def test_problems_come_back_located_and_a_fixed_file_loads(paths: list[Path]) -> None:
    loader = ChildLoader(paths)
    loader()
    mora = paths[0] / "mora.yml"
    good = mora.read_text(encoding="utf-8")
    mora.write_text(good.replace("municipality:", "municipality: [", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        loader()
    problem = caught.value.problems[0]
    assert problem.path.endswith("mora.yml") and problem.line >= 1
    assert "not valid YAML" in problem.message
    assert loader.check() == sorted(caught.value.problems)
    mora.write_text(good, encoding="utf-8")
    assert "mora" in loader().directory.municipalities


async def test_a_reload_in_a_child_sees_an_edit_and_keeps_the_last_good_catalog(
    paths: list[Path],
) -> None:
    holder = CatalogHolder(ChildLoader(paths))
    first = holder.current.version
    lulea = paths[0] / "lulea.yml"
    good = lulea.read_text(encoding="utf-8")
    lulea.write_text(good.replace("Luleå kommun", "Luleå stad", 1), encoding="utf-8")
    edited = await holder.reload()
    assert edited.ok and edited.version != first
    assert holder.current.directory.municipalities["lulea"].name == "Luleå stad"
    lulea.write_text(good.replace("schools:", "schools: {", 1), encoding="utf-8")
    broken = await holder.reload()
    assert not broken.ok
    assert holder.current.version == edited.version  # the last good one stays live
