"""The catalog: rules/ and directory/ loaded, validated, cross-checked into one frozen object.

A reload builds a new Catalog and the caller swaps its reference only when loading succeeded,
so a broken file never goes live. A file's kind is recognised from its top-level keys.
"""

from __future__ import annotations

import gc
import hashlib
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.core import directory as directory_files
from bot.core import rule_checks, rule_tests, rules
from bot.core.matching import SchoolIndex
from bot.core.models import Directory, Municipality
from bot.core.rules import Flow
from bot.core.yamlio import Document, LazyDocument, load_document
from bot.errors import ConfigError, Problem

YAML_SUFFIXES = {".yml", ".yaml"}


def yaml_files(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, plus every YAML file inside named folders, sorted.

    Hidden files and folders are skipped: a Kubernetes ConfigMap mount holds every file
    twice, once in a hidden timestamped folder ('..2026_11_25…/') behind the visible link.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.suffix in YAML_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            found.append(path)
    return found


def content_hash(files: Iterable[Path]) -> str:
    """A short hash of names and contents: the catalog 'version' shown by admin status."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class Catalog:
    """Everything the bot knows from configuration. Immutable; replaced whole on reload."""

    directory: Directory
    flows: Mapping[str, Flow]
    index: SchoolIndex
    version: str
    loaded_at: float
    warnings: tuple[Problem, ...] = ()


def _read(
    paths: Sequence[Path], today: date
) -> tuple[Directory, list[Flow], dict[str, Document], list[Problem]]:
    problems: list[Problem] = []
    municipalities: list[tuple[LazyDocument, Municipality]] = []
    flows: list[Flow] = []
    rule_docs: dict[str, Document] = {}
    for path in paths:
        if not path.exists():
            problems.append(Problem(str(path), 1, 1, "error", "no such file or folder"))
    for path in yaml_files(p for p in paths if p.exists()):
        try:
            doc = load_document(path)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        if directory_files.is_directory_document(doc.data):
            municipality, found = directory_files.parse_municipality(doc, today=today)
            problems.extend(found)
            if municipality is not None:
                # the parsed file is dropped here: only the rare cross-file problem needs it
                municipalities.append((LazyDocument(path), municipality))
        elif rules.is_rules_document(doc.data):
            parsed, found = rules.parse_rules(doc)
            problems.extend(found)
            flows.extend(parsed)
            rule_docs[doc.path] = doc
        else:
            problems.append(
                doc.problem(
                    (),
                    "not a directory file (it starts with 'municipality:') "
                    "nor a rules file (it starts with 'flows:')",
                )
            )
    problems.extend(directory_files.cross_check(municipalities))
    directory = directory_files.build_directory(m for _, m in municipalities)
    problems.extend(rule_checks.cross_check(flows, rule_docs, directory))
    return directory, flows, rule_docs, problems


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading creates about a million objects that all live on, and each of CPython's full
    collections meanwhile walks every one of them again: at 20,000 schools that was half of
    the load time. Reference counting still frees each parsed file as soon as it is read;
    the caller collects once afterwards (bot.reload.release_memory)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check(paths: Sequence[Path], *, today: date | None = None) -> list[Problem]:
    """Every problem in these files, rule tests included; what `referral-bot check` prints."""
    today = today or date.today()
    with _collector_paused():
        return _check(paths, today)


def _check(paths: Sequence[Path], today: date) -> list[Problem]:
    directory, flows, rule_docs, problems = _read(paths, today)
    if not any(p.severity == "error" for p in problems) and flows:
        index = SchoolIndex(directory)
        problems.extend(rule_tests.run_tests(flows, rule_docs, directory, index))
    return sorted(set(problems))


def load_catalog(paths: Sequence[Path], *, today: date | None = None) -> Catalog:
    """Load everything or nothing: raise ConfigError with every problem if any is an error."""
    today = today or date.today()
    with _collector_paused():
        return _load(paths, today)


def _load(paths: Sequence[Path], today: date) -> Catalog:
    files = yaml_files(p for p in paths if p.exists())
    directory, flows, rule_docs, problems = _read(paths, today)
    if any(p.severity == "error" for p in problems):
        raise ConfigError(problems)
    index = SchoolIndex(directory)
    # rule tests pin the hard rules (acute first, no "inform guardians" on violence…):
    # a change that breaks one must not go live, so they run on every load
    problems.extend(rule_tests.run_tests(flows, rule_docs, directory, index))
    if any(p.severity == "error" for p in problems):
        raise ConfigError(problems)
    return Catalog(
        directory=directory,
        flows={f.id: f for f in flows},
        index=index,
        version=content_hash(files),
        loaded_at=time.time(),
        warnings=tuple(sorted(problems)),
    )
