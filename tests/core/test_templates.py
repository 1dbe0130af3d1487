"""Rule texts as sandboxed templates: checked before they go live, never a crash in chat."""

from __future__ import annotations

from datetime import time

import pytest

from bot.core.models import OpeningSpan
from bot.core.templates import TemplateProblem, check_template, format_hours, render


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
