"""The namespace controller against a real apiserver: deleting a namespace empties it of
every kind of object, reports what holds it up, and finally removes it."""

from __future__ import annotations

from observe.client.errors import ApiError
from tests.controllers.cluster import (
    CONFIGMAPS,
    DEPLOYMENTS,
    NAMESPACES,
    REPLICASETS,
    deployment,
    eventually,
    live_pods,
)

HOLD = "example.com/hold"


async def namespace_gone(api, name: str) -> bool:
    try:
        await api.get(NAMESPACES, name)
    except ApiError as e:
        return e.code == 404
    return False


async def test_deleting_a_namespace_empties_and_removes_it(api, ns, controllers):
    await controllers("replicaset", "deployment", "garbagecollector", "namespace")
    await api.create(DEPLOYMENTS, deployment("web", 2), namespace=ns)
    await api.create(CONFIGMAPS, {"apiVersion": "v1", "kind": "ConfigMap",
                                  "metadata": {"name": "settings"}}, namespace=ns)

    async def pods_up() -> bool:
        return len(await live_pods(api, ns, "app=web")) == 2

    await eventually(pods_up, "the deployment's pods")
    await api.delete(NAMESPACES, ns)
    terminating = await api.get(NAMESPACES, ns)
    assert terminating["status"]["phase"] == "Terminating"
    await eventually(lambda: namespace_gone(api, ns), "the namespace removed")
    for rt in (DEPLOYMENTS, REPLICASETS, CONFIGMAPS):
        assert (await api.list(rt, namespace=ns))["items"] == [], f"{rt.plural} left behind"


async def test_a_finalizer_holds_the_namespace_and_is_reported(api, ns, controllers):
    await controllers("namespace")
    await api.create(CONFIGMAPS, {"apiVersion": "v1", "kind": "ConfigMap",
                                  "metadata": {"name": "held", "finalizers": [HOLD]}},
                     namespace=ns)
    await api.delete(NAMESPACES, ns)

    async def reported() -> dict | None:
        status = (await api.get(NAMESPACES, ns)).get("status") or {}
        conditions = {c["type"]: c for c in status.get("conditions") or []}
        return conditions if "NamespaceFinalizersRemaining" in conditions else None

    conditions = await eventually(reported, "the deletion conditions")
    assert [c["type"] for c in conditions.values()] == [
        "NamespaceDeletionDiscoveryFailure", "NamespaceDeletionGroupVersionParsingFailure",
        "NamespaceDeletionContentFailure", "NamespaceContentRemaining",
        "NamespaceFinalizersRemaining"]
    remaining = conditions["NamespaceContentRemaining"]
    assert (remaining["status"], remaining["reason"], remaining["message"]) == (
        "True", "SomeResourcesRemain",
        "Some resources are remaining: configmaps. has 1 resource instances")
    held = conditions["NamespaceFinalizersRemaining"]
    assert (held["status"], held["reason"], held["message"]) == (
        "True", "SomeFinalizersRemain",
        f"Some content in the namespace has finalizers remaining: {HOLD} in 1 resource "
        "instances")
    content = conditions["NamespaceDeletionContentFailure"]
    assert (content["status"], content["reason"]) == ("False", "ContentDeleted")

    await api.patch(CONFIGMAPS, "held", {"metadata": {"finalizers": None}}, namespace=ns,
                    patch_type="merge")
    await eventually(lambda: namespace_gone(api, ns), "the namespace removed")
