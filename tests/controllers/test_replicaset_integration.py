"""The ReplicaSet controller against a real apiserver: creating, deleting, adopting and
releasing pods, status, and the events it records."""

from __future__ import annotations

import pytest

from tests.controllers.cluster import (
    PODS,
    REPLICASETS,
    events_for,
    eventually,
    live_pods,
    replicaset,
    run_pod,
)


async def pods_of(api, ns: str, name: str) -> list[dict]:
    return await live_pods(api, ns, f"app={name}")


async def test_creates_pods_named_labelled_and_owned_like_upstream(api, ns, controllers):
    await controllers("replicaset")
    rs = await api.create(REPLICASETS, replicaset("web", 3), namespace=ns)
    pods = await eventually(lambda: _count(api, ns, "web", 3), "3 pods")
    for pod in pods:
        meta = pod["metadata"]
        assert meta["name"].startswith("web-") and len(meta["name"]) == len("web-") + 5
        assert meta["labels"] == {"app": "web", "tier": "web"}
        assert meta["ownerReferences"] == [{
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web",
            "uid": rs["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
    status = await eventually(lambda: _status_with(api, ns, "web", replicas=3), "status")
    assert status["fullyLabeledReplicas"] == 3
    assert status["observedGeneration"] == 1
    assert "readyReplicas" not in status, "zero counts are omitted, as in Kubernetes"
    events = await eventually(lambda: _events(api, ns, "web", "SuccessfulCreate", 3), "events")
    assert sorted(events) == sorted(f"Created pod: {p['metadata']['name']}" for p in pods)


async def test_recreates_a_deleted_pod(api, ns, controllers):
    await controllers("replicaset")
    await api.create(REPLICASETS, replicaset("web", 2), namespace=ns)
    pods = await eventually(lambda: _count(api, ns, "web", 2), "2 pods")
    await api.delete(PODS, pods[0]["metadata"]["name"], namespace=ns)
    replaced = await eventually(
        lambda: _names_differ(api, ns, "web", {p["metadata"]["name"] for p in pods}),
        "a replacement pod")
    assert len(replaced) == 2


async def test_scale_down_deletes_not_ready_pods_first(api, ns, controllers):
    await controllers("replicaset")
    await api.create(REPLICASETS, replicaset("web", 3), namespace=ns)
    pods = await eventually(lambda: _count(api, ns, "web", 3), "3 pods")
    keeper = pods[1]["metadata"]["name"]
    await run_pod(api, pods[1])
    await eventually(lambda: _status_with(api, ns, "web", readyReplicas=1), "1 ready")
    await api.patch(REPLICASETS, "web", {"spec": {"replicas": 1}}, namespace=ns,
                    patch_type="merge")
    left = await eventually(lambda: _count(api, ns, "web", 1), "1 pod left")
    assert left[0]["metadata"]["name"] == keeper, "the ready pod must be the one kept"
    deleted = await eventually(lambda: _events(api, ns, "web", "SuccessfulDelete", 2),
                               "delete events")
    assert all(message.startswith("Deleted pod: web-") for message in deleted)


async def test_adopts_matching_orphans_and_releases_pods_that_stop_matching(api, ns,
                                                                            controllers):
    orphan = {"apiVersion": "v1", "kind": "Pod",
              "metadata": {"name": "stray", "labels": {"app": "web"}},
              "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    await api.create(PODS, orphan, namespace=ns)
    await controllers("replicaset")
    rs = await api.create(REPLICASETS, replicaset("web", 2), namespace=ns)
    pods = await eventually(lambda: _count(api, ns, "web", 2), "2 pods")
    adopted = next(p for p in pods if p["metadata"]["name"] == "stray")
    assert adopted["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"]

    await api.patch(PODS, "stray", {"metadata": {"labels": {"app": "other"}}}, namespace=ns,
                    patch_type="merge")

    async def released() -> dict | None:
        pod = await api.get(PODS, "stray", namespace=ns)
        return pod if not pod["metadata"].get("ownerReferences") else None

    await eventually(released, "the pod released")
    replacements = await eventually(lambda: _count(api, ns, "web", 2), "a replacement")
    assert "stray" not in {p["metadata"]["name"] for p in replacements}


async def test_available_replicas_wait_for_min_ready_seconds(api, ns, controllers):
    await controllers("replicaset")
    await api.create(REPLICASETS, replicaset("web", 2, minReadySeconds=1), namespace=ns)
    for pod in await eventually(lambda: _count(api, ns, "web", 2), "2 pods"):
        await run_pod(api, pod)
    await eventually(lambda: _status_with(api, ns, "web", readyReplicas=2), "2 ready")
    await eventually(lambda: _status_with(api, ns, "web", availableReplicas=2),
                     "2 available once minReadySeconds has passed")


@pytest.mark.parametrize("replicas", [0, 4])
async def test_status_counts_follow_the_pods(api, ns, controllers, replicas):
    await controllers("replicaset")
    await api.create(REPLICASETS, replicaset("web", replicas), namespace=ns)
    await eventually(lambda: _status_with(api, ns, "web", replicas=replicas,
                                          observedGeneration=1), f"{replicas} replicas")
    assert len(await pods_of(api, ns, "web")) == replicas


# -- helpers -----------------------------------------------------------------------------------

async def _count(api, ns: str, name: str, count: int) -> list[dict] | None:
    pods = await pods_of(api, ns, name)
    return pods if len(pods) == count else None


async def _names_differ(api, ns: str, name: str, before: set[str]) -> list[dict] | None:
    pods = await pods_of(api, ns, name)
    names = {p["metadata"]["name"] for p in pods}
    return pods if len(pods) == len(before) and names != before else None


async def _status_with(api, ns: str, name: str, **wanted: int) -> dict | None:
    status = (await api.get(REPLICASETS, name, namespace=ns)).get("status") or {}
    return status if all(status.get(k, 0) == v for k, v in wanted.items()) else None


async def _events(api, ns: str, name: str, reason: str, count: int) -> list[str] | None:
    messages = [msg for r, msg in await events_for(api, ns, name) if r == reason]
    return messages if len(messages) >= count else None
