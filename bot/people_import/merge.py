"""The import as a whole: read the spreadsheet, place its rows in the municipality's file,
edit the file's text where the rows change it, and write it if it still checks."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from bot.core.catalog import load_catalog
from bot.core.schema import did_you_mean
from bot.core.yamlio import parse_document
from bot.errors import BotError, Problem
from bot.people_import.checked_write import write_checked
from bot.people_import.directory_edits import edits_for
from bot.people_import.placing import Placer, RowProblem
from bot.people_import.sheet import read_sheet
from bot.people_import.yaml_splice import apply


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did (or, with dry_run, would do) to one directory file."""

    path: Path
    added: int
    updated: int
    contacts_added: int
    row_problems: tuple[RowProblem, ...]
    notes: tuple[str, ...]  # school names read fuzzily, columns left out
    diff: str  # unified diff of the file, old → new
    refused: tuple[Problem, ...]  # errors the result would have: nothing was written
    written: bool


def import_people(
    sheet_path: Path, municipality_id: str, folder: Path, *, dry_run: bool = False
) -> ImportResult:
    """Merge the people of `sheet_path` into the directory file of `municipality_id` in
    `folder`. The folder must load as it is (ConfigError otherwise)."""
    try:
        raw_sheet = sheet_path.read_bytes()
    except OSError as exc:
        raise BotError(f"could not read {sheet_path}: {exc.strerror}") from None
    sheet = read_sheet(raw_sheet, str(sheet_path))
    catalog = load_catalog([folder])
    municipality = catalog.directory.municipalities.get(municipality_id)
    if municipality is None:
        known = catalog.directory.municipalities
        raise BotError(
            f"no municipality '{municipality_id}' in {folder}"
            + did_you_mean(municipality_id, known)
        )
    placer = Placer(municipality, catalog.index)
    for row in sheet.rows:
        placer.place(row)
    plan = placer.plan
    path = Path(municipality.source)
    original = path.read_bytes()
    text = original.decode("utf-8-sig")
    new_text = apply(text, edits_for(plan, str(path), text, parse_document(text, str(path)).root))
    diff = "".join(
        difflib.unified_diff(
            text.splitlines(keepends=True),
            new_text.splitlines(keepends=True),
            fromfile=f"a/{path}",
            tofile=f"b/{path}",
        )
    )
    refused: list[Problem] = []
    if new_text != text:
        refused = write_checked(path, original, new_text, folder, dry_run=dry_run)
    notes = [*plan.notes, *(f"column '{c}' left out" for c in sheet.ignored_columns)]
    return ImportResult(
        path=path,
        added=len(plan.new_people),
        updated=len(plan.updates),
        contacts_added=plan.contacts_added,
        row_problems=tuple(plan.problems),
        notes=tuple(notes),
        diff=diff,
        refused=tuple(refused),
        written=new_text != text and not dry_run and not refused,
    )
