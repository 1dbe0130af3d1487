"""The admin page's settings: all four or none, a secret long enough, never shown."""

from __future__ import annotations

import pytest

from bot.errors import BotError
from bot.settings import Settings

COMPLETE = {
    "SLACK_CLIENT_ID": "1111.2222",
    "SLACK_CLIENT_SECRET": "client-secret-value",
    "ADMIN_SESSION_SECRET": "x" * 40,
    "ADMIN_BASE_URL": "https://bot.example.se/",
}


def test_the_four_settings_turn_the_page_on_and_the_secrets_stay_hidden() -> None:
    settings = Settings.from_env(COMPLETE)
    assert settings.has_admin_web
    assert settings.admin_base_url == "https://bot.example.se"  # the callback is appended
    shown = repr(settings)
    assert "client-secret-value" not in shown and "x" * 40 not in shown


def test_without_them_there_is_no_page() -> None:
    assert not Settings.from_env({}).has_admin_web


@pytest.mark.parametrize("left_out", sorted(COMPLETE))
def test_a_part_of_them_names_what_is_missing(left_out: str) -> None:
    with pytest.raises(BotError) as raised:
        Settings.from_env({k: v for k, v in COMPLETE.items() if k != left_out})
    assert f"missing: {left_out}" in str(raised.value)


@pytest.mark.parametrize(
    ("name", "value", "accepts"),
    [
        ("ADMIN_SESSION_SECRET", "short", "at least 32 characters"),
        ("SLACK_CLIENT_ID", "my-app", "the Slack app's client id"),
        ("ADMIN_BASE_URL", "bot.example.se", "the bot's public http(s):// address"),
    ],
)
def test_a_bad_value_says_what_it_accepts_and_not_the_value(
    name: str, value: str, accepts: str
) -> None:
    with pytest.raises(BotError) as raised:
        Settings.from_env(COMPLETE | {name: value})
    message = str(raised.value)
    assert f"{name} must be {accepts}" in message
    assert value not in message.replace(accepts, "")
