"""Rule texts as sandboxed templates: checked before they go live, never a crash in chat."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.core.catalog import load_catalog
from bot.core.models import OpeningSpan
from bot.core.templates import TemplateProblem, check_template, format_hours, render
from tests.helpers.rules_fixtures import RULES, TODAY, Chat


def test_known_variables_and_loop_variables_pass() -> None:
    assert check_template("{{ reception.name }}, {{ reception.phone }} ({{ office_hours }})") == []
    assert check_template("{% for p in contacts.backups %}{{ p.name }}{% endfor %}") == []
    assert check_template("{% if route.open_now %}{{ route.office.phone }}{% endif %}") == []


def test_unknown_names_fields_and_syntax_are_found_without_rendering() -> None:
    assert check_template("{{ socialjouren.phone }}") == [
        "unknown template variable 'socialjouren' — did you mean 'socialjour'? (known: school, "
        "municipality, contacts, reception, e_service, socialjour, after_hours, route, "
        "office_hours, residence, resources, facts, now)"
    ]
    assert check_template("{{ school['namn'] }}") == [
        "'school' has no field 'namn' — did you mean 'name'? (fields: name, key, grades)"
    ]
    assert check_template("{% for p in contacts.backups %}{{ p.titel }}{% endfor %}") == [
        "'p' (one of contacts.backups) has no field 'titel' — did you mean 'title'? "
        "(fields: name, title, phone, email, away_until)"
    ]
    assert check_template("{% if route.open_now %}öppet") == [
        "the template cannot be read: Unexpected end of template. Jinja was looking for the "
        "following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be "
        "closed is 'if'."
    ]


def test_a_missing_value_is_a_clear_message_not_an_empty_string() -> None:
    with pytest.raises(TemplateProblem) as caught:
        render("Ring {{ reception.phone }}", {"reception": None})
    assert caught.value.message.startswith("the text could not be filled in: ")
    assert "phone" in caught.value.message


def test_the_sandbox_keeps_python_out_of_reach() -> None:
    with pytest.raises(TemplateProblem):
        render("{{ ''.__class__.__mro__[1].__subclasses__() }}", {})


def test_no_html_escaping_in_chat_text() -> None:
    assert render("{{ x }}", {"x": "Barn & unga <0–12>"}) == "Barn & unga <0–12>"


def test_office_hours_are_written_as_people_say_them() -> None:
    spans = (
        *(OpeningSpan(d, time(8), time(16, 30)) for d in range(4)),
        OpeningSpan(4, time(8), time(15)),
    )
    assert format_hours(spans, "sv") == "mån–tor 08:00–16:30, fre 08:00–15:00"
    assert format_hours(spans, "en") == "Mon–Thu 08:00–16:30, Fri 08:00–15:00"
    assert format_hours((), "sv") == "inga fasta öppettider"


def test_facts_are_read_by_name_and_an_unset_fact_is_empty() -> None:
    from collections import defaultdict

    from bot.core.templates import fact_uses

    source = '{% if facts.category == "honour" %}Heder.{% endif %}{{ facts.ages or "" }}'
    assert check_template(source) == []  # fact names are the flow's own: rule_checks knows them
    assert fact_uses(source) == {"category", "ages"}
    assert fact_uses("{% if %}") == set()  # unreadable: check_template reports it
    honour = defaultdict(lambda: None, {"category": "honour"})
    assert render(source, {"facts": honour}) == "Heder."
    assert render(source, {"facts": defaultdict(lambda: None)}) == ""


# --------------------------------------------------------------------------- resources

GNESTA = """\
municipality:
  id: gnesta
  name: Gnesta kommun
  code: "0461"
  office_hours: {{mon-fri: "08:00-16:00"}}
  reception: {{name: Mottagningen, phone: "0000-46 10 00"}}
  after_hours: {{name: Socialjouren, phone: "0000-46 19 99"}}
age_groups:
  - {{id: barn, label: "Barn 0–12 år", ages: "0-12"}}
  - {{id: unga, label: "Unga 13–20 år", ages: "13-20"}}
people:
  p: {{name: Pia Exempel, phone: "0000-11 11 11"}}
schools:
  - {{name: Tallskolan, grades: "F-9", contacts: {{all: [p]}}}}
  - {{name: Granskolan, grades: "F-9", contacts: {{all: [p]}}}}
{resources}"""

RESOURCES = """\
resources:
  - id: npf-team
    kind: npf
    name: NPF-teamet
    ages: "6-12"
    phone: "0000-46 20 00"
    about: Stöd till skolor kring elever med NPF-liknande svårigheter.
  - id: umo
    kind: ungdomsmottagning
    name: Ungdomsmottagningen Gnesta
    ages: "13-25"
    url: https://umo.example.se/gnesta
  - id: elevhalsan-tall
    kind: elevhalsa
    name: Elevhälsan på Tallskolan
    ages: "6-16"
    phone: "0000-46 30 00"
    schools: [Tallskolan]
"""

# a second municipality, for the rule tests of a child who lives in another one (they run
# at the directory's first school, Granskolan, so with resources)
TROSA = """\
municipality:
  id: trosa
  name: Trosa kommun
  code: "0488"
  office_hours: {mon-fri: "08:00-16:00"}
  reception: {name: Mottagningen i Trosa, phone: "0000-48 10 00"}
  after_hours: {name: Socialjouren, phone: "0000-46 19 99"}
age_groups:
  - {id: barn, label: "Barn 0–17 år", ages: "0-17"}
people:
  q: {name: Quinn Exempel, phone: "0000-22 22 22"}
schools:
  - {name: Ekskolan, grades: "F-6", contacts: {all: [q]}}
"""

TALL = "gnesta/tallskolan"
GRAN = "gnesta/granskolan"


def early_support(
    tmp_path: Path, resources: str, *, school: str = TALL, flow: str = "tidigt-stod"
) -> Chat:
    """A shipped flow (the early-support one unless told) against a directory of its own.
    Loading it runs every shipped rule test there too: none may depend on the examples."""
    folder = tmp_path / "directory"
    folder.mkdir()
    (folder / "gnesta.yml").write_text(GNESTA.format(resources=resources), encoding="utf-8")
    (folder / "trosa.yml").write_text(TROSA, encoding="utf-8")
    catalog = load_catalog([folder, RULES], today=TODAY)
    chat = Chat(
        catalog.flows[flow], directory=catalog.directory, index=catalog.index, school=school
    )
    chat.start()
    return chat


def test_resources_list_what_serves_the_school_and_the_age_in_the_outcome(
    tmp_path: Path,
) -> None:
    chat = early_support(tmp_path, RESOURCES)
    npf = chat.answer("nej", "barn", "npf", "vidare")
    assert npf.outcome is not None and npf.outcome.outcome == "npf_stod"
    assert (
        "Det här stödet finns vid NPF:\n• *NPF-teamet* (6–12 år), 0000-46 20 00 – Stöd till "
        "skolor kring elever med NPF-liknande svårigheter." in npf.parts
    )
    assert "Fråga elevhälsan vilket stöd" not in chat.text(npf)

    chat.start()
    young = chat.answer("nej", "barn", "skolarbete", "alla")
    assert "Elevhälsan:\n• *Elevhälsan på Tallskolan*, 0000-46 30 00" in young.parts
    assert "Ungdomsmottagningen Gnesta" not in chat.text(young)  # 13–25: not for 0–12
    assert "Fråga elevhälsan vad som finns för barnets ålder" in chat.text(young)

    chat.start()
    older = chat.answer("nej", "unga", "kamrater", "alla")
    assert (
        "Unga kan själva söka sig till ungdomsmottagningen:\n• *Ungdomsmottagningen Gnesta* "
        "(13–25 år), https://umo.example.se/gnesta" in older.parts
    )


def test_a_resource_for_another_school_is_not_shown(tmp_path: Path) -> None:
    chat = early_support(tmp_path, RESOURCES, school=GRAN)
    reply = chat.answer("nej", "barn", "skolarbete", "alla")
    assert "Elevhälsan på Tallskolan" not in chat.text(reply)
    assert "Elevhälsan finns på varje skola" in chat.text(reply)


def test_the_adult_outcome_of_the_report_checklist_names_the_youth_clinic(
    tmp_path: Path,
) -> None:
    chat = early_support(tmp_path, RESOURCES, flow="orosanmalan")
    adult = chat.answer("nej", "adult")
    assert adult.outcome is not None and adult.outcome.outcome == "vuxen"
    assert any("*Ungdomsmottagningen Gnesta* (13–25 år)" in part for part in adult.parts)


# every outcome of the early-support flow, by the answers that reach it
EVERY_OUTCOME = [
    ("ja",),
    ("osaker",),
    ("nej", "adult"),
    ("nej", "barn", "npf", "vidare"),
    ("nej", "unga", "hemma", "vet_inte"),
    ("nej", "barn", "halsa", "riktat", "nej"),
    ("nej", "unga", "kamrater", "riktat", "inte_an", "vidare", "vidare", "vidare", "vidare"),
]


@pytest.mark.parametrize("locale", ["sv", "en"])
@pytest.mark.parametrize("answers", EVERY_OUTCOME, ids=lambda a: "-".join(a))
def test_without_any_resources_every_outcome_still_reads_well(
    tmp_path: Path, answers: tuple[str, ...], locale: str
) -> None:
    chat = early_support(tmp_path, "")
    chat.locale = locale
    chat.start()
    reply = chat.answer(*answers)
    assert reply.kind == "outcome" and not reply.problems
    for part in reply.parts:
        assert "None" not in part and "()" not in part
        for line in part.splitlines():
            assert line.strip() not in ("", "•", "*") and not line.startswith("• *,")
    assert "resources" not in chat.everything()
