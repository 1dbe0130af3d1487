"""`referral-bot explain`: each value shown for a school with the file and line it comes from."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[1]


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of `path` that starts with `text` (stripped)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.strip().startswith(text))


def explained(capsys: pytest.CaptureFixture[str], school: str) -> list[str]:
    code = main(["explain", school, "--directory", "directory", "--rules", "rules"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    return out


@pytest.fixture(autouse=True)
def in_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_an_inherited_socialjour_points_at_the_region_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = explained(capsys, "Ramdalsskolan")
    after = line_of(ROOT / "directory" / "sormland.yml", "after_hours:")
    reception = line_of(ROOT / "directory" / "oxelosund.yml", "reception:")
    assert out[0].startswith("Ramdalsskolan (oxelosund/ramdalsskolan), Oxelösunds kommun — ")
    assert (
        f"socialjour (after_hours): Socialjouren Sörmland, 0000-40 00 00 — "
        f"directory/sormland.yml:{after} (from the region)"
    ) in out
    assert (
        f"reception: Barn- och ungdomsenhetens mottagning, 0000-26 00 00 — "
        f"directory/oxelosund.yml:{reception}"
    ) in out
    # the contacts by age group, each person with the line that defines them
    unga = out.index(
        f"contacts for Unga 13–20 år (unga) — directory/oxelosund.yml:"
        f"{line_of(ROOT / 'directory' / 'oxelosund.yml', 'unga: [anders-a, emma-h]')}"
    )
    person = line_of(ROOT / "directory" / "oxelosund.yml", "anders-a:")
    assert out[unga + 1] == (
        "  1. Anders Åberg, Socialsekreterare, 0000-26 14 62, anders.a@oxelosund.example.se"
        f" — directory/oxelosund.yml:{person}"
    )


def test_an_own_socialjour_says_it_overrides_the_region(capsys: pytest.CaptureFixture[str]) -> None:
    out = explained(capsys, "gnesta/frejaskolan-f-9")
    own = line_of(ROOT / "directory" / "gnesta.yml", "after_hours:")
    assert (
        f"socialjour (after_hours): Socialjouren (nås via 112), 112 — directory/gnesta.yml:{own}"
        " (its own, instead of the region's Socialjouren Sörmland, 0000-40 00 00)"
    ) in out


def test_a_school_that_is_not_there_is_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "Hogwarts", "--directory", "directory", "--rules", "rules"]) == 1
    assert "no school found for 'Hogwarts'" in capsys.readouterr().err
