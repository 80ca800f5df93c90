"""The scheduler against a real apiserver: binding, failure reporting, retries, constraints.

Each test gets an apiserver of its own (nodes are cluster-wide, and a scheduler would also
bind other tests' pods) and runs :class:`~observe.scheduler.scheduler.Scheduler` in-process
with a real client; ``test_main`` runs the ``observe scheduler`` process itself.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from observe.api.registry import default_registry
from observe.client.config import ClientConfig
from observe.client.rest import ApiClient
from observe.scheduler.config import SchedulerConfig
from observe.scheduler.metrics import SchedulerMetrics
from observe.scheduler.scheduler import Scheduler
from observe.testing import ApiServerProcess, free_port, wait_http_ok
from tests.scheduler.builders import node

RESOURCES = default_registry()
PODS = RESOURCES.get("", "pods")
NODES = RESOURCES.get("", "nodes")
EVENTS = RESOURCES.get("", "events")
NAMESPACES = RESOURCES.get("", "namespaces")
NS = "sched"
ZONE = "topology.kubernetes.io/zone"


def pod(name: str, *, cpu: str | None = None, labels: dict[str, str] | None = None,
        **spec: Any) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "c", "image": "x"}
    if cpu:
        container["resources"] = {"requests": {"cpu": cpu}}
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": NS, "labels": labels or {}},
            "spec": {"containers": [container], **spec}}


async def eventually(check: Callable[[], Awaitable[Any]], what: str,
                     timeout: float = 20.0) -> Any:
    """Poll ``check`` until it returns something truthy; fail with ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}; last saw {last!r}")


class Cluster:
    """The test's view of the cluster, and the in-process scheduler's metrics if any."""

    def __init__(self, api: ApiClient, metrics: CollectorRegistry | None = None) -> None:
        self.api = api
        self.metrics = metrics or CollectorRegistry()

    async def add_node(self, name: str, **kwargs: Any) -> None:
        await self.api.create(NODES, node(name, **kwargs))

    async def add_pod(self, body: dict[str, Any]) -> None:
        await self.api.create(PODS, body, namespace=NS)

    async def pod(self, name: str) -> dict[str, Any]:
        return await self.api.get(PODS, name, namespace=NS)

    async def node_of(self, name: str) -> str | None:
        return (await self.pod(name))["spec"].get("nodeName")

    async def wait_bound(self, name: str) -> str:
        async def bound() -> str | None:
            return await self.node_of(name)
        return await eventually(bound, f"pod {name} to be bound")

    async def events_for(self, name: str, reason: str) -> list[dict[str, Any]]:
        events = await self.api.list(EVENTS, namespace=NS,
                                     field_selector=f"involvedObject.name={name}")
        return [e for e in events["items"] if e["reason"] == reason]

    async def wait_failed(self, name: str) -> dict[str, Any]:
        async def failed() -> list[dict[str, Any]]:
            return await self.events_for(name, "FailedScheduling")
        return (await eventually(failed, f"a FailedScheduling event for {name}"))[0]

    async def scheduled_condition(self, name: str) -> dict[str, Any] | None:
        conditions = (await self.pod(name)).get("status", {}).get("conditions") or []
        return next((c for c in conditions if c["type"] == "PodScheduled"), None)

    def sample(self, metric: str, **labels: str) -> float | None:
        return self.metrics.get_sample_value(metric, labels)


@pytest.fixture
async def cluster(fresh_apiserver: ApiServerProcess) -> AsyncIterator[Cluster]:
    registry = CollectorRegistry()
    async with ApiClient(ClientConfig(server=fresh_apiserver.url)) as api:
        await api.create(NAMESPACES, {"metadata": {"name": NS}})
        scheduler = Scheduler(api, SchedulerConfig(),
                              metrics=SchedulerMetrics(registry, "default-scheduler"))
        running = asyncio.create_task(scheduler.run())
        try:
            yield Cluster(api, registry)
        finally:
            await scheduler.shutdown()
            await asyncio.wait_for(running, 10)


async def test_pods_are_bound_to_nodes_that_fit(cluster: Cluster) -> None:
    await cluster.add_node("small", cpu="1")
    await cluster.add_node("large", cpu="4")
    await cluster.add_pod(pod("web", cpu="2"))
    assert await cluster.wait_bound("web") == "large"
    condition = await cluster.scheduled_condition("web")
    assert condition is not None and condition["status"] == "True"

    async def scheduled_event() -> list[dict[str, Any]]:
        return await cluster.events_for("web", "Scheduled")
    [event] = await eventually(scheduled_event, "the Scheduled event")
    assert event["message"] == f"Successfully assigned {NS}/web to large"
    assert event["type"] == "Normal"
    assert event["source"]["component"] == "default-scheduler"
    assert cluster.sample("scheduler_schedule_attempts_total", result="scheduled",
                          profile="default-scheduler") == 1.0


async def test_a_pod_no_node_fits_reports_why_and_is_scheduled_once_one_does(
        cluster: Cluster) -> None:
    for name in ("n1", "n2", "n3"):
        await cluster.add_node(name, cpu="1")
    await cluster.add_pod(pod("big", cpu="2"))
    message = ("0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are "
               "available: 3 No preemption victims found for incoming pod.")
    event = await cluster.wait_failed("big")
    assert (event["type"], event["message"]) == ("Warning", message)

    async def condition() -> dict[str, Any] | None:
        return await cluster.scheduled_condition("big")
    got = await eventually(condition, "the PodScheduled condition")
    assert (got["status"], got["reason"], got["message"]) == ("False", "Unschedulable", message)
    assert await cluster.node_of("big") is None
    assert cluster.sample("scheduler_schedule_attempts_total", result="unschedulable",
                          profile="default-scheduler") >= 1.0
    assert cluster.sample("scheduler_pending_pods", queue="unschedulable") == 1.0
    assert cluster.sample("scheduler_unschedulable_pods", plugin="NodeResourcesFit",
                          profile="default-scheduler") == 1.0

    await cluster.add_node("roomy", cpu="4")
    assert await cluster.wait_bound("big") == "roomy"


async def test_node_selector_and_taints(cluster: Cluster) -> None:
    await cluster.add_node("plain")
    await cluster.add_node("ssd", labels={"disk": "ssd"})
    await cluster.add_node("gpu", taints=[{"key": "dedicated", "value": "gpu",
                                           "effect": "NoSchedule"}])
    await cluster.add_pod(pod("fast", nodeSelector={"disk": "ssd"}))
    assert await cluster.wait_bound("fast") == "ssd"

    pinned = {"nodeSelector": {"kubernetes.io/hostname": "gpu"}}
    await cluster.add_pod(pod("intruder", **pinned))
    event = await cluster.wait_failed("intruder")
    assert event["message"] == (
        "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 node(s) "
        "didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: "
        "3 Preemption is not helpful for scheduling.")
    await cluster.add_pod(pod("trainer", tolerations=[
        {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}],
        **pinned))
    assert await cluster.wait_bound("trainer") == "gpu"


async def test_cordoned_nodes_take_nothing_until_uncordoned(cluster: Cluster) -> None:
    await cluster.add_node("only", unschedulable=True)
    await cluster.add_pod(pod("waiting"))
    event = await cluster.wait_failed("waiting")
    assert event["message"].startswith("0/1 nodes are available: 1 node(s) were unschedulable.")
    await cluster.api.patch(NODES, "only", {"spec": {"unschedulable": None}},
                            patch_type="merge")
    assert await cluster.wait_bound("waiting") == "only"


async def test_anti_affinity_keeps_replicas_apart(cluster: Cluster) -> None:
    for name in ("n1", "n2", "n3"):
        await cluster.add_node(name)
    anti = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "db"}},
         "topologyKey": "kubernetes.io/hostname"}]}}
    for i in range(3):
        await cluster.add_pod(pod(f"db-{i}", labels={"app": "db"}, affinity=anti))
    placed = {await cluster.wait_bound(f"db-{i}") for i in range(3)}
    assert placed == {"n1", "n2", "n3"}
    await cluster.add_pod(pod("db-3", labels={"app": "db"}, affinity=anti))
    event = await cluster.wait_failed("db-3")
    assert event["message"] == (
        "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: "
        "0/3 nodes are available: 3 No preemption victims found for incoming pod.")


async def test_topology_spread_balances_zones(cluster: Cluster) -> None:
    for i, zone in enumerate(["a", "a", "b", "c"]):
        await cluster.add_node(f"n{i}", labels={ZONE: zone})
    spread = [{"maxSkew": 1, "topologyKey": ZONE, "whenUnsatisfiable": "DoNotSchedule",
               "labelSelector": {"matchLabels": {"app": "web"}}}]
    for i in range(6):
        await cluster.add_pod(pod(f"web-{i}", labels={"app": "web"},
                                  topologySpreadConstraints=spread))
    zone_of = {"n0": "a", "n1": "a", "n2": "b", "n3": "c"}
    zones = [zone_of[await cluster.wait_bound(f"web-{i}")] for i in range(6)]
    assert sorted(zones) == ["a", "a", "b", "b", "c", "c"]


async def test_preemption_makes_room_for_a_more_important_pod(cluster: Cluster) -> None:
    await cluster.add_node("only", cpu="1")
    await cluster.add_pod(pod("batch", cpu="800m", priority=0))
    assert await cluster.wait_bound("batch") == "only"
    await cluster.add_pod(pod("urgent", cpu="800m", priority=1000))

    async def victim_terminating() -> bool:
        return bool((await cluster.pod("batch"))["metadata"].get("deletionTimestamp"))
    await eventually(victim_terminating, "the victim to be deleted")
    victim = await cluster.pod("batch")
    [disruption] = [c for c in victim["status"]["conditions"]
                    if c["type"] == "DisruptionTarget"]
    assert disruption["reason"] == "PreemptionByScheduler"

    async def nominated() -> str | None:
        return (await cluster.pod("urgent"))["status"].get("nominatedNodeName")
    assert await eventually(nominated, "the nominated node") == "only"
    [preempted] = await eventually(lambda: cluster.events_for("batch", "Preempted"),
                                   "the Preempted event")
    urgent_uid = (await cluster.pod("urgent"))["metadata"]["uid"]
    assert preempted["message"] == f"Preempted by pod {urgent_uid} on node only"
    # No kubelet here: finish the victim's termination as one would.
    await cluster.api.delete(PODS, "batch", namespace=NS, grace_period=0)
    assert await cluster.wait_bound("urgent") == "only"


def test_main_process_reports_and_retries_an_unschedulable_pod(
        fresh_apiserver: ApiServerProcess) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "observe", "scheduler", "--kubeconfig",
         str(fresh_apiserver.kubeconfig), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    message = ("0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are "
               "available: 3 No preemption victims found for incoming pod.")
    try:
        wait_http_ok(f"{base}/readyz", 30, proc)
        wait_http_ok(f"{base}/healthz", 5, proc)

        async def scenario() -> None:
            async with ApiClient(ClientConfig(server=fresh_apiserver.url)) as api:
                await api.create(NAMESPACES, {"metadata": {"name": NS}})
                cluster = Cluster(api)
                for name in ("n1", "n2", "n3"):
                    await cluster.add_node(name, cpu="1")
                await cluster.add_pod(pod("big", cpu="2"))
                event = await cluster.wait_failed("big")
                assert (event["type"], event["message"]) == ("Warning", message)
                condition = await eventually(lambda: cluster.scheduled_condition("big"),
                                             "the PodScheduled condition")
                assert (condition["status"], condition["reason"], condition["message"]) == (
                    "False", "Unschedulable", message)
                assert (await cluster.pod("big"))["status"]["phase"] == "Pending"
                await cluster.add_node("roomy", cpu="4")
                assert await cluster.wait_bound("big") == "roomy"

        asyncio.run(scenario())
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
            text = response.read().decode()
        for line in ('scheduler_schedule_attempts_total{profile="default-scheduler",'
                     'result="scheduled"} 1.0',
                     'scheduler_pending_pods{queue="unschedulable"} 0.0',
                     "scheduler_scheduling_attempt_duration_seconds_bucket",
                     "scheduler_pod_scheduling_sli_duration_seconds_bucket",
                     "rest_client_requests_total"):
            assert line in text, f"{line!r} missing from /metrics"
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0, output.decode(errors="replace")[-2000:]


def test_main_refuses_a_missing_kubeconfig(tmp_path: Any) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "observe", "scheduler", "--kubeconfig",
         str(tmp_path / "absent")], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "cannot read kubeconfig" in result.stderr
