"""Which pods a ReplicaSet deletes first (upstream's ActivePodsWithRanks), readiness and
availability, and the pod a controller creates from its template."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from observe.controllers import pods as podutil

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def ago(seconds: float) -> str:
    return (NOW - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def pod(name: str, *, node: str = "n1", phase: str = "Running", ready: bool | None = True,
        ready_for: float = 100, created: float = 1000, restarts: int = 0,
        cost: str | None = None) -> dict:
    conditions = [] if ready is None else [
        {"type": "Ready", "status": "True" if ready else "False",
         "lastTransitionTime": ago(ready_for)}]
    meta: dict = {"name": name, "uid": f"uid-{name}", "creationTimestamp": ago(created)}
    if cost is not None:
        meta["annotations"] = {podutil.DELETION_COST: cost}
    return {"metadata": meta, "spec": {"nodeName": node} if node else {},
            "status": {"phase": phase, "conditions": conditions,
                       "containerStatuses": [{"name": "c", "restartCount": restarts}]}}


@pytest.mark.parametrize(("rule", "first", "second"), [
    ("unscheduled before scheduled", pod("a", node=""), pod("b")),
    ("pending before running", pod("a", phase="Pending"), pod("b")),
    ("pending before unknown", pod("a", phase="Pending"), pod("b", phase="Unknown")),
    ("unknown before running", pod("a", phase="Unknown"), pod("b")),
    ("not ready before ready", pod("a", ready=False), pod("b")),
    ("lower deletion cost first", pod("a", cost="-5"), pod("b", cost="10")),
    ("recently ready before long ready", pod("a", ready_for=10), pod("b", ready_for=1000)),
    ("more restarts first", pod("a", restarts=3), pod("b", restarts=1)),
    ("younger before older", pod("a", created=10), pod("b", created=100000)),
])
def test_deletion_order(rule, first, second):
    for pods in ([first, second], [second, first]):
        ordered = podutil.deletion_order(pods, [], NOW)
        assert ordered[0]["metadata"]["name"] == "a", rule


def test_pods_doubled_up_on_a_node_go_first():
    crowded, alone = pod("a", node="n1"), pod("b", node="n2")
    related = [crowded, alone, pod("c", node="n1")]
    assert podutil.deletion_order([alone, crowded], related, NOW)[0] is crowded


def test_similar_ages_count_as_equal_on_the_log_scale():
    # 100s and 120s ready are both in [2^36, 2^37) ns: the ranks tie, the uid decides.
    a, b = pod("a", ready_for=120), pod("b", ready_for=100)
    assert podutil.deletion_order([b, a], [], NOW)[0] is a


def test_pods_to_delete_takes_all_when_asked_for_all():
    pods = [pod("a"), pod("b")]
    assert podutil.pods_to_delete(pods, pods, 5, NOW) == pods


@pytest.mark.parametrize(("p", "min_ready", "expected"), [
    (pod("a", ready_for=5), 0, True),
    (pod("a", ready_for=5), 10, False),
    (pod("a", ready_for=15), 10, True),
    (pod("a", ready=False), 0, False),
    (pod("a", ready=None), 0, False),
])
def test_availability(p, min_ready, expected):
    assert podutil.is_available(p, min_ready, NOW) is expected


@pytest.mark.parametrize(("p", "active"), [
    (pod("a"), True),
    (pod("a", phase="Succeeded"), False),
    (pod("a", phase="Failed"), False),
    ({**pod("a"), "metadata": {"name": "a", "deletionTimestamp": ago(0)}}, False),
])
def test_active(p, active):
    assert podutil.is_active(p) is active


def test_pod_from_template_copies_labels_and_owns_the_pod():
    owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
             "metadata": {"name": "web-abc", "namespace": "ns", "uid": "u1"}}
    template = {"metadata": {"labels": {"app": "web"}, "annotations": {"a": "b"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    created = podutil.pod_from_template(template, owner)
    assert created["metadata"] == {
        "generateName": "web-abc-", "namespace": "ns", "labels": {"app": "web"},
        "annotations": {"a": "b"},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc",
                             "uid": "u1", "controller": True, "blockOwnerDeletion": True}]}
    assert created["spec"] == template["spec"] and created["spec"] is not template["spec"]
