"""Reading the people spreadsheet: a CSV file as Excel writes it, in Swedish or English.

Excel in Sweden saves "CSV" with `;` between cells, elsewhere with `,`: the header row tells
which. Column names are matched without regard to case, spaces, hyphens or underscores
("E-post", "e_mail", "Åldersgrupper"). Several schools or age groups in one cell are
separated by `;` (Excel puts such a cell in quotes by itself).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from bot.errors import BotError

LIST_SEPARATOR = ";"  # between schools, and between age groups, inside one cell

# accepted header names, normalised (see _normal), → the field they fill
COLUMNS = {
    "name": "name",
    "namn": "name",
    "title": "title",
    "titel": "title",
    "phone": "phone",
    "telefon": "phone",
    "email": "email",
    "epost": "email",
    "schools": "schools",
    "skolor": "schools",
    "agegroups": "age_groups",
    "åldersgrupper": "age_groups",
    "id": "id",
}


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One row of the spreadsheet; `number` as the spreadsheet shows it (the header is 1)."""

    number: int
    name: str
    title: str
    phone: str
    email: str
    schools: tuple[str, ...]
    age_groups: tuple[str, ...]
    id: str
    extra_cells: int  # cells beyond the header's columns: a list cell that lost its quotes


@dataclass(frozen=True, slots=True)
class Sheet:
    """The rows that have something in them, and the columns the import leaves out."""

    rows: tuple[SheetRow, ...]
    ignored_columns: tuple[str, ...]  # header names that are none of COLUMNS


def _normal(header: str) -> str:
    return re.sub(r"[\s_-]+", "", header).casefold()


def _items(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip())


def read_sheet(raw: bytes, path: str) -> Sheet:
    """The rows of a people CSV; BotError when the file or its header cannot be used."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BotError(
            f"{path} is not UTF-8 text: in Excel, save it as 'CSV UTF-8 (kommaavgränsad)'"
        ) from None
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not records or not any(cell.strip() for cell in records[0]):
        raise BotError(f"{path}: the first row must name the columns, e.g. namn;telefon;skolor")
    fields: dict[int, str] = {}
    ignored: list[str] = []
    for position, header in enumerate(records[0]):
        field = COLUMNS.get(_normal(header))
        if field is None:
            if header.strip():
                ignored.append(header.strip())
            continue
        if field in fields.values():
            raise BotError(f"{path}: two columns are '{field}': keep one")
        fields[position] = field
    if "name" not in fields.values():
        accepted = ", ".join(sorted(COLUMNS))
        raise BotError(
            f"{path}: no column for the name in the first row (column names it knows: {accepted})"
        )
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # an empty line between groups of people
        cells = {f: record[p].strip() if p < len(record) else "" for p, f in fields.items()}
        rows.append(
            SheetRow(
                number=number,
                name=cells.get("name", ""),
                title=cells.get("title", ""),
                phone=cells.get("phone", ""),
                email=cells.get("email", ""),
                schools=_items(cells.get("schools", "")),
                age_groups=_items(cells.get("age_groups", "")),
                id=cells.get("id", ""),
                extra_cells=sum(1 for cell in record[len(records[0]) :] if cell.strip()),
            )
        )
    return Sheet(tuple(rows), tuple(ignored))
