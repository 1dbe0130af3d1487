"""Loading the catalog in a forked child process, so the serving process never holds a load.

A load of 20,000 school units makes about a million short-lived objects (parse trees,
temporary lists); CPython keeps the memory pages they used as long as any small object
survives on them, so a process that had loaded once stayed 16 MiB larger even after the
catalog itself was dropped. The child builds the catalog and sends it back pickled (5 MB at
20,000 units, about 20 ms to read back); the serving process only ever allocates the finished
catalog. It also takes the load's CPU time off the serving process: acks are not slowed by a
reload. Measured in bench/README.md ("Memory", "Reload").

The child is forked, so it starts with the parent's warm caches and the ValidatedFiles memo,
and leaves with `os._exit`; for a full load it forks a second child that reads half of the
files meanwhile, so a load uses two cores. It runs only the load (reading files, building
objects, writing a pipe) and takes no lock another thread of the parent could hold: no
logging, no store, no network. Where fork is missing, the load runs in the calling thread.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

from bot.core.catalog import (
    Catalog,
    ValidatedFiles,
    check,
    load_catalog,
    prevalidate,
    yaml_files,
)
from bot.errors import ConfigError, Problem

T = TypeVar("T")


class ChildFailed(RuntimeError):
    """The child died or failed for another reason than the configuration."""


class Child:
    """`work()` running in a forked child; `result()` waits for what it returns.

    The result comes back pickled, a ConfigError as its problems; anything else the child
    raises, or its death, is a ChildFailed.
    """

    def __init__(self, work: Callable[[], object]) -> None:
        self._read_end, write_end = os.pipe()
        with warnings.catch_warnings():
            # Python 3.12+ warns on fork in a threaded process: the child here takes no
            # lock (see the module docstring), so the warning's deadlock cannot happen
            warnings.simplefilter("ignore", DeprecationWarning)
            self._pid = os.fork()
        if self._pid == 0:  # the child: never returns
            code = 1
            try:
                os.close(self._read_end)
                # A signal meant for the child must not reach the parent's event loop through
                # the wakeup pipe both share: the child just ends, and the load fails.
                signal.set_wakeup_fd(-1)
                for number in (signal.SIGTERM, signal.SIGINT):
                    signal.signal(number, signal.SIG_DFL)
                # the child lives for one piece of work and then exits: the collector
                # would only walk, again and again, the objects it is building
                gc.disable()
                try:
                    outcome: tuple[str, object] = ("ok", work())
                except ConfigError as exc:
                    outcome = ("config", exc.problems)
                except Exception as exc:
                    outcome = ("failed", f"{type(exc).__name__}: {exc}")
                with os.fdopen(write_end, "wb") as pipe:
                    pickle.dump(outcome, pipe, protocol=pickle.HIGHEST_PROTOCOL)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)

    def result(self) -> object:
        with os.fdopen(self._read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        if not data:
            raise ChildFailed(f"the loading process ended without an answer (status {status})")
        kind, value = pickle.loads(data)
        if kind == "config":
            raise ConfigError(value)
        if kind == "failed":
            raise ChildFailed(str(value))
        return value


def in_child(work: Callable[[], T]) -> T:
    """`work()` run in a forked child (see Child); in this process where fork is missing."""
    if not hasattr(os, "fork"):
        return work()
    return Child(work).result()  # type: ignore[return-value]


@dataclass
class _Loaded:
    catalog: Catalog | None
    problems: list[Problem]
    memo: ValidatedFiles


def _load(paths: Sequence[Path], memo: ValidatedFiles) -> _Loaded:
    today = date.today()
    _validate_on_two_cores(yaml_files(p for p in paths if p.exists()), today, memo)
    try:
        return _Loaded(load_catalog(paths, today=today, memo=memo), [], memo)
    except ConfigError as exc:  # the memo learnt the files that were fine: keep it too
        return _Loaded(None, exc.problems, memo)


def _validate_on_two_cores(files: list[Path], today: date, memo: ValidatedFiles) -> None:
    """Parse and validate half of the files in a second child meanwhile: reading YAML and
    checking 20,000 schools is two thirds of a full load, and each file is on its own.
    Files already in the memo cost nothing, so after an edit this is quick either way."""
    if len(files) < 2 or not hasattr(os, "fork"):
        return
    theirs = Child(lambda: memo.results(prevalidate(files[1::2], today, memo)))
    prevalidate(files[::2], today, memo)
    with contextlib.suppress(ChildFailed):  # then the load validates that half itself
        memo.remember_all(theirs.result())  # type: ignore[arg-type]


class ChildLoader:
    """The CatalogHolder's loader: each load in a child, the memo kept between loads."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = list(paths)
        self.memo = ValidatedFiles()

    def __call__(self) -> Catalog:
        memo, paths = self.memo, self.paths
        loaded = in_child(lambda: _load(paths, memo))
        self.memo = loaded.memo
        if loaded.catalog is None:
            raise ConfigError(loaded.problems)
        return loaded.catalog

    def check(self) -> list[Problem]:
        """What `referral-bot check` says about the same files."""
        paths = self.paths
        return in_child(lambda: check(paths))
