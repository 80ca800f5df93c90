"""The StatefulSet controller against a real apiserver: web-0..2 come up in order, each with
its own claim, a deleted pod comes back under its name with the same claim, and a rolling
update replaces pods from the highest ordinal down. The tests mark pods ready in place of a
kubelet."""

from __future__ import annotations

from observe.api.registry import default_registry
from tests.controllers.cluster import PODS, events_for, eventually, live_pods, run_pod

REGISTRY = default_registry()
STATEFULSETS = REGISTRY.get("apps", "statefulsets")
CLAIMS = REGISTRY.get("", "persistentvolumeclaims")
REVISIONS = REGISTRY.get("apps", "controllerrevisions")


def statefulset(replicas: int = 3, image: str = "nginx:1") -> dict:
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "serviceName": "nginx",
                     "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "c", "image": image}]}},
                     "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {
                         "accessModes": ["ReadWriteOnce"],
                         "resources": {"requests": {"storage": "1Gi"}}}}]}}


def is_ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


async def bring_up_in_order(api, ns: str, count: int) -> list[dict]:
    """Mark pods ready one at a time, checking no pod appears before its predecessors are
    ready."""
    async def step():
        pods = sorted(await live_pods(api, ns), key=lambda p: p["metadata"]["name"])
        names = [p["metadata"]["name"] for p in pods]
        assert names == [f"web-{i}" for i in range(len(names))], f"out of order: {names}"
        waiting = [p for p in pods if not is_ready(p)]
        assert len(waiting) <= 1, f"{len(waiting)} pods started before the others were ready"
        for pod in waiting:
            await run_pod(api, pod)
        return pods if len(pods) == count and not waiting else None
    return await eventually(step, f"{count} ready pods")


async def test_pods_come_up_in_order_and_keep_their_claims(api, ns, controllers):
    await controllers("statefulset")
    await api.create(STATEFULSETS, statefulset(), namespace=ns)
    pods = await bring_up_in_order(api, ns, 3)
    for i, pod in enumerate(pods):
        assert pod["spec"]["hostname"] == f"web-{i}" and pod["spec"]["subdomain"] == "nginx"
        assert pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == f"web-{i}"
        assert pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == str(i)
        assert {"name": "www", "persistentVolumeClaim": {"claimName": f"www-web-{i}"}} in \
            pod["spec"]["volumes"]
    claims = {c["metadata"]["name"]: c["metadata"]["uid"]
              for c in (await api.list(CLAIMS, namespace=ns))["items"]}
    assert sorted(claims) == ["www-web-0", "www-web-1", "www-web-2"]

    old_uid = pods[1]["metadata"]["uid"]
    await api.delete(PODS, "web-1", namespace=ns)

    async def recreated():
        pod = next((p for p in await live_pods(api, ns) if p["metadata"]["name"] == "web-1"),
                   None)
        return pod if pod is not None and pod["metadata"]["uid"] != old_uid else None
    again = await eventually(recreated, "web-1 re-created")
    assert {"name": "www", "persistentVolumeClaim": {"claimName": "www-web-1"}} in \
        again["spec"]["volumes"]
    after = {c["metadata"]["name"]: c["metadata"]["uid"]
             for c in (await api.list(CLAIMS, namespace=ns))["items"]}
    assert after == claims, "the same claims, never re-made: the data stays"

    async def status_ready():
        await run_pod(api, again)
        status = (await api.get(STATEFULSETS, "web", namespace=ns)).get("status") or {}
        return status if status.get("readyReplicas") == 3 else None
    status = await eventually(status_ready, "3 ready replicas")
    assert status["replicas"] == 3 and status["currentRevision"] == status["updateRevision"]
    messages = [m for r, m in await events_for(api, ns, "web") if r == "SuccessfulCreate"]
    assert "create Pod web-0 in StatefulSet web successful" in messages
    assert "create Claim www-web-0 Pod web-0 in StatefulSet web success" in messages


async def test_rolling_update_goes_from_the_highest_ordinal_down(api, ns, controllers):
    await controllers("statefulset")
    await api.create(STATEFULSETS, statefulset(), namespace=ns)
    await bring_up_in_order(api, ns, 3)
    await api.patch(STATEFULSETS, "web", {"spec": {"template": {"spec": {"containers": [
        {"name": "c", "image": "nginx:2"}]}}}}, namespace=ns, patch_type="strategic")

    async def updated():
        for pod in await live_pods(api, ns):
            if not is_ready(pod):
                await run_pod(api, pod)
        sts = await api.get(STATEFULSETS, "web", namespace=ns)
        status = sts.get("status") or {}
        return status if status.get("observedGeneration") == sts["metadata"]["generation"] \
            and status.get("updatedReplicas") == 3 and status.get("readyReplicas") == 3 \
            and status.get("currentRevision") == status.get("updateRevision") else None
    await eventually(updated, "all pods updated")
    images = {p["metadata"]["name"]: p["spec"]["containers"][0]["image"]
              for p in await live_pods(api, ns)}
    assert images == {"web-0": "nginx:2", "web-1": "nginx:2", "web-2": "nginx:2"}
    deletions = [m for r, m in await events_for(api, ns, "web") if r == "SuccessfulDelete"]
    assert deletions == [f"delete Pod web-{i} in StatefulSet web successful" for i in (2, 1, 0)]
    revisions = (await api.list(REVISIONS, namespace=ns))["items"]
    assert sorted(r["revision"] for r in revisions) == [1, 2]
