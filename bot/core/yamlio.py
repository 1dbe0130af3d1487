"""The one place YAML is read: a safe loader that keeps line and column of every node.

Administrators are not programmers, so the loader is deliberately stricter than YAML 1.1:
only `true`/`false` are booleans (an option id `no` stays the string "no"), `8:30` is not the
sexagesimal number 510, and a key written twice in one mapping is an error instead of a silent
overwrite. PyYAML's global loaders are never touched: we subclass and copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError, Problem, Severity

PathKey = tuple[str | int, ...]
_STR = "tag:yaml.org,2002:str"


class _Loader(yaml.SafeLoader):
    """SafeLoader with admin-friendly implicit types (see module docstring)."""


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same rules on libyaml's parser when PyYAML has it: about 5× faster to compose.

    Only composing uses it; a file libyaml rejects is composed again by `_Loader`, so the
    messages administrators see stay those of the pure-Python parser.
    """


def _strict(loader: type[yaml.resolver.BaseResolver]) -> None:
    """Only true/false are booleans, only plain decimals are integers (no 8:30 → 510)."""
    loader.yaml_implicit_resolvers = {
        first: [
            (tag, rx)
            for tag, rx in resolvers
            if tag not in {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int"}
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:int",
        re.compile(r"^(?:[-+]?0|[-+]?[1-9][0-9_]*)$"),
        list("-+0123456789"),
    )


_strict(_Loader)
_strict(_FastLoader)


def _compose(text: str) -> yaml.Node | None:
    """The node tree of one document; libyaml first, the pure-Python parser for errors."""
    if yaml.__with_libyaml__:
        try:
            return yaml.compose(text, Loader=_FastLoader)
        except yaml.YAMLError:
            pass  # parse again below: its message (and verdict) is the one admins know
    return yaml.compose(text, Loader=_Loader)


@dataclass(frozen=True, slots=True)
class Mark:
    """A 1-based position in a file."""

    line: int
    col: int


@dataclass(frozen=True)
class Document:
    """A parsed YAML file: plain data plus the position of every value and every key.

    `data` holds only dicts, lists and scalars. Positions are looked up by the path of keys
    and list indexes that leads to a value, e.g. `("schools", 0, "contacts", "barn")`.
    """

    path: str
    data: Any
    value_marks: dict[PathKey, Mark]
    key_marks: dict[PathKey, Mark]

    def mark(self, keys: PathKey, *, at_key: bool = False) -> Mark:
        """Where the value (or, with at_key, the key) at `keys` is; else its nearest ancestor."""
        probe = tuple(keys)
        while True:
            if at_key and probe in self.key_marks:
                return self.key_marks[probe]
            if probe in self.value_marks:
                return self.value_marks[probe]
            if not probe:
                return Mark(1, 1)
            probe = probe[:-1]

    def problem(
        self,
        keys: PathKey,
        message: str,
        *,
        severity: Severity = "error",
        at_key: bool = False,
    ) -> Problem:
        """A Problem located at `keys` in this document."""
        m = self.mark(keys, at_key=at_key)
        return Problem(self.path, m.line, m.col, severity, message)


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Turns a composed node tree into plain data while recording marks."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.loader = _Loader("")
        self.value_marks: dict[PathKey, Mark] = {}
        self.key_marks: dict[PathKey, Mark] = {}
        self.problems: list[Problem] = []

    def build(self, node: yaml.Node, keys: PathKey) -> Any:
        self.value_marks[keys] = _mark(node)
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR:  # most scalars: what construct_object returns, minus its work
                return node.value
            return self.loader.construct_object(node, deep=True)
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                m = _mark(key_node)
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag == _STR:
                    key = key_node.value
                else:
                    key = self.build(key_node, (*keys, "\0key"))
                    self.value_marks.pop((*keys, "\0key"), None)
                if not isinstance(key, str | int):
                    self.problems.append(
                        Problem(self.path, m.line, m.col, "error", "a key must be plain text")
                    )
                    continue
                if key in out:
                    first = self.key_marks[(*keys, key)]
                    self.problems.append(
                        Problem(
                            self.path,
                            m.line,
                            m.col,
                            "error",
                            f"key '{key}' is written twice in the same block "
                            f"(first on line {first.line})",
                        )
                    )
                    continue
                self.key_marks[(*keys, key)] = m
                out[key] = self.build(value_node, (*keys, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*keys, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)


def parse_document(text: str, path: str) -> Document:
    """Parse one YAML document from text; raise ConfigError with located problems."""
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "could not read this file"
        if exc.context:
            what = f"{exc.context}: {what}"
        raise ConfigError([Problem(path, line, col, "error", f"not valid YAML: {what}")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(path, 1, 1, "error", f"not valid YAML: {exc}")]) from None
    if node is None:
        return Document(path, None, {(): Mark(1, 1)}, {})
    builder = _Builder(path)
    try:
        data = builder.build(node, ())
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ConfigError(
            [Problem(path, line, col, "error", f"not valid YAML: {exc.problem}")]
        ) from None
    if builder.problems:
        raise ConfigError(builder.problems)
    return Document(path, data, builder.value_marks, builder.key_marks)


def load_document(path: Path) -> Document:
    """Read and parse a YAML file; undecodable bytes become a located problem too."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise ConfigError(
            [Problem(str(path), line, col, "error", "the file is not UTF-8 text; save it as UTF-8")]
        ) from None
    return parse_document(text, str(path))
