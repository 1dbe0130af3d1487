"""A real `referral-bot serve --http` process on loopback, for replica and restart tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import aiohttp

from tests.helpers.slack_requests import BOT_TOKEN, SIGNING_SECRET, SignedRequest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BotProcess:
    """Starts the bot as a separate OS process pointed at a Slack stand-in and a store."""

    def __init__(
        self,
        *,
        api_url: str,
        store_url: str,
        log: Path,
        env: dict[str, str] | None = None,
        args: Sequence[str] = (),
        port: int | None = None,  # known before the start: a setting may name the address
    ) -> None:
        """`args`: more of `serve`'s options, e.g. ("--directory", DIR, "--at", TIME)."""
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        extra_env = env or {}
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_"))}
        env |= {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url,
            "STORE_URL": store_url,
            # each process keeps its copy of the last good configuration apart
            "DATA_DIR": str(log.parent / f"data-{self.port}"),
        }
        env |= extra_env
        self._log = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--http", "--host", "127.0.0.1",
             "--port", str(self.port), *args],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip

    async def ready(self, timeout: float = 20.0) -> None:
        """Wait for /readyz: configuration loaded and store reachable."""
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession() as http:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"bot exited with {self.proc.returncode}")
                try:
                    async with http.get(f"{self.url}/readyz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError("bot did not become ready")
                await asyncio.sleep(0.1)

    async def send(self, request: SignedRequest) -> int:
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{self.url}/slack/events", data=request.body, headers=request.headers
            ) as response,
        ):
            return response.status

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when a machine or container dies."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()
