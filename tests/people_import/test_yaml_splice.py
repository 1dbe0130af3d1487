"""Text edits at node positions: new lines go after the last line of what they follow, at its
indentation, and edits that would overlap are refused rather than mixed."""

from __future__ import annotations

import pytest
import yaml

from bot.core.yamlio import parse_document
from bot.people_import.yaml_splice import Edit, add_to_mapping, append_to_sequence, apply, child


def root(text: str) -> yaml.Node:
    node = parse_document(text, "test.yml").root
    assert node is not None
    return node


def test_a_key_after_a_block_scalar_goes_below_the_scalar() -> None:
    text = "p:\n  name: X\n  about: |\n    two\n    lines\nq: 1\n"
    person = child(root(text), "p")
    assert isinstance(person, yaml.MappingNode)
    edit = add_to_mapping(text, person, "phone", '"1"')
    assert (
        apply(text, [edit]) == 'p:\n  name: X\n  about: |\n    two\n    lines\n  phone: "1"\nq: 1\n'
    )


def test_an_item_at_the_end_of_a_file_without_a_last_line_break() -> None:
    text = "ids:\n  - a\n  - b"
    assert apply(text, [append_to_sequence(text, child(root(text), "ids"), ["c"])]) == (
        "ids:\n  - a\n  - b\n  - c"
    )


def test_crlf_lines_get_crlf_breaks_also_after_a_block_scalar() -> None:
    text = "p:\r\n  about: |\r\n    x\r\nq: 1\r\n"
    person = child(root(text), "p")
    assert isinstance(person, yaml.MappingNode)
    assert apply(text, [add_to_mapping(text, person, "name", "Y")]) == (
        "p:\r\n  about: |\r\n    x\r\n  name: Y\r\nq: 1\r\n"
    )


def test_overlapping_edits_are_refused() -> None:
    with pytest.raises(ValueError, match="overlapping"):
        apply("abcdef", [Edit(1, 4, "x"), Edit(2, 3, "y")])
