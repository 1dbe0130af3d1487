"""Hot reload: a valid change goes live, a broken one never does, and staff never notice."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.core.catalog import load_catalog
from bot.core.models import Directory
from bot.core.yamlio import load_document
from bot.errors import ConfigError, Problem
from bot.metrics import Metrics, render
from bot.reload import CatalogHolder

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class TinyCatalog:
    """Just the Catalog fields the holder reads; the real loader gets its own tests below."""

    names: tuple[str, ...]
    version: str
    loaded_at: float
    directory: Directory = field(default_factory=lambda: Directory({}, {}))
    flows: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()


def tiny_loader(folder: Path) -> Any:
    """Each *.yml must be a mapping with a `name`; YAML errors come from the real yamlio."""

    def load() -> TinyCatalog:
        files = sorted(folder.glob("*.yml"))
        problems: list[Problem] = []
        names: list[str] = []
        for path in files:
            doc = load_document(path)  # raises ConfigError with path:line:col on bad YAML
            if "name" not in doc.data:
                problems.append(doc.problem((), "'name' is missing"))
            else:
                names.append(doc.data["name"])
        if problems:
            raise ConfigError(problems)
        digest = hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()[:12]
        return TinyCatalog(tuple(names), digest, time.time())

    return load


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "a.yml").write_text("name: Ekbackeskolan\n")
    return tmp_path


class Recorder:
    def __init__(self) -> None:
        self.errors: list[Sequence[Problem]] = []
        self.reloads: list[Any] = []

    async def on_error(self, problems: Sequence[Problem]) -> None:
        self.errors.append(problems)

    async def on_reload(self, catalog: Any) -> None:
        self.reloads.append(catalog)


def holder_for(folder: Path, recorder: Recorder, metrics: Metrics | None = None) -> CatalogHolder:
    return CatalogHolder(
        tiny_loader(folder),
        on_error=recorder.on_error,
        on_reload=recorder.on_reload,
        metrics=metrics,
    )


def test_a_broken_start_fails_fast(folder: Path) -> None:
    (folder / "b.yml").write_text("name: [unclosed\n")
    with pytest.raises(ConfigError):
        CatalogHolder(tiny_loader(folder))


async def test_a_valid_change_goes_live(folder: Path) -> None:
    recorder = Recorder()
    holder = holder_for(folder, recorder)
    old = holder.current
    (folder / "b.yml").write_text("name: Morkarlbyskolan\n")

    result = await holder.reload()

    assert result.ok and result.changed
    assert holder.current.names == ("Ekbackeskolan", "Morkarlbyskolan")
    assert result.version == holder.current.version != old.version
    assert recorder.reloads == [holder.current]
    # Whoever took the old catalog before the swap still has it, unchanged.
    assert old.names == ("Ekbackeskolan",)


async def test_a_broken_file_keeps_the_last_good_catalog_and_says_where(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()
    metrics = Metrics()
    holder = holder_for(folder, recorder, metrics)
    good = holder.current
    (folder / "a.yml").write_text("name: Ekbackeskolan\nschools:\n  - [unclosed\n")

    with caplog.at_level(logging.ERROR, logger="bot.reload"):
        result = await holder.reload()

    assert not result.ok and not result.changed
    assert holder.current is good
    assert result.version == good.version
    [problem] = result.problems
    assert problem.path == str(folder / "a.yml")
    assert (problem.line, problem.col) > (1, 1)
    location = f"{folder / 'a.yml'}:{problem.line}:{problem.col}: error:"
    assert any(location in r.getMessage() for r in caplog.records)
    assert [list(p) for p in recorder.errors] == [[problem]]
    status = holder.status()
    assert status.version == good.version
    assert status.last_error is not None and status.last_error.problems == (problem,)
    body, _ = render(metrics)
    assert b'referral_bot_reloads_total{result="failure"} 1.0' in body


async def test_the_same_error_again_is_not_posted_twice_and_a_fix_clears_it(folder: Path) -> None:
    recorder = Recorder()
    holder = holder_for(folder, recorder)
    (folder / "b.yml").write_text("title: no name here\n")

    first = await holder.reload()
    await holder.reload()  # an editor saving the same broken file twice
    assert len(recorder.errors) == 1
    assert str(first.problems[0]).endswith("error: 'name' is missing")

    (folder / "b.yml").write_text("name: Morkarlbyskolan\n")
    fixed = await holder.reload()

    assert fixed.ok
    assert holder.current.names == ("Ekbackeskolan", "Morkarlbyskolan")
    assert holder.status().last_error is None


async def test_status_counts_what_is_live(folder: Path) -> None:
    holder = CatalogHolder(tiny_loader(folder))
    status = holder.status()

    assert status.version == holder.current.version
    assert (status.municipalities, status.schools, status.flows) == (0, 0, 0)
    assert status.as_dict()["last_error"] is None


async def test_a_vanished_file_or_a_bug_does_not_take_the_bot_down(folder: Path) -> None:
    calls = 0

    def flaky() -> TinyCatalog:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise FileNotFoundError(2, "No such file or directory", str(folder / "gone.yml"))
        if calls == 3:
            raise KeyError("bug")
        return TinyCatalog(("x",), f"v{calls}", time.time())

    holder = CatalogHolder(flaky)
    vanished = await holder.reload()
    bug = await holder.reload()

    assert holder.current.version == "v1"
    assert str(vanished.problems[0]).startswith(f"{folder / 'gone.yml'}:1:1: error: could not read")
    assert "internal error" in bug.problems[0].message
    assert (await holder.reload()).ok


async def test_a_slow_reload_does_not_block_other_work(folder: Path) -> None:
    """The loader runs off the event loop, so Slack requests are still acknowledged."""

    def slow() -> TinyCatalog:
        time.sleep(0.3)
        return TinyCatalog((), "slow", time.time())

    holder = CatalogHolder(slow, initial=TinyCatalog((), "first", time.time()))
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    await holder.reload()
    ticker.cancel()

    assert ticks >= 10
    assert holder.current.version == "slow"


async def wait_for(predicate: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def test_watch_swaps_on_edit_and_keeps_the_good_one_on_a_broken_edit(folder: Path) -> None:
    recorder = Recorder()
    holder = holder_for(folder, recorder)
    stop = asyncio.Event()
    watcher = asyncio.create_task(holder.watch([folder, folder / "missing"], stop, debounce_ms=50))
    await asyncio.sleep(0.3)  # let the watcher start
    try:
        start = time.monotonic()
        (folder / "a.yml").write_text("name: Ekbackeskolan F-3\n")
        await wait_for(lambda: holder.current.names == ("Ekbackeskolan F-3",))
        assert time.monotonic() - start < 5

        live = holder.current
        (folder / "a.yml").write_text("name: [broken\n")
        await wait_for(lambda: recorder.errors)
        assert holder.current is live

        (folder / "a.yml").write_text("name: Ekbackeskolan\n")
        await wait_for(lambda: holder.current.names == ("Ekbackeskolan",))
    finally:
        stop.set()
        await asyncio.wait_for(watcher, 5)


async def test_watch_survives_the_folder_being_replaced_whole(tmp_path: Path) -> None:
    """`rm -r` + copy or a rename swap loses an inotify watch; the holder watches again."""
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "a.yml").write_text("name: Ekbackeskolan\n")
    recorder = Recorder()
    holder = holder_for(folder, recorder)
    stop = asyncio.Event()
    watcher = asyncio.create_task(holder.watch([folder], stop, debounce_ms=50))
    await asyncio.sleep(0.3)
    try:
        staged = tmp_path / "rules.new"
        staged.mkdir()
        (staged / "a.yml").write_text("name: Morkarlbyskolan\n")
        folder.rename(tmp_path / "rules.old")
        staged.rename(folder)
        await wait_for(lambda: holder.current.names == ("Morkarlbyskolan",))

        shutil.rmtree(folder)
        folder.mkdir()
        (folder / "a.yml").write_text("name: Noretskolan\n")
        await wait_for(lambda: holder.current.names == ("Noretskolan",))

        await asyncio.sleep(0.3)  # the new watch is in place
        (folder / "a.yml").write_text("name: Ängsskolan\n")
        await wait_for(lambda: holder.current.names == ("Ängsskolan",))
    finally:
        stop.set()
        await asyncio.wait_for(watcher, 5)


async def test_watch_with_nothing_to_watch_returns(tmp_path: Path) -> None:
    holder = CatalogHolder(lambda: TinyCatalog((), "v", time.time()))
    await asyncio.wait_for(holder.watch([tmp_path / "nope"], asyncio.Event()), 2)


# ------------------------------------------------------------ with the real loader and files


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A private copy of the shipped rules/ and directory/ to edit."""
    for folder in ("rules", "directory"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def real_holder(config: Path, recorder: Recorder, metrics: Metrics | None = None) -> CatalogHolder:
    return CatalogHolder(
        lambda: load_catalog([config / "directory", config / "rules"]),
        on_error=recorder.on_error,
        on_reload=recorder.on_reload,
        metrics=metrics,
    )


def school_names(holder: CatalogHolder) -> set[str]:
    return {school.name for school in holder.current.directory.schools.values()}


async def test_real_files_a_typo_keeps_the_last_good_catalog_then_the_fix_goes_live(
    config: Path, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()
    holder = real_holder(config, recorder)
    good = holder.current
    status = holder.status()
    assert status.municipalities == len(good.directory.municipalities) > 0
    assert status.flows == len(good.flows) > 0
    mora = config / "directory" / "mora.yml"
    shipped = mora.read_text()
    mora.write_text(shipped.replace("\n  name: Mora kommun\n", "\n  nmae: Mora kommun\n", 1))

    with caplog.at_level(logging.ERROR, logger="bot.reload"):
        result = await holder.reload()

    assert not result.ok
    assert holder.current is good
    typo = next(p for p in result.problems if "'nmae'" in p.message)
    assert str(typo).startswith(f"{mora}:{typo.line}:3: error: ")
    assert "did you mean 'name'?" in typo.message
    assert any(str(typo) in r.getMessage() for r in caplog.records)
    assert recorder.errors and typo in recorder.errors[0]
    assert holder.status().last_error is not None

    mora.write_text(shipped.replace("Ängsskolan F-9", "Ängsskolan F-6", 1))
    fixed = await holder.reload()

    assert fixed.ok and fixed.changed
    assert "Ängsskolan F-6" in school_names(holder)
    assert "Ängsskolan F-9" in {s.name for s in good.directory.schools.values()}
    assert holder.status().last_error is None


async def test_real_files_watch_sees_an_edit_within_seconds(config: Path) -> None:
    recorder = Recorder()
    metrics = Metrics()
    holder = real_holder(config, recorder, metrics)
    stop = asyncio.Event()
    paths = [config / "rules", config / "directory"]
    watcher = asyncio.create_task(holder.watch(paths, stop, debounce_ms=100))
    await asyncio.sleep(0.3)
    try:
        mora = config / "directory" / "mora.yml"
        start = time.monotonic()
        mora.write_text(mora.read_text().replace("Ängsskolan F-9", "Ängsskolan F-6", 1))
        await wait_for(lambda: "Ängsskolan F-6" in school_names(holder))
        assert time.monotonic() - start < 5
        assert recorder.reloads and not recorder.errors
    finally:
        stop.set()
        await asyncio.wait_for(watcher, 5)
    body, _ = render(metrics)
    assert b'referral_bot_reloads_total{result="failure"} 0.0' in body
    assert b'referral_bot_reloads_total{result="success"} 0.0' not in body


def configmap_update(mount: Path, files: dict[str, str], stamp: str) -> None:
    """Write files the way the kubelet updates a mounted ConfigMap (its atomic writer).

    Data goes into a new hidden timestamped folder, `..data` is swapped to it by a rename,
    and the visible names are symlinks through `..data`.
    """
    version = mount / f"..{stamp}"
    version.mkdir()
    for name, content in files.items():
        (version / name).write_text(content)
    (mount / "..data_tmp").symlink_to(version.name)
    (mount / "..data_tmp").rename(mount / "..data")
    for name in files:
        if not (mount / name).is_symlink():
            (mount / name).symlink_to(Path("..data") / name)


async def test_a_configmap_mount_loads_and_its_updates_go_live(tmp_path: Path) -> None:
    """Kubernetes mounts rules/ and directory/ from ConfigMaps: hidden folders, symlinks."""
    mounts = {folder: tmp_path / folder for folder in ("directory", "rules")}
    for folder, mount in mounts.items():
        mount.mkdir()
        shipped = {p.name: p.read_text() for p in (ROOT / folder).glob("*.yml")}
        configmap_update(mount, shipped, "2026_11_25_12_00_00.1")
    recorder = Recorder()
    holder = CatalogHolder(
        lambda: load_catalog(list(mounts.values())),
        on_error=recorder.on_error,
        on_reload=recorder.on_reload,
    )
    assert "Ängsskolan F-9" in school_names(holder)
    stop = asyncio.Event()
    watcher = asyncio.create_task(holder.watch(list(mounts.values()), stop, debounce_ms=100))
    await asyncio.sleep(0.3)
    try:
        edited = {p.name: p.read_text() for p in (ROOT / "directory").glob("*.yml")}
        edited["mora.yml"] = edited["mora.yml"].replace("Ängsskolan F-9", "Ängsskolan F-6", 1)
        configmap_update(mounts["directory"], edited, "2026_11_25_12_05_00.2")
        await wait_for(lambda: "Ängsskolan F-6" in school_names(holder))
        assert not recorder.errors
    finally:
        stop.set()
        await asyncio.wait_for(watcher, 5)
