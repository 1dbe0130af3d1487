"""Work after the ack: each piece a task of its own, counted, so shutdown can wait for it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.transports.slack.payloads import where

logger = logging.getLogger(__name__)

T = TypeVar("T")


class AfterAck:
    """Starts work as tasks and knows when none is left; errors are logged by type only."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()  # the event loop keeps only weak references
        self._idle = asyncio.Event()
        self._idle.set()

    def start(self, kind: str, work: Coroutine[Any, Any, T]) -> asyncio.Task[T | None]:
        """Run `work` now, as its own task; its result, or None when it failed."""
        task = asyncio.ensure_future(self._guarded(kind, work))
        self._tasks.add(task)
        self._idle.clear()
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not self._tasks:
            self._idle.set()

    @staticmethod
    async def _guarded(kind: str, work: Coroutine[Any, Any, T]) -> T | None:
        try:
            return await work
        except (SlackApiError, SlackClientError) as error:
            code = error.response.get("error") if isinstance(error, SlackApiError) else None
            logger.warning("Slack API call failed in %s: %s", kind, code or type(error).__name__)
        except Exception as error:
            logger.error("handling %s failed: %s at %s", kind, type(error).__name__, where(error))
        return None

    async def idle(self, timeout: float = 10) -> None:
        """Wait until no work runs after an ack (for shutdown and tests)."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            logger.warning("Slack work still running after %s s", timeout)
