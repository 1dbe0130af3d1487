"""Runs the `tests:` written next to each flow through the real engine, as a user would click.

A test lists the answers by option id. Information steps are continued automatically, and the
school step is skipped because the test's school (or the directory's first school) is known.
`contains` is checked against the outcome as shown, `not_contains` and `shows` against
everything shown on the way, so "never tell the guardians" really means never. Phrases are
templates too, so a test can say `{{ socialjour.phone }}` and stay true whatever the directory
holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core import clock, conversation, templates
from bot.core.actions import Action, Answer, PickMunicipality
from bot.core.flow_state import FlowContext
from bot.core.models import Directory, Reply
from bot.core.municipalities import sweden
from bot.core.places import place_key
from bot.core.render import as_text
from bot.core.rules import AGES_ADULT, CHILD_MAX_AGE, Flow, RuleTest, child_bands
from bot.core.schema import did_you_mean
from bot.core.sessions import Session
from bot.core.yamlio import Document
from bot.errors import Problem

if TYPE_CHECKING:
    from bot.core.matching import SchoolIndex

# Tests without `at:` run on an ordinary Wednesday morning (office hours in most municipalities),
# so they give the same result whenever they run.
DEFAULT_AT = datetime(2026, 3, 11, 10, 0)
ANY_OTHER = "another"  # any municipality in the directory other than the school's
NOT_LISTED = "not_listed"  # "the municipality is not in the list"
# one of Sweden's municipalities that the directory has no file for, as if typed: a test
# that named one could fail once some deployment configures it
UNCONFIGURED = "unconfigured"
MAX_TURNS = 200


class _Failed(Exception):
    pass


def _when(test: RuleTest) -> datetime:
    at = test.at or DEFAULT_AT
    return at.replace(tzinfo=clock.STOCKHOLM) if at.tzinfo is None else at


def _choice_for(
    reply: Reply, step_id: str, kind: str, answer: str, directory: Directory, school: str
) -> Action:
    offered = [c.action for c in reply.choices]
    if any(isinstance(a, PickMunicipality) for a in offered):  # "which municipality?"
        if answer == NOT_LISTED:
            return PickMunicipality(None)
        if answer == UNCONFIGURED:
            codes = {m.code for m in directory.municipalities.values()}
            unlisted = next((k for k in sweden() if k.code not in codes), None)
            if unlisted is None:
                raise _Failed("the directory has every municipality: none for 'unconfigured'")
            return PickMunicipality(place_key(unlisted))
        if answer == ANY_OTHER:
            own = directory.schools[school].municipality_id
            other = sorted(m for m in directory.municipalities if m != own)
            if not other:
                raise _Failed("the directory has no other municipality for 'another'")
            return PickMunicipality(other[0])
        if answer not in directory.municipalities:
            raise _Failed(
                f"'{answer}' is no municipality in the directory"
                + did_you_mean(answer, directory.municipalities)
            )
        return PickMunicipality(answer)
    if answer.isdigit() and kind == "ages":
        answer = _age_answer(int(answer), directory, school)
    choice = Answer(step_id, answer)
    if choice not in offered:
        options = [a.option for a in offered if isinstance(a, Answer)]
        raise _Failed(
            f"answer '{answer}' does not fit step '{step_id}' (its answers: {', '.join(options)})"
            + did_you_mean(answer, options)
        )
    return choice


def _age_answer(age: int, directory: Directory, school: str) -> str:
    """The answer for a child of `age` at an ages step: the school's municipality's group
    for that age (so a shipped test holds whatever the groups are called), or 18 or older."""
    if age > CHILD_MAX_AGE:
        return AGES_ADULT
    groups = directory.municipality_of(directory.schools[school]).age_groups
    group = next((g for g, low, high in child_bands(groups) if low <= age <= high), None)
    if group is None:
        raise _Failed(f"no age group of the school's municipality has {age}-year-olds")
    return group


def _phrase(phrase: str, turn: conversation.Turn, ctx: FlowContext) -> str:
    if "{" not in phrase or turn.position is None:
        return phrase
    try:
        return templates.render(phrase, conversation.template_context(turn.position, ctx))
    except templates.TemplateProblem as exc:
        raise _Failed(f"the phrase '{phrase}': {exc.message}") from None


def run_test(
    flow: Flow,
    test: RuleTest,
    directory: Directory,
    index: SchoolIndex,
    flows: Mapping[str, Flow],
) -> list[str]:
    """Why this test fails (empty when it passes). `flows`: all of them, for handovers."""
    school_key = test.school or min(directory.schools, default=None)  # else the first by key
    if school_key is None:
        return ["the directory has no school to run the test with"]
    if school_key not in directory.schools:
        return [
            f"school '{school_key}' is not in the directory"
            + did_you_mean(school_key, directory.schools)
        ]
    ctx = FlowContext(
        directory=directory,
        index=index,
        now=_when(test),
        locale="en" if test.locale == "en" else "sv",
        known_school=directory.schools[school_key],
        flows=flows,
    )
    failures: list[str] = []
    answers = list(test.answers)
    try:
        turn = conversation.start(flow, Session(), ctx)
        shown = [turn.reply]
        clicks = 0  # every action after the start: the school is known, so none is for it
        for _ in range(MAX_TURNS):
            if turn.reply.kind != "step":
                break
            step_id = turn.session.step or ""
            step = flow.step(step_id)
            if step is not None and step.kind == "info":
                choice: Action = Answer(step_id, "next")
            elif not answers:
                raise _Failed(
                    f"the answers run out at step '{step_id}'; expected outcome '{test.expect}'"
                )
            else:
                kind = step.kind if step else ""
                answer = answers.pop(0)
                choice = _choice_for(turn.reply, step_id, kind, answer, directory, school_key)
            turn = conversation.advance(flow, turn.session, ctx, choice=choice, text=None)
            shown.append(turn.reply)
            clicks += 1
        reply = turn.reply
        if reply.kind != "outcome":
            raise _Failed(f"the flow did not end in an outcome (it ended with a {reply.kind})")
        got = reply.outcome.outcome if reply.outcome else ""
        if got != test.expect:
            failures.append(f"ended in outcome '{got}', expected '{test.expect}'")
        if answers:
            failures.append(f"answers left over after the outcome: {', '.join(answers)}")
        if test.max_clicks is not None and clicks > test.max_clicks:
            failures.append(f"it took {clicks} clicks, more than max_clicks {test.max_clicks}")
        for r in shown:
            failures.extend(r.problems)
        outcome_text = as_text(reply).casefold()
        everything = "\n".join(as_text(r) for r in shown).casefold()
        for phrase in test.contains:
            filled = _phrase(phrase, turn, ctx)
            if filled.casefold() not in outcome_text:
                failures.append(f"the outcome does not say '{filled}'")
        for phrase in test.not_contains:
            filled = _phrase(phrase, turn, ctx)
            if filled.casefold() in everything:
                failures.append(f"the conversation says '{filled}', which it must not")
        for phrase in test.shows:
            filled = _phrase(phrase, turn, ctx)
            if filled.casefold() not in everything:
                failures.append(f"the conversation never says '{filled}'")
    except _Failed as exc:
        failures.append(str(exc))
    return failures


def run_tests(
    flows: Sequence[Flow],
    docs: Mapping[str, Document],
    directory: Directory,
    index: SchoolIndex,
) -> list[Problem]:
    """Every failing rule test as an error located at the test in its file."""
    problems: list[Problem] = []
    by_id = {f.id: f for f in flows}
    for flow in flows:
        doc = docs.get(flow.path)
        for test in flow.tests:
            for failure in run_test(flow, test, directory, index, by_id):
                message = f"flow '{flow.id}', test '{test.name}' fails — {failure}"
                if doc is not None:
                    problems.append(doc.problem(test.where, message))
                else:
                    problems.append(Problem(flow.path, 1, 1, "error", message))
    return problems
