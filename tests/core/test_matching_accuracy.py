"""All 1,714 real school names, each perturbed several ways, must resolve to the right school.

Run with `pytest -s` to see the accuracy per kind of perturbation.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bot.core.matching import SchoolIndex
from bot.core.models import Directory
from bot.core.name_keys import name_keys
from tests.helpers.perturb import (
    DEV_NO_SCHOOL,
    DEV_WORDINGS,
    HELD_OUT_NO_SCHOOL,
    HELD_OUT_WORDINGS,
    PERTURBATIONS,
    Case,
    cases,
    correct,
    named_municipality_cases,
    question_cases,
)
from tests.helpers.skolverket import skolverket_directory

REQUIRED = 0.97
QUESTIONS_REQUIRED = 0.99  # the goal; measured 99.1% here (dev and held-out), as in bench/README.md


@pytest.fixture(scope="module")
def directory() -> Directory:
    return skolverket_directory()


@pytest.fixture(scope="module")
def index(directory: Directory) -> SchoolIndex:
    return SchoolIndex(directory)


def score(index: SchoolIndex, queries: list[Case]) -> tuple[float, Counter[str], list[Case]]:
    """Share of right answers, wrong answers per kind, and the cases answered wrongly."""
    wrong: list[Case] = []
    for case in queries:
        r = index.lookup(case.text).result
        if not correct(case, r.status, r.school, r.candidates):
            wrong.append(case)
    return 1 - len(wrong) / len(queries), Counter(c.kind for c in wrong), wrong


def test_every_real_name_perturbed_resolves(directory: Directory, index: SchoolIndex) -> None:
    queries = cases(directory, seed=0)
    assert len({c.school.key for c in queries}) == 1714
    assert {c.kind for c in queries} == set(PERTURBATIONS)
    accuracy, wrong_by_kind, wrong = score(index, queries)
    totals = Counter(c.kind for c in queries)
    print(f"\nlookup accuracy over {len(queries):,} perturbed queries: {accuracy:.2%}")
    for kind, total in totals.items():
        print(f"  {kind:<14} {1 - wrong_by_kind[kind] / total:7.2%}  ({total:,} queries)")
    examples = ", ".join(repr(c.text) for c in wrong[:5])
    assert accuracy >= REQUIRED, f"accuracy {accuracy:.2%}; wrong e.g. {examples}"


def test_shared_names_are_ambiguous_without_a_municipality(
    directory: Directory, index: SchoolIndex
) -> None:
    names = Counter(s.name for s in directory.schools.values())
    shared = sorted({n for n, count in names.items() if count > 1})
    assert len(shared) == 26
    for name in shared:
        result = index.lookup(f"vem är soc-kontakten för {name}?").result
        assert result.status == "ambiguous", name
        assert {s.key for s in directory.schools.values() if s.name == name} <= {
            s.key for s in result.candidates
        }


def test_shared_names_are_found_with_the_municipality(
    directory: Directory, index: SchoolIndex
) -> None:
    queries = named_municipality_cases(directory)
    assert len(queries) >= 26 * 2
    accuracy, _, wrong = score(index, queries)
    print(f"\nshared names asked with their municipality: {accuracy:.2%} of {len(queries)}")
    assert not wrong, [c.text for c in wrong]


@pytest.mark.parametrize("wordings", [DEV_WORDINGS, HELD_OUT_WORDINGS], ids=["dev", "held-out"])
def test_a_name_with_a_typo_is_found_inside_any_question(
    directory: Directory, index: SchoolIndex, wordings: dict[str, tuple[str, ...]]
) -> None:
    """Every real name once, with one typo, in a wording family that turns with the school."""
    every = question_cases(directory, wordings)
    families = len(wordings)
    picked = [q.case for i, q in enumerate(every) if i % families == (i // families) % families]
    assert len(picked) == 1714
    accuracy, _, wrong = score(index, picked)
    print(f"\none-typo names in questions: {accuracy:.2%} of {len(picked)}")
    examples = ", ".join(repr(c.text) for c in wrong[:5])
    assert accuracy >= QUESTIONS_REQUIRED, f"accuracy {accuracy:.2%}; wrong e.g. {examples}"


@pytest.mark.parametrize("text", DEV_NO_SCHOOL + HELD_OUT_NO_SCHOOL)
def test_a_question_naming_no_school_finds_none(index: SchoolIndex, text: str) -> None:
    lookup = index.lookup(text)
    assert (lookup.query.school_text, lookup.result.status) == ("", "not_found")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        # a slip away from two names: the grade range typed decides (not Väskolan H)
        ("vem är kontakten för vasakolan 7-9?", "Vasaskolan 7-9"),
        # a slip in the first letters changes the rare trigrams, not the letters
        ("Mentor på hgaaskolan här. Vem ska jag vända mig till?", "Hagaskolan"),
        # in a long name a slip moves the ratio little: one slip from Länna, two from Lund
        (
            "Tja! Kurator på Internationella Engelska Skolan Läna.",
            "Internationella Engelska Skolan Länna",
        ),
        # a short word with a slip before an exact name is still the longer name's start
        ("vi på nyr läroverket undrar vem som är vår kontakt", "Nya Läroverket"),
        # the longer name's school word is not where the shorter one's stem ends
        (
            "Tellusskolan Thea Broomma 12 år: till vem skickar jag en orosanmälan?",
            "Tellusskolan Thea Bromma",
        ),
    ],
)
def test_a_typo_that_leaves_one_name_nearest_finds_it(
    index: SchoolIndex, typed: str, meant: str
) -> None:
    result = index.lookup(typed).result
    named = [result.school] if result.school else list(result.candidates)
    # the one school, or every school of that name ("Hagaskolan 1", "Hagaskolan F-9", …)
    assert result.status != "not_found"
    assert {name_keys(s.name).core for s in named} == {name_keys(meant).core}
