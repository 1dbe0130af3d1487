"""Work after the ack: a bounded queue with a fixed pool of workers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.transports.slack.payloads import where

logger = logging.getLogger(__name__)

# Each piece of work is mostly waiting for the Web API (~100 ms a call, 2-3 calls): 32 at a
# time keep up with 100 requests/s. 256 waiting is about 3 s of work at that rate, Slack's
# own patience; beyond that a person is better served by "try again" at once than late.
WORKERS = 32
QUEUE_SIZE = 256

Job = Callable[[], Awaitable[object]]


class WorkQueue:
    """At most `size` jobs waiting and `workers` running; `submit` says False when full."""

    def __init__(self, workers: int = WORKERS, size: int = QUEUE_SIZE) -> None:
        self._queue: asyncio.Queue[tuple[str, Job]] = asyncio.Queue(size)
        self._count = workers
        self._workers: list[asyncio.Task[None]] = []

    def submit(self, kind: str, job: Job) -> bool:
        """Queue `job` (a function, so nothing is built when there is no room)."""
        if not self._workers:  # started on first use: they need the running loop
            self._workers = [asyncio.create_task(self._work()) for _ in range(self._count)]
        try:
            self._queue.put_nowait((kind, job))
        except asyncio.QueueFull:
            logger.warning("work queue full: %s answered with the overload notice", kind)
            return False
        return True

    async def _work(self) -> None:
        while True:
            kind, job = await self._queue.get()
            try:
                await job()
            except (SlackApiError, SlackClientError) as error:
                code = error.response.get("error") if isinstance(error, SlackApiError) else None
                logger.warning(
                    "Slack API call failed in %s: %s", kind, code or type(error).__name__
                )
            except Exception as error:
                logger.error(
                    "handling %s failed: %s at %s", kind, type(error).__name__, where(error)
                )
            finally:
                del job  # the job holds a request body: drop it before waiting for the next
                self._queue.task_done()

    async def idle(self, timeout: float = 10) -> bool:
        """Wait until every queued job is done; False when `timeout` ran out first."""
        try:
            await asyncio.wait_for(self._queue.join(), timeout)
        except TimeoutError:
            logger.warning("Slack work still running after %s s", timeout)
            return False
        return True

    async def close(self) -> None:
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []
