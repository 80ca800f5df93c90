"""The garbage collector against a real apiserver: each propagation policy cascades as in
Kubernetes, and dependents of owners that no longer exist are deleted."""

from __future__ import annotations

import uuid

from observe.client.errors import ApiError
from tests.controllers.cluster import (
    CONFIGMAPS,
    DEPLOYMENTS,
    PODS,
    REPLICASETS,
    deployment,
    eventually,
    live_pods,
)

HOLD = "example.com/hold"


async def gone(api, rt, ns: str, name: str) -> bool:
    try:
        await api.get(rt, name, namespace=ns)
    except ApiError as e:
        return e.code == 404
    return False


async def names(api, rt, ns: str) -> set[str]:
    return {o["metadata"]["name"] for o in (await api.list(rt, namespace=ns))["items"]}


async def running_deployment(api, ns: str, controllers, replicas: int = 2) -> dict:
    await controllers("replicaset", "deployment", "garbagecollector")
    created = await api.create(DEPLOYMENTS, deployment("web", replicas), namespace=ns)

    async def pods_up() -> bool:
        return len(await live_pods(api, ns, "app=web")) == replicas

    await eventually(pods_up, f"{replicas} pods")
    return created


def configmap(name: str, owner: dict | None = None, *, uid: str | None = None,
              block: bool = True, finalizers: list[str] | None = None) -> dict:
    meta: dict = {"name": name}
    if owner is not None or uid is not None:
        meta["ownerReferences"] = [{
            "apiVersion": (owner or {}).get("apiVersion", "apps/v1"),
            "kind": (owner or {}).get("kind", "Deployment"),
            "name": (owner or {}).get("metadata", {}).get("name", "ghost"),
            "uid": uid or owner["metadata"]["uid"], "blockOwnerDeletion": block}]
    if finalizers:
        meta["finalizers"] = finalizers
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {}}


async def test_background_deletion_removes_replicasets_and_pods(api, ns, controllers):
    await running_deployment(api, ns, controllers)
    await api.delete(DEPLOYMENTS, "web", namespace=ns, propagation_policy="Background")

    async def all_gone() -> bool:
        return not await names(api, REPLICASETS, ns) and not await names(api, PODS, ns)

    await eventually(all_gone, "the ReplicaSet and its pods deleted")


async def test_foreground_deletion_waits_for_blocking_dependents(api, ns, controllers):
    owner = await running_deployment(api, ns, controllers)
    await api.create(CONFIGMAPS, configmap("held", owner, finalizers=[HOLD]), namespace=ns)
    await api.delete(DEPLOYMENTS, "web", namespace=ns, propagation_policy="Foreground")

    async def dependents_deleting() -> bool:
        held = await api.get(CONFIGMAPS, "held", namespace=ns)
        return bool(held["metadata"].get("deletionTimestamp")) and \
            not await names(api, REPLICASETS, ns) and not await names(api, PODS, ns)

    await eventually(dependents_deleting, "the dependents deleted first")
    waiting = await api.get(DEPLOYMENTS, "web", namespace=ns)
    assert waiting["metadata"]["deletionTimestamp"]
    assert waiting["metadata"]["finalizers"] == ["foregroundDeletion"], \
        "the owner must wait while a blocking dependent remains"

    await api.patch(CONFIGMAPS, "held", {"metadata": {"finalizers": None}}, namespace=ns,
                    patch_type="merge")
    await eventually(lambda: gone(api, DEPLOYMENTS, ns, "web"),
                     "the owner deleted once its last dependent went")


async def test_orphan_deletion_keeps_dependents_and_drops_their_references(api, ns,
                                                                           controllers):
    await running_deployment(api, ns, controllers)
    [rs_name] = await names(api, REPLICASETS, ns)
    await api.delete(DEPLOYMENTS, "web", namespace=ns, propagation_policy="Orphan")
    await eventually(lambda: gone(api, DEPLOYMENTS, ns, "web"), "the owner deleted")
    rs = await api.get(REPLICASETS, rs_name, namespace=ns)
    assert not rs["metadata"].get("ownerReferences"), "the ReplicaSet must be orphaned"
    pods = await live_pods(api, ns, "app=web")
    assert len(pods) == 2
    assert all(p["metadata"]["ownerReferences"][0]["name"] == rs_name for p in pods), \
        "the pods stay with their ReplicaSet"


async def test_dependents_of_owners_that_no_longer_exist_are_deleted(api, ns, controllers):
    ghost = str(uuid.uuid4())
    await api.create(CONFIGMAPS, configmap("orphaned", uid=ghost), namespace=ns)
    owner = await api.create(CONFIGMAPS, configmap("owner"), namespace=ns)
    await api.create(CONFIGMAPS, configmap("owned", owner), namespace=ns)
    await controllers("garbagecollector")
    await eventually(lambda: gone(api, CONFIGMAPS, ns, "orphaned"),
                     "the dependent of a missing owner deleted")
    assert "owned" in await names(api, CONFIGMAPS, ns), "a live owner protects its dependent"
    await api.delete(CONFIGMAPS, "owner", namespace=ns)
    await eventually(lambda: gone(api, CONFIGMAPS, ns, "owned"),
                     "the dependent deleted after its owner")


async def test_a_dependent_with_a_live_owner_left_only_loses_the_dead_reference(api, ns,
                                                                                controllers):
    await controllers("garbagecollector")
    first = await api.create(CONFIGMAPS, configmap("first"), namespace=ns)
    second = await api.create(CONFIGMAPS, configmap("second"), namespace=ns)
    both = configmap("both", first)
    both["metadata"]["ownerReferences"].append(
        configmap("x", second)["metadata"]["ownerReferences"][0])
    await api.create(CONFIGMAPS, both, namespace=ns)
    await api.delete(CONFIGMAPS, "first", namespace=ns)

    async def reference_dropped() -> list | None:
        refs = (await api.get(CONFIGMAPS, "both", namespace=ns))["metadata"].get(
            "ownerReferences") or []
        return refs if [r["uid"] for r in refs] == [second["metadata"]["uid"]] else None

    await eventually(reference_dropped, "the reference to the deleted owner removed")
