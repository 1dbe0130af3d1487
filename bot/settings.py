"""Settings from the environment (and a .env file): read once, here, and nowhere else."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

SECRET_FIELDS = {"slack_bot_token", "slack_signing_secret", "slack_app_token", "telegram_token"}


@dataclass(frozen=True)
class Settings:
    """Everything the composition root needs. Secrets never appear in repr or logs."""

    directory: Path = Path("directory")
    rules: Path = Path("rules")
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = ""
    telegram_token: str = ""
    store_url: str = ""
    session_ttl_seconds: int = 24 * 3600
    admin_channel: str = ""
    admin_users: tuple[str, ...] = ()
    admin_usergroup: str = ""
    admin_command: str = "/referral-admin"
    contact_command: str = "/kontakt"
    checklist_command: str = "/oro"
    log_format: str = "text"
    log_level: str = "INFO"
    health_port: int = 8080

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """From `env`, or else the process environment over a `.env` file in the working
        folder (the environment wins, so a deployment can override the file)."""
        if env is None:
            from_file = {k: v for k, v in dotenv_values(".env").items() if v is not None}
            env = {**from_file, **os.environ}
        base = cls(
            directory=Path(env.get("REFERRAL_DIRECTORY", "directory")),
            rules=Path(env.get("REFERRAL_RULES", "rules")),
            slack_bot_token=env.get("SLACK_BOT_TOKEN", ""),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", ""),
            slack_app_token=env.get("SLACK_APP_TOKEN", ""),
            slack_api_url=env.get("SLACK_API_URL", ""),
            telegram_token=env.get("TELEGRAM_BOT_TOKEN", ""),
            store_url=env.get("STORE_URL", ""),
            session_ttl_seconds=int(env.get("SESSION_TTL_SECONDS", 24 * 3600)),
            admin_channel=env.get("ADMIN_CHANNEL", ""),
            admin_users=tuple(filter(None, map(str.strip, env.get("ADMIN_USERS", "").split(",")))),
            admin_usergroup=env.get("ADMIN_USERGROUP", ""),
            admin_command=env.get("ADMIN_COMMAND", "/referral-admin"),
            contact_command=env.get("CONTACT_COMMAND", "/kontakt"),
            checklist_command=env.get("CHECKLIST_COMMAND", "/oro"),
            log_format=env.get("LOG_FORMAT", "text"),
            log_level=env.get("LOG_LEVEL", "INFO"),
            health_port=int(env.get("HEALTH_PORT", 8080)),
        )
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})

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
