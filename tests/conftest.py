"""Shared pytest setup: fixtures from tests/helpers."""

pytest_plugins = [
    "tests.helpers.redis_server",
    "tests.helpers.slack_fixture",
    "tests.helpers.telegram_standin",
]
