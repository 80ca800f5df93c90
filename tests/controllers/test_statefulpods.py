"""The StatefulSet controller's decisions: stable pod identity and claims, OrderedReady and
Parallel steps, scale-down from the top, and the partitioned rolling update."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from observe.controllers import statefulpods as sp
from observe.controllers.revisions import REVISION_HASH

NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
READY = {"type": "Ready", "status": "True", "lastTransitionTime": "2024-01-01T11:00:00Z"}


def sts(replicas: int = 3, policy: str = "OrderedReady", partition: int = 0,
        **spec: object) -> dict:
    return {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "namespace": "ns", "uid": "sts-uid", "generation": 2},
            "spec": {"replicas": replicas, "podManagementPolicy": policy,
                     "serviceName": "nginx", "selector": {"matchLabels": {"app": "web"}},
                     "updateStrategy": {"type": "RollingUpdate",
                                        "rollingUpdate": {"partition": partition}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "c", "image": "nginx"}],
                                           "volumes": [{"name": "www", "emptyDir": {}},
                                                       {"name": "cfg", "emptyDir": {}}]}},
                     "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {
                         "accessModes": ["ReadWriteOnce"],
                         "resources": {"requests": {"storage": "1Gi"}}}}],
                     **spec}}


def pod(ordinal: int, revision: str = "web-new", ready: bool = True, phase: str = "Running",
        deleting: bool = False) -> dict:
    meta: dict = {"name": f"web-{ordinal}", "namespace": "ns", "uid": f"u{ordinal}",
                  "labels": {"app": "web", REVISION_HASH: revision}}
    if deleting:
        meta["deletionTimestamp"] = "2024-01-01T12:00:00Z"
    return {"metadata": meta, "spec": {},
            "status": {"phase": phase, "conditions": [READY] if ready else []}}


def test_pod_identity_and_claims():
    s = sts()
    p = sp.pod_for(s, s["spec"]["template"], 2, "web-abc")
    meta, spec = p["metadata"], p["spec"]
    assert meta["name"] == "web-2" and "generateName" not in meta
    assert meta["labels"] == {"app": "web", sp.POD_NAME_LABEL: "web-2",
                              sp.POD_INDEX_LABEL: "2", REVISION_HASH: "web-abc"}
    assert (spec["hostname"], spec["subdomain"]) == ("web-2", "nginx")
    assert spec["volumes"] == [{"name": "cfg", "emptyDir": {}},
                               {"name": "www", "persistentVolumeClaim": {
                                   "claimName": "www-web-2"}}]
    claims = sp.claims_for(s, 2)
    assert [c["metadata"]["name"] for c in claims] == ["www-web-2"]
    assert claims[0]["metadata"]["labels"] == {"app": "web"}
    assert claims[0]["spec"]["resources"] == {"requests": {"storage": "1Gi"}}
    assert "ownerReferences" not in claims[0]["metadata"], "claims outlive their pods"


def step(s: dict, pods: list[dict], update: str = "web-new") -> tuple[list[int], list[str],
                                                                      list[str]]:
    result = sp.plan(s, pods, update, NOW)
    return (result.create, [p["metadata"]["name"] for p in result.delete],
            [p["metadata"]["name"] for p in result.recreate_failed])


@pytest.mark.parametrize(("name", "s", "pods", "expected"), [
    ("ordered: the first pod first", sts(), [], ([0], [], [])),
    ("ordered: wait until web-0 is ready", sts(), [pod(0, ready=False)], ([], [], [])),
    ("ordered: then the next", sts(), [pod(0)], ([1], [], [])),
    ("parallel: all at once", sts(policy="Parallel"), [pod(0, ready=False)],
     ([1, 2], [], [])),
    ("a failed pod is re-created", sts(), [pod(0), pod(1, phase="Failed")],
     ([], [], ["web-1"])),
    ("scale down from the highest ordinal, one at a time", sts(1),
     [pod(0), pod(1), pod(2)], ([], ["web-2"], [])),
    ("scale down waits for the terminating pod", sts(1),
     [pod(0), pod(1), pod(2, deleting=True)], ([], [], [])),
    ("parallel scale down: all at once", sts(1, policy="Parallel"),
     [pod(0), pod(1), pod(2)], ([], ["web-2", "web-1"], [])),
    ("ordinals.start shifts the names", sts(2, ordinals={"start": 5}), [pod(5)],
     ([6], [], [])),
])
def test_plan(name, s, pods, expected):
    assert step(s, pods) == expected, name


@pytest.mark.parametrize(("name", "s", "pods", "deleted"), [
    ("the highest ordinal goes first", sts(), [pod(0, "old"), pod(1, "old"), pod(2, "old")],
     ["web-2"]),
    ("then the next once the replacement is ready", sts(),
     [pod(0, "old"), pod(1, "old"), pod(2)], ["web-1"]),
    ("wait while the replacement is not ready", sts(),
     [pod(0, "old"), pod(1, "old"), pod(2, ready=False)], []),
    ("the partition keeps lower ordinals", sts(partition=2),
     [pod(0, "old"), pod(1, "old"), pod(2)], []),
    ("OnDelete never deletes", sts(updateStrategy={"type": "OnDelete"}),
     [pod(0, "old"), pod(1, "old"), pod(2, "old")], []),
])
def test_rolling_update(name, s, pods, deleted):
    assert step(s, pods)[1] == deleted, name


@pytest.mark.parametrize(("partition", "ordinal", "revision"), [
    (0, 0, "web-new"), (2, 1, "web-old"), (2, 2, "web-new"),
])
def test_revision_for_respects_the_partition(partition, ordinal, revision):
    assert sp.revision_for(sts(partition=partition), ordinal, "web-old", "web-new") == revision


def test_status():
    pods = [pod(0, "web-old"), pod(1, ready=False), pod(2, deleting=True)]
    status = sp.calculate_status(sts(), pods, "web-old", "web-new", NOW)
    assert status == {"observedGeneration": 2, "replicas": 2, "readyReplicas": 1,
                      "availableReplicas": 1, "currentReplicas": 1, "updatedReplicas": 1,
                      "currentRevision": "web-old", "updateRevision": "web-new",
                      "collisionCount": 0}
