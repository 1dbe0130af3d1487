"""Finding typed text that something in the test process still holds."""

from __future__ import annotations

import gc
import types


def holders_of(marker: str, ours: str) -> list[str]:
    """The kinds of object in this process that still hold `marker`, as text or bytes,
    leaving out the frames and coroutines of the test module `ours` (they hold it to look
    for it): a whole-process check that no cache, buffer or record kept typed text."""
    gc.collect()
    as_bytes = marker.encode()
    found = []
    for obj in gc.get_objects():
        if isinstance(obj, types.CoroutineType) and obj.cr_code.co_filename == ours:
            continue
        if isinstance(obj, types.FrameType) and obj.f_code.co_filename == ours:
            continue
        if isinstance(obj, types.ModuleType):
            # A module's referents are its __dict__ (scanned as an object of its own) and, for
            # _asyncio before CPython 3.12.5, its freelist of freed FutureIter objects, which
            # get_referents brings back to life and frees twice (CPython gh-122695: a crash)
            continue
        for ref in gc.get_referents(obj):
            text = isinstance(ref, str) and marker in ref
            if text or (isinstance(ref, bytes | bytearray) and as_bytes in ref):
                found.append(type(obj).__name__)
    return found
