"""Settings come from the environment and a .env file, and never show secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings


def test_a_dotenv_file_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxb-from-file\nADMIN_USERS=U1, U2\nSTORE_URL=memory://\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORE_URL", "redis://localhost:6379/0")
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    settings = Settings.from_env()
    assert settings.slack_bot_token == "xoxb-from-file"
    assert settings.admin_users == ("U1", "U2")
    assert settings.store_url == "redis://localhost:6379/0"


def test_secrets_never_show_in_repr() -> None:
    settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-secret", "SLACK_SIGNING_SECRET": "s3"})
    shown = repr(settings)
    assert "xoxb-secret" not in shown and "s3'" not in shown and "***" in shown
