"""Remembering answers that are a pure function of the catalog and a key, without keeping text.

Staff ask about the same schools over and over, so the core remembers lookups and answers
per catalog. What someone typed may name a child, and the bot keeps no free text beyond the
message it is answering: a typed question is remembered only as a keyed digest (`text_key`),
and what is remembered for it holds ids and the directory's own words, never the question.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# A new key every process: the digests cannot be compared with any computed elsewhere.
_KEY = os.urandom(32)


def text_key(typed: str) -> bytes:
    """A 16-byte keyed digest of a typed text: equal texts give equal keys, and the text
    cannot be read back from it."""
    return hashlib.blake2b(typed.encode(), key=_KEY, digest_size=16).digest()


class CatalogMemo(Generic[K, V]):
    """Values remembered for one catalog at a time, forgotten when it is replaced (a reload).
    At most `size` of them: when full, the oldest makes room."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._catalog: object = None
        self._values: dict[K, V] = {}

    def get(self, catalog: object, key: K, compute: Callable[[], V]) -> V:
        if catalog is not self._catalog:
            self._catalog, self._values = catalog, {}
        if key in self._values:
            return self._values[key]
        if len(self._values) >= self._size:
            del self._values[next(iter(self._values))]
        value = self._values[key] = compute()
        return value

    def __len__(self) -> int:
        return len(self._values)
