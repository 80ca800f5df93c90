"""``kubectl delete`` in each propagation mode and ``kubectl scale`` (1.20 and 1.32), checked
against what the server holds afterwards.

No garbage collector runs beside this apiserver, so foreground and orphan deletions stay
pending (finalizer + deletionTimestamp) and are run with ``--wait=false``."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Cluster, Kubectl, deployment, pod, table


@pytest.mark.parametrize(("args", "finalizer", "warning"), [
    ((), None, ""),
    (("--cascade=background",), None, ""),
    (("--cascade=foreground", "--wait=false"), "foregroundDeletion", ""),
    (("--cascade=orphan", "--wait=false"), "orphan", ""),
    (("--cascade=false", "--wait=false"), "orphan", "--cascade=false is deprecated"),
], ids=["default", "background", "foreground", "orphan", "legacy-false"])
def test_delete_propagation(kubectl: Kubectl, cluster: Cluster, args, finalizer, warning):
    cluster.create(deployment("web"))
    result = kubectl.run("delete", "deployment", "web", *args)
    assert result.returncode == 0, str(result)
    assert result.stdout == 'deployment.apps "web" deleted\n'
    if warning:
        assert warning in result.stderr, str(result)
    else:
        assert result.stderr == "", str(result)
    if finalizer is None:
        assert not cluster.exists("deployments", "web", "apps/v1"), (
            "background deletion removes the object at once")
        return
    pending = cluster.get("deployments", "web", "apps/v1")["metadata"]
    assert pending.get("finalizers") == [finalizer]
    assert pending.get("deletionTimestamp"), "a pending deletion carries deletionTimestamp"


def test_delete_missing_object(kubectl: Kubectl):
    result = kubectl.fails("delete", "configmap", "ghost")
    assert result.stderr.strip() == (
        'Error from server (NotFound): configmaps "ghost" not found'), str(result)


def test_delete_by_label_selector(kubectl: Kubectl, cluster: Cluster):
    for name, app in (("a", "web"), ("b", "web"), ("c", "db")):
        cluster.create({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": name, "labels": {"app": app}}})
    out = kubectl.ok("delete", "configmaps", "-l", "app=web")
    assert sorted(out.splitlines()) == ['configmap "a" deleted', 'configmap "b" deleted']
    assert [cluster.exists("configmaps", n) for n in "abc"] == [False, False, True]


def test_deleting_a_scheduled_pod_is_graceful(kubectl: Kubectl, cluster: Cluster):
    # Without a kubelet to confirm, a pod on a node stays Terminating for its grace period.
    cluster.create(pod("bound", {"app": "web"}, node="node-a"))
    assert kubectl.ok("delete", "pod", "bound", "--wait=false") == 'pod "bound" deleted\n'
    meta = cluster.get("pods", "bound")["metadata"]
    assert meta["deletionTimestamp"] and meta["deletionGracePeriodSeconds"] == 30
    [row] = table(kubectl.ok("get", "pods"))
    assert (row["NAME"], row["STATUS"]) == ("bound", "Terminating")


def test_deleting_an_unscheduled_pod_is_immediate(kubectl: Kubectl, cluster: Cluster):
    cluster.create(pod("loose", {"app": "web"}))
    assert kubectl.ok("delete", "pod", "loose") == 'pod "loose" deleted\n'
    assert not cluster.exists("pods", "loose")


def replica_set(name: str, replicas: int) -> dict:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": pod(name, labels)["spec"]}}}


@pytest.mark.parametrize(("obj", "resource", "printed"), [
    (deployment("web", replicas=2), "deployments", "deployment.apps/web scaled\n"),
    (replica_set("web", replicas=2), "replicasets", "replicaset.apps/web scaled\n"),
])
def test_scale_changes_spec_replicas(kubectl: Kubectl, cluster: Cluster, obj, resource,
                                     printed):
    before = cluster.create(obj)
    assert kubectl.ok("scale", resource, "web", "--replicas=5") == printed
    after = cluster.get(resource, "web", "apps/v1")
    assert after["spec"]["replicas"] == 5
    assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1


def test_scale_with_a_wrong_current_replicas_changes_nothing(kubectl: Kubectl,
                                                            cluster: Cluster):
    cluster.create(deployment("web", replicas=2))
    result = kubectl.fails("scale", "deployment", "web", "--current-replicas=9",
                           "--replicas=4")
    assert result.stderr.strip() == "error: Expected replicas to be 9, was 2", str(result)
    assert cluster.get("deployments", "web", "apps/v1")["spec"]["replicas"] == 2
    kubectl.ok("scale", "deployment", "web", "--current-replicas=2", "--replicas=4")
    assert cluster.get("deployments", "web", "apps/v1")["spec"]["replicas"] == 4
