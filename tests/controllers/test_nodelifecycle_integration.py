"""The node lifecycle controller against a real apiserver: a node whose Lease stops being
renewed turns Unknown and is tainted unreachable, its pods are marked not ready and evicted
once their toleration runs out; a node that reports Ready=False is tainted not-ready; taints
go when the node is Ready again."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime

from observe.api import meta as m
from tests.controllers.cluster import (
    LEASES,
    NODES,
    PODS,
    events_for,
    eventually,
    run_pod,
)

UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"


def micro_time() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def node_body(name: str, ready: str = "True") -> dict:
    now = m.rfc3339(m.now())
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "status": {"conditions": [
                {"type": "Ready", "status": ready, "reason": "KubeletReady",
                 "message": "kubelet is posting ready status", "lastHeartbeatTime": now,
                 "lastTransitionTime": now}]}}


async def register_node(api, ready: str = "True") -> str:
    name = f"node-{uuid.uuid4().hex[:6]}"
    await api.create(NODES, node_body(name, ready))
    await renew_lease(api, name)
    return name


async def renew_lease(api, name: str) -> None:
    spec = {"holderIdentity": name, "leaseDurationSeconds": 40, "renewTime": micro_time()}
    try:
        lease = await api.get(LEASES, name, namespace="kube-node-lease")
    except Exception:
        await api.create(LEASES, {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                  "metadata": {"name": name}, "spec": spec},
                         namespace="kube-node-lease")
        return
    await api.replace(LEASES, {**lease, "spec": spec})


@contextlib.asynccontextmanager
async def heartbeating(api, name: str):
    """A kubelet that keeps renewing its Lease (every 0.2 s: well inside the grace period)."""
    async def beat() -> None:
        while True:
            await renew_lease(api, name)
            await asyncio.sleep(0.2)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def bound_pod(api, ns: str, name: str, node: str, tolerations: list | None = None
                    ) -> dict:
    spec: dict = {"nodeName": node, "containers": [{"name": "c", "image": "busybox"}]}
    if tolerations is not None:
        spec["tolerations"] = tolerations
    pod = await api.create(PODS, {"apiVersion": "v1", "kind": "Pod",
                                  "metadata": {"name": name}, "spec": spec}, namespace=ns)
    return await run_pod(api, pod)


def taints_of(node: dict) -> dict[tuple[str, str], dict]:
    return {(t["key"], t["effect"]): t for t in (node.get("spec") or {}).get("taints") or []}


def condition(obj: dict, kind: str) -> dict:
    return next(c for c in obj["status"]["conditions"] if c["type"] == kind)


async def test_a_node_whose_lease_stops_is_unknown_tainted_and_its_pods_evicted(
        api, ns, controllers):
    node = await register_node(api)
    await bound_pod(api, ns, "short", node, [
        {"key": UNREACHABLE, "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 1}])
    patient = await bound_pod(api, ns, "patient", node)
    assert {(t["key"], t.get("tolerationSeconds")) for t in patient["spec"]["tolerations"]} \
        == {(NOT_READY, 300), (UNREACHABLE, 300)}, "admission gives default tolerations"
    await controllers("nodelifecycle")

    async def unknown() -> dict | None:
        current = await api.get(NODES, node)
        ready = condition(current, "Ready")
        return current if ready["status"] == "Unknown" else None

    lost = await eventually(unknown, "the node declared Unknown", timeout=15)
    ready = condition(lost, "Ready")
    assert (ready["reason"], ready["message"]) == (
        "NodeStatusUnknown", "Kubelet stopped posting node status.")
    assert condition(lost, "MemoryPressure")["reason"] == "NodeStatusNeverUpdated"

    async def tainted() -> dict | None:
        taints = taints_of(await api.get(NODES, node))
        return taints if {(UNREACHABLE, "NoSchedule"), (UNREACHABLE, "NoExecute")} <= \
            set(taints) else None

    taints = await eventually(tainted, "the unreachable taints")
    assert "timeAdded" in taints[(UNREACHABLE, "NoExecute")]
    assert ("NodeNotReady", f"Node {node} status is now: NodeNotReady") in \
        await events_for(api, "default", node)

    async def evicted() -> dict | None:
        pod = await api.get(PODS, "short", namespace=ns)
        return pod if pod["metadata"].get("deletionTimestamp") else None

    pod = await eventually(evicted, "the pod evicted after its 1s toleration")
    disruption = condition(pod, "DisruptionTarget")
    assert (disruption["status"], disruption["reason"]) == ("True", "DeletionByTaintManager")
    assert condition(pod, "Ready")["status"] == "False", "pods on a lost node are not ready"
    assert ("TaintManagerEviction", f"Marking for deletion Pod {ns}/short") in \
        await events_for(api, ns, "short")
    patient = await api.get(PODS, "patient", namespace=ns)
    assert not patient["metadata"].get("deletionTimestamp"), \
        "a pod tolerating the taint for 300s must stay"
    assert condition(patient, "Ready")["status"] == "False"
    assert ("NodeNotReady", "Node is not ready") in await events_for(api, ns, "patient")


async def test_taints_are_removed_when_the_node_is_ready_again(api, controllers):
    node = await register_node(api)
    await controllers("nodelifecycle")

    async def tainted() -> bool:
        return (UNREACHABLE, "NoExecute") in taints_of(await api.get(NODES, node))

    await eventually(tainted, "the unreachable taint", timeout=15)
    async with heartbeating(api, node):
        current = await api.get(NODES, node)
        await api.replace(NODES, {**current, "status": node_body(node)["status"]},
                          subresource="status")

        async def untainted() -> bool:
            return not taints_of(await api.get(NODES, node))

        await eventually(untainted, "the taints removed")


async def test_a_node_reporting_not_ready_is_tainted_not_ready(api, controllers):
    node = await register_node(api, ready="False")
    async with heartbeating(api, node):
        await controllers("nodelifecycle")

        async def tainted() -> dict | None:
            taints = taints_of(await api.get(NODES, node))
            return taints if {(NOT_READY, "NoSchedule"), (NOT_READY, "NoExecute")} <= \
                set(taints) else None

        taints = await eventually(tainted, "the not-ready taints")
        assert (UNREACHABLE, "NoExecute") not in taints
        current = await api.get(NODES, node)
        assert condition(current, "Ready")["status"] == "False", \
            "a node whose Lease is renewed is not declared Unknown"
