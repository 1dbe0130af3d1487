"""Settings from the environment (and a .env file): read once, here, and nowhere else."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from bot.core.sessions import DEFAULT_TTL_SECONDS
from bot.errors import BotError

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_BOT_TOKEN = re.compile(r"xoxb-[A-Za-z0-9-]+")
_APP_TOKEN = re.compile(r"xapp-[A-Za-z0-9-]+")
_TELEGRAM_TOKEN = re.compile(r"[0-9]{4,}:[A-Za-z0-9_-]{30,}")
_HTTP_URL = re.compile(r"https?://[^\s/]+(/\S*)?")
_CHANNEL = re.compile(r"[CG][A-Z0-9]+")
_USER = re.compile(r"[UW][A-Z0-9]+")
_USERGROUP = re.compile(r"S[A-Z0-9]+")
_COMMAND = re.compile(r"/[a-z0-9_\-åäö]{1,31}")

SECRET_FIELDS = {
    "slack_bot_token",
    "slack_signing_secret",
    "slack_app_token",
    "telegram_token",
    "slack_client_secret",
    "admin_session_secret",
}
_CLIENT_ID = re.compile(r"[0-9]+\.[0-9]+")
# the admin page's cookies are signed with it: long enough not to be guessed
ADMIN_SECRET_MIN_LENGTH = 32


@dataclass(frozen=True)
class Settings:
    """Everything the composition root needs. Secrets never appear in repr or logs."""

    directory: Path = Path("directory")
    rules: Path = Path("rules")
    # where the bot keeps what must survive a restart: the copy of the last good
    # configuration (and the SQLite store, when STORE_URL does not say otherwise)
    data_dir: Path = Path("data")
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = ""
    telegram_token: str = ""
    store_url: str = ""
    session_ttl_seconds: int = DEFAULT_TTL_SECONDS
    admin_channel: str = ""
    admin_users: tuple[str, ...] = ()
    admin_usergroup: str = ""
    admin_command: str = "/referral-admin"
    contact_command: str = "/kontakt"
    checklist_command: str = "/oro"
    log_format: str = "text"
    log_level: str = "INFO"
    health_port: int = 8080
    # how long a stopping bot may take to finish what it has acknowledged (SIGTERM → exit);
    # compose's stop_grace_period, k8s' terminationGracePeriodSeconds and systemd's
    # TimeoutStopSec leave it a few seconds more
    shutdown_grace_seconds: int = 20
    # how long a Slack event's claim outlives a process killed while answering it: the
    # default ends before Slack's 1-minute retry; tests of lost answers shorten it
    slack_event_lease_seconds: int = 50
    # how long consultation requests are kept for the admins' audit (/referral-admin requests)
    handoff_keep_days: int = 90
    # how long a step of a consultation request that a killed process was taking blocks the
    # request before another replica takes it over; tests of killed replicas shorten it
    handoff_lease_seconds: int = 30
    # the admin page (bot.admin_web): "Sign in with Slack" with the app's client id and
    # secret, cookies signed with admin_session_secret, Slack sending people back to
    # admin_base_url; all four or none
    slack_client_id: str = ""
    slack_client_secret: str = ""
    admin_session_secret: str = ""
    admin_base_url: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """From `env`, or else the process environment over a `.env` file in the working
        folder (the environment wins, so a deployment can override the file).

        Every value is checked here: a BotError lists each variable that is wrong, with what
        it accepts (never the value itself, which may be a secret)."""
        if env is None:
            from_file = {k: v for k, v in dotenv_values(".env").items() if v is not None}
            env = {**from_file, **os.environ}
        read = _Reader(env)
        base = cls(
            directory=Path(env.get("REFERRAL_DIRECTORY", "directory")),
            rules=Path(env.get("REFERRAL_RULES", "rules")),
            data_dir=Path(env.get("DATA_DIR", "") or "data"),
            slack_bot_token=read.matching("SLACK_BOT_TOKEN", _BOT_TOKEN, "a bot token 'xoxb-…'"),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
            slack_app_token=read.matching(
                "SLACK_APP_TOKEN", _APP_TOKEN, "an app-level token 'xapp-…'"
            ),
            slack_api_url=read.matching("SLACK_API_URL", _HTTP_URL, "an http(s):// URL"),
            telegram_token=read.matching(
                "TELEGRAM_BOT_TOKEN", _TELEGRAM_TOKEN, "a token from BotFather, '123456:ABC…'"
            ),
            store_url=env.get("STORE_URL", ""),
            session_ttl_seconds=read.number(
                "SESSION_TTL_SECONDS", DEFAULT_TTL_SECONDS, 60, 30 * 86400
            ),
            admin_channel=read.matching("ADMIN_CHANNEL", _CHANNEL, "a Slack channel id 'C…'"),
            admin_users=read.ids("ADMIN_USERS", _USER, "Slack user ids 'U…', comma-separated"),
            admin_usergroup=read.matching(
                "ADMIN_USERGROUP", _USERGROUP, "a Slack user group id 'S…'"
            ),
            admin_command=read.command("ADMIN_COMMAND", "/referral-admin"),
            contact_command=read.command("CONTACT_COMMAND", "/kontakt"),
            checklist_command=read.command("CHECKLIST_COMMAND", "/oro"),
            log_format=read.one_of("LOG_FORMAT", "text", ("text", "json")),
            log_level=read.one_of("LOG_LEVEL", "INFO", LOG_LEVELS, fold=str.upper),
            health_port=read.number("HEALTH_PORT", 8080, 0, 65535),
            shutdown_grace_seconds=read.number("SHUTDOWN_GRACE_SECONDS", 20, 1, 600),
            slack_event_lease_seconds=read.number("SLACK_EVENT_LEASE_SECONDS", 50, 1, 3600),
            handoff_keep_days=read.number("HANDOFF_KEEP_DAYS", 90, 1, 3650),
            handoff_lease_seconds=read.number("HANDOFF_LEASE_SECONDS", 30, 1, 600),
            slack_client_id=read.matching(
                "SLACK_CLIENT_ID", _CLIENT_ID, "the Slack app's client id, digits '123.456'"
            ),
            slack_client_secret=env.get("SLACK_CLIENT_SECRET", "").strip(),
            admin_session_secret=read.secret("ADMIN_SESSION_SECRET", ADMIN_SECRET_MIN_LENGTH),
            admin_base_url=read.matching(
                "ADMIN_BASE_URL", _HTTP_URL, "the bot's public http(s):// address"
            ).rstrip("/"),
        )
        read.all_or_none(
            "the admin page",
            ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "ADMIN_SESSION_SECRET", "ADMIN_BASE_URL"),
        )
        read.raise_problems()
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def has_admin_web(self) -> bool:
        """Whether the admin page is configured (from_env checks all four are, or none)."""
        return bool(self.slack_client_id and self.admin_session_secret)

    @property
    def has_chat_tokens(self) -> bool:
        return bool(self.slack_bot_token or self.telegram_token)

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in SECRET_FIELDS and value:
                value = "***"
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"


class _Reader:
    """Reads variables from one environment and collects what is wrong with them."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def _bad(self, name: str, accepts: str) -> None:
        self.problems.append(f"{name} must be {accepts}")

    def matching(self, name: str, pattern: re.Pattern[str], accepts: str) -> str:
        value = self.env.get(name, "").strip()
        if value and not pattern.fullmatch(value):
            self._bad(name, accepts)
        return value

    def ids(self, name: str, pattern: re.Pattern[str], accepts: str) -> tuple[str, ...]:
        values = tuple(filter(None, map(str.strip, self.env.get(name, "").split(","))))
        if not all(pattern.fullmatch(v) for v in values):
            self._bad(name, accepts)
        return values

    def command(self, name: str, default: str) -> str:
        value = self.env.get(name, "").strip() or default
        if not _COMMAND.fullmatch(value):
            self._bad(name, "a Slack command: '/' and up to 31 lower-case letters, digits, - or _")
        return value

    def one_of(
        self,
        name: str,
        default: str,
        accepted: tuple[str, ...],
        fold: Callable[[str], str] = str.lower,
    ) -> str:
        value = fold(self.env.get(name, "").strip() or default)
        if value not in accepted:
            self._bad(name, "one of " + ", ".join(accepted))
        return value

    def number(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.env.get(name, "").strip()
        if not raw:
            return default
        if raw.isascii() and raw.isdigit() and low <= int(raw) <= high:
            return int(raw)
        self._bad(name, f"a whole number from {low} to {high}")
        return default

    def secret(self, name: str, min_length: int) -> str:
        value = self.env.get(name, "").strip()
        if value and len(value) < min_length:
            self._bad(name, f"at least {min_length} characters (e.g. `openssl rand -hex 32`)")
        return value

    def all_or_none(self, what: str, names: tuple[str, ...]) -> None:
        """Several variables that only work together: a part of them is a mistake."""
        missing = [n for n in names if not self.env.get(n, "").strip()]
        if 0 < len(missing) < len(names):
            self.problems.append(f"{what} needs {', '.join(names)}; missing: {', '.join(missing)}")

    def raise_problems(self) -> None:
        if self.problems:
            raise BotError("bad settings:\n  " + "\n  ".join(self.problems))
