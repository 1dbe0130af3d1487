"""The YAML reader: strict types, and problems located at the line and column an admin sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.yamlio import LazyDocument, Mark, load_document, parse_document
from bot.errors import ConfigError

TEXT = """\
municipality:
  id: testby
  office_hours:
    mon: 8:30-16:00
schools:
- name: Ängsskolan
  grades: F-9
  open: no
- name: Tunaskolan
  grades: 7-9
"""


def test_values_keep_admin_friendly_types() -> None:
    data = parse_document(TEXT, "t.yml").data
    assert data["municipality"]["office_hours"]["mon"] == "8:30-16:00"
    assert data["schools"][0]["open"] == "no"  # only true/false are booleans
    assert parse_document("a: 12\nb: true\nc: 2026-01-05\n", "t.yml").data["a"] == 12


def test_a_problem_points_at_the_value_or_the_key() -> None:
    doc = parse_document(TEXT, "t.yml")
    assert doc.problem(("schools", 1, "grades"), "bad").__str__() == "t.yml:10:11: error: bad"
    located = doc.problem(("municipality", "office_hours", "mon"), "bad", at_key=True)
    assert (located.line, located.col) == (4, 5)
    value = doc.problem(("municipality", "office_hours", "mon"), "bad")
    assert (value.line, value.col) == (4, 10)


def test_a_missing_path_points_at_its_nearest_ancestor() -> None:
    doc = parse_document(TEXT, "t.yml")
    assert doc.mark(("schools", 0, "code")) == Mark(6, 3)  # the school it would be in
    assert doc.mark(("schools", 7)) == doc.mark(("schools",)) == Mark(6, 1)  # the list
    assert doc.mark(("nothing",)).line == 1


def test_a_key_written_twice_is_an_error_with_both_lines() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_document("a: 1\nb: 2\na: 3\n", "t.yml")
    assert [str(p) for p in caught.value.problems] == [
        "t.yml:3:1: error: key 'a' is written twice in the same block (first on line 1)"
    ]


def test_merge_keys_are_merged() -> None:
    text = "base: &b {phone: 0000-1, name: Mottagningen}\noffice:\n  <<: *b\n  email: a@b.se\n"
    office = parse_document(text, "t.yml").data["office"]
    assert office == {"phone": "0000-1", "name": "Mottagningen", "email": "a@b.se"}


def test_broken_yaml_is_located() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_document("a: [1, 2\nb: 3\n", "t.yml")
    problem = caught.value.problems[0]
    assert problem.path == "t.yml" and problem.line == 2
    assert "not valid YAML" in problem.message


def test_a_lazy_document_reads_its_file_only_when_a_position_is_needed(tmp_path: Path) -> None:
    path = tmp_path / "t.yml"
    path.write_text(TEXT, encoding="utf-8")
    lazy = LazyDocument(path)
    path.write_text(TEXT.replace("Tunaskolan", "Hagaskolan"), encoding="utf-8")
    assert lazy.data["schools"][1]["name"] == "Hagaskolan"  # read now, not at creation
    assert str(lazy.problem(("schools", 1, "name"), "x")) == f"{path}:9:9: error: x"
    assert load_document(path).data == lazy.data
