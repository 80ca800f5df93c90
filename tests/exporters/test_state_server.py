"""The exporter's HTTP face: /metrics with its exact length, /telemetry, health."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from prometheus_client import CollectorRegistry, Counter

from exporters.state.server import TEXT_CONTENT_TYPE, exporter_app
from exporters.state.store import Exposition
from observe.common.server import ComponentServer

BIG = b"x_total 1\n" * 20000  # bigger than one gathered write
CHUNKS = [b"# HELP a_total A.\n", b"# TYPE a_total counter\n", b"a_total 1\n",
          b"# HELP x_total X.\n# TYPE x_total counter\n", BIG]


class State:
    def __init__(self) -> None:
        self.ready: str | None = "waiting for the first list of pods"


@pytest.fixture
def state() -> State:
    return State()


@pytest.fixture
async def base(state: State) -> AsyncIterator[str]:
    telemetry = CollectorRegistry()
    Counter("kube_state_metrics_list", "Lists.", ["resource", "result"],
            registry=telemetry).labels(resource="*v1.Pod", result="success").inc()
    app = exporter_app(lambda: Exposition(sum(map(len, CHUNKS)), iter(CHUNKS)), telemetry,
                       lambda: state.ready)
    server = ComponentServer(app, "127.0.0.1", 0)
    await server.start()
    yield f"http://127.0.0.1:{server.port}"
    await server.stop()


async def test_metrics_are_sent_whole_with_their_length(base: str) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{base}/metrics") as response:
        body = await response.read()
        assert response.status == 200
        assert response.headers["Content-Type"] == TEXT_CONTENT_TYPE
        assert int(response.headers["Content-Length"]) == len(body)
        assert "Transfer-Encoding" not in response.headers
    assert body == b"".join(CHUNKS)


async def test_telemetry_is_its_own_path(base: str) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{base}/telemetry") as response:
        text = await response.text()
    assert 'kube_state_metrics_list_total{resource="*v1.Pod",result="success"} 1.0' in text


async def test_ready_once_informers_have_listed(base: str, state: State) -> None:
    async with aiohttp.ClientSession() as http:
        for path in ("/healthz", "/livez"):
            async with http.get(base + path) as response:
                assert response.status == 200
        async with http.get(f"{base}/readyz") as response:
            assert response.status == 503
            assert "waiting for the first list of pods" in await response.text()
        state.ready = None
        async with http.get(f"{base}/readyz") as response:
            assert response.status == 200
