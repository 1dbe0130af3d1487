"""Shared bench helpers: directories as YAML files, server processes, summary statistics."""

from __future__ import annotations

import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.core.models import Directory, Municipality, School
from bot.core.name_keys import slugify
from tests.helpers.slack_requests import BOT_TOKEN, SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Spread:
    """Median with min and max over repetitions."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values))

    def show(self, fmt: str = ",.0f", unit: str = "") -> str:
        """'1,234 (1,200–1,250)' — the median, then min–max unless they look the same."""
        low, high = f"{self.low:{fmt}}", f"{self.high:{fmt}}"
        middle = f"{self.median:{fmt}}{unit}"
        return middle if low == high else f"{middle} ({low}–{high})"


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (as bench/lookup.py computes p99)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def machine() -> str:
    """One line describing where the numbers were measured."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.machine()} ({model or 'unknown CPU'}), {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


# --------------------------------------------------------------------------- directory files


def _municipality_yaml(m: Municipality) -> dict[str, object]:
    hours: dict[str, str] = {}
    for span in m.office_hours:
        hours[DAYS[span.weekday]] = f"{span.opens:%H:%M}-{span.closes:%H:%M}"
    header: dict[str, object] = {
        "id": m.id,
        "name": m.name,
        "code": m.code,
        "office_hours": hours,
        "reception": {"name": m.reception.name, "phone": m.reception.phone}
        | ({"email": m.reception.email} if m.reception.email else {}),
        "after_hours": {"name": m.after_hours.name, "phone": m.after_hours.phone},
    }
    return {
        "municipality": header,
        "age_groups": [
            {"id": g.id, "label": g.label, "ages": f"{g.min_age}-{g.max_age}"} for g in m.age_groups
        ],
        "people": {
            p.id: {"name": p.name, "title": p.title, "phone": p.phone} for p in m.people.values()
        },
        "schools": [_school_yaml(s) for s in m.schools],
    }


def _school_yaml(s: School) -> dict[str, object]:
    block: dict[str, object] = {"name": s.name}
    if s.code:
        block["code"] = s.code
    block["grades"] = s.grades
    block["contacts"] = {group: list(people) for group, people in s.contacts.items()}
    return block


def write_directory(directory: Directory, folder: Path) -> int:
    """One YAML file per municipality, as an administrator would keep them; returns the count.

    A school whose name clashes with another of its municipality (the directory format
    forbids that: staff could not tell them apart) gets its unit code in its name.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for m in directory.municipalities.values():
        data = _municipality_yaml(m)
        seen: set[str] = set()
        for block in data["schools"]:  # type: ignore[attr-defined]
            if slugify(block["name"]) in seen:
                block["name"] = f"{block['name']} ({block.get('code', '?')})"
            seen.add(slugify(block["name"]))
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
        (folder / f"{m.id}.yml").write_text(text, encoding="utf-8")
    return len(directory.municipalities)


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Server:
    """A server in its own OS process on a loopback port: our bot or a bare slack-bolt app."""

    def __init__(self, label: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.label = label
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/slack/events"
        self._log = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, *args, "--port", str(self.port)],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 120.0) -> float:
        """Seconds until the port accepts connections (the bot loads its catalog first)."""
        start = time.perf_counter()
        while not _listening(self.port):
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.label} exited with {self.proc.returncode}")
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"{self.label} did not start listening")
            time.sleep(0.05)
        return time.perf_counter() - start

    def rss_mib(self) -> tuple[float, float]:
        """(current RSS, peak RSS) of the process, MiB, from /proc."""
        fields = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            fields[key] = value
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._log.close()


def bot_server(
    label: str,
    *,
    directory: Path,
    api_url: str,
    store_url: str,
    log: Path,
    env: dict[str, str] | None = None,
) -> Server:
    """`referral-bot serve --http` as production runs it, on `directory` and the shipped rules
    (and `env`'s settings over these)."""
    settings = {
        "REFERRAL_DIRECTORY": str(directory),
        "REFERRAL_RULES": str(RULES),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": "",
        "SLACK_API_URL": api_url,
        "STORE_URL": store_url,
        "TELEGRAM_BOT_TOKEN": "",
        "ADMIN_CHANNEL": "",
    } | (env or {})
    return Server(label, ["-m", "bot", "serve", "--http", "--host", "127.0.0.1"], settings, log)


def bolt_server(label: str, *, api_url: str, before_response: bool, log: Path) -> Server:
    """A bare slack-bolt AsyncApp whose slash-command handler only acks (bench/bare_bolt.py)."""
    args = ["-m", "bench.bare_bolt", "--api-url", api_url]
    if before_response:
        args.append("--process-before-response")
    return Server(label, args, {}, log)


def redis_server(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A private redis-server on a free loopback port (as tests/helpers/redis_server.py)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server not installed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while not _listening(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"redis-server did not start on port {port}")
        time.sleep(0.02)
    return proc, f"redis://127.0.0.1:{port}/0"
