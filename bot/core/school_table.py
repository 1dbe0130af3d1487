"""Schools kept as columns: a municipality's `SchoolTable`, and the directory's `SchoolsByKey`.

At 20,000 school units an object per school — the School, its key, name and code strings, a
dict entry — was most of the serving process's memory, and the many small objects kept it
fragmented long after a load. The tables keep each column in one buffer and build a School
object again when one is asked for (a few microseconds: lookups ask for a handful). Text
that can be made again is not kept: a key is made from the name, most stems are the start of
their core, a code is kept as its number.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence, ValuesView
from typing import Any, NamedTuple, overload

from bot.core.models import Municipality, School
from bot.core.name_keys import place_pattern, school_keys, slugify, stem_key
from bot.core.packed import PackedStrings, numbers

_NO_CODE = 10**8  # past every 8-digit code: the code column's "none, or kept in _Rare"


class _Rare(NamedTuple):
    """What only a few schools have, kept for those alone."""

    aliases: tuple[str, ...] = ()
    slack_channels: tuple[str, ...] = ()
    # A key that is not '<municipality>/<slug of the name>': a loaded directory has none,
    # but tables built by hand (tests, benchmarks) may give a clashing name another key.
    key: str | None = None
    # A code that is not 8 ASCII digits, which the code column cannot give back exactly.
    code: str | None = None


_COMMON = _Rare()


class SchoolTable(Sequence[School]):
    """One municipality's schools, in file order; `table[i]` is the i-th School."""

    __slots__ = (
        "_ages",
        "_codes",
        "_contacts",
        "_contacts_of",
        "_cores",
        "_first_entry",
        "_grades",
        "_grades_of",
        "_names",
        "_order",
        "_rare",
        "_stem_ends",
        "_suffixes",
        "municipality_id",
    )

    def __init__(
        self,
        municipality_id: str,
        schools: Iterable[School],
        municipality_name: str = "",
        *,
        keys_from_names: bool = False,
    ) -> None:
        """`keys_from_names`: the caller made every key from its school's name, as the
        directory parser does, so none needs making again to see whether to keep it."""
        rows = list(schools)
        self.municipality_id = municipality_id
        self._names = PackedStrings(s.name for s in rows)
        self._codes = array("I", [_code_number(s.code) for s in rows])
        self._ages = array("B", [a for s in rows for a in (s.min_age, s.max_age)])
        self._grades: list[str] = []
        self._grades_of = numbers([_slot(self._grades, s.grades) for s in rows])
        self._contacts: list[Mapping[str, tuple[str, ...]]] = []
        self._contacts_of = numbers([_shared_slot(self._contacts, s.contacts) for s in rows])
        self._rare: dict[int, _Rare] = {}
        for i, s in enumerate(rows):
            key = None if keys_from_names or s.key == self._made_key(s.name) else s.key
            code = s.code if s.code and self._codes[i] == _NO_CODE else None
            if s.aliases or s.slack_channels or key or code:  # most schools: nothing to keep
                self._rare[i] = _Rare(s.aliases, s.slack_channels, key, code)
        self._order = numbers(sorted(range(len(rows)), key=lambda i: rows[i].key))
        # The name keys the school index looks up, worked out here once per file: a reload
        # reuses them for every file that did not change. A row's entries are consecutive.
        place = place_pattern(municipality_name) if municipality_name else None
        first: list[int] = []
        cores: list[str] = []
        stem_ends: list[int] = []
        suffixes: list[str] = []
        for school in rows:
            first.append(len(cores))
            for keys in school_keys(school.name, school.aliases, place):
                cores.append(keys.core)
                stem_ends.append(len(keys.stem) if keys.core.startswith(keys.stem) else 0)
                suffixes.append(keys.suffix)
        first.append(len(cores))
        self._first_entry = numbers(first)
        self._cores = PackedStrings(cores)
        self._stem_ends = numbers(stem_ends)
        self._suffixes = PackedStrings(suffixes)
        if any(s.municipality_id != municipality_id for s in rows):
            raise ValueError(f"a school of another municipality in {municipality_id}'s table")

    def __len__(self) -> int:
        return len(self._names)

    @overload
    def __getitem__(self, i: int) -> School: ...
    @overload
    def __getitem__(self, i: slice) -> list[School]: ...
    def __getitem__(self, i: int | slice) -> School | list[School]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        rare = self._rare.get(i, _COMMON)
        name = self._names[i]
        return School(
            key=self._made_key(name) if rare.key is None else rare.key,
            name=name,
            municipality_id=self.municipality_id,
            min_age=self._ages[2 * i],
            max_age=self._ages[2 * i + 1],
            grades=self._grades[self._grades_of[i]],
            code=self._code(i, rare),
            aliases=rare.aliases,
            slack_channels=rare.slack_channels,
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
        """The i-th school's key, made again from its name (about a microsecond)."""
        key = self._rare.get(i, _COMMON).key
        return self._made_key(self._names[i]) if key is None else key

    def _made_key(self, name: str) -> str:
        return f"{self.municipality_id}/{slugify(name)}"

    def _code(self, i: int, rare: _Rare) -> str | None:
        number = self._codes[i]
        return rare.code if number == _NO_CODE else f"{number:08d}"

    def name(self, i: int) -> str:
        return self._names[i]

    def aliases(self, i: int) -> tuple[str, ...]:
        return self._rare.get(i, _COMMON).aliases

    def entries(self, row: int) -> range:
        """The numbers of a school's name-key entries (see cores, stem, suffixes)."""
        return range(self._first_entry[row], self._first_entry[row + 1])

    @property
    def entry_count(self) -> int:
        return len(self._cores)

    @property
    def cores(self) -> PackedStrings:
        """Each entry's core key ('angsskolan'), in row order."""
        return self._cores

    def stem(self, entry: int) -> str:
        """An entry's stem key ('angs'). Most stems begin their core and are kept as its
        length; the others ('tuna' of 'montessoriskolantuna', kept as 0) are made again."""
        core = self._cores[entry]
        end = self._stem_ends[entry]
        return core[:end] if end else stem_key(core)

    @property
    def suffixes(self) -> PackedStrings:
        """What each entry's core left out ('1' of 'Hagaskolan 1'), mostly empty."""
        return self._suffixes

    def codes_and_channels(self) -> Iterator[tuple[str, str | None, tuple[str, ...]]]:
        """(name, code, Slack channels) of each school, in order."""
        for i, name in enumerate(self._names):
            rare = self._rare.get(i, _COMMON)
            yield name, self._code(i, rare), rare.slack_channels

    def channels(self) -> Iterator[tuple[str, int]]:
        """(Slack channel, row) for every channel bound to a school of this table."""
        for i, rare in self._rare.items():
            for channel in rare.slack_channels:
                yield channel, i

    def row_of_smallest(self) -> int:
        """The row of the school whose key sorts first."""
        return self._order[0]

    def row_of(self, key: str) -> int | None:
        """The row of the school with this key, if there is one: a binary search that makes
        again only the keys it compares (8 in a table of 200)."""
        at = bisect_left(self._order, key, key=self.key)
        if at < len(self._order) and self.key(self._order[at]) == key:
            return self._order[at]
        return None


def _code_number(code: str | None) -> int:
    """A skolenhetskod as a number ('00123456' → 123456, given back with its zeros), or
    _NO_CODE for none and for a code that is not 8 ASCII digits."""
    if code is not None and len(code) == 8 and code.isascii() and code.isdigit():
        return int(code)
    return _NO_CODE


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
