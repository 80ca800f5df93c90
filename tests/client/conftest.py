"""Fixtures of the client tests: a scripted HTTP server and clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from prometheus_client import CollectorRegistry

from observe.client.config import ClientConfig
from observe.client.rest import ApiClient
from tests.client.httpfake import ScriptedServer


@pytest.fixture
async def scripted() -> AsyncIterator[ScriptedServer]:
    server = ScriptedServer()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def metrics_registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
async def api(scripted: ScriptedServer, metrics_registry: CollectorRegistry
              ) -> AsyncIterator[ApiClient]:
    config = ClientConfig(server=scripted.url, token="secret-token", user_agent="tests/1.0")
    async with ApiClient(config, registry=metrics_registry, timeout=5) as client:
        yield client
