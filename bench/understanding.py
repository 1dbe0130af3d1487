"""How well a question is understood: one-typo names inside many wordings, and questions
that name no school, over all 1,714 real names.

Run from the repository root:
    .venv/bin/python -m bench.understanding [--seed 0]
Prints Markdown tables (paste them into bench/README.md). The held-out wordings
(tests/helpers/perturb.py) were written before the lookup and never used to tune it.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

from bot.core.matching import SchoolIndex
from tests.helpers.perturb import (
    DEV_NO_SCHOOL,
    DEV_WORDINGS,
    HELD_OUT_NO_SCHOOL,
    HELD_OUT_WORDINGS,
    Question,
    correct,
    question_cases,
)
from tests.helpers.skolverket import skolverket_directory


def rates(
    index: SchoolIndex, questions: list[Question]
) -> tuple[dict[str, list[bool]], dict[str, list[bool]], list[str]]:
    """Right answers per family, per typo kind and in all, of the questions and of their names
    typed alone (what the question's wording costs); some wrongly answered questions."""
    right: dict[str, list[bool]] = defaultdict(list)
    bare: dict[str, list[bool]] = defaultdict(list)
    wrong: list[str] = []
    for q in questions:
        r = index.lookup(q.case.text).result
        ok = correct(q.case, r.status, r.school, r.candidates)
        b = index.lookup(q.bare).result
        for key in ("all", f"family {q.family}", f"typo {q.typo}"):
            right[key].append(ok)
            bare[key].append(correct(q.case, b.status, b.school, b.candidates))
        if not ok:
            wrong.append(f"{q.case.text!r} → {r.status} {r.school.name if r.school else ''}")
    return right, bare, wrong


def no_school(index: SchoolIndex, texts: tuple[str, ...]) -> tuple[int, int, list[str]]:
    """How many texts found a school, and how many left school words (the service then says
    'no such school' instead of asking which school)."""
    found = [t for t in texts if index.lookup(t).result.status != "not_found"]
    worded = [t for t in texts if index.lookup(t).query.school_text]
    return len(found), len(worded), found + worded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, default=0, help="print this many wrong answers")
    args = parser.parse_args()
    directory = skolverket_directory()
    index = SchoolIndex(directory)
    print("| set | kind | queries | right | the name alone right |")
    print("|---|---|---:|---:|---:|")
    for label, wordings in (("dev", DEV_WORDINGS), ("held-out", HELD_OUT_WORDINGS)):
        right, bare, wrong = rates(index, question_cases(directory, wordings, args.seed))
        for key in sorted(right, key=lambda k: (k != "all", k)):
            v, b = right[key], bare[key]
            print(
                f"| {label} | {key} | {len(v):,} | {sum(v) / len(v):.2%} | {sum(b) / len(b):.2%} |"
            )
        for w in wrong[: args.show]:
            print("   wrong:", w)
    print()
    print("| set | texts naming no school | found a school | left school words |")
    print("|---|---:|---:|---:|")
    for label, texts in (("dev", DEV_NO_SCHOOL), ("held-out", HELD_OUT_NO_SCHOOL)):
        found, worded, shown = no_school(index, texts)
        print(f"| {label} | {len(texts)} | {found} | {worded} |")
        for t in shown[: args.show]:
            print("   wrong:", t)


if __name__ == "__main__":
    main()
