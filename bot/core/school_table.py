"""Schools kept as columns: a municipality's `SchoolTable`, and the directory's `SchoolsByKey`.

At 20,000 school units an object per school — the School, its key, name and code strings, a
dict entry — was most of the serving process's memory, and the many small objects kept it
fragmented long after a load. The tables keep each column in one buffer and build a School
object again when one is asked for (a few microseconds: lookups ask for a handful).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence, ValuesView
from typing import Any, overload

from bot.core.models import Municipality, School
from bot.core.name_keys import place_pattern, school_keys
from bot.core.packed import PackedStrings, numbers


class SchoolTable(Sequence[School]):
    """One municipality's schools, in file order; `table[i]` is the i-th School."""

    __slots__ = (
        "_ages",
        "_codes",
        "_contacts",
        "_contacts_of",
        "_cores",
        "_extras",
        "_first_entry",
        "_grades",
        "_grades_of",
        "_keys",
        "_names",
        "_order",
        "_stems",
        "_suffixes",
        "municipality_id",
    )

    def __init__(
        self, municipality_id: str, schools: Iterable[School], municipality_name: str = ""
    ) -> None:
        rows = list(schools)
        self.municipality_id = municipality_id
        self._keys = PackedStrings(s.key for s in rows)
        self._names = PackedStrings(s.name for s in rows)
        self._codes = PackedStrings(s.code or "" for s in rows)
        self._ages = array("B", [a for s in rows for a in (s.min_age, s.max_age)])
        self._grades: list[str] = []
        self._grades_of = numbers([_slot(self._grades, s.grades) for s in rows])
        self._contacts: list[Mapping[str, tuple[str, ...]]] = []
        self._contacts_of = numbers([_shared_slot(self._contacts, s.contacts) for s in rows])
        # aliases and Slack channels are rare: kept only for the schools that have them
        self._extras = {
            i: (s.aliases, s.slack_channels)
            for i, s in enumerate(rows)
            if s.aliases or s.slack_channels
        }
        self._order = numbers(sorted(range(len(rows)), key=self._keys.__getitem__))
        # The name keys the school index looks up, worked out here once per file: a reload
        # reuses them for every file that did not change. A row's entries are consecutive.
        place = place_pattern(municipality_name) if municipality_name else None
        first: list[int] = []
        cores: list[str] = []
        stems: list[str] = []
        suffixes: list[str] = []
        for school in rows:
            first.append(len(cores))
            for keys in school_keys(school.name, school.aliases, place):
                cores.append(keys.core)
                stems.append(keys.stem)
                suffixes.append(keys.suffix)
        first.append(len(cores))
        self._first_entry = numbers(first)
        self._cores = PackedStrings(cores)
        self._stems = PackedStrings(stems)
        self._suffixes = PackedStrings(suffixes)
        if any(s.municipality_id != municipality_id for s in rows):
            raise ValueError(f"a school of another municipality in {municipality_id}'s table")

    def __len__(self) -> int:
        return len(self._keys)

    @overload
    def __getitem__(self, i: int) -> School: ...
    @overload
    def __getitem__(self, i: slice) -> list[School]: ...
    def __getitem__(self, i: int | slice) -> School | list[School]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        aliases, channels = self._extras.get(i, ((), ()))
        return School(
            key=self._keys[i],
            name=self._names[i],
            municipality_id=self.municipality_id,
            min_age=self._ages[2 * i],
            max_age=self._ages[2 * i + 1],
            grades=self._grades[self._grades_of[i]],
            code=self._codes[i] or None,
            aliases=aliases,
            slack_channels=channels,
            contacts=self._contacts[self._contacts_of[i]],
        )

    def __iter__(self) -> Iterator[School]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SchoolTable({self.municipality_id!r}, {len(self)} schools)"

    def key(self, i: int) -> str:
        return self._keys[i]

    def name(self, i: int) -> str:
        return self._names[i]

    def aliases(self, i: int) -> tuple[str, ...]:
        return self._extras.get(i, ((), ()))[0]

    def entries(self, row: int) -> range:
        """The numbers of a school's name-key entries (see core, stem, suffix)."""
        return range(self._first_entry[row], self._first_entry[row + 1])

    @property
    def entry_count(self) -> int:
        return len(self._cores)

    @property
    def cores(self) -> PackedStrings:
        """Each entry's core key ('angsskolan'), in row order."""
        return self._cores

    @property
    def stems(self) -> PackedStrings:
        """Each entry's stem key ('angs')."""
        return self._stems

    @property
    def suffixes(self) -> PackedStrings:
        """What each entry's core left out ('1' of 'Hagaskolan 1'), mostly empty."""
        return self._suffixes

    def codes_and_channels(self) -> Iterator[tuple[str, str | None, tuple[str, ...]]]:
        """(name, code, Slack channels) of each school, in order."""
        for i, (name, code) in enumerate(zip(self._names, self._codes, strict=True)):
            yield name, code or None, self._extras.get(i, ((), ()))[1]

    def channels(self) -> Iterator[tuple[str, int]]:
        """(Slack channel, row) for every channel bound to a school of this table."""
        for i, (_, channels) in self._extras.items():
            for channel in channels:
                yield channel, i

    def row_of_smallest(self) -> int:
        """The row of the school whose key sorts first."""
        return self._order[0]

    def row_of(self, key: str) -> int | None:
        """The row of the school with this key, if there is one."""
        at = bisect_left(self._order, key, key=self._keys.__getitem__)
        if at < len(self._order) and self._keys[self._order[at]] == key:
            return self._order[at]
        return None


def _slot(values: list[str], value: str) -> int:
    try:
        return values.index(value)
    except ValueError:
        values.append(value)
        return len(values) - 1


def _shared_slot(values: list[Any], value: object) -> int:
    """Contacts mappings are shared when equal (bot.core.directory); compare by identity."""
    for i, known in enumerate(values):
        if known is value:
            return i
    values.append(value)
    return len(values) - 1


def table_of(m: Municipality) -> SchoolTable:
    """A municipality's schools as a table: its own once loaded, a new one if built by hand."""
    return m.schools if isinstance(m.schools, SchoolTable) else SchoolTable(m.id, m.schools, m.name)


class SchoolsByKey(Mapping[str, School]):
    """Every school of the directory by its key '<municipality>/<slug>', read from the
    municipalities' tables."""

    __slots__ = ("_channels", "_count", "_tables")

    def __init__(self, municipalities: Mapping[str, Municipality]) -> None:
        self._tables = {m.id: table_of(m) for m in municipalities.values()}
        self._count = sum(map(len, self._tables.values()))
        self._channels = {
            channel: (table, row)
            for table in self._tables.values()
            for channel, row in table.channels()
        }

    def __getitem__(self, key: str) -> School:
        table = self._tables.get(key.partition("/")[0])
        row = table.row_of(key) if table is not None else None
        if table is None or row is None:
            raise KeyError(key)
        return table[row]

    def __iter__(self) -> Iterator[str]:
        for table in self._tables.values():
            yield from map(table.key, range(len(table)))

    def __len__(self) -> int:
        return self._count

    def values(self) -> ValuesView[School]:
        return _Values(self)

    def in_channel(self, channel: str) -> School | None:
        """The school a Slack channel is bound to (`slack_channels` in the directory)."""
        found = self._channels.get(channel)
        return None if found is None else found[0][found[1]]

    def tables(self) -> Iterable[SchoolTable]:
        return self._tables.values()


def tables_of(
    schools: Mapping[str, School], municipalities: Mapping[str, Municipality]
) -> list[SchoolTable]:
    """Every school in tables: the directory's own, or (for any other mapping) new ones."""
    if isinstance(schools, SchoolsByKey):
        return list(schools.tables())
    grouped: dict[str, list[School]] = {}
    for school in schools.values():
        grouped.setdefault(school.municipality_id, []).append(school)
    named = {m: municipalities[m].name if m in municipalities else "" for m in grouped}
    return [SchoolTable(m, rows, named[m]) for m, rows in grouped.items()]


class _Values(ValuesView[School]):
    """Each School once, table by table, without looking each key up again."""

    _mapping: SchoolsByKey

    def __iter__(self) -> Iterator[School]:
        for table in self._mapping.tables():
            yield from table
