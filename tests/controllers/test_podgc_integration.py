"""The pod garbage collector against a real apiserver: finished pods over the threshold and
pods of vanished nodes are force-deleted."""

from __future__ import annotations

from observe.client.errors import ApiError
from observe.client.informer import Informer
from tests.controllers.cluster import PODS, History, eventually


def pod(name: str, node: str | None = None) -> dict:
    spec: dict = {"containers": [{"name": "c", "image": "busybox"}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


async def finish(api, ns: str, name: str, phase: str, reason: str | None = None) -> None:
    current = await api.get(PODS, name, namespace=ns)
    status = {**current.get("status", {}), "phase": phase}
    if reason:
        status["reason"] = reason
    await api.replace(PODS, {**current, "status": status}, subresource="status")


async def names(api, ns: str) -> set[str]:
    return {p["metadata"]["name"] for p in (await api.list(PODS, namespace=ns))["items"]}


async def test_finished_pods_over_the_threshold_go_evicted_then_oldest_first(api, ns,
                                                                            controllers):
    for i in range(4):
        await api.create(PODS, pod(f"p{i}"), namespace=ns)
    await api.create(PODS, pod("running"), namespace=ns)
    for i in range(3):
        await finish(api, ns, f"p{i}", "Succeeded")
    await finish(api, ns, "p3", "Failed", reason="Evicted")
    await controllers("podgc", terminated_pod_gc_threshold=2)

    async def trimmed() -> set[str] | None:
        left = await names(api, ns)
        return left if len(left) == 3 else None

    assert await eventually(trimmed, "two finished pods deleted") == {"p1", "p2", "running"}


async def test_pods_of_a_node_that_no_longer_exists_are_failed_and_deleted(api, ns,
                                                                          controllers):
    informer = Informer(api, PODS, namespace=ns)
    states = History(informer, lambda pods: {
        k: ((p.get("status") or {}).get("phase"),
            [c.get("reason") for c in (p.get("status") or {}).get("conditions") or []
             if c.get("type") == "DisruptionTarget"])
        for k, p in pods.items()})
    informer.start()
    try:
        await informer.wait_synced(10)
        states.begin()
        await api.create(PODS, pod("stranded", node="vanished-node"), namespace=ns)
        await controllers("podgc")

        async def deleted() -> bool:
            try:
                await api.get(PODS, "stranded", namespace=ns)
            except ApiError as e:
                return e.code == 404
            return False

        await eventually(deleted, "the stranded pod deleted")
    finally:
        informer.stop()
    assert ("Failed", ["DeletionByPodGC"]) in [s.get(f"{ns}/stranded") for s in states.states], \
        "the pod is marked Failed with a DisruptionTarget condition before it is deleted"


async def test_a_terminating_pod_that_was_never_scheduled_is_failed(api, ns, controllers):
    held = pod("unscheduled")
    held["metadata"]["finalizers"] = ["example.com/hold"]
    await api.create(PODS, held, namespace=ns)
    await api.delete(PODS, "unscheduled", namespace=ns)
    await controllers("podgc")

    async def failed() -> bool:
        current = await api.get(PODS, "unscheduled", namespace=ns)
        return (current.get("status") or {}).get("phase") == "Failed"

    await eventually(failed, "the pod marked Failed")
    await api.patch(PODS, "unscheduled", {"metadata": {"finalizers": None}}, namespace=ns,
                    patch_type="merge")
