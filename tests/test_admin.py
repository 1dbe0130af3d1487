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
    assert "status, reload, check eller requests" in as_text(await admin.handle(ADMIN, "hej", "sv"))


MORA_ADMIN = "U0MORAADM1"  # `admins:` of directory/mora.yml


def break_file(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


async def test_a_municipality_s_admin_sees_only_their_municipality_in_status(
    config: tuple[Admin, Path],
) -> None:
    admin, directory = config
    own = as_text(await admin.handle(MORA_ADMIN, "status", "sv"))
    assert admin.holder.current.version in own
    assert f"Mora kommun ({directory / 'mora.yml'}): 5 skolenheter" in own
    assert "Flens kommun" not in own and "16 kommuner" not in own
    assert "16 kommuner" in as_text(await admin.handle(ADMIN, "status", "sv"))


async def test_a_municipality_s_admin_checks_only_their_files(config: tuple[Admin, Path]) -> None:
    admin, directory = config
    break_file(directory / "mora.yml", "[anna-s, bertil-k]", "[ana-s, bertil-k]")
    break_file(directory / "flen.yml", "[stina-w, maja-b]", "[stina-v, maja-b]")
    own = as_text(await admin.handle(MORA_ADMIN, "check", "sv"))
    assert "Kontroll: 1 fel" in own and "ana-s" in own
    assert "flen.yml" not in own and "stina-v" not in own
    everything = as_text(await admin.handle(ADMIN, "check", "sv"))
    assert "Kontroll: 2 fel" in everything and "stina-v" in everything


async def test_a_municipality_s_admin_reloads_everything_and_is_told_so(
    config: tuple[Admin, Path],
) -> None:
    admin, directory = config
    break_file(directory / "flen.yml", "[stina-w, maja-b]", "[stina-v, maja-b]")
    shown = as_text(await admin.handle(MORA_ADMIN, "reload", "sv"))
    assert "gäller hela katalogen" in shown and "misslyckades" in shown
    assert "stina-v" not in shown  # another municipality's problem
    assert "1 i andra filer än din kommuns" in shown
    break_file(directory / "flen.yml", "[stina-v, maja-b]", "[stina-w, maja-b]")
    before = admin.holder.current.version
    break_file(directory / "mora.yml", "Anna Svensson", "Anna Sundberg")
    shown = as_text(await admin.handle(MORA_ADMIN, "reload", "sv"))
    assert admin.holder.current.version != before and "Ny version" in shown


async def test_a_member_of_a_municipality_s_admin_group_is_that_municipality_s_admin(
    config: tuple[Admin, Path],
) -> None:
    admin, directory = config
    break_file(
        directory / "flen.yml",
        "  region: sormland\n",
        "  region: sormland\n  admins: [S0FLENADM]\n",
    )
    await admin.holder.reload()
    asked: list[str] = []

    async def members_of(group: str) -> frozenset[str]:
        asked.append(group)
        return frozenset({"U0FLENMEMB"}) if group == "S0FLENADM" else frozenset()

    admin.members_of = members_of
    shown = as_text(await admin.handle("U0FLENMEMB", "status", "sv"))
    assert "Flens kommun" in shown and "Mora kommun" not in shown
    assert asked == ["S0FLENADM"]
    refused = as_text(await admin.handle("U0TEACHER1", "status", "sv"))
    assert "administratörerna" in refused and "Flens kommun" not in refused


async def test_a_municipality_s_admin_sees_a_failed_reload_in_status_only_for_their_file(
    config: tuple[Admin, Path],
) -> None:
    admin, directory = config
    break_file(directory / "flen.yml", "[stina-w, maja-b]", "[stina-v, maja-b]")
    await admin.holder.reload()
    assert "Senaste omladdningen misslyckades" not in as_text(
        await admin.handle(MORA_ADMIN, "status", "sv")
    )
    break_file(directory / "mora.yml", "[anna-s, bertil-k]", "[ana-s, bertil-k]")
    await admin.holder.reload()
    own = as_text(await admin.handle(MORA_ADMIN, "status", "sv"))
    assert "Senaste omladdningen misslyckades" in own and "ana-s" in own
    assert "stina-v" not in own
