"""Administrator commands on a real catalog in a temporary copy of rules/ and directory/."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.admin import Admin
from bot.core.catalog import load_catalog
from bot.core.render import as_text
from bot.reload import CatalogHolder
from tests.helpers.shipped import ROOT

ADMIN = "U0ADMIN001"


@pytest.fixture
async def config(tmp_path: Path) -> AsyncIterator[tuple[Admin, Path]]:
    directory, rules = tmp_path / "directory", tmp_path / "rules"
    shutil.copytree(ROOT / "directory", directory)
    shutil.copytree(ROOT / "rules", rules)
    holder = CatalogHolder(lambda: load_catalog([directory, rules]))
    yield Admin(holder, users=[ADMIN], paths=[directory, rules]), directory


async def test_someone_not_listed_is_refused_politely(config: tuple[Admin, Path]) -> None:
    admin, _ = config
    reply = await admin.handle("U0TEACHER1", "reload", "sv")
    assert "administratörerna" in as_text(reply)


async def test_status_shows_version_and_counts(config: tuple[Admin, Path]) -> None:
    admin, _ = config
    shown = as_text(await admin.handle(ADMIN, "status", "sv"))
    version = admin.holder.current.version
    assert version in shown
    assert "16 kommuner" in shown and "3 checklistor" in shown


async def test_a_broken_edit_is_not_loaded_and_status_says_why(config: tuple[Admin, Path]) -> None:
    admin, directory = config
    before = admin.holder.current.version
    mora = directory / "mora.yml"
    mora.write_text(mora.read_text(encoding="utf-8").replace("[anna-s,", "[ana-s,", 1))
    reloaded = as_text(await admin.handle(ADMIN, "reload", "sv"))
    assert (
        "misslyckades" in reloaded
        and f"{mora}:" in reloaded
        and "did you mean 'anna-s'" in reloaded
    )
    assert admin.holder.current.version == before  # the last good version stays live
    status = as_text(await admin.handle(ADMIN, "status", "sv"))
    assert "Senaste omladdningen misslyckades" in status and "ana-s" in status


async def test_a_good_edit_goes_live_on_reload(config: tuple[Admin, Path]) -> None:
    admin, directory = config
    before = admin.holder.current.version
    mora = directory / "mora.yml"
    mora.write_text(mora.read_text(encoding="utf-8").replace("Anna Svensson", "Anna Sundberg"))
    shown = as_text(await admin.handle(ADMIN, "reload", "sv"))
    assert admin.holder.current.version != before and admin.holder.current.version in shown
    names = {p.name for p in admin.holder.current.directory.municipalities["mora"].people.values()}
    assert "Anna Sundberg" in names


async def test_check_counts_errors_and_lists_them(config: tuple[Admin, Path]) -> None:
    admin, directory = config
    (directory / "mora.yml").write_text("municipality: [\n", encoding="utf-8")
    shown = as_text(await admin.handle(ADMIN, "check", "sv"))
    assert "1 fel" in shown and "mora.yml:2:1: error: not valid YAML" in shown


async def test_an_unknown_verb_explains_the_usage(config: tuple[Admin, Path]) -> None:
    admin, _ = config
    assert "status, reload eller check" in as_text(await admin.handle(ADMIN, "hej", "sv"))
