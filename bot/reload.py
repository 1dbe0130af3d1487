"""Hot reload: the live catalog, swapped whole only for a valid one; the last good one stays."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from watchfiles import DefaultFilter, awatch

from bot.errors import ConfigError, Problem

if TYPE_CHECKING:
    from bot.core.catalog import Catalog
    from bot.last_good import LastGoodCopy
    from bot.metrics import Metrics

logger = logging.getLogger(__name__)

Loader = Callable[[], "Catalog"]


def release_memory() -> None:
    """Give the memory of a replaced catalog, and of the load's parse trees, back to the OS.

    glibc's allocator keeps freed pages unless asked; `malloc_trim(0)` returns them (glibc
    only; elsewhere only the collection runs). Measured at 20,000 units (2026-12-01): the
    serving process is 2 MiB smaller after its first load and 5 MiB smaller after a full
    reload with it (75 and 92 MiB against 77 and 97 MiB without).
    """
    gc.collect()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


OnError = Callable[[Sequence[Problem]], Awaitable[None]]
OnReload = Callable[["Catalog"], Awaitable[None]]

# Editors save in bursts (temp file, rename, chmod); wait for quiet before reloading.
DEBOUNCE_MS = 500
# How often the watcher yields an empty batch when nothing changes (marks it as running).
READY_TIMEOUT_MS = 250
# A full load of 20,000 school units takes about a second (bench/README.md); one that takes
# this long is stuck (a disk that hangs) or starved, and is reported and tried again.
LOAD_TIMEOUT_SECONDS = 60.0
# A load that failed for another reason than the files (a disk error, a timeout, a bug) is
# tried again after these many seconds, doubling up to the last.
RETRY_SECONDS = (5.0, 10.0, 20.0, 40.0, 60.0)


@dataclass(frozen=True)
class ReloadResult:
    """What one reload attempt did."""

    ok: bool
    version: str  # the version live after the attempt (the old one when it failed)
    changed: bool  # a catalog with a different version went live
    problems: tuple[Problem, ...]  # errors when it failed, warnings when it succeeded
    seconds: float


@dataclass(frozen=True)
class LastError:
    """The problems of the most recent failed reload, while it is still the latest word."""

    at: float
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Status:
    """A snapshot for `/referral-admin status` and logs."""

    version: str
    loaded_at: float
    municipalities: int
    schools: int
    flows: int
    warnings: int
    last_error: LastError | None
    # the files on disk did not load at start: the copy of the last good ones is live
    serving_last_good: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "serving_last_good": self.serving_last_good,
            "loaded_at": self.loaded_at,
            "municipalities": self.municipalities,
            "schools": self.schools,
            "flows": self.flows,
            "warnings": self.warnings,
            "last_error": None
            if self.last_error is None
            else {"at": self.last_error.at, "problems": [str(p) for p in self.last_error.problems]},
        }


def _timed_out() -> Problem:
    return Problem(
        "configuration",
        1,
        1,
        "error",
        f"loading took longer than {LOAD_TIMEOUT_SECONDS:.0f} s; it is tried again shortly",
    )


def _unexpected(exc: Exception) -> Problem:
    """A failure that is not a ConfigError (a file vanished mid-read, a bug) as one problem."""
    if isinstance(exc, OSError):
        where = str(exc.filename) if exc.filename else "configuration"
        return Problem(where, 1, 1, "error", f"could not read: {exc.strerror or exc}")
    return Problem("configuration", 1, 1, "error", f"internal error while loading ({exc!r})")


class CatalogHolder:
    """Holds the live Catalog (`current`); `reload()` swaps it only for a valid new one.

    Readers take `holder.current` once per message and keep using that object, so a message
    in flight during a swap finishes on the catalog it started with (catalogs are immutable).
    Construction loads the first catalog. When the files on disk do not load and a copy of
    the last good ones is kept (`last_good`), that copy goes live and the problems stand as
    `last_error` (see `announce`); with no copy, ConfigError is raised and startup fails.
    `on_error` and `on_reload` may also be set after construction (the Slack client that
    posts to ADMIN_CHANNEL is built after the service that reads this holder).
    """

    def __init__(
        self,
        loader: Loader,
        *,
        initial: Catalog | None = None,
        last_good: LastGoodCopy | None = None,
        on_error: OnError | None = None,
        on_reload: OnReload | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._loader = loader
        self._last_good = last_good
        self.on_error: OnError | None = on_error
        self.on_reload: OnReload | None = on_reload
        self._metrics = metrics
        self._last_error: LastError | None = None
        self._serving_last_good = False
        self._retry: asyncio.Task[None] | None = None
        self._retries = 0
        self._current: Catalog = initial if initial is not None else self._first_load()
        release_memory()
        self._lock = asyncio.Lock()
        if metrics is not None:
            metrics.catalog_loaded(self._current.loaded_at)

    def _first_load(self) -> Catalog:
        try:
            catalog = self._loader()
        except ConfigError as exc:
            kept = self._last_good.load() if self._last_good is not None else None
            if kept is None:
                raise
            self._last_error = LastError(at=time.time(), problems=tuple(exc.problems))
            self._serving_last_good = True
            for problem in exc.problems:
                logger.error("configuration: %s", problem, extra=_where(problem))
            logger.error(
                "the configuration on disk does not load: serving the last good copy "
                "(version %s) until it is fixed",
                kept.version,
            )
            return kept
        if self._last_good is not None:
            self._last_good.keep(catalog)
        return catalog

    async def close(self) -> None:
        """Cancel a load waiting to be tried again (at shutdown)."""
        if self._retry is not None:
            self._retry.cancel()
            await asyncio.gather(self._retry, return_exceptions=True)

    async def announce(self) -> None:
        """Tell the admins (on_error) what is wrong when start-up fell back on the copy."""
        if self._serving_last_good and self._last_error is not None and self.on_error:
            try:
                await self.on_error(self._last_error.problems)
            except Exception:
                logger.exception("on_error callback failed")

    @property
    def current(self) -> Catalog:
        return self._current

    @property
    def last_error(self) -> LastError | None:
        return self._last_error

    def status(self) -> Status:
        catalog = self._current
        return Status(
            version=catalog.version,
            loaded_at=catalog.loaded_at,
            municipalities=len(catalog.directory.municipalities),
            schools=len(catalog.directory.schools),
            flows=len(catalog.flows),
            warnings=len(catalog.warnings),
            last_error=self._last_error,
            serving_last_good=self._serving_last_good,
        )

    async def reload(self) -> ReloadResult:
        """Load everything again; go live only if it is valid. Never raises for bad config.

        The loader runs in a thread so the event loop keeps acknowledging Slack meanwhile.
        Reloads are serialised: a watcher and an admin command cannot interleave.
        """
        async with self._lock:
            start = time.perf_counter()
            try:
                catalog = await asyncio.wait_for(
                    asyncio.to_thread(self._loader), LOAD_TIMEOUT_SECONDS
                )
            except ConfigError as exc:
                return await self._failed(tuple(exc.problems), start)
            except TimeoutError:
                logger.error("loading the configuration took over %s s", LOAD_TIMEOUT_SECONDS)
                self._retry_later()
                return await self._failed((_timed_out(),), start)
            except Exception as exc:
                logger.exception("unexpected error while reloading the configuration")
                self._retry_later()
                return await self._failed((_unexpected(exc),), start)
            return await self._succeeded(catalog, start)

    def _retry_later(self) -> None:
        """Load again after a pause when a load failed for another reason than the files
        (a timeout, a disk error, a bug); the pause doubles while that goes on."""
        if self._retry is not None and not self._retry.done():
            return
        pause = RETRY_SECONDS[min(self._retries, len(RETRY_SECONDS) - 1)]
        self._retries += 1

        async def again() -> None:
            await asyncio.sleep(pause)
            self._retry = None
            await self.reload()

        self._retry = asyncio.create_task(again())

    async def _succeeded(self, catalog: Catalog, start: float) -> ReloadResult:
        old = self._current
        self._current = catalog
        self._last_error = None
        self._serving_last_good = False
        self._retries = 0
        release_memory()
        if self._last_good is not None:
            await asyncio.to_thread(self._last_good.keep, catalog)
        seconds = time.perf_counter() - start
        if self._metrics is not None:
            self._metrics.reload(True, catalog.loaded_at)
        for warning in catalog.warnings:
            logger.warning("configuration: %s", warning, extra=_where(warning))
        logger.info(
            "configuration reloaded: version %s (was %s), %d municipalities, %d flows, %.3f s",
            catalog.version,
            old.version,
            len(catalog.directory.municipalities),
            len(catalog.flows),
            seconds,
        )
        if self.on_reload is not None:
            try:
                await self.on_reload(catalog)
            except Exception:
                logger.exception("on_reload callback failed")
        return ReloadResult(
            ok=True,
            version=catalog.version,
            changed=catalog.version != old.version,
            problems=tuple(catalog.warnings),
            seconds=seconds,
        )

    async def _failed(self, problems: tuple[Problem, ...], start: float) -> ReloadResult:
        repeated = self._last_error is not None and self._last_error.problems == problems
        self._last_error = LastError(at=time.time(), problems=problems)
        seconds = time.perf_counter() - start
        if self._metrics is not None:
            self._metrics.reload(False)
        for problem in problems:
            log = logger.error if problem.severity == "error" else logger.warning
            log("configuration: %s", problem, extra=_where(problem))
        logger.error(
            "configuration NOT reloaded (%d problem(s)); version %s stays live",
            len(problems),
            self._current.version,
        )
        # The same broken state seen again (an editor saving twice) is not news for admins.
        if self.on_error is not None and not repeated:
            try:
                await self.on_error(problems)
            except Exception:
                logger.exception("on_error callback failed")
        return ReloadResult(
            ok=False,
            version=self._current.version,
            changed=False,
            problems=problems,
            seconds=seconds,
        )

    async def watch(
        self, paths: Sequence[Path], stop_event: asyncio.Event, *, debounce_ms: int = DEBOUNCE_MS
    ) -> None:
        """Reload whenever anything under these folders changes, until stop_event is set.

        Every change counts, not only *.yaml: a Kubernetes ConfigMap update is a swap of the
        hidden `..data` symlink. Editor swap and backup files are ignored. A watched folder
        that is replaced whole (`rm -r` and copy, `git checkout`, a rename) is watched again
        once it is back; until then the last good catalog stays live.
        """
        existing = [p for p in paths if p.exists()]
        if not existing:
            logger.warning("nothing to watch: none of %s exists", [str(p) for p in paths])
            return
        catch_up = False
        while not stop_event.is_set():
            logger.info("watching %s for changes", ", ".join(str(p) for p in existing))
            if not await self._watch_until_replaced(existing, stop_event, debounce_ms, catch_up):
                return
            logger.info("a watched folder was replaced; waiting for it to be back")
            while not all(p.is_dir() for p in existing):
                if await _wait(stop_event, 0.2):
                    return
            catch_up = True

    async def _watch_until_replaced(
        self, roots: Sequence[Path], stop_event: asyncio.Event, debounce_ms: int, catch_up: bool
    ) -> bool:
        """Reload on each batch of changes; True when a root itself went away, False on stop.

        With `catch_up`, reload once as soon as the watch is in place (its first, possibly
        empty, batch), so nothing written between the folder's return and now is missed.
        """
        root_names = {os.path.abspath(p) for p in roots}
        watcher = awatch(
            *roots,
            watch_filter=DefaultFilter(),
            debounce=debounce_ms,
            stop_event=stop_event,
            rust_timeout=READY_TIMEOUT_MS,
            yield_on_timeout=True,
        )
        async with aclosing(watcher) as batches:
            async for changes in batches:
                # inotify loses a folder that is deleted or renamed: start over when it is back.
                if any(os.path.abspath(path) in root_names for _, path in changes):
                    return True
                if changes or catch_up:
                    catch_up = False
                    logger.info("configuration files changed (%d); reloading", len(changes))
                    await self.reload()
        return False


async def _wait(event: asyncio.Event, seconds: float) -> bool:
    """Sleep up to `seconds`; True if the event was set meanwhile."""
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        return False
    return True


def _where(problem: Problem) -> dict[str, Any]:
    """Structured fields for JSON logs: where the problem is, not what the file says."""
    return {"path": problem.path, "line": problem.line, "col": problem.col}
