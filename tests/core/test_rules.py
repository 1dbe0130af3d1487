"""Reading rule files: the model, and one broken file per defect with its exact message."""
# ruff: noqa: E501

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from bot.core import rules_parser as parser
from bot.core.catalog import check
from bot.core.rules import ID_RE, LOCALES, OUTCOME_KINDS, STEP_KINDS, Flow
from bot.core.rules_parser import is_rules_document, parse_rules
from bot.core.yamlio import parse_document
from tests.helpers.rules_fixtures import BROKEN, ROOT, file_problems, parse_text, shipped_flows
from tests.helpers.shipped import copy_sormland

# file -> (line:col, severity, message); each file is tests/fixtures/rules/valid.yml with one defect
SHAPE_DEFECTS = {
    "ages_without_adult": ("21:9", "error", "flow 'mini', step 'alder' is missing 'adult'"),
    "bad_max_clicks": ("40:21", "error", "flow 'mini', test 'akut': max_clicks must be a whole number, 1 or more"),
    "bad_ages": ("18:26", "error", "flow 'mini', step 'akut', option 'nej': 'ages' must be two ages like 13-17 (youngest first), not '17-13'"),
    "bad_clock": ("22:27", "error", "flow 'mini', step 'vidare': 'clock' is one of office_hours, after_hours, not 'kväll'"),
    "bad_id": ("25:13", "error", "flow 'mini', step id 'mer info' is not a valid id — use letters a–z, digits, '-' and '_' (no spaces, no å ä ö)"),
    "bad_outcome_kind": ("30:15", "error", "flow 'mini', outcome 'ring': kind 'acut' is unknown (allowed: acute, protect, report, consult, adult, info) — did you mean 'acute'?"),
    "missing_english": ("34:15", "warning", "flow 'mini', outcome 'klart': text has no English text ('en'); Swedish will be shown"),
    "missing_swedish_label": ("14:20", "error", "flow 'mini', step 'akut', option 'ja': label is missing 'sv'"),
    "no_label": ("13:13", "error", "flow 'mini', step 'akut', option 'ja' has no label — write the button text in 'label: {sv: …}'"),
    "not_yaml": ("10:1", "error", "not valid YAML: while scanning for the next token: found character '\\t' that cannot start any token"),
    "route_without_otherwise": ("22:11", "error", "flow 'mini', step 'vidare': the last route must have no 'when' (it is where everything else goes), so no answer is left without a way on"),
    "two_kinds": ("26:9", "error", "flow 'mini', step 'info' has both 'question' and 'info' — one step does one thing; split it in two"),
    "unknown_key": ("12:9", "error", "flow 'mini', step 'akut' has an unknown key 'optoins' (allowed: id, question, options) — did you mean 'options'?"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(SHAPE_DEFECTS))
def test_each_broken_file_gives_exactly_its_message(name: str) -> None:
    where, severity, message = SHAPE_DEFECTS[name]
    path = BROKEN / f"{name}.yml"
    assert file_problems(path) == [f"{path}:{where}: {severity}: {message}"]


def test_the_valid_fixture_has_no_problem() -> None:
    assert file_problems(ROOT / "tests" / "fixtures" / "rules" / "valid.yml") == []


def test_every_broken_fixture_is_asserted_somewhere() -> None:
    from tests.core.test_rule_checks import CROSS_DEFECTS

    assert {p.stem for p in BROKEN.glob("*.yml")} == set(SHAPE_DEFECTS) | set(CROSS_DEFECTS)


def test_a_valid_file_becomes_a_frozen_flow() -> None:
    flows, problems = parse_text((ROOT / "tests" / "fixtures" / "rules" / "valid.yml").read_text())
    assert problems == []
    (flow,) = flows
    assert isinstance(flow, Flow)
    assert flow.id == "mini" and flow.start == "skola"
    assert [s.kind for s in flow.steps] == ["school", "question", "route", "info"]
    akut = flow.step("akut")
    assert akut is not None and akut.option("nej") is not None
    assert akut.option("nej").sets == {"category": "other"}  # type: ignore[union-attr]
    assert flow.all_triggers() == ("mini", "mini")
    assert flow.outcome("ring") is not None and flow.outcome("ring").kind == "acute"  # type: ignore[union-attr]
    assert flow.tests[0].answers == ("ja",) and flow.tests[0].expect == "ring"
    with pytest.raises(AttributeError):
        flow.id = "other"  # type: ignore[misc]


def test_every_problem_in_one_run() -> None:
    text = """
flows:
  - id: x
    title: Titel
    start: a
    steps:
      - id: a
        question: {sv: "Fråga?"}
        options:
          - {id: ja, goto: b, label: {sv: Ja}, colour: red}
      - {id: b, inf: {sv: Hej}}
    outcomes:
      - {id: b2, kind: akut, text: {sv: Slut}}
"""
    _, problems = parse_text(text, "r.yml")
    errors = [str(p) for p in problems if p.severity == "error"]
    assert errors == [
        "r.yml:10:48: error: flow 'x', step 'a': an option has an unknown key 'colour' (allowed: id, goto, label, sets)",
        "r.yml:11:9: error: flow 'x', step 'b' needs one of: question, ages, info, route, school, residence (it says what kind of step it is)",
        "r.yml:11:17: error: flow 'x', step 'b' has an unknown key 'inf' (allowed: id, question, ages, info, route, school, residence, options, next, adult) — did you mean 'info'?",
        "r.yml:13:24: error: flow 'x', outcome 'b2': kind 'akut' is unknown (allowed: acute, protect, report, consult, adult, info) — did you mean 'acute'?",
    ]  # fmt: skip
    warnings = [p for p in problems if p.severity == "warning"]
    assert len(warnings) == 4  # title, question, label and outcome text lack English


def test_a_test_time_is_read_as_local_time() -> None:
    text = (ROOT / "tests" / "fixtures" / "rules" / "valid.yml").read_text()
    text = text.replace("expect: ring\n", "expect: ring\n        at: 2026-12-24 18:30\n")
    flows, problems = parse_text(text)
    assert problems == []
    assert flows[0].tests[0].at == datetime(2026, 12, 24, 18, 30)
    _, problems = parse_text(text.replace("2026-12-24 18:30", "julafton"))
    assert [p.message for p in problems] == [
        "flow 'mini', test 'akut': at must be a date and time like 2026-01-20 10:00, not 'julafton'"
    ]


def test_what_counts_as_a_rules_file() -> None:
    assert is_rules_document({"flows": []})
    assert not is_rules_document({"municipality": {}})
    assert not is_rules_document(["flows"])
    assert parse_rules(parse_document("flows: []\n", "empty.yml")) == ([], [])


def test_the_shipped_pack_reads_without_errors_or_warnings() -> None:
    from bot.core.yamlio import load_document

    for path in sorted((ROOT / "rules").glob("*.yml")):
        assert path.read_text().startswith(
            "# yaml-language-server: $schema=../schemas/rules.schema.json\n"
        )
        _, problems = parse_rules(load_document(path))
        assert problems == []
    assert set(shipped_flows()) == {"orosanmalan", "konsultation", "tidigt-stod"}


def rules_json_schema() -> dict[str, Any]:
    """The schema as shipped in the package, where `referral-bot schema` copies it from."""
    text = files("bot").joinpath("schemas", "rules.schema.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def test_the_repository_copy_of_the_json_schema_is_the_packaged_one() -> None:
    packaged = files("bot").joinpath("schemas", "rules.schema.json").read_bytes()
    assert (ROOT / "schemas" / "rules.schema.json").read_bytes() == packaged


def test_the_json_schema_follows_the_parser() -> None:
    """The schema is data, written by hand: its keys, ids and choices are the parser's own."""
    schema = rules_json_schema()
    defs = schema["$defs"]
    flow = defs["flow"]["properties"]
    steps = defs["step"]["oneOf"]
    option = steps[0]["properties"]["options"]["items"]["properties"]
    route = steps[-1]["properties"]["route"]["items"]["properties"]
    assert list(schema["properties"]) == ["flows"]
    assert set(flow) == {*parser.FLOW_KEYS, *parser.FLOW_OPTIONAL}
    assert set(flow["triggers"]["properties"]) == set(LOCALES)
    assert set(option) == {*parser.OPTION_KEYS, *parser.OPTION_OPTIONAL}
    assert set(route) == {*parser.ROUTE_KEYS, *parser.ROUTE_OPTIONAL}
    assert set(defs["outcome"]["properties"]) == {*parser.OUTCOME_KEYS, *parser.OUTCOME_OPTIONAL}
    assert set(defs["test"]["properties"]) == {*parser.TEST_KEYS, *parser.TEST_OPTIONAL}
    assert defs["outcome"]["properties"]["kind"]["enum"] == list(OUTCOME_KINDS)
    assert defs["test"]["properties"]["locale"]["enum"] == list(LOCALES)
    kinds = [next(k for k in STEP_KINDS if k in s["required"]) for s in steps]
    assert sorted(kinds) == sorted(STEP_KINDS)
    for step, kind in zip(steps, kinds, strict=True):
        more = {"question": {"options"}, "route": set(), "ages": {"next", "adult"}}.get(
            kind, {"next"}
        )
        assert set(step["properties"]) == {"id", kind, *more}
    ids = [
        flow["id"],
        flow["start"],
        steps[0]["properties"]["id"],
        option["id"],
        option["goto"],
        route["goto"],
        defs["outcome"]["properties"]["id"],
        defs["test"]["properties"]["expect"],
    ]
    assert all(i["pattern"] == ID_RE.pattern for i in ids)


def test_the_json_schema_describes_the_format() -> None:
    schema = rules_json_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    flow = schema["$defs"]["flow"]
    assert set(flow["required"]) == {"id", "title", "start", "steps", "outcomes"}
    kinds = schema["$defs"]["outcome"]["properties"]["kind"]["enum"]
    assert kinds == ["acute", "protect", "report", "consult", "adult", "info"]


def test_the_shipped_files_match_the_json_schema_editors_use() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from bot.core.yamlio import load_document

    validator = jsonschema.Draft202012Validator(rules_json_schema())
    for path in sorted((ROOT / "rules").glob("*.yml")):
        data = load_document(path).data
        assert list(validator.iter_errors(data)) == [], path
    valid = parse_document((ROOT / "tests" / "fixtures" / "rules" / "valid.yml").read_text(), "v")
    assert list(validator.iter_errors(valid.data)) == []
    broken = parse_document((BROKEN / "unknown_key.yml").read_text(), "b")
    assert list(validator.iter_errors(broken.data))


def test_the_shipped_rule_tests_hold_in_a_municipality_with_other_age_groups(
    tmp_path: Path,
) -> None:
    """The rule tests run against the live directory at every reload: they must not depend on
    what the example municipalities call their age groups, or a real directory could never
    go live with the shipped rules."""
    gnesta = (ROOT / "directory" / "gnesta.yml").read_text(encoding="utf-8")
    for old, new in [
        (
            '{id: barn, label: "Barn 0–12 år", ages: "0-12"}',
            '{id: yngre, label: "Yngre", ages: "0-12"}',
        ),
        (
            '{id: unga, label: "Unga 13–20 år", ages: "13-20"}',
            '{id: aldre, label: "Äldre", ages: "13-21"}',
        ),
        ("barn: [", "yngre: ["),
        ("unga: [", "aldre: ["),
    ]:
        assert old in gnesta
        gnesta = gnesta.replace(old, new)
    (tmp_path / "gnesta.yml").write_text(gnesta, encoding="utf-8")
    shutil.copy(ROOT / "directory" / "mora.yml", tmp_path)  # "another" municipality
    copy_sormland(tmp_path, leave_out="gnesta")  # Gnesta's region, and its other municipalities
    assert check([tmp_path, ROOT / "rules"], today=date(2026, 11, 25)) == []
