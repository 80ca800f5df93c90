"""The DaemonSet controller's decisions: which nodes run a daemon pod, the pod it creates,
what to create and delete, the rolling update within maxUnavailable, and the status."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from observe.controllers import daemonpods as dp
from observe.controllers.revisions import REVISION_HASH

NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
READY = {"type": "Ready", "status": "True", "lastTransitionTime": "2024-01-01T11:00:00Z"}


def daemonset(max_unavailable: object = 1, strategy: str = "RollingUpdate",
              **pod_spec: object) -> dict:
    update: dict = {"type": strategy}
    if strategy == "RollingUpdate":
        update["rollingUpdate"] = {"maxUnavailable": max_unavailable, "maxSurge": 0}
    return {"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": "ns", "uid": "ds-uid", "generation": 3},
            "spec": {"selector": {"matchLabels": {"app": "agent"}}, "updateStrategy": update,
                     "template": {"metadata": {"labels": {"app": "agent"}},
                                  "spec": {"containers": [{"name": "c", "image": "a"}],
                                           **pod_spec}}}}


def node(name: str, labels: dict | None = None, taints: list | None = None) -> dict:
    return {"metadata": {"name": name, "labels": labels or {}},
            "spec": {"taints": taints} if taints else {}}


def pod(name: str, on: str, digest: str = "new", phase: str = "Running", ready: bool = True,
        created: str = "2024-01-01T10:00:00Z") -> dict:
    return {"metadata": {"name": name, "namespace": "ns", "creationTimestamp": created,
                         "labels": {"app": "agent", REVISION_HASH: digest}},
            "spec": {"nodeName": on},
            "status": {"phase": phase, "conditions": [READY] if ready else []}}


@pytest.mark.parametrize(("name", "ds", "n", "run", "stay"), [
    ("a plain node", daemonset(), node("a"), True, True),
    ("nodeSelector matches", daemonset(nodeSelector={"disk": "ssd"}),
     node("a", {"disk": "ssd"}), True, True),
    ("nodeSelector does not match", daemonset(nodeSelector={"disk": "ssd"}),
     node("a", {"disk": "hdd"}), False, False),
    ("required affinity", daemonset(affinity={"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["z1"]}]}]}}}),
     node("a", {"zone": "z2"}), False, False),
    ("an untolerated NoSchedule taint: no new pod, the old one stays", daemonset(),
     node("a", taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]),
     False, True),
    ("an untolerated NoExecute taint evicts", daemonset(),
     node("a", taints=[{"key": "dedicated", "effect": "NoExecute"}]), False, False),
    ("a toleration lets it run", daemonset(tolerations=[
        {"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoSchedule"}]),
     node("a", taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]),
     True, True),
    ("default daemon tolerations cover unschedulable and not-ready", daemonset(),
     node("a", taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
                       {"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}]),
     True, True),
    ("PreferNoSchedule is ignored", daemonset(),
     node("a", taints=[{"key": "x", "effect": "PreferNoSchedule"}]), True, True),
    ("nodeName pins another node", daemonset(nodeName="b"), node("a"), False, False),
])
def test_node_fit(name, ds, n, run, stay):
    assert dp.node_fit(ds, n) == dp.Fit(run, stay), name


def test_daemon_pod_is_pinned_labelled_and_tolerant():
    ds = daemonset(affinity={"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "zone", "operator": "Exists"}]}]},
        "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "preference": {}}]}})
    p = dp.daemon_pod(ds, "node-1", "abc123")
    assert p["metadata"]["generateName"] == "agent-"
    assert p["metadata"]["labels"] == {"app": "agent", REVISION_HASH: "abc123",
                                       "pod-template-generation": "3"}
    affinity = p["spec"]["affinity"]["nodeAffinity"]
    assert affinity["requiredDuringSchedulingIgnoredDuringExecution"] == {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-1"]}]}]}
    assert affinity["preferredDuringSchedulingIgnoredDuringExecution"], "preferred terms stay"
    keys = {(t["key"], t["effect"]) for t in p["spec"]["tolerations"]}
    assert keys == set(dp.DAEMON_TOLERATIONS)
    assert dp.target_node(p) == "node-1", "an unscheduled pod belongs to its pinned node"


def names(pods: list[dict]) -> list[str]:
    return sorted(p["metadata"]["name"] for p in pods)


def test_plan_creates_missing_and_deletes_surplus():
    nodes = [node("a"), node("b"), node("c", {"x": "y"}),
             node("d", taints=[{"key": "k", "effect": "NoExecute"}])]
    pods = [pod("on-a", "a"), pod("on-a-too", "a", created="2024-01-01T11:00:00Z"),
            pod("failed-b", "b", phase="Failed"), pod("on-d", "d"), pod("on-gone", "gone")]
    result = dp.plan(daemonset(), nodes, pods, "new", NOW)
    assert result.create == ["c"]
    assert names(result.delete) == ["failed-b", "on-a-too", "on-d"]
    assert [n for _, n in result.failed] == ["b"]


OLD3 = [pod("a1", "a", "old"), pod("b1", "b", "old"), pod("c1", "c", "old")]


@pytest.mark.parametrize(("max_unavailable", "pods", "deleted", "first"), [
    (1, OLD3, 1, None),
    (2, OLD3, 2, None),
    ("50%", OLD3, 2, None),
    # One new pod is not ready yet: the budget is spent.
    (1, [pod("a1", "a", "new", ready=False), *OLD3[1:]], 0, None),
    # An old pod that is not ready anyway goes at once, and uses up the budget.
    (1, [pod("a1", "a", "old", ready=False), *OLD3[1:]], 1, "a1"),
])
def test_rolling_update_respects_max_unavailable(max_unavailable, pods, deleted, first):
    nodes = [node("a"), node("b"), node("c")]
    result = dp.plan(daemonset(max_unavailable), nodes, pods, "new", NOW)
    assert len(result.delete) == deleted
    if first is not None:
        assert names(result.delete) == [first]


def test_on_delete_never_replaces_running_pods():
    pods = [pod("a1", "a", "old")]
    assert dp.plan(daemonset(strategy="OnDelete"), [node("a")], pods, "new", NOW).delete == []


def test_status_counts():
    nodes = [node("a"), node("b"), node("c"), node("d", {"role": "x"})]
    ds = daemonset(nodeSelector={"role": "w"})
    for n in nodes[:3]:
        n["metadata"]["labels"] = {"role": "w"}
    pods = [pod("a1", "a", "new"), pod("b1", "b", "old", ready=False), pod("d1", "d")]
    status = dp.calculate_status(ds, nodes, pods, "new", NOW)
    assert status == {"desiredNumberScheduled": 3, "currentNumberScheduled": 2,
                      "numberMisscheduled": 1, "numberReady": 1, "updatedNumberScheduled": 1,
                      "numberAvailable": 1, "numberUnavailable": 2, "observedGeneration": 3}
