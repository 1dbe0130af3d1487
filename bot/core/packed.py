"""Compact read-only containers for the catalog's per-school data.

A Python object costs 50–100 bytes before its content, so at 20,000 schools a string, a
tuple or a dict entry per school and key is most of the catalog. These keep the same data
in a few flat buffers instead.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from typing import overload


def numbers(values: Sequence[int], *, top: int | None = None) -> array[int]:
    """Non-negative whole numbers in an array of 1, 2 or 4 bytes each: the fewest they fit
    in (a table's rows, grades or name lengths fit in one). `top`: the largest value the
    array will hold, when more are to be added."""
    top = max(values, default=0) if top is None else top
    return array("B" if top < 2**8 else "H" if top < 2**16 else "I", values)


class PackedStrings(Sequence[str]):
    """Strings kept as one string and their offsets; `s[i]` slices out the i-th again."""

    __slots__ = ("_offsets", "_text")

    def __init__(self, strings: Iterable[str]) -> None:
        items = list(strings)
        self._text = "".join(items)
        offsets = [0]
        end = 0
        for item in items:
            end += len(item)
            offsets.append(end)
        self._offsets = numbers(offsets)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._text[self._offsets[i] : self._offsets[i + 1]]

    def __iter__(self) -> Iterator[str]:
        offsets, text = self._offsets, self._text
        for i in range(len(offsets) - 1):
            yield text[offsets[i] : offsets[i + 1]]


class HashedKeys:
    """str → numbers, as two arrays sorted by the key's hash: 6 bytes an entry, where a dict
    with a key string per entry costs about 100.

    A hash may be shared by two keys, so `candidates` can give numbers of another key as
    well: the caller checks them against the real key (or does not mind). That is also why
    the low 32 bits of the hash are enough: at 20,000 keys a lookup meets another key's hash
    about once in 200,000.
    """

    __slots__ = ("_hashes", "_values")

    def __init__(self, pairs: Iterable[tuple[str, int]]) -> None:
        items = sorted((_hash32(key), value) for key, value in pairs)
        self._hashes = array("I", [h for h, _ in items])
        self._values = numbers([v for _, v in items])

    def candidates(self, key: str) -> array[int]:
        h = _hash32(key)
        low = bisect_left(self._hashes, h)
        return self._values[low : bisect_right(self._hashes, h, low)]


def _hash32(key: str) -> int:
    """The low 32 bits of the key's hash. Str hashes are salted per process: the catalog
    is read back only by the process whose fork made it (bot.child_load)."""
    return hash(key) & 0xFFFF_FFFF
