"""The last good configuration survives a restart: kept after each load, used when the files
on disk do not load, and never when the copy itself is damaged."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from bot.core.catalog import load_catalog
from bot.errors import ConfigError
from bot.last_good import LastGoodCopy
from bot.reload import CatalogHolder

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def config(tmp_path: Path) -> list[Path]:
    shutil.copytree(ROOT / "directory", tmp_path / "directory")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    return [tmp_path / "directory", tmp_path / "rules"]


def break_mora(config: list[Path]) -> Path:
    mora = config[0] / "mora.yml"
    mora.write_text(mora.read_text(encoding="utf-8").replace("schools:", "schools: [", 1))
    return mora


def test_a_kept_copy_loads_as_the_same_catalog(config: list[Path], tmp_path: Path) -> None:
    copy = LastGoodCopy(tmp_path / "data", config)
    live = load_catalog(config)
    assert copy.keep(live)
    kept = copy.load()
    assert kept is not None
    assert set(kept.directory.schools) == set(live.directory.schools)
    assert set(kept.flows) == set(live.flows)


def test_the_same_version_is_not_copied_again(config: list[Path], tmp_path: Path) -> None:
    copy = LastGoodCopy(tmp_path / "data", config)
    assert copy.keep(load_catalog(config))
    manifest = copy.folder / "manifest.json"
    written = manifest.stat().st_mtime_ns
    assert copy.keep(load_catalog(config))  # a restart on the same files
    assert manifest.stat().st_mtime_ns == written  # nothing copied again
    mora = config[0] / "mora.yml"
    mora.write_text(mora.read_text(encoding="utf-8") + "# checked\n", encoding="utf-8")
    assert copy.keep(load_catalog(config))  # a new version is copied
    assert manifest.stat().st_mtime_ns != written
    assert copy.load() is not None


def test_nothing_kept_means_nothing_to_load(config: list[Path], tmp_path: Path) -> None:
    assert LastGoodCopy(tmp_path / "data", config).load() is None


def test_a_file_edited_after_the_load_is_not_kept_and_the_old_copy_stays(
    config: list[Path], tmp_path: Path
) -> None:
    copy = LastGoodCopy(tmp_path / "data", config)
    assert copy.keep(load_catalog(config))
    mora = config[0] / "mora.yml"
    mora.write_text(mora.read_text(encoding="utf-8") + "# checked\n", encoding="utf-8")
    live = load_catalog(config)  # a new version, not yet copied
    break_mora(config)  # saved again between the load and the copy
    assert not copy.keep(live)
    kept = copy.load()
    assert kept is not None and "mora/angsskolan-f-9" in kept.directory.schools


def test_a_damaged_copy_is_not_used(config: list[Path], tmp_path: Path) -> None:
    copy = LastGoodCopy(tmp_path / "data", config)
    assert copy.keep(load_catalog(config))
    manifest = json.loads((copy.folder / "manifest.json").read_text())
    first = next(iter(manifest["files"]))
    (copy.folder / first).write_text("municipality: {id: x}\n")
    assert copy.load() is None


async def test_a_start_on_broken_files_serves_the_copy_and_tells_the_admins(
    config: list[Path], tmp_path: Path
) -> None:
    copy = LastGoodCopy(tmp_path / "data", config)
    CatalogHolder(lambda: load_catalog(config), last_good=copy)  # a good start keeps a copy
    mora = break_mora(config)
    told: list[str] = []

    async def on_error(problems: object) -> None:
        told.extend(str(p) for p in problems)  # type: ignore[attr-defined]

    holder = CatalogHolder(lambda: load_catalog(config), last_good=copy, on_error=on_error)
    status = holder.status()
    assert status.serving_last_good and status.as_dict()["serving_last_good"] is True
    assert status.last_error is not None
    assert str(status.last_error.problems[0]).startswith(f"{mora}:")
    await holder.announce()
    assert told and told[0].startswith(f"{mora}:")
    # fixed on disk: the next reload goes live and the copy is no longer what serves
    shutil.copy(ROOT / "directory" / "mora.yml", mora)
    assert (await holder.reload()).ok
    assert not holder.status().serving_last_good


def test_a_start_on_broken_files_without_a_copy_fails(config: list[Path], tmp_path: Path) -> None:
    break_mora(config)
    copy = LastGoodCopy(tmp_path / "data", config)
    with pytest.raises(ConfigError):
        CatalogHolder(lambda: load_catalog(config), last_good=copy)


async def test_a_load_that_died_is_tried_again(
    config: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.reload

    monkeypatch.setattr(bot.reload, "RETRY_SECONDS", (0.05,))
    calls: list[int] = []

    def flaky() -> object:
        calls.append(1)
        if len(calls) == 2:  # the first reload: a disk error, a bug
            raise OSError(5, "Input/output error")
        return load_catalog(config)

    holder = CatalogHolder(flaky)  # type: ignore[arg-type]
    assert not (await holder.reload()).ok
    for _ in range(100):
        if holder.last_error is None:
            break
        await asyncio.sleep(0.02)
    assert len(calls) == 3 and holder.last_error is None  # tried again, once, and live
    await holder.close()


async def test_a_load_that_hangs_times_out_and_the_old_catalog_stays(
    config: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import bot.reload

    monkeypatch.setattr(bot.reload, "LOAD_TIMEOUT_SECONDS", 0.2)
    release = threading.Event()
    first = load_catalog(config)
    calls: list[int] = []

    def hanging() -> object:
        calls.append(1)
        if len(calls) > 1:
            release.wait(5)
        return first

    holder = CatalogHolder(hanging)  # type: ignore[arg-type]
    result = await holder.reload()
    release.set()
    assert not result.ok and "longer than" in result.problems[0].message
    assert holder.current is first
    await holder.close()
