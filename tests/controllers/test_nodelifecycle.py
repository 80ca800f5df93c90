"""The node lifecycle loop on the in-memory FakeApi and a fake clock: the grace period runs
on the controller's clock, a renewed Lease restarts it, and a lost node is tainted."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from observe.api.registry import default_registry
from observe.client.clock import FakeClock
from observe.client.fake import FakeApi
from observe.client.informer import SharedInformerFactory
from observe.controllers.base import ControllerContext
from observe.controllers.nodelifecycle import NodeLifecycleController

REGISTRY = default_registry()
NODES = REGISTRY.get("", "nodes")
LEASES = REGISTRY.get("coordination.k8s.io", "leases")
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def node() -> dict:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "uid": "n1-uid"},
            "spec": {}, "status": {"conditions": [
                {"type": "Ready", "status": "True", "lastHeartbeatTime": "2024-05-01T11:59:50Z",
                 "lastTransitionTime": "2024-05-01T10:00:00Z", "reason": "KubeletReady"}]}}


def lease(renewed: str) -> dict:
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": "n1", "namespace": "kube-node-lease"},
            "spec": {"holderIdentity": "n1", "renewTime": renewed}}


async def settle() -> None:
    """Let every task run until nothing is left to do (no time passes on a fake clock)."""
    for _ in range(200):
        await asyncio.sleep(0)


@pytest.fixture
async def lifecycle():
    clock = FakeClock()
    api = FakeApi()
    factory = SharedInformerFactory(api)
    start = clock.now()
    # Wall-clock time moves with the fake clock, so timeAdded and tolerations line up.
    ctx = ControllerContext(api=api, factory=factory, resources=REGISTRY, clock=clock,
                            now=lambda: NOW + timedelta(seconds=clock.now() - start))
    controller = NodeLifecycleController(ctx, monitor_period=5, grace_period=40,
                                         startup_grace_period=60)
    await api.create(NODES, node())
    await api.create(LEASES, lease("t0"), namespace="kube-node-lease")
    factory.start()
    controller.start()
    assert await factory.wait_for_sync(5)
    await settle()
    yield api, clock
    await controller.stop()
    await factory.shutdown()


async def ready_status(api: FakeApi) -> str:
    current = await api.get(NODES, "n1")
    return next(c["status"] for c in current["status"]["conditions"] if c["type"] == "Ready")


async def advance(clock: FakeClock, seconds: float) -> None:
    # One monitor period at a time, so every tick gets to run.
    for _ in range(int(seconds // 5)):
        clock.advance(5)
        await settle()


async def test_a_silent_node_is_lost_after_the_grace_period(lifecycle):
    api, clock = lifecycle
    await advance(clock, 40)
    assert await ready_status(api) == "True", "40s of silence is within the grace period"
    await advance(clock, 5)
    assert await ready_status(api) == "Unknown"
    taints = (await api.get(NODES, "n1"))["spec"]["taints"]
    assert {(t["key"], t["effect"]) for t in taints} == {
        ("node.kubernetes.io/unreachable", "NoSchedule"),
        ("node.kubernetes.io/unreachable", "NoExecute")}
    no_execute = next(t for t in taints if t["effect"] == "NoExecute")
    assert no_execute["timeAdded"] == "2024-05-01T12:00:45Z"


async def test_a_renewed_lease_restarts_the_grace_period(lifecycle):
    api, clock = lifecycle
    await advance(clock, 30)
    current = await api.get(LEASES, "n1", namespace="kube-node-lease")
    await api.replace(LEASES, {**current, "spec": {**current["spec"], "renewTime": "t30"}})
    await settle()
    await advance(clock, 35)
    assert await ready_status(api) == "True", "35s since the renewal"
    await advance(clock, 10)
    assert await ready_status(api) == "Unknown"


PODS = REGISTRY.get("", "pods")


def pod(name: str, seconds: int | None) -> dict:
    toleration = {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                  "effect": "NoExecute"}
    if seconds is not None:
        toleration["tolerationSeconds"] = seconds
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "ns"},
            "spec": {"nodeName": "n1", "tolerations": [toleration],
                     "containers": [{"name": "c", "image": "busybox"}]},
            "status": {"phase": "Running"}}


async def names(api: FakeApi) -> set[str]:
    return {p["metadata"]["name"] for p in (await api.list(PODS, namespace="ns"))["items"]}


async def test_pods_are_evicted_when_their_toleration_runs_out(lifecycle):
    api, clock = lifecycle
    for name, seconds in (("thirty", 30), ("sixty", 60), ("forever", None)):
        await api.create(PODS, pod(name, seconds), namespace="ns")
    await advance(clock, 45)
    assert await ready_status(api) == "Unknown"
    await advance(clock, 25)
    assert await names(api) == {"thirty", "sixty", "forever"}, "25s of a 30s toleration"
    await advance(clock, 10)
    assert await names(api) == {"sixty", "forever"}
    await advance(clock, 30)
    assert await names(api) == {"forever"}, "a toleration without seconds lasts forever"
