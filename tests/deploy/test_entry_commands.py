"""The deploy entry commands, run for real as the image and the systemd unit run them.

Docker cannot run here, so the Dockerfile's CMD runs directly with the compose file's
environment (a SQLite store stands in for the compose Redis), from a folder laid out like the
image's WORKDIR, against a local stand-in for the Slack API. The systemd unit's ExecStart runs
the same way in Socket Mode.
"""

from __future__ import annotations

import asyncio
import configparser
import json
import os
import shlex
import shutil
import signal
import socket
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import aiohttp
import pytest
import yaml

from tests.helpers.slack_requests import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, slash_command
from tests.helpers.slack_standin import SlackStandIn

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CONSOLE_SCRIPT = Path(sys.executable).parent / "referral-bot"
STARTUP_SECONDS = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dockerfile_cmd() -> list[str]:
    cmds = [
        line for line in (DEPLOY / "Dockerfile").read_text().splitlines() if line.startswith("CMD")
    ]
    argv: list[str] = json.loads(cmds[-1].removeprefix("CMD"))
    return argv


def compose_bot_environment() -> dict[str, str]:
    services = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())["services"]
    env: dict[str, str] = services["bot-a"]["environment"]
    return {k: v for k, v in env.items() if "${" not in v}  # the literal ones, e.g. LOG_FORMAT


def unit_service() -> Mapping[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / "systemd" / "referral-bot.service").read_text())
    return parser["Service"]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """Laid out like the image's /app: rules/, directory/ and a writable data/."""
    app = tmp_path / "app"
    for folder in ("rules", "directory"):
        shutil.copytree(ROOT / folder, app / folder)
    (app / "data").mkdir()
    return app


class Bot:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def stop(self) -> tuple[int, str]:
        """SIGTERM, as docker stop / systemctl stop send it; the exit code and stderr."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            _, err = await asyncio.wait_for(self.process.communicate(), 15)
        except TimeoutError:
            self.process.kill()
            _, err = await self.process.communicate()
        return int(self.process.returncode or 0), err.decode()


async def start(argv: list[str], env: dict[str, str], cwd: Path) -> Bot:
    assert argv[0] == "referral-bot"
    process = await asyncio.create_subprocess_exec(
        str(CONSOLE_SCRIPT),
        *argv[1:],
        cwd=cwd,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(cwd), **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    return Bot(process)


async def wait_ready(http: aiohttp.ClientSession, base: str, bot: Bot) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if bot.process.returncode is not None:
            _, err = await bot.stop()
            raise AssertionError(f"the bot exited during startup:\n{err}")
        try:
            async with http.get(f"{base}/readyz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.2)
    _, err = await bot.stop()
    raise AssertionError(f"not ready within {STARTUP_SECONDS} s:\n{err}")


def assert_clean_json_logs(stderr: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines
    for line in lines:
        entry = json.loads(line)  # every line is one JSON object (LOG_FORMAT=json)
        assert {"time", "level", "logger", "message"} <= set(entry)
    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET):
        assert secret not in stderr


async def test_image_command_serves_slack_and_health_on_one_port(
    workdir: Path, slack: SlackStandIn
) -> None:
    argv = dockerfile_cmd()
    port = free_port()
    argv[argv.index("--port") + 1] = str(port)
    env = {
        **compose_bot_environment(),
        "STORE_URL": "sqlite:///data/state.db",  # the compose file's Redis is not here
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
    }
    assert env["LOG_FORMAT"] == "json"
    bot = await start(argv, env, workdir)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            await wait_ready(http, base, bot)
            async with http.get(f"{base}/healthz") as response:
                assert response.status == 200
            async with http.get(f"{base}/metrics") as response:
                assert "referral_bot_reloads_total" in await response.text()
            request = slash_command("/kontakt", "Ängsskolan", response_url=slack.response_url())
            async with http.post(
                f"{base}/slack/events", data=request.body, headers=request.headers
            ) as response:
                assert response.status == 200
            async with http.post(f"{base}/slack/events", data=b"forged") as response:
                assert response.status in (400, 401)
    finally:
        code, stderr = await bot.stop()
    assert code == 0, stderr
    assert (workdir / "data" / "state.db").exists()
    assert_clean_json_logs(stderr)


async def test_systemd_command_runs_socket_mode_with_health_on_the_side_port(
    workdir: Path, slack: SlackStandIn, tmp_path: Path
) -> None:
    service = unit_service()
    argv = shlex.split(service["ExecStart"])
    argv[0] = Path(argv[0]).name
    config = {"/etc/referral-bot/directory": workdir / "directory"}
    config["/etc/referral-bot/rules"] = workdir / "rules"
    argv = [str(config.get(arg, arg)) for arg in argv]
    env = dict(pair.split("=", 1) for pair in shlex.split(service["Environment"]))
    state = tmp_path / "state"
    state.mkdir()
    env["STORE_URL"] = env["STORE_URL"].replace("/var/lib/referral-bot", str(state))
    health = free_port()
    env |= {
        "HEALTH_PORT": str(health),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
    }
    bot = await start(argv, env, state)
    try:
        async with aiohttp.ClientSession() as http:
            await wait_ready(http, f"http://127.0.0.1:{health}", bot)
            async with http.get(f"http://127.0.0.1:{health}/metrics") as response:
                assert response.status == 200
    finally:
        code, stderr = await bot.stop()
    assert code == 0, stderr
    assert (state / "state.db").exists()
    assert_clean_json_logs(stderr)


def test_console_script_is_installed() -> None:
    assert CONSOLE_SCRIPT.exists(), "pip install -e . puts referral-bot beside python"


async def test_the_unit_does_not_restart_a_bot_stopped_by_a_bad_setting(workdir: Path) -> None:
    """ExecStart itself refuses a bad setting with exit 1, the code the unit never restarts."""
    service = unit_service()
    argv = shlex.split(service["ExecStart"])
    config = {"/etc/referral-bot/directory": workdir / "directory"}
    config["/etc/referral-bot/rules"] = workdir / "rules"
    argv = ["referral-bot", *(str(config.get(arg, arg)) for arg in argv[1:])]
    env = dict(pair.split("=", 1) for pair in shlex.split(service["Environment"]))
    env |= {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN}
    env |= {"SHUTDOWN_GRACE_SECONDS": "soon", "STORE_URL": "memory://"}

    bot = await start(argv, env, workdir)
    _, err = await asyncio.wait_for(bot.process.communicate(), 30)

    assert bot.process.returncode == 1
    assert "SHUTDOWN_GRACE_SECONDS must be" in err.decode()
    assert "1" in service["RestartPreventExitStatus"].split()
