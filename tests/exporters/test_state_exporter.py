"""The state exporter over an in-memory API: informers cache rendered metrics, follow
changes, and keep serving the last state while the API is unreachable."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest
from prometheus_client import CollectorRegistry

from exporters.state.exporter import StateExporter, StateOptions
from observe.api.registry import default_registry
from observe.client.clock import FakeClock
from observe.client.errors import ConnectionFailed
from observe.client.fake import FakeApi

TYPES = default_registry()
PODS = TYPES.get("", "pods")
NODES = TYPES.get("", "nodes")


async def eventually(predicate: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.001)


def pod(name: str, phase: str) -> dict:
    return {"metadata": {"name": name, "uid": f"uid-{name}"},
            "spec": {"containers": [{"name": "c", "image": "img"}]},
            "status": {"phase": phase}}


def phase_line(name: str, phase: str) -> str:
    return f'kube_pod_status_phase{{namespace="ns",pod="{name}",uid="uid-{name}",' \
           f'phase="{phase}"}} 1'


class Running:
    def __init__(self, exporter: StateExporter, telemetry: CollectorRegistry) -> None:
        self.exporter = exporter
        self.telemetry = telemetry

    def text(self) -> str:
        exposition = self.exporter.exposition()
        body = b"".join(exposition.chunks)
        assert len(body) == exposition.size
        return body.decode()

    def counted(self, family: str, resource: str, result: str) -> float:
        return self.telemetry.get_sample_value(f"kube_state_metrics_{family}_total",
                                               {"resource": resource, "result": result}) or 0


@pytest.fixture
def fake() -> FakeApi:
    return FakeApi()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def running(fake: FakeApi, clock: FakeClock) -> AsyncIterator[Running]:
    await fake.create(NODES, {"metadata": {"name": "n1"}})
    await fake.create(PODS, pod("a", "Pending"), namespace="ns")
    telemetry = CollectorRegistry()
    exporter = StateExporter(fake, StateOptions(resources=("pods", "nodes")), telemetry,
                             clock=clock)
    assert exporter.not_ready_reason() == "waiting for the first list of nodes, pods"
    exporter.start()
    assert await exporter.factory.wait_for_sync(5)
    assert exporter.not_ready_reason() is None
    yield Running(exporter, telemetry)
    await exporter.stop()


async def test_follows_adds_updates_and_deletes(fake: FakeApi, running: Running) -> None:
    text = running.text()
    assert phase_line("a", "Pending") in text
    assert text.index("# HELP kube_node_") < text.index("# HELP kube_pod_"), "ksm's order"
    await fake.patch(PODS, "a", {"status": {"phase": "Running"}}, namespace="ns",
                     patch_type="merge")
    await fake.create(PODS, pod("b", "Pending"), namespace="ns")
    await eventually(lambda: phase_line("a", "Running") in running.text()
                     and phase_line("b", "Pending") in running.text(), "the update and the add")
    await fake.delete(PODS, "a", namespace="ns")
    await fake.delete(PODS, "b", namespace="ns")
    await eventually(lambda: "kube_pod_" not in running.text(), "pods and their headers gone")
    assert 'kube_node_info{node="n1"' in running.text()
    assert running.counted("list", "*v1.Pod", "success") == 1
    assert running.counted("watch", "*v1.Pod", "success") >= 1


async def test_keeps_serving_while_the_api_is_down_and_recovers(
        fake: FakeApi, clock: FakeClock, running: Running) -> None:
    before = running.text()
    for _ in range(4):
        fake.fail_next("watch", ConnectionFailed("connection refused"))
    fake.end_watches()  # the connections drop; watching again fails for a while
    await fake.create(PODS, pod("late", "Running"), namespace="ns")
    await eventually(lambda: clock.pending_timers >= 2, "both informers backing off")
    assert running.text() == before, "the last state is still served"
    assert running.exporter.not_ready_reason() is None
    deadline = time.monotonic() + 5
    while phase_line("late", "Running") not in running.text():
        assert time.monotonic() < deadline, "the exporter did not recover"
        clock.advance(1)
        await asyncio.sleep(0.001)
    assert running.counted("watch", "*v1.Pod", "error") + \
        running.counted("watch", "*v1.Node", "error") == 4
    assert phase_line("a", "Pending") in running.text()


def test_unknown_resources_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown resources: widgets"):
        StateExporter(FakeApi(), StateOptions(resources=("pods", "widgets")), CollectorRegistry())
