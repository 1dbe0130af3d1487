"""The admin page's settings: all four or none, a secret long enough, never shown."""

from __future__ import annotations

import pytest
from aiohttp import web

from bot.admin import Admin
from bot.admin_web.cookies import SESSION_COOKIE
from bot.app import admin_pages
from bot.core.sessions import MemoryStore
from bot.errors import BotError
from bot.reload import CatalogHolder
from bot.settings import Settings
from tests.helpers.shipped import shipped_catalog

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


@pytest.mark.parametrize(
    ("base", "secure"), [("https://bot.example.se", True), ("http://10.0.0.5:8080", False)]
)
def test_the_session_cookie_is_secure_when_the_page_is_served_over_https(
    base: str, secure: bool
) -> None:
    settings = Settings.from_env(COMPLETE | {"ADMIN_BASE_URL": base})
    catalog = shipped_catalog()
    holder = CatalogHolder(lambda: catalog)
    pages = admin_pages(settings, Admin(holder, users=[], paths=[]), holder, MemoryStore())
    response = web.Response()
    pages.cookies.start_session(response, "U0ADMIN001")
    assert bool(response.cookies[SESSION_COOKIE]["secure"]) is secure
    assert pages.signin.redirect_uri == f"{base}/admin/callback"
