"""Checks across a rules file and the directory: ids, targets, reachability, templates, tests."""
# ruff: noqa: E501

from __future__ import annotations

import pytest

from bot.core import catalog
from bot.core.actions import Answer
from bot.core.flow_state import FlowContext
from bot.core.rule_checks import cross_check
from bot.core.rules_parser import parse_rules
from tests.helpers.rules_fixtures import BROKEN, DIRECTORY, RULES, TODAY, file_problems, parse_text

# file -> (line:col, message); each file is tests/fixtures/rules/valid.yml with one defect
CROSS_DEFECTS = {
    "clock_loop": ("7:13", "flow 'mini': from 'skola', 'akut', 'vidare' no path leads to an outcome after hours (the answers only loop back) — let at least one answer end in an outcome"),
    "duplicate_option": ("16:17", "flow 'mini', step 'akut': option id 'ja' is used twice in this step"),
    "duplicate_step": ("28:13", "flow 'mini': id 'info' is used twice (first on line 25); steps and outcomes need different ids"),
    "loop": ("7:13", "flow 'mini': from 'skola', 'akut', 'vidare', 'info' no path leads to an outcome (the answers only loop back) — let at least one answer end in an outcome"),
    "no_school_step": ("5:12", "flow 'mini': outcomes 'ring', 'klart' can be reached without a school step, so the bot cannot show the school's contacts and socialjour — start the flow with a school step"),
    "route_loop": ("20:13", "flow 'mini': step 'vidare' leads back to itself without asking anything, so the conversation would never move on"),
    "shared_trigger": ("41:21", "flow 'mini2': trigger word 'Mini' also starts flow 'mini' — a word can start only one flow"),
    "template_syntax": ("26:20", "flow 'mini': the template cannot be read: unexpected '}'"),
    "test_fails": ("36:9", "flow 'mini', test 'akut' fails — ended in outcome 'ring', expected 'klart'"),
    "test_unknown_option": ("37:19", "flow 'mini', test 'akut': 'jaa' is no option in this flow — did you mean 'ja'?"),
    "test_unknown_outcome": ("38:17", "flow 'mini', test 'akut': 'rnig' is no outcome in this flow — did you mean 'ring'?"),
    "test_too_many_clicks": ("37:9", "flow 'mini', test 'akut' fails — it took 2 clicks, more than max_clicks 1"),
    "unknown_fact_in_text": ("27:20", "flow 'mini': no answer sets the fact 'kategori' that the text reads as facts.kategori — did you mean 'category'?"),
    "unknown_fact": ("22:20", "flow 'mini', step 'vidare': no option sets the fact 'kategori' — did you mean 'category'?"),
    "then_itself": ("35:15", "flow 'mini', outcome 'klart': then 'mini' is this flow itself — hand over to another flow"),
    "unknown_resource_field": ("26:20", "flow 'mini': 'r' (one of resources.npf) has no field 'nme' — did you mean 'name'? (fields: name, phone, email, url, about, ages)"),
    "unknown_resource_kind": ("26:20", "flow 'mini': 'resources' has no field 'npff' — did you mean 'npf'? (fields: elevhalsa, familjecentral, ungdomsmottagning, bup, barnahus, npf, konsultationsteam, samverkansteam)"),
    "unknown_field": ("26:20", "flow 'mini': 'reception' has no field 'telefon' (fields: name, phone, email, e_service)"),
    "unknown_start": ("5:12", "flow 'mini': start 'skolan' is no step in this flow — did you mean 'skola'?"),
    "unknown_target": ("19:19", "flow 'mini', step 'akut': 'vidre' is no step or outcome in this flow — did you mean 'vidare'?"),
    "unknown_variable": ("26:20", "flow 'mini': unknown template variable 'recepton' — did you mean 'reception'? (known: school, municipality, contacts, reception, e_service, socialjour, after_hours, route, office_hours, residence, resources, facts, now)"),
    "unreachable_step": ("25:13", "flow 'mini': step 'info' cannot be reached from the start 'skola'; link to it or remove it"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CROSS_DEFECTS))
def test_each_broken_file_gives_exactly_its_message(name: str) -> None:
    where, message = CROSS_DEFECTS[name]
    path = BROKEN / f"{name}.yml"
    assert file_problems(path) == [f"{path}:{where}: error: {message}"]


def test_the_shipped_rules_and_directory_pass_check_with_every_rule_test() -> None:
    """The same as `referral-bot check rules/ directory/`."""
    assert catalog.check([RULES, DIRECTORY], today=TODAY) == []


def test_a_failing_hard_rule_in_the_shipped_pack_is_caught(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    text = (RULES / "orosanmalan.yml").read_text(encoding="utf-8")
    # an administrator sends violence to the guardians step: the pinned tests must fail
    broken = text.replace(
        "when: {category: [violence, sexual_abuse, honour]}", "when: {category: [sexual_abuse]}"
    )
    assert broken != text
    (tmp_path / "orosanmalan.yml").write_text(broken, encoding="utf-8")
    problems = catalog.check([tmp_path, DIRECTORY], today=TODAY)
    failed = {p.message.split("test '")[1].split("' fails")[0] for p in problems}
    assert failed == {
        "våld – kontakta inte familjen, med 3 klick",
        "heder – kontakta inte familjen, kompetensteamet",
        "honour in English never says tell the guardians",
        "skydd har med allt som anmälan har",
    }
    assert all(p.severity == "error" and p.path.endswith("orosanmalan.yml") for p in problems)


def test_shared_trigger_words_across_files() -> None:
    a, _ = parse_text((BROKEN.parent / "valid.yml").read_text(), "a.yml")
    b, _ = parse_text(
        (BROKEN.parent / "valid.yml").read_text().replace("id: mini\n", "id: other\n"), "b.yml"
    )
    from tests.helpers.rules_fixtures import tiny_directory

    problems = [p.message for p in cross_check(a + b, {}, tiny_directory())]
    assert (
        "flow 'other': trigger word 'mini' also starts flow 'mini' — a word can start only one flow"
        in problems
    )


def test_a_flow_id_used_in_two_files() -> None:
    from tests.helpers.rules_fixtures import tiny_directory

    a, _ = parse_text((BROKEN.parent / "valid.yml").read_text(), "a.yml")
    b, _ = parse_text((BROKEN.parent / "valid.yml").read_text(), "b.yml")
    problems = [str(p) for p in cross_check(a + b, {}, tiny_directory())]
    assert "b.yml:1:1: error: flow id 'mini' is used twice (first in a.yml, line 1)" in problems


def test_an_outcome_handing_over_to_a_flow_that_does_not_exist_is_located_with_a_suggestion() -> (
    None
):
    from bot.core.yamlio import parse_document
    from tests.helpers.rules_fixtures import tiny_directory

    valid = (BROKEN.parent / "valid.yml").read_text()
    handing = valid.replace(
        "text: {sv: Klart., en: Done.}\n", "text: {sv: Klart., en: Done.}\n        then: othr\n"
    )
    other = valid.replace("id: mini\n", "id: other\n").replace("[mini]", "[other]")
    docs = {
        path: parse_document(text, path) for path, text in (("a.yml", handing), ("b.yml", other))
    }
    flows = [f for doc in docs.values() for f in parse_rules(doc)[0]]
    assert [str(p) for p in cross_check(flows, docs, tiny_directory())] == [
        "a.yml:36:15: error: flow 'mini', outcome 'klart': then 'othr' is no other flow — did you mean 'other'? (other flows: other)"
    ]


def test_a_text_that_cannot_be_filled_in_fails_its_rule_test_and_never_crashes_the_chat(
    tmp_path: object,
) -> None:
    from pathlib import Path

    from bot.core import conversation
    from bot.core.sessions import Session
    from tests.helpers.rules_fixtures import WEDNESDAY_10, tiny_directory

    assert isinstance(tmp_path, Path)
    text = (BROKEN.parent / "valid.yml").read_text()
    text = text.replace(
        "text: {sv: Ring 112., en: Call 112.}", 'text: "{{ residence.reception.phone }}"'
    )
    path = tmp_path / "r.yml"
    path.write_text(text)
    (problem,) = [p for p in file_problems(path) if ": error: " in p]
    assert problem == (
        f"{path}:37:9: error: flow 'mini', test 'akut' fails — the text could not be filled in: "
        "a value is empty here, so its 'phone' cannot be shown — wrap it in {% if … %}"
    )
    (flow,), _ = parse_text(text)
    directory = tiny_directory()
    from bot.core.matching import SchoolIndex

    ctx = FlowContext(
        directory, SchoolIndex(directory), WEDNESDAY_10, "sv", directory.schools["tuna/tunaskolan"]
    )
    turn = conversation.start(flow, Session(), ctx)
    turn = conversation.advance(flow, turn.session, ctx, choice=Answer("akut", "ja"), text=None)
    assert turn.reply.kind == "outcome"
    assert turn.reply.parts[0].startswith("(Den här texten kunde inte visas.")
    assert "112" in (turn.reply.footer or "")
