"""The parser of rules files: YAML blocks into the frozen model of bot.core.rules.

Parsing checks the shape of every block and reports every problem in one run; references
between ids (targets, duplicates, reachability) are checked afterwards by
`bot.core.rule_checks`, which needs all flows and the directory.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from bot.core.rules import (
    AGES_FACT,
    AGES_RE,
    CLOCK_FACT,
    CLOCK_VALUES,
    ID_RE,
    LOCALES,
    OUTCOME_KINDS,
    RESIDENCE_FACT,
    RESIDENCE_VALUES,
    STEP_KINDS,
    Condition,
    Flow,
    LocalText,
    Option,
    Outcome,
    RouteRule,
    RuleTest,
    Step,
    StepKind,
)
from bot.core.schema import Reader, did_you_mean
from bot.core.yamlio import Document, PathKey
from bot.errors import Problem

T = TypeVar("T")

# The keys of each block (required, then optional); the JSON Schema's keys are tested against them.
FLOW_KEYS = ("id", "title", "start", "steps", "outcomes")
FLOW_OPTIONAL = ("triggers", "tests", "description")
OPTION_KEYS = ("id", "goto")
OPTION_OPTIONAL = ("label", "sets")
ROUTE_KEYS = ("goto",)
ROUTE_OPTIONAL = ("when",)
OUTCOME_KEYS = ("id", "kind", "text")
OUTCOME_OPTIONAL = ("title", "then")
TEST_KEYS = ("name", "answers", "expect")
TEST_OPTIONAL = ("at", "school", "locale", "contains", "not_contains", "shows", "max_clicks")


def is_rules_document(data: Any) -> bool:
    """A rules file is a block whose keys include `flows`."""
    return isinstance(data, dict) and "flows" in data


class _Parser(Reader):
    def __init__(self, doc: Document) -> None:
        super().__init__(doc)
        self.prefix = ""  # "flow 'x', " while inside a flow

    def mapping(
        self,
        keys: PathKey,
        value: Any,
        required: Sequence[str],
        optional: Sequence[str],
        what: str,
    ) -> Mapping[str, Any] | None:
        """A block of keys, but a misspelt required key is reported once, as the misspelling."""
        before = len(self.problems)
        block = self.block(keys, value, what, required, optional)
        found = self.problems[before:]
        hinted = {m[1] for p in found if (m := re.search(r"did you mean '(.+)'\?$", p.message))}
        self.problems[before:] = [
            p for p in found if not any(p.message.endswith(f"is missing '{h}'") for h in hinted)
        ]
        return block

    def field(
        self,
        block: Mapping[str, Any],
        keys: PathKey,
        key: str,
        read: Callable[[PathKey, Any, str], T],
        what: str,
    ) -> T | None:
        """`read` the value under `key`; None when it is missing (reported as missing already)."""
        return read((*keys, key), block[key], what) if key in block else None

    def ident(self, keys: PathKey, value: Any, what: str) -> str | None:
        if not self.expect(keys, value, (str, int), what):
            return None
        text = str(value)
        if not ID_RE.match(text):
            self.error(
                keys,
                f"{what} '{text}' is not a valid id — use letters a–z, digits, '-' and '_' "
                "(no spaces, no å ä ö)",
            )
            return None
        return text

    def text(self, keys: PathKey, value: Any, what: str) -> LocalText | None:
        """Plain text (Swedish) or a block `sv:`/`en:`."""
        if isinstance(value, str):
            if not value.strip():
                self.error(keys, f"{what} is empty")
                return None
            self.warning(keys, f"{what} has no English text ('en'); Swedish will be shown")
            return LocalText(value.strip())
        block = self.block(keys, value, what, ["sv"], ["en"])
        if block is None:
            return None
        sv, en = block.get("sv"), block.get("en")
        if "sv" in block and not (isinstance(sv, str) and sv.strip()):
            self.error((*keys, "sv"), f"{what} must have Swedish text in 'sv'")
            return None
        if en is None:
            if "en" not in block:
                self.warning(keys, f"{what} has no English text ('en'); Swedish will be shown")
        elif not isinstance(en, str) or not en.strip():
            self.error((*keys, "en"), f"{what} must have English text in 'en' (or leave it out)")
            en = None
        if not isinstance(sv, str):
            return None
        return LocalText(sv.strip(), en.strip() if isinstance(en, str) else None)

    def words(self, keys: PathKey, value: Any, what: str) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not self.expect(keys, value, list, what):
            return ()
        out = []
        for i, item in enumerate(value):
            if isinstance(item, str) and item.strip():
                out.append(item.strip())
            else:
                self.error((*keys, i), f"{what} must be text")
        return tuple(out)

    # ------------------------------------------------------------------ top level

    def parse(self) -> list[Flow]:
        top = self.block((), self.doc.data, "the rules file", ["flows"])
        if top is None or not self.expect(("flows",), top.get("flows"), list, "'flows'"):
            return []
        flows = []
        for i, raw in enumerate(top["flows"]):
            flow = self.flow(("flows", i), raw)
            if flow is not None:
                flows.append(flow)
        return flows

    def flow(self, keys: PathKey, raw: Any) -> Flow | None:
        errors_before = self.errors()
        block = self.mapping(keys, raw, FLOW_KEYS, FLOW_OPTIONAL, "a flow")
        if block is None:
            return None
        flow_id = self.field(block, keys, "id", self.ident, "the flow id")
        where = f"flow '{flow_id}'" if flow_id else "the flow"
        self.prefix = f"{where}, "
        title = self.field(block, keys, "title", self.text, f"{where}: title")
        start = self.field(block, keys, "start", self.ident, f"{where}: start")
        if "description" in block:
            self.expect((*keys, "description"), block["description"], str, f"{where}: description")
        triggers = self.triggers((*keys, "triggers"), block.get("triggers", {}), where)
        steps = self.many((*keys, "steps"), block.get("steps", []), f"{where}: 'steps'", self.step)
        outcomes = self.many(
            (*keys, "outcomes"), block.get("outcomes", []), f"{where}: 'outcomes'", self.outcome
        )
        tests = self.many((*keys, "tests"), block.get("tests", []), f"{where}: 'tests'", self.test)
        self.prefix = ""
        if flow_id is None or title is None or start is None:
            return None
        return Flow(
            id=flow_id, title=title, start=start, steps=tuple(steps), outcomes=tuple(outcomes),
            triggers=triggers, tests=tuple(tests), path=self.doc.path, where=keys,
            complete=self.errors() == errors_before,
        )  # fmt: skip

    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)

    def many(self, keys: PathKey, raw: Any, what: str, parse: Any) -> list[Any]:
        if not self.expect(keys, raw, list, what):
            return []
        out = []
        for i, item in enumerate(raw):
            parsed = parse((*keys, i), item)
            if parsed is not None:
                out.append(parsed)
        return out

    def triggers(self, keys: PathKey, raw: Any, where: str) -> dict[str, tuple[str, ...]]:
        block = self.block(keys, raw, f"{where}: triggers", [], LOCALES)
        if block is None:
            return {}
        return {
            lang: self.words((*keys, lang), words, f"{where}: trigger word")
            for lang, words in block.items()
            if lang in LOCALES
        }

    # ------------------------------------------------------------------ steps

    def step(self, keys: PathKey, raw: Any) -> Step | None:
        if not self.expect(keys, raw, dict, "a step"):
            return None
        kinds = [k for k in STEP_KINDS if k in raw]
        step_id = self.field(raw, keys, "id", self.ident, f"{self.prefix}step id")
        where = f"{self.prefix}step '{step_id}'" if step_id else f"{self.prefix}a step"
        if not kinds:
            listed = ", ".join(STEP_KINDS)
            self.error(keys, f"{where} needs one of: {listed} (it says what kind of step it is)")
            self.block(keys, raw, where, ["id"], [*STEP_KINDS, "options", "next", "adult"])
            return None
        if len(kinds) > 1:
            self.error(
                (*keys, kinds[1]),
                f"{where} has both '{kinds[0]}' and '{kinds[1]}' — one step does one thing; "
                "split it in two",
                at_key=True,
            )
            return None
        kind: StepKind = kinds[0]  # type: ignore[assignment]
        required = {"question": ["options"], "route": [], "ages": ["next", "adult"]}.get(
            kind, ["next"]
        )
        block = self.mapping(keys, raw, ["id", kind, *required], (), where)
        if block is None or step_id is None:
            return None
        if kind == "route":
            routes = self.routes((*keys, "route"), block["route"], where)
            return Step(step_id, kind, routes=tuple(routes), where=keys)
        text = self.text((*keys, kind), block[kind], f"{where}: {kind}")
        nxt = self.field(block, keys, "next", self.ident, f"{where}: next")
        adult = self.field(block, keys, "adult", self.ident, f"{where}: adult")
        options: list[Option] = []
        if kind == "question" and "options" in block:
            options = self.many(
                (*keys, "options"), block["options"], f"{where}: options",
                lambda k, r: self.option(k, r, where),
            )  # fmt: skip
            if block["options"] == []:
                self.error((*keys, "options"), f"{where}: a question needs at least one option")
        if text is None:
            return None
        return Step(
            step_id, kind, text=text, options=tuple(options), next=nxt, adult=adult, where=keys
        )

    def option(self, keys: PathKey, raw: Any, where: str) -> Option | None:
        block = self.mapping(keys, raw, OPTION_KEYS, OPTION_OPTIONAL, f"{where}: an option")
        if block is None:
            return None
        option_id = self.field(block, keys, "id", self.ident, f"{where}: option id")
        here = f"{where}, option '{option_id}'" if option_id else f"{where}: an option"
        goto = self.field(block, keys, "goto", self.ident, f"{here}: goto")
        label = self.field(block, keys, "label", self.text, f"{here}: label")
        if "label" not in block:
            # located at the option; checks name it "without a Swedish label"
            self.error(keys, f"{here} has no label — write the button text in 'label: {{sv: …}}'")
        sets = self.sets((*keys, "sets"), block.get("sets", {}), here)
        if option_id is None or goto is None or label is None:
            return None
        return Option(option_id, label, goto, sets, where=keys)

    def sets(self, keys: PathKey, raw: Any, where: str) -> dict[str, str]:
        if not self.expect(keys, raw, dict, f"{where}: sets"):
            return {}
        out = {}
        for name, value in raw.items():
            fact = self.ident((*keys, name), name, f"{where}: fact name")
            if fact is None:
                continue
            if fact == CLOCK_FACT:
                self.error((*keys, name), f"{where}: 'clock' is set by the engine, not by options")
                continue
            if not isinstance(value, str | int) or isinstance(value, bool):
                self.error((*keys, name), f"{where}: the value of '{fact}' must be text")
                continue
            value = str(value)
            if fact == AGES_FACT and not _ages_ok(value):
                self.error(
                    (*keys, name),
                    f"{where}: 'ages' must be two ages like 13-17 (youngest first), not '{value}'",
                )
                continue
            out[fact] = value
        return out

    def routes(self, keys: PathKey, raw: Any, where: str) -> list[RouteRule]:
        if not self.expect(keys, raw, list, f"{where}: route"):
            return []
        out: list[RouteRule] = []
        for i, item in enumerate(raw):
            rkeys = (*keys, i)
            block = self.block(rkeys, item, f"{where}: a route", ROUTE_KEYS, ROUTE_OPTIONAL)
            if block is None:
                continue
            when = self.when((*rkeys, "when"), block.get("when", {}), where)
            goto = self.field(block, rkeys, "goto", self.ident, f"{where}: goto")
            if "when" not in block and i != len(raw) - 1:
                self.error(rkeys, f"{where}: a route without 'when' catches everything, so it "
                           "must come last")  # fmt: skip
            if goto is not None:
                out.append(RouteRule(when, goto, where=rkeys))
        if raw and isinstance(raw[-1], dict) and "when" in raw[-1]:
            self.error(
                keys,
                f"{where}: the last route must have no 'when' (it is where everything else goes), "
                "so no answer is left without a way on",
            )
        if not raw:
            self.error(keys, f"{where}: route needs at least one entry")
        return out

    def when(self, keys: PathKey, raw: Any, where: str) -> tuple[Condition, ...]:
        if not self.expect(keys, raw, dict, f"{where}: when"):
            return ()
        out = []
        for name, value in raw.items():
            fact = self.ident((*keys, name), name, f"{where}: fact name")
            values = self.words((*keys, name), value if not isinstance(value, int) else str(value),
                                f"{where}: value of '{name}'")  # fmt: skip
            if fact is None or not values:
                continue
            allowed = {CLOCK_FACT: CLOCK_VALUES, RESIDENCE_FACT: RESIDENCE_VALUES}.get(fact)
            for i, v in enumerate(values):
                if allowed and v not in allowed:
                    at = (*keys, name, i) if isinstance(value, list) else (*keys, name)
                    self.error(at, f"{where}: '{fact}' is one of {', '.join(allowed)}, not '{v}'"
                               + did_you_mean(v, allowed))  # fmt: skip
            out.append(Condition(fact, values))
        return tuple(out)

    # ------------------------------------------------------------------ outcomes, tests

    def outcome(self, keys: PathKey, raw: Any) -> Outcome | None:
        block = self.mapping(keys, raw, OUTCOME_KEYS, OUTCOME_OPTIONAL, "an outcome")
        if block is None:
            return None
        outcome_id = self.field(block, keys, "id", self.ident, "the outcome id")
        where = f"{self.prefix}outcome '{outcome_id}'" if outcome_id else "an outcome"
        kind = block.get("kind")
        if "kind" in block and kind not in OUTCOME_KINDS:
            self.error(
                (*keys, "kind"),
                f"{where}: kind '{kind}' is unknown (allowed: {', '.join(OUTCOME_KINDS)})"
                + did_you_mean(str(kind), OUTCOME_KINDS),
            )
            kind = None
        text = self.field(block, keys, "text", self.text, f"{where}: text")
        title = self.field(block, keys, "title", self.text, f"{where}: title")
        then = self.field(block, keys, "then", self.ident, f"{where}: then")
        if outcome_id is None or kind is None or text is None:
            return None
        return Outcome(outcome_id, kind, text, title, then, where=keys)

    def test(self, keys: PathKey, raw: Any) -> RuleTest | None:
        block = self.mapping(keys, raw, TEST_KEYS, TEST_OPTIONAL, f"{self.prefix}a rule test")
        if block is None:
            return None
        name = block.get("name")
        if not isinstance(name, str) or not name.strip():
            if "name" in block:
                self.error((*keys, "name"), "a rule test's name must be text")
            return None
        where = f"{self.prefix}test '{name}'"
        answers = self.words((*keys, "answers"), block.get("answers", []), f"{where}: an answer")
        expected = self.field(block, keys, "expect", self.ident, f"{where}: expect")
        at = self.when_at((*keys, "at"), block.get("at"), where)
        school = block.get("school")
        if not self.given((*keys, "school"), school, str, f"{where}: school"):
            school = None
        locale = block.get("locale", "sv")
        if locale not in LOCALES:
            self.error((*keys, "locale"), f"{where}: locale must be sv or en")
            locale = "sv"
        contains = self.words((*keys, "contains"), block.get("contains", []), f"{where}: contains")
        not_contains = self.words(
            (*keys, "not_contains"), block.get("not_contains", []), f"{where}: not_contains"
        )
        shows = self.words((*keys, "shows"), block.get("shows", []), f"{where}: shows")
        max_clicks = block.get("max_clicks")
        if max_clicks is not None and (
            not isinstance(max_clicks, int) or isinstance(max_clicks, bool) or max_clicks < 1
        ):
            self.error(
                (*keys, "max_clicks"), f"{where}: max_clicks must be a whole number, 1 or more"
            )
            max_clicks = None
        if expected is None:
            return None
        return RuleTest(
            name=name.strip(), answers=answers, expect=expected, at=at, school=school,
            locale=locale, contains=contains, not_contains=not_contains, shows=shows,
            max_clicks=max_clicks, where=keys,
        )  # fmt: skip

    def when_at(self, keys: PathKey, raw: Any, where: str) -> datetime | None:
        if raw is None:
            return None
        if isinstance(raw, datetime):
            return raw
        if isinstance(raw, str):
            try:
                return datetime.fromisoformat(raw.strip())
            except ValueError:
                pass
        what = "a date" if isinstance(raw, date) else f"'{raw}'"
        self.error(keys, f"{where}: at must be a date and time like 2026-01-20 10:00, not {what}")
        return None


def _ages_ok(value: str) -> bool:
    m = AGES_RE.match(value)
    return m is not None and int(m.group(1)) <= int(m.group(2))


def parse_rules(doc: Document) -> tuple[list[Flow], list[Problem]]:
    """The flows of one rules file and every shape problem in it (errors and warnings)."""
    parser = _Parser(doc)
    flows = parser.parse()
    return flows, parser.problems
