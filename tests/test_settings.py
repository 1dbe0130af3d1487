"""Settings come from the environment and a .env file, and never show secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.errors import BotError
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


BAD_VALUES = [
    ("TELEGRAM_BOT_TOKEN", "notatoken", "a token from BotFather"),
    ("LOG_LEVEL", "VERBOSE", "one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("LOG_FORMAT", "xml", "one of text, json"),
    ("SESSION_TTL_SECONDS", "1d", "a whole number from 60 to"),
    ("SESSION_TTL_SECONDS", "-5", "a whole number from 60 to"),
    ("HEALTH_PORT", "abc", "a whole number from 0 to 65535"),
    ("HEALTH_PORT", "70000", "a whole number from 0 to 65535"),
    ("SLACK_BOT_TOKEN", "xoxp-user-token", "a bot token 'xoxb-…'"),
    ("SLACK_APP_TOKEN", "xoxb-1", "an app-level token 'xapp-…'"),
    ("SLACK_API_URL", "localhost:9000", "an http(s):// URL"),
    ("ADMIN_USERS", "U1,anna", "Slack user ids"),
    ("ADMIN_USERGROUP", "admins", "a Slack user group id"),
    ("ADMIN_CHANNEL", "#admins", "a Slack channel id"),
    ("CONTACT_COMMAND", "kontakt", "a Slack command"),
]


@pytest.mark.parametrize(("name", "value", "accepts"), BAD_VALUES)
def test_a_bad_value_names_the_variable_and_what_it_accepts(
    name: str, value: str, accepts: str
) -> None:
    with pytest.raises(BotError) as raised:
        Settings.from_env({name: value})
    message = str(raised.value)
    assert f"{name} must be" in message and accepts in message
    assert value not in message.replace(accepts, "")  # a value may be a secret: never echoed


def test_every_bad_value_is_listed_at_once() -> None:
    with pytest.raises(BotError) as raised:
        Settings.from_env({"LOG_LEVEL": "VERBOSE", "HEALTH_PORT": "abc", "LOG_FORMAT": "xml"})
    assert str(raised.value).count(" must be ") == 3


def test_good_values_are_read() -> None:
    settings = Settings.from_env(
        {
            "LOG_LEVEL": "debug",
            "LOG_FORMAT": "JSON",
            "SESSION_TTL_SECONDS": "7200",
            "HEALTH_PORT": "9000",
            "TELEGRAM_BOT_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
            "ADMIN_USERS": "U01ABC, W02DEF",
        }
    )
    assert (settings.log_level, settings.log_format) == ("DEBUG", "json")
    assert (settings.session_ttl_seconds, settings.health_port) == (7200, 9000)
    assert settings.admin_users == ("U01ABC", "W02DEF")


@pytest.mark.parametrize(("name", "value", "accepts"), BAD_VALUES[:4])
def test_the_cli_exits_1_with_the_message_and_no_traceback(
    name: str,
    value: str,
    accepts: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(name, value)
    assert main(["serve"]) == 1
    err = capsys.readouterr().err
    assert f"{name} must be" in err and "Traceback" not in err
