"""The one place YAML is read: a safe loader that keeps line and column of every node.

Administrators are not programmers, so the loader is deliberately stricter than YAML 1.1:
only `true`/`false` are booleans (an option id `no` stays the string "no"), `8:30` is not the
sexagesimal number 510, and a key written twice in one mapping is an error instead of a silent
overwrite. PyYAML's global loaders are never touched: we subclass and copy.

Files come from people and from folders that other programs write to, so reading is bounded:
only regular files, inside the folder they were found in, of at most MAX_FILE_BYTES, nested at
most MAX_DEPTH deep, and at most MAX_VALUES values once aliases are counted. An alias is
shared, not copied: `*a` is the very object `&a` made. Each limit is a located error.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError, Problem, Severity

PathKey = tuple[str | int, ...]
MAX_FILE_BYTES = 4 * 1024 * 1024  # a municipality with 2,000 school units is about 0.5 MiB
MAX_DEPTH = 32  # the deepest real file is 6 levels
MAX_VALUES = 500_000  # values once every alias is counted; 2,000 school units are ~60,000
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"


class _Loader(yaml.SafeLoader):
    """SafeLoader with admin-friendly implicit types (see module docstring)."""


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same rules on libyaml's parser when PyYAML has it: about 5× faster to compose.

    Only composing uses it; a file libyaml rejects is composed again by `_Loader`, so the
    messages administrators see stay those of the pure-Python parser.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        # libyaml calls resolve() once per scalar (a quarter of a million calls for a large
        # directory) and most texts ("name", "F-9", a person id) recur hundreds of times.
        # With no path resolvers the tag is a function of the arguments alone, so a C-level
        # cache answers the repeats without running any Python.
        self.resolve = _cached_resolve


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


class _Tags(yaml.resolver.Resolver):
    """The implicit types alone, for `_cached_resolve`."""


_strict(_Loader)
_strict(_FastLoader)
_strict(_Tags)
assert not _Tags.yaml_path_resolvers  # _cached_resolve relies on it
_RESOLVER = _Tags()


@lru_cache(maxsize=4096)
def _cached_resolve(kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
    return str(yaml.resolver.BaseResolver.resolve(_RESOLVER, kind, value, implicit))  # type: ignore[no-untyped-call]


def _compose(text: str) -> yaml.Node | None:
    """The node tree of one document; libyaml first, the pure-Python parser for errors."""
    if yaml.__with_libyaml__:
        try:
            return yaml.compose(text, Loader=_FastLoader)
        except yaml.YAMLError:
            pass  # parse again below: its message (and verdict) is the one admins know
    return yaml.compose(text, Loader=_Loader)


def _too_deep_in(text: str) -> tuple[int, int]:
    """Where (line, column) `text` first nests deeper than MAX_DEPTH, read as events: no
    recursion, so it finds the place where composing the tree ran out of stack."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            mark = event.start_mark
            if depth > MAX_DEPTH and mark is not None:
                return mark.line + 1, mark.column + 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return 1, 1


class _Measured:
    """Each collection's depth and its number of values with aliases counted, by id(),
    worked out bottom-up over the node graph with each node once: an alias is the node it
    names, so a document of aliases of aliases costs its size in nodes here, not its
    expanded size. `shared`: collections met more than once (named by an alias); `loop`: a
    collection that contains itself through an alias, if any. Scalars count 1 and are
    never looked at twice."""

    def __init__(self, root: yaml.Node) -> None:
        self.depth: dict[int, int] = {}
        self.size: dict[int, int] = {}
        self.shared: set[int] = set()
        self.loop: yaml.Node | None = None
        open_: set[int] = set()
        stack: list[yaml.Node | None] = [root]  # None: the collection below it is done
        while stack:
            node = stack.pop()
            if node is None:
                self._finish(stack.pop())  # type: ignore[arg-type]
                continue
            if isinstance(node, yaml.ScalarNode):
                continue
            key = id(node)
            if key in self.size:
                self.shared.add(key)
                continue
            if key in open_:
                self.loop = node
                return
            open_.add(key)
            stack.append(node)
            stack.append(None)
            stack.extend(_kids(node))

    def _finish(self, node: yaml.Node) -> None:
        depth, size = self.depth, self.size
        deepest, total = 0, 1
        for kid in _kids(node):
            if not isinstance(kid, yaml.ScalarNode):
                key = id(kid)
                deepest = max(deepest, depth[key])
                total += size[key]
            else:
                total += 1
        depth[id(node)] = deepest + 1
        size[id(node)] = min(MAX_VALUES + 1, total)


def _kids(node: yaml.Node) -> list[yaml.Node]:
    """The keys and values of a mapping, the items of a sequence."""
    if isinstance(node, yaml.MappingNode):
        return [kid for pair in node.value for kid in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _limits_problem(root: yaml.Node, measured: _Measured, path: str) -> Problem | None:
    """The first limit the document breaks, at the node where it breaks it."""

    def at(node: yaml.Node, message: str) -> Problem:
        m = _mark(node)
        return Problem(path, m.line, m.col, "error", message)

    if measured.loop is not None:
        return at(measured.loop, "an alias (*name) inside the block it names: it never ends")
    size, depth = measured.size, measured.depth
    node = root
    if size.get(id(node), 1) > MAX_VALUES:
        # down to the smallest part that is still too big: where the aliases multiply
        while big := [k for k in _kids(node) if size.get(id(k), 1) > MAX_VALUES]:
            node = big[0]
        return at(
            node,
            f"this file holds more than {MAX_VALUES:,} values once its aliases (*name) are "
            "counted; write the values out, or repeat fewer of them",
        )
    if depth.get(id(node), 0) > MAX_DEPTH:
        for _ in range(MAX_DEPTH):
            node = max(_kids(node), key=lambda k: depth.get(id(k), 0))
        return at(node, _too_deep_message())
    return None


def _too_deep_message() -> str:
    return f"nested more than {MAX_DEPTH} levels deep; no file of the bot needs that many"


@dataclass(frozen=True, slots=True)
class Mark:
    """A 1-based position in a file."""

    line: int
    col: int


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


@dataclass(frozen=True)
class Document:
    """A parsed YAML file: plain data, and the node tree that knows where each value was.

    `data` holds only dicts, lists and scalars. Positions are looked up by the path of keys
    and list indexes that leads to a value, e.g. `("schools", 0, "contacts", "barn")`, and
    only when a problem needs one: recording them for every value while parsing doubled the
    time to read a large directory.
    """

    path: str
    data: Any
    root: yaml.Node | None

    def mark(self, keys: PathKey, *, at_key: bool = False) -> Mark:
        """Where the value (or, with at_key, the key) at `keys` is; else its nearest ancestor."""
        node = self.root
        if node is None:
            return Mark(1, 1)
        found = _mark(node)
        for step in keys:
            key_node, node = _child(node, step)
            if node is None:
                break
            found = _mark(key_node) if at_key and key_node is not None else _mark(node)
        return found

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


def _child(node: yaml.Node, step: str | int) -> tuple[yaml.Node | None, yaml.Node | None]:
    """(key node, value node) of `step` under `node`; Nones when there is no such child.

    A key written twice counts where it was first written, as the parsed data does.
    """
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if _key_of(key_node) == step:
                return key_node, value_node
    elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
        items = node.value
        return (None, items[step]) if 0 <= step < len(items) else (None, None)
    return None, None


def _key_of(node: yaml.Node) -> object:
    if isinstance(node, yaml.ScalarNode) and node.tag == _STR:
        return node.value
    try:
        key = _Loader("").construct_object(node, deep=True)
    except yaml.YAMLError:
        return None
    return key if isinstance(key, str | int) and not isinstance(key, bool) else None


class LazyDocument:
    """A file's Document parsed only when a position is asked for.

    Loading keeps no parsed documents of directory files (at 20,000 schools they are the
    largest thing in memory); the rare check across files that finds a problem parses the
    one file it has to point into again.
    """

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self._file = path
        self._doc: Document | None = None

    @property
    def document(self) -> Document:
        if self._doc is None:
            self._doc = load_document(self._file)
        return self._doc

    @property
    def data(self) -> Any:
        return self.document.data

    def problem(
        self,
        keys: PathKey,
        message: str,
        *,
        severity: Severity = "error",
        at_key: bool = False,
    ) -> Problem:
        """A Problem located at `keys` in this file."""
        return self.document.problem(keys, message, severity=severity, at_key=at_key)


class _Builder:
    """Turns a composed node tree into plain data: dicts, lists and scalars."""

    def __init__(self, path: str, shared: set[int]) -> None:
        self.path = path
        self._loader: _Loader | None = None
        self.problems: list[Problem] = []
        self._shared = shared  # id() of the collections an alias names: built once, shared
        self._built: dict[int, Any] = {}

    @property
    def loader(self) -> _Loader:
        """PyYAML's safe constructor, made only for a file that needs more than strings."""
        if self._loader is None:
            self._loader = _Loader("")
        return self._loader

    def construct(self, node: yaml.Node) -> Any:
        """A non-string value (number, date, null…) as PyYAML's safe constructor reads it."""
        return self.loader.construct_object(node, deep=True)

    def build(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        key = id(node)
        if key not in self._shared:
            return self._collection(node)
        if key not in self._built:
            self._built[key] = self._collection(node)
        return self._built[key]

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == _STR:  # most scalars: what construct_object returns, minus its work
            return node.value
        return self.construct(node)

    def _collection(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item) for item in node.value]
        if not isinstance(node, yaml.MappingNode):
            return self.construct(node)
        out: dict[Any, Any] = {}
        first: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _STR and isinstance(key_node, yaml.ScalarNode):
                key = key_node.value
            elif key_node.tag == _MERGE:  # '<<: *defaults': merge, then read the block again
                self.loader.flatten_mapping(node)
                return self.build(node)
            else:
                key = self.build(key_node)
            if not isinstance(key, str | int):
                m = _mark(key_node)
                self.problems.append(
                    Problem(self.path, m.line, m.col, "error", "a key must be plain text")
                )
                continue
            if key in out:
                m = _mark(key_node)
                self.problems.append(
                    Problem(
                        self.path,
                        m.line,
                        m.col,
                        "error",
                        f"key '{key}' is written twice in the same block "
                        f"(first on line {_mark(first[key]).line})",
                    )
                )
                continue
            first[key] = key_node
            out[key] = self.build(value_node)
        return out


def parse_document(text: str, path: str) -> Document:
    """Parse one YAML document from text; raise ConfigError with located problems."""
    try:
        node = _compose(text)
    except RecursionError:
        line, col = _too_deep_in(text)
        raise ConfigError([Problem(path, line, col, "error", _too_deep_message())]) from None
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
        return Document(path, None, None)
    measured = _Measured(node)
    too_much = _limits_problem(node, measured, path)
    if too_much is not None:
        raise ConfigError([too_much])
    builder = _Builder(path, measured.shared)
    try:
        data = builder.build(node)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ConfigError(
            [Problem(path, line, col, "error", f"not valid YAML: {exc.problem}")]
        ) from None
    if builder.problems:
        raise ConfigError(builder.problems)
    return Document(path, data, node)


def load_document(path: Path) -> Document:
    """Read and parse a YAML file; undecodable bytes become a located problem too."""
    return parse_bytes(read_file(path), path)


def read_file(path: Path, folder: Path | None = None) -> bytes:
    """The bytes of a configuration file, read only if it is a regular file of at most
    MAX_FILE_BYTES inside `folder` (when given): a FIFO would block the load, a device or a
    link to one would never end, a link out of the folder would read what it was not meant
    to. Raises ConfigError located at the file."""

    def refuse(why: str) -> ConfigError:
        return ConfigError([Problem(str(path), 1, 1, "error", why)])

    if folder is not None:
        real, inside = os.path.realpath(path), os.path.realpath(folder)
        if os.path.commonpath([real, inside]) != inside:
            raise refuse(f"a link to a file outside {folder}: only files inside it are read")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise refuse(f"could not read: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise refuse("not a regular file (a pipe, a device or a socket): only files are read")
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise refuse(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB: split it into files")
    return data


def parse_bytes(raw: bytes, path: Path) -> Document:
    """Parse a file's bytes, already read; undecodable bytes become a located problem too."""
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
