"""The catalog: rules/ and directory/ loaded, validated, cross-checked into one frozen object.

A reload builds a new Catalog and the caller swaps its reference only when loading succeeded,
so a broken file never goes live. A file's kind is recognised from its top-level keys.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.core import directory as directory_files
from bot.core import directory_checks, region_files, regions, rule_checks, rule_tests, rules_parser
from bot.core.matching import SchoolIndex
from bot.core.models import Directory, Municipality, Region
from bot.core.regions import BrokenRegion, MunicipalityDraft
from bot.core.rules import Flow
from bot.core.yamlio import Document, LazyDocument, parse_bytes, read_file
from bot.errors import ConfigError, Problem

YAML_SUFFIXES = {".yml", ".yaml"}


def yaml_files(paths: Iterable[Path]) -> list[tuple[Path, Path | None]]:
    """(file, the folder it was found in) for every YAML file inside named folders, sorted,
    and (file, None) for files named directly. Only files inside their folder are read
    (yamlio.read_file).

    Hidden files and folders are skipped: a Kubernetes ConfigMap mount holds every file
    twice, once in a hidden timestamped folder ('..2026_11_25…/') behind the visible link.
    """
    found: list[tuple[Path, Path | None]] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                (p, path)
                for p in sorted(path.rglob("*"))
                if p.suffix in YAML_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            found.append((path, None))
    return found


def _version(digests: Iterable[tuple[str, bytes]]) -> str:
    """A short hash of names and contents: the catalog 'version' shown by admin status."""
    version = hashlib.sha256()
    for path, digest in digests:
        version.update(path.encode())
        version.update(digest)
    return version.hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class _Validated:
    digest: bytes
    day: date  # the day it was validated on: `reviewed` warnings depend on the date
    parsed: MunicipalityDraft | Region | BrokenRegion | None
    problems: tuple[Problem, ...]


class ValidatedFiles:
    """What each directory file validated to last time, by its exact bytes and the day.

    A reload reads every file, but a file whose bytes are unchanged since a load on the same
    day is not parsed and validated again: its result is a function of its bytes and of the
    date. On another day every file validates again. Checks across files, joining each
    municipality to its region (so an edited region file reaches every municipality that
    inherits from it, whose own bytes did not change) and the rule tests always run in full.
    What is kept is the file's own values, shared with the live catalog, so this costs little
    memory beyond a digest per file.
    """

    def __init__(self) -> None:
        self._by_path: dict[str, _Validated] = {}
        # a municipality as last joined to its region: the very objects it was made of
        self._joined: dict[str, tuple[MunicipalityDraft, Region | None, Municipality]] = {}

    def get(self, path: str, digest: bytes, today: date) -> _Validated | None:
        known = self._by_path.get(path)
        if known is None or known.digest != digest or known.day != today:
            return None
        return known

    def remember(self, path: str, result: _Validated) -> None:
        self._by_path[path] = result

    def inherit(
        self, draft: MunicipalityDraft, region: Region | None
    ) -> tuple[Municipality | None, Problem | None]:
        """regions.inherit, with the Municipality of the last load given back when neither
        its file nor its region's changed (both are then the very objects kept here)."""
        known = self._joined.get(draft.source)
        if known is not None and known[0] is draft and known[1] is region:
            return known[2], None
        municipality, problem = regions.inherit(draft, region)
        if municipality is not None:
            self._joined[draft.source] = (draft, region, municipality)
        return municipality, problem

    def keep_only(self, paths: Iterable[str]) -> None:
        """Forget files that are gone."""
        keep = set(paths)
        self._by_path = {p: v for p, v in self._by_path.items() if p in keep}
        self._joined = {p: v for p, v in self._joined.items() if p in keep}


@dataclass(frozen=True)
class Catalog:
    """Everything the bot knows from configuration. Immutable; replaced whole on reload."""

    directory: Directory
    flows: Mapping[str, Flow]
    index: SchoolIndex
    version: str
    loaded_at: float
    warnings: tuple[Problem, ...] = ()
    # every file read, by path, with the digest of the bytes it was loaded from (file_digest)
    sources: Mapping[str, bytes] = field(default_factory=dict)


def file_digest(raw: bytes) -> bytes:
    """The digest a load keeps of each file's bytes (Catalog.sources)."""
    return hashlib.blake2b(raw, digest_size=16).digest()


@dataclass
class _Read:
    directory: Directory
    flows: list[Flow]
    rule_docs: dict[str, Document]
    problems: list[Problem]
    digests: list[tuple[str, bytes]]


def _read(paths: Sequence[Path], today: date, memo: ValidatedFiles | None = None) -> _Read:
    problems: list[Problem] = []
    drafts: list[MunicipalityDraft] = []
    found_regions: list[Region] = []
    broken_regions: list[str] = []
    flows: list[Flow] = []
    rule_docs: dict[str, Document] = {}
    digests: list[tuple[str, bytes]] = []
    for path in paths:
        if not path.exists():
            problems.append(Problem(str(path), 1, 1, "error", "no such file or folder"))
    for path, folder in yaml_files(p for p in paths if p.exists()):
        try:
            raw = read_file(path, folder)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        digest = file_digest(raw)
        digests.append((str(path), digest))
        known = memo.get(str(path), digest, today) if memo is not None else None
        if known is None:
            try:
                doc = parse_bytes(raw, path)
            except ConfigError as exc:
                problems.extend(exc.problems)
                continue
            if not directory_files.is_directory_document(doc.data):
                _read_other(doc, flows, rule_docs, problems)
                continue
            parsed, found = _parse_directory_file(doc, today)
            known = _Validated(digest, today, parsed, tuple(found))
            if memo is not None:
                memo.remember(str(path), known)
        problems.extend(known.problems)
        # the parsed file is dropped here: only the rare cross-file problem needs it
        if isinstance(known.parsed, MunicipalityDraft):
            drafts.append(known.parsed)
        elif isinstance(known.parsed, Region):
            found_regions.append(known.parsed)
        elif isinstance(known.parsed, BrokenRegion):
            broken_regions.append(known.parsed.id)
    if memo is not None:
        memo.keep_only(p for p, _ in digests)
    by_id, found = regions.unique_regions(found_regions)
    problems.extend(found)
    inherit = memo.inherit if memo is not None else regions.inherit
    joined, found = regions.resolve(drafts, by_id, broken_regions, inherit)
    problems.extend(found)
    municipalities = [(LazyDocument(Path(m.source)), m) for m in joined]
    problems.extend(directory_checks.cross_check(municipalities))
    directory = directory_checks.build_directory((m for _, m in municipalities), by_id)
    problems.extend(rule_checks.cross_check(flows, rule_docs, directory))
    return _Read(directory, flows, rule_docs, problems, digests)


def _parse_directory_file(
    doc: Document, today: date
) -> tuple[MunicipalityDraft | Region | BrokenRegion | None, list[Problem]]:
    if region_files.is_region_document(doc.data):
        return region_files.parse_region(doc)
    return directory_files.parse_draft(doc, today=today)


def _read_other(
    doc: Document, flows: list[Flow], rule_docs: dict[str, Document], problems: list[Problem]
) -> None:
    """A rules file (kept whole: the rule checks point into it), or a file of neither kind."""
    if rules_parser.is_rules_document(doc.data):
        parsed, found = rules_parser.parse_rules(doc)
        problems.extend(found)
        flows.extend(parsed)
        rule_docs[doc.path] = doc
        return
    problems.append(
        doc.problem(
            (),
            "not a directory file (it starts with 'municipality:' or 'region:') "
            "nor a rules file (it starts with 'flows:')",
        )
    )


def check(paths: Sequence[Path], *, today: date | None = None) -> list[Problem]:
    """Every problem in these files, rule tests included; what `referral-bot check` prints."""
    return checked(paths, today=today)[0]


def checked(
    paths: Sequence[Path], *, today: date | None = None
) -> tuple[list[Problem], Catalog | None]:
    """What `check` finds, and the catalog when the files load (`check --slack` goes on
    with its people)."""
    try:
        catalog = load_catalog(paths, today=today)
    except ConfigError as exc:
        return sorted(set(exc.problems)), None
    return sorted(set(catalog.warnings)), catalog


def load_catalog(
    paths: Sequence[Path], *, today: date | None = None, memo: ValidatedFiles | None = None
) -> Catalog:
    """Load everything or nothing: raise ConfigError with every problem if any is an error.

    With a `memo` kept between calls, files unchanged since the last call are not
    validated again (see ValidatedFiles).
    """
    read = _read(paths, today or date.today(), memo)
    problems = read.problems
    if any(p.severity == "error" for p in problems):
        raise ConfigError(problems)
    index = SchoolIndex(read.directory)
    # rule tests pin the hard rules (acute first, no "inform guardians" on violence…):
    # a change that breaks one must not go live, so they run on every load
    problems.extend(rule_tests.run_tests(read.flows, read.rule_docs, read.directory, index))
    if any(p.severity == "error" for p in problems):
        raise ConfigError(problems)
    return Catalog(
        directory=read.directory,
        flows={f.id: f for f in read.flows},
        index=index,
        version=_version(read.digests),
        loaded_at=time.time(),
        warnings=tuple(sorted(problems)),
        sources=dict(read.digests),
    )
