"""Durable records with a due time: what waits in the store for a moment to come.

A consultation request waits for its escalation, a feedback reminder for its day. Each is a
record of one `kind` under an id: a body (JSON of ids and times only, never text a person
typed), a version that every write raises, and an optional due time. Changing a record is a
compare-and-swap on its version, so when two replicas act on the same due record only one
write lands: the loser reads it again and finds nothing left to do. Every record is dropped
`keep_seconds` after its last write.

Times are seconds since the epoch; `due` is compared with the caller's clock (passed to
`due`), so a test's clock can make a timer come due, while expiry runs on the store's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Record:
    """One stored record: its body as written, its version (1 when created) and due time."""

    id: str
    body: str
    version: int
    due: float | None


class RecordStore(Protocol):
    """Records of a few kinds (memory, SQLite or Redis); every write is atomic across the
    processes that share the store."""

    async def create(
        self, kind: str, rid: str, body: str, *, due: float | None, keep_seconds: float
    ) -> bool:
        """Store a new record at version 1; False (and nothing written) when `rid` exists."""

    async def read(self, kind: str, rid: str) -> Record | None:
        """The record, or None when there is none (or it has expired)."""

    async def swap(
        self,
        kind: str,
        rid: str,
        version: int,
        body: str,
        *,
        due: float | None,
        keep_seconds: float,
    ) -> bool:
        """Replace the record if it is still at `version` (its version becomes version + 1);
        False, and nothing written, when it has changed or is gone."""

    async def due(self, kind: str, now: float, limit: int) -> list[str]:
        """Ids of at most `limit` records of `kind` whose due time is at or before `now`,
        the earliest first."""

    async def listing(self, kind: str) -> list[Record]:
        """Every unexpired record of `kind`, in no particular order (the admins' audit)."""

    async def delete(self, kind: str, rid: str) -> None:
        """Drop the record; nothing happens when there is none."""
