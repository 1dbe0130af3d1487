"""Health, readiness and metrics over real HTTP, with real session stores."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.core.models import Directory
from bot.core.sessions import MemoryStore
from bot.metrics import Metrics
from bot.reload import CatalogHolder
from bot.stores import open_store
from bot.web import add_health_routes, run_side_server, time_slack_acks


class TinyCatalog:
    version = "abc123def456"
    loaded_at = 1_764_000_000.0
    directory = Directory({}, {})
    flows: Mapping[str, Any] = MappingProxyType({})
    warnings = ()


def holder() -> CatalogHolder:
    return CatalogHolder(lambda: TinyCatalog())  # type: ignore[arg-type,return-value]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class HangingStore:
    """A store that never answers, like Redis behind a dropped firewall rule."""

    async def complete(self, key: str, ttl_seconds: float) -> None:
        await asyncio.sleep(60)


async def client_for(store: Any, metrics: Metrics | None = None) -> TestClient[Any, Any]:
    app = web.Application()
    add_health_routes(app, holder=holder(), store=store, metrics=metrics or Metrics())
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest.fixture
async def memory_client() -> AsyncIterator[TestClient[Any, Any]]:
    client = await client_for(MemoryStore())
    yield client
    await client.close()


async def test_healthz_says_the_process_is_up(memory_client: TestClient[Any, Any]) -> None:
    response = await memory_client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_readyz_with_a_working_sqlite_store(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    client = await client_for(store)
    try:
        response = await client.get("/readyz")
        assert response.status == 200
        assert await response.json() == {"ready": True, "version": "abc123def456"}
    finally:
        await client.close()
        await store.close()


async def test_readyz_is_503_when_redis_is_unreachable() -> None:
    store = open_store(f"redis://127.0.0.1:{closed_port()}/0")
    client = await client_for(store)
    try:
        response = await client.get("/readyz")
        assert response.status == 503
        body = await response.json()
        assert body["ready"] is False and body["waiting_for"] == ["store"]
        assert "cannot be written" in body["reasons"]["store"]
        # Liveness stays green: restarting the bot would not bring Redis back.
        assert (await client.get("/healthz")).status == 200
    finally:
        await client.close()
        await store.close()


async def test_readyz_answers_in_time_when_the_store_hangs() -> None:
    client = await client_for(HangingStore())
    try:
        start = time.monotonic()
        response = await client.get("/readyz")
        assert response.status == 503
        assert time.monotonic() - start < 1.5
        assert "in time" in (await response.json())["reasons"]["store"]
    finally:
        await client.close()


async def test_metrics_in_prometheus_text() -> None:
    metrics = Metrics()
    metrics.lookup("ambiguous")
    client = await client_for(MemoryStore(), metrics)
    try:
        response = await client.get("/metrics")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        assert 'referral_bot_lookups_total{status="ambiguous"} 1.0' in await response.text()
    finally:
        await client.close()


async def test_side_server_serves_the_same_routes_on_its_own_port() -> None:
    runner = await run_side_server(
        "127.0.0.1", 0, holder=holder(), store=MemoryStore(), metrics=Metrics()
    )
    try:
        host, port = runner.addresses[0][:2]
        async with aiohttp.ClientSession() as http:
            for path, status in (("/healthz", 200), ("/readyz", 200), ("/metrics", 200)):
                async with http.get(f"http://{host}:{port}{path}") as response:
                    assert response.status == status, path
            async with http.get(f"http://{host}:{port}/slack/events") as response:
                assert response.status == 404
    finally:
        await runner.cleanup()


async def test_slack_acks_are_timed_by_kind_and_rejections_are_not() -> None:
    metrics = Metrics()

    async def events(request: web.Request) -> web.Response:
        """A stand-in for the transport: reads the body again, refuses what is not signed."""
        await request.read()
        if request.headers.get("X-Slack-Signature") != "ok":
            return web.Response(status=401)
        await asyncio.sleep(0.02)
        return web.Response(text="")

    app = web.Application()
    app.router.add_post("/slack/events", events)
    add_health_routes(app, holder=holder(), store=MemoryStore(), metrics=metrics)
    time_slack_acks(app, metrics)
    signed = {"X-Slack-Signature": "ok"}
    async with TestClient(TestServer(app)) as client:
        await client.post(
            "/slack/events", data={"command": "/kontakt", "text": "Ekbackeskolan"}, headers=signed
        )
        action = {"type": "block_actions", "actions": [{"value": "x"}]}
        await client.post("/slack/events", data={"payload": json.dumps(action)}, headers=signed)
        mention = {"type": "event_callback", "event": {"type": "app_mention", "text": "hej"}}
        await client.post("/slack/events", json=mention, headers=signed)
        await client.post("/slack/events", json={"type": "made_up_by_an_attacker"}, headers=signed)
        await client.post("/slack/events", json=mention)  # unsigned: refused, not an ack
        text = await (await client.get("/metrics")).text()

    for kind in ("command", "block_actions", "event_app_mention", "other"):
        assert f'referral_bot_ack_seconds_count{{kind="{kind}"}} 1.0' in text
    assert 'referral_bot_ack_seconds_bucket{kind="command",le="0.01"} 0.0' in text
    assert "Ekbackeskolan" not in text
    assert "hej" not in text


class Waiting:
    """A chat platform that is not connected yet (SlackTransport.not_ready's shape)."""

    reason: str | None = "Slack Web API unreachable (ClientConnectorError)"

    async def not_ready(self) -> str | None:
        return self.reason


async def test_readyz_waits_for_the_chat_platform_and_says_why() -> None:
    platform = Waiting()
    app = web.Application()
    add_health_routes(
        app, holder=holder(), store=MemoryStore(), metrics=Metrics(), platform=("slack", platform)
    )
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    try:
        response = await client.get("/readyz")
        assert response.status == 503
        body = await response.json()
        assert body["waiting_for"] == ["slack"] and "unreachable" in body["reasons"]["slack"]
        platform.reason = None
        response = await client.get("/readyz")
        assert response.status == 200 and (await response.json())["ready"] is True
    finally:
        await client.close()
