"""The Deployment and ReplicaSet controllers together against a real apiserver: creation,
scaling, rolling updates within maxSurge/maxUnavailable at every step, Recreate, rollback
with kubectl's JSON patch, pause/resume, history cleanup and the progress deadline."""

from __future__ import annotations

import copy

import pytest

from observe.client.informer import Informer
from observe.controllers.podtemplate import HASH_LABEL, template_hash
from tests.controllers.cluster import (
    DEPLOYMENTS,
    PODS,
    REPLICASETS,
    FakeKubelet,
    History,
    deployment,
    events_for,
    eventually,
    live_pods,
)

REVISION = "deployment.kubernetes.io/revision"


async def replicasets(api, ns: str) -> list[dict]:
    return (await api.list(REPLICASETS, namespace=ns))["items"]


async def complete(api, ns: str, name: str, replicas: int) -> dict | None:
    """The Deployment once ``kubectl rollout status`` would call it done."""
    d = await api.get(DEPLOYMENTS, name, namespace=ns)
    status = d.get("status") or {}
    progressing = next((c for c in status.get("conditions") or []
                        if c["type"] == "Progressing"), {})
    done = (status.get("observedGeneration", 0) >= d["metadata"]["generation"]
            and status.get("updatedReplicas", 0) == replicas
            and status.get("replicas", 0) == replicas
            and status.get("availableReplicas", 0) == replicas
            and progressing.get("reason") == "NewReplicaSetAvailable")
    return d if done else None


async def set_image(api, ns: str, name: str, image: str) -> None:
    await api.patch(DEPLOYMENTS, name, {"spec": {"template": {"spec": {"containers": [
        {"name": "c", "image": image}]}}}}, namespace=ns)


@pytest.fixture
async def kubelet(api, ns):
    async with FakeKubelet(api, Informer(api, PODS, namespace=ns)) as k:
        yield k


async def test_deployment_of_three_creates_a_replicaset_and_three_pods(api, ns, controllers,
                                                                       kubelet):
    await controllers("replicaset", "deployment")
    created = await api.create(DEPLOYMENTS, deployment("web", 3), namespace=ns)
    d = await eventually(lambda: complete(api, ns, "web", 3), "the rollout to complete")
    [rs] = await replicasets(api, ns)
    pod_hash = rs["metadata"]["labels"][HASH_LABEL]
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", HASH_LABEL: pod_hash}
    assert rs["metadata"]["ownerReferences"][0]["uid"] == created["metadata"]["uid"]
    assert rs["metadata"]["annotations"] == {
        REVISION: "1", "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4"}
    pods = await live_pods(api, ns, "app=web")
    assert len(pods) == 3
    assert all(p["metadata"]["name"].startswith(f"web-{pod_hash}-") for p in pods)
    assert d["metadata"]["annotations"][REVISION] == "1"
    conditions = {c["type"]: (c["status"], c["reason"]) for c in d["status"]["conditions"]}
    assert conditions == {"Available": ("True", "MinimumReplicasAvailable"),
                          "Progressing": ("True", "NewReplicaSetAvailable")}
    assert ("ScalingReplicaSet", f"Scaled up replica set web-{pod_hash} from 0 to 3") in \
        await events_for(api, ns, "web")


async def test_scaling_resizes_the_replicaset(api, ns, controllers, kubelet):
    await controllers("replicaset", "deployment")
    await api.create(DEPLOYMENTS, deployment("web", 2), namespace=ns)
    await eventually(lambda: complete(api, ns, "web", 2), "2 replicas")
    await api.patch(DEPLOYMENTS, "web", {"spec": {"replicas": 4}}, namespace=ns,
                    patch_type="merge")
    await eventually(lambda: complete(api, ns, "web", 4), "4 replicas")
    [rs] = await replicasets(api, ns)
    assert ("ScalingReplicaSet", f"Scaled up replica set {rs['metadata']['name']} to 4 from 2") \
        in await events_for(api, ns, "web")
    await api.patch(DEPLOYMENTS, "web", {"spec": {"replicas": 1}}, namespace=ns,
                    patch_type="merge")
    await eventually(lambda: complete(api, ns, "web", 1), "1 replica")
    assert len(await live_pods(api, ns, "app=web")) == 1


@pytest.mark.parametrize(("replicas", "surge", "unavailable", "max_total", "min_ready"), [
    (3, 1, 0, 4, 3),
    (4, "25%", "25%", 5, 3),
    (4, 0, 2, 4, 2),
    (5, "50%", 1, 8, 4),
])
async def test_rolling_update_respects_surge_and_unavailability_at_every_step(
        api, ns, controllers, kubelet, replicas, surge, unavailable, max_total, min_ready):
    await controllers("replicaset", "deployment")
    strategy = {"type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}
    await api.create(DEPLOYMENTS, deployment("web", replicas, strategy=strategy),
                     namespace=ns)
    await eventually(lambda: complete(api, ns, "web", replicas), "the first rollout")

    rs_informer = Informer(api, REPLICASETS, namespace=ns)
    pod_informer = Informer(api, PODS, namespace=ns)
    sizes = History(rs_informer, lambda rss: sum(r["spec"]["replicas"] for r in rss.values()))
    # (revision, spec.replicas, availableReplicas) per ReplicaSet, to explain a failure.
    detail = History(rs_informer, lambda rss: sorted(
        (r["metadata"]["annotations"].get(REVISION), r["spec"]["replicas"],
         (r.get("status") or {}).get("availableReplicas", 0)) for r in rss.values()))
    ready = History(pod_informer, lambda pods: sum(
        1 for p in pods.values() if not p["metadata"].get("deletionTimestamp") and any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in (p.get("status") or {}).get("conditions") or [])))
    rs_informer.start()
    pod_informer.start()
    try:
        await rs_informer.wait_synced(10)
        await pod_informer.wait_synced(10)
        sizes.begin()
        detail.begin()
        ready.begin()
        await set_image(api, ns, "web", "nginx:2")
        await eventually(lambda: complete(api, ns, "web", replicas), "the second rollout")
    finally:
        rs_informer.stop()
        pod_informer.stop()
    assert max(sizes.states) == max_total, \
        f"replica totals seen: {sizes.states}; ReplicaSets: {detail.states}"
    assert min(ready.states) >= min_ready, f"ready pod counts seen: {ready.states}"
    rss = await replicasets(api, ns)
    assert sorted((r["metadata"]["annotations"][REVISION], r["spec"]["replicas"])
                  for r in rss) == [("1", 0), ("2", replicas)]


async def test_recreate_removes_old_pods_before_creating_new_ones(api, ns, controllers,
                                                                  kubelet):
    await controllers("replicaset", "deployment")
    await api.create(DEPLOYMENTS, deployment("web", 2, strategy={"type": "Recreate"}),
                     namespace=ns)
    await eventually(lambda: complete(api, ns, "web", 2), "the first rollout")
    informer = Informer(api, REPLICASETS, namespace=ns)
    overlap = History(informer, lambda rss: sum(
        1 for r in rss.values() if r["spec"]["replicas"] > 0))
    informer.start()
    try:
        await informer.wait_synced(10)
        overlap.begin()
        await set_image(api, ns, "web", "nginx:2")
        await eventually(lambda: complete(api, ns, "web", 2), "the second rollout")
    finally:
        informer.stop()
    assert max(overlap.states) == 1, "old and new ReplicaSets must never both have pods"
    assert len(await replicasets(api, ns)) == 2


def kubectl_undo_patch(rs: dict, deployment_annotations: dict) -> list[dict]:
    """What ``kubectl rollout undo`` sends: the old ReplicaSet's template without its hash
    label, with Go's zero values in it, and the annotations rebuilt from that revision."""
    template = copy.deepcopy(rs["spec"]["template"])
    template["metadata"]["labels"].pop(HASH_LABEL)
    template["metadata"]["creationTimestamp"] = None
    for container in template["spec"]["containers"]:
        container["resources"] = {}
    annotations = {k: v for k, v in deployment_annotations.items()
                   if k.startswith("deployment.kubernetes.io/")}
    annotations.update({k: v for k, v in rs["metadata"].get("annotations", {}).items()
                        if not k.startswith("deployment.kubernetes.io/")})
    return [{"op": "replace", "path": "/spec/template", "value": template},
            {"op": "replace", "path": "/metadata/annotations", "value": annotations}]


async def test_rollout_undo_reuses_the_old_replicaset(api, ns, controllers, kubelet):
    await controllers("replicaset", "deployment")
    first = deployment("web", 2)
    first["metadata"]["annotations"] = {"kubernetes.io/change-cause": "first"}
    await api.create(DEPLOYMENTS, first, namespace=ns)
    await eventually(lambda: complete(api, ns, "web", 2), "revision 1")
    # As ``kubectl set image --record`` does: the cause and the change in one patch.
    await api.patch(DEPLOYMENTS, "web", {
        "metadata": {"annotations": {"kubernetes.io/change-cause": "second"}},
        "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "nginx:2"}]}}}},
        namespace=ns)
    d = await eventually(lambda: complete(api, ns, "web", 2), "revision 2")
    by_revision = {r["metadata"]["annotations"][REVISION]: r for r in await replicasets(api, ns)}
    assert by_revision["1"]["metadata"]["annotations"]["kubernetes.io/change-cause"] == "first"
    assert by_revision["2"]["metadata"]["annotations"]["kubernetes.io/change-cause"] == "second"

    await api.patch(DEPLOYMENTS, "web",
                    kubectl_undo_patch(by_revision["1"], d["metadata"]["annotations"]),
                    namespace=ns, patch_type="json")
    d = await eventually(lambda: complete(api, ns, "web", 2), "the rollback")
    rss = {r["metadata"]["name"]: r for r in await replicasets(api, ns)}
    assert len(rss) == 2, "the rollback must re-use the old ReplicaSet, not create a third"
    old = rss[by_revision["1"]["metadata"]["name"]]
    assert old["spec"]["replicas"] == 2
    assert old["metadata"]["annotations"][REVISION] == "3"
    assert old["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    assert rss[by_revision["2"]["metadata"]["name"]]["spec"]["replicas"] == 0
    assert d["metadata"]["annotations"][REVISION] == "3"


async def test_paused_deployment_does_not_roll_out_until_resumed(api, ns, controllers,
                                                                 kubelet):
    await controllers("replicaset", "deployment")
    await api.create(DEPLOYMENTS, deployment("web", 2), namespace=ns)
    await eventually(lambda: complete(api, ns, "web", 2), "the first rollout")
    await api.patch(DEPLOYMENTS, "web", {"spec": {"paused": True}}, namespace=ns,
                    patch_type="merge")
    await set_image(api, ns, "web", "nginx:2")

    async def paused_and_observed() -> dict | None:
        d = await api.get(DEPLOYMENTS, "web", namespace=ns)
        status = d.get("status") or {}
        reasons = {c["type"]: c["reason"] for c in status.get("conditions") or []}
        observed = status.get("observedGeneration") == d["metadata"]["generation"]
        return d if observed and reasons.get("Progressing") == "DeploymentPaused" else None

    await eventually(paused_and_observed, "the pause recorded")
    assert len(await replicasets(api, ns)) == 1, "a paused Deployment must not roll out"
    await api.patch(DEPLOYMENTS, "web", {"spec": {"paused": False}}, namespace=ns,
                    patch_type="merge")
    await eventually(lambda: complete(api, ns, "web", 2), "the rollout after resuming")
    assert len(await replicasets(api, ns)) == 2


async def test_revision_history_limit_deletes_the_oldest_replicasets(api, ns, controllers,
                                                                     kubelet):
    await controllers("replicaset", "deployment")
    await api.create(DEPLOYMENTS, deployment("web", 1, revisionHistoryLimit=1), namespace=ns)
    for image in ("nginx:2", "nginx:3", "nginx:4"):
        await eventually(lambda: complete(api, ns, "web", 1), "a rollout")
        await set_image(api, ns, "web", image)
    await eventually(lambda: complete(api, ns, "web", 1), "the last rollout")

    async def trimmed() -> list[str] | None:
        revisions = sorted(r["metadata"]["annotations"][REVISION]
                           for r in await replicasets(api, ns))
        return revisions if revisions == ["3", "4"] else None

    await eventually(trimmed, "only the newest old revision kept")


async def test_a_rollout_that_stalls_exceeds_its_progress_deadline(api, ns, controllers):
    await controllers("replicaset", "deployment")
    await api.create(DEPLOYMENTS, deployment("web", 1, progressDeadlineSeconds=1),
                     namespace=ns)

    async def timed_out() -> dict | None:
        d = await api.get(DEPLOYMENTS, "web", namespace=ns)
        cond = next((c for c in (d.get("status") or {}).get("conditions") or []
                     if c["type"] == "Progressing"), None)
        return cond if cond and cond["reason"] == "ProgressDeadlineExceeded" else None

    cond = await eventually(timed_out, "ProgressDeadlineExceeded", timeout=15)
    assert cond["status"] == "False"
    assert cond["message"].startswith('ReplicaSet "web-') and \
        cond["message"].endswith('" has timed out progressing.')


async def test_a_name_collision_bumps_the_collision_count(api, ns, controllers, kubelet):
    d = deployment("web", 1)
    squatter_name = f"web-{template_hash(d['spec']['template'])}"
    squatter = deployment("squatter", 0)
    squatter["kind"], squatter["metadata"]["name"] = "ReplicaSet", squatter_name
    await api.create(REPLICASETS, squatter, namespace=ns)
    await controllers("replicaset", "deployment")
    await api.create(DEPLOYMENTS, d, namespace=ns)
    done = await eventually(lambda: complete(api, ns, "web", 1), "the rollout")
    assert done["status"]["collisionCount"] == 1
    owned = [r for r in await replicasets(api, ns) if r["metadata"].get("ownerReferences")]
    assert [r["metadata"]["name"] for r in owned] == \
        [f"web-{template_hash(d['spec']['template'], 1)}"]
