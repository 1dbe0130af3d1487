"""The `slack` fixture: a running Slack Web API stand-in for each test that asks for one.

Kept apart from the stand-in itself so that the benchmarks' processes, which import the
stand-in and its ids, do not import pytest (8 MiB of a bare slack-bolt baseline's RSS).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.helpers.slack_standin import SlackStandIn


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    """A running Slack Web API stand-in (registered in tests/conftest.py)."""
    async with SlackStandIn() as standin:
        yield standin
