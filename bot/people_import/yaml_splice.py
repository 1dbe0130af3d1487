"""Edits to a YAML file's text at the places PyYAML's nodes point to, and nowhere else.

PyYAML cannot write a file back with its comments, so nothing is ever dumped: each change is a
span of the original text (a scalar replaced, a key or a list item inserted) and everything
outside those spans stays byte for byte as it was. Block collections get new lines at the
indentation of their siblings; flow collections (`{...}`, `[...]`) get `, item` after their
last item, so a one-line entry stays one line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import yaml

from bot.core.yamlio import parse_document
from bot.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace text[start:end] with `text` (an insertion when start == end)."""

    start: int
    end: int
    text: str


def apply(text: str, edits: Iterable[Edit]) -> str:
    """The text with every edit made; insertions at one place keep the order they came in."""
    ordered = sorted(enumerate(edits), key=lambda pair: (pair[1].start, pair[0]))
    out, position = [], 0
    for _, edit in ordered:
        if edit.start < position:
            raise ValueError(f"overlapping edits at {edit.start}")  # a bug in the caller
        out += [text[position : edit.start], edit.text]
        position = edit.end
    out.append(text[position:])
    return "".join(out)


def newline_of(text: str) -> str:
    """The file's line break: a file saved on Windows keeps its CRLF in the new lines."""
    return "\r\n" if "\r\n" in text else "\n"


def _reads_back(snippet: str, expected: object) -> bool:
    try:
        return bool(parse_document(snippet, "").data == expected)
    except ConfigError:
        return False


def scalar(value: str, like: yaml.Node | None = None) -> str:
    """`value` as a YAML scalar, quoted as `like` (the value it replaces, or one of its kind
    nearby) is; else plain when it reads back as the same text ("0250-261 01" does; "08:00",
    "true", "a: b" do not), double-quoted when not."""
    quoted = json.dumps(value, ensure_ascii=False)
    if isinstance(like, yaml.ScalarNode) and like.style == "'" and "\n" not in value:
        return "'" + value.replace("'", "''") + "'"
    if isinstance(like, yaml.ScalarNode) and like.style == '"':
        return quoted
    plain = value == value.strip() and value and "#" not in value and "\n" not in value
    if plain and _reads_back(f"k: {value}", {"k": value}) and _reads_back(f"[{value}]", [value]):
        return value
    return quoted


def _last_leaf_end(node: yaml.Node) -> int:
    """Where the last value written inside `node` ends. A block collection's own end mark
    lies past the comments and blank lines after it, which belong to what follows."""
    while isinstance(node, yaml.CollectionNode) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    return int(node.end_mark.index)


def _after_line(text: str, index: int) -> int:
    """Where a new line goes after the line on which a value ending at `index` ends: at that
    line's break, after any comment at the end of the line."""
    if index > 0 and text[index - 1] == "\n":  # a block scalar ends at the next line's start
        index -= 1
        return index - 1 if index > 0 and text[index - 1] == "\r" else index
    end = text.find("\n", index)
    if end < 0:
        return len(text)
    return end - 1 if end > 0 and text[end - 1] == "\r" else end


def replace(node: yaml.Node, new_text: str) -> Edit:
    """Write `new_text` where `node` is written (after its key's colon when it is an empty
    value: `title:`)."""
    start, end = node.start_mark.index, node.end_mark.index
    return Edit(start, end, new_text if end > start else f" {new_text}")


def shared(text: str, parent: yaml.Node, node: yaml.Node) -> bool:
    """Whether `node`, a value inside `parent`, is written with an anchor (`&name`) or is an
    alias (`*name`) of one written elsewhere: an edit there would change every place that
    names it, or drop the anchor."""
    start = node.start_mark.index
    inside = parent.start_mark.index <= start < parent.end_mark.index
    return not inside or text.startswith("&", start)


def child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value node of `key` in a mapping node, if it has that key."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                found: yaml.Node = value_node
                return found
    return None


def add_to_mapping(text: str, mapping: yaml.MappingNode, key: str, value: str) -> Edit:
    """Add `key: value` as the mapping's last entry. A `value` that starts with a line break
    is a block written below the key, its lines indented by the caller."""
    entry = f"{key}:{value}" if value.startswith(("\n", "\r")) else f"{key}: {value}"
    # (a valid file has no empty people, person or contact list to add to)
    if mapping.flow_style:
        at = mapping.value[-1][1].end_mark.index
        return Edit(at, at, f", {entry}")
    indent = " " * mapping.value[0][0].start_mark.column
    at = _after_line(text, _last_leaf_end(mapping))
    return Edit(at, at, f"{newline_of(text)}{indent}{entry}")


def append_to_sequence(text: str, node: yaml.Node, items: list[str]) -> Edit:
    """Add `items` at the end of a list (block or flow); a single value written without
    brackets (`barn: anna-s`) becomes a flow list."""
    if isinstance(node, yaml.ScalarNode):
        old = text[node.start_mark.index : node.end_mark.index]
        return replace(node, f"[{', '.join([old, *items])}]")
    assert isinstance(node, yaml.SequenceNode)  # the file validated: a list or one id
    if node.flow_style:
        at = node.value[-1].end_mark.index
        return Edit(at, at, "".join(f", {item}" for item in items))
    indent = " " * node.start_mark.column
    at = _after_line(text, _last_leaf_end(node))
    return Edit(at, at, "".join(f"{newline_of(text)}{indent}- {item}" for item in items))
