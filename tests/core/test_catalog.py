"""Loading the catalog; reloads with a memo validate again only the files whose bytes changed
that day, and miss no change."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.core.catalog import ValidatedFiles, load_catalog
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 25)


@pytest.fixture
def config(tmp_path: Path) -> tuple[Path, Path]:
    shutil.copytree(ROOT / "directory", tmp_path / "directory")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    return tmp_path / "directory", tmp_path / "rules"


def test_an_edited_file_is_read_again_and_the_others_are_reused(config: tuple[Path, ...]) -> None:
    memo = ValidatedFiles()
    first = load_catalog(config, today=TODAY, memo=memo)
    mora = config[0] / "mora.yml"
    mora.write_text(mora.read_text().replace("Ängsskolan", "Ängaskolan"), encoding="utf-8")
    second = load_catalog(config, today=TODAY, memo=memo)

    names = {s.name for s in second.directory.municipalities["mora"].schools}
    assert any(n.startswith("Ängaskolan") for n in names)
    assert not any(n.startswith("Ängsskolan") for n in names)
    assert second.index.lookup("ängaskolan").result.status == "found"
    assert second.version != first.version
    # unchanged files gave the very same objects back: they were not parsed again
    assert second.directory.municipalities["lulea"] is first.directory.municipalities["lulea"]
    assert second.directory.municipalities["mora"] is not first.directory.municipalities["mora"]
    # and the result is what a load without a memo gives
    fresh = load_catalog(config, today=TODAY)
    assert fresh.version == second.version
    assert fresh.directory.municipalities == second.directory.municipalities


def test_a_broken_edit_is_reported_every_time_until_fixed(config: tuple[Path, ...]) -> None:
    memo = ValidatedFiles()
    load_catalog(config, today=TODAY, memo=memo)
    gnesta = config[0] / "gnesta.yml"
    good = gnesta.read_text()
    gnesta.write_text(good.replace('grades: "F-9"', 'grades: "F-99"', 1), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ConfigError) as caught:
            load_catalog(config, today=TODAY, memo=memo)
        assert any("gnesta.yml" in p.path and "grades" in p.message for p in caught.value.problems)
    gnesta.write_text(good, encoding="utf-8")
    assert "gnesta" in load_catalog(config, today=TODAY, memo=memo).directory.municipalities


def test_a_new_day_validates_again_for_date_warnings(config: tuple[Path, ...]) -> None:
    memo = ValidatedFiles()
    assert not load_catalog(config, today=TODAY, memo=memo).warnings
    a_year_later = load_catalog(config, today=date(2028, 1, 1), memo=memo)
    assert any("reviewed" in w.message for w in a_year_later.warnings)


def test_the_next_day_validates_every_file_again(config: tuple[Path, ...]) -> None:
    memo = ValidatedFiles()
    first = load_catalog(config, today=TODAY, memo=memo)
    again = load_catalog(config, today=TODAY, memo=memo)
    tomorrow = load_catalog(config, today=TODAY + timedelta(days=1), memo=memo)
    assert again.directory.municipalities["lulea"] is first.directory.municipalities["lulea"]
    assert tomorrow.directory.municipalities["lulea"] is not first.directory.municipalities["lulea"]
    assert tomorrow.directory == first.directory


def test_a_removed_file_is_gone_from_the_next_catalog(config: tuple[Path, ...]) -> None:
    memo = ValidatedFiles()
    assert "oxelosund" in load_catalog(config, today=TODAY, memo=memo).directory.municipalities
    (config[0] / "oxelosund.yml").unlink()
    assert "oxelosund" not in load_catalog(config, today=TODAY, memo=memo).directory.municipalities
