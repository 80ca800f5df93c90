"""``kubectl rollout history`` and ``rollout undo`` (1.20 and 1.32) over ReplicaSets made by
hand the way the Deployment controller makes them: controller owner references to the
Deployment and ``deployment.kubernetes.io/revision`` annotations."""

from __future__ import annotations

import copy

import pytest

from tests.e2e.conftest import Cluster, Kubectl, deployment, table

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
HISTORY = {1: ("python:3.11", "aaa111"), 2: ("python:3.12", "bbb222")}


def replica_set(owner: dict | None, revision: int, image: str, template_hash: str) -> dict:
    labels = {"app": "web", "pod-template-hash": template_hash}
    meta: dict = {"name": f"web-{template_hash}", "labels": labels,
                  "annotations": {REVISION: str(revision), CHANGE_CAUSE: f"set image {image}"}}
    if owner is not None:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "Deployment",
                                    "name": owner["metadata"]["name"],
                                    "uid": owner["metadata"]["uid"],
                                    "controller": True, "blockOwnerDeletion": True}]
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta,
            "spec": {"replicas": 0, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {
                         "containers": [{"name": "app", "image": image}]}}}}


@pytest.fixture
def history(cluster: Cluster) -> dict[int, dict]:
    """Deployment ``web`` at revision 2, its ReplicaSets for revisions 1 and 2, and a
    look-alike ReplicaSet it does not own (which history must ignore)."""
    web = deployment("web", image=HISTORY[2][0])
    web["metadata"]["annotations"] = {REVISION: "2"}
    owner = cluster.create(web)
    sets = {revision: cluster.create(replica_set(owner, revision, image, template_hash))
            for revision, (image, template_hash) in HISTORY.items()}
    cluster.create(replica_set(None, 7, "python:3.9", "ccc333"))
    return sets


def test_rollout_history_lists_owned_revisions(kubectl: Kubectl, history):
    out = kubectl.ok("rollout", "history", "deployment/web")
    first, _, rest = out.partition("\n")
    assert first.strip() == "deployment.apps/web"
    rows = [(row["REVISION"], row["CHANGE-CAUSE"]) for row in table(rest)]
    assert rows == [("1", "set image python:3.11"), ("2", "set image python:3.12")]


def test_rollout_history_of_one_revision_shows_its_template(kubectl: Kubectl, history):
    out = kubectl.ok("rollout", "history", "deployment/web", "--revision=1")
    assert out.startswith("deployment.apps/web with revision #1\n"), out
    assert "pod-template-hash=aaa111" in out
    assert [line.split()[-1] for line in out.splitlines() if "Image:" in line] == [
        "python:3.11"]


def test_rollout_undo_restores_the_revision_template(kubectl: Kubectl, cluster: Cluster,
                                                      history):
    before = cluster.get("deployments", "web", "apps/v1")
    assert kubectl.ok("rollout", "undo", "deployment/web", "--to-revision=1") == (
        "deployment.apps/web rolled back\n")
    after = cluster.get("deployments", "web", "apps/v1")
    expected = copy.deepcopy(history[1]["spec"]["template"])
    del expected["metadata"]["labels"]["pod-template-hash"]
    assert after["spec"]["template"] == expected, (
        "the deployment's template must become the ReplicaSet's (without its hash label)")
    assert after["metadata"]["annotations"][CHANGE_CAUSE] == "set image python:3.11"
    assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1


def test_rollout_undo_to_the_current_revision_is_skipped(kubectl: Kubectl, cluster: Cluster,
                                                        history):
    # Only holds if the server defaults a Deployment's template exactly like a ReplicaSet's.
    before = cluster.get("deployments", "web", "apps/v1")
    assert kubectl.ok("rollout", "undo", "deployment/web", "--to-revision=2") == (
        "deployment.apps/web skipped rollback (current template already matches revision 2)\n")
    after = cluster.get("deployments", "web", "apps/v1")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


def test_rollout_undo_to_an_unknown_revision(kubectl: Kubectl, cluster: Cluster, history):
    before = cluster.get("deployments", "web", "apps/v1")
    result = kubectl.fails("rollout", "undo", "deployment/web", "--to-revision=7")
    assert result.stderr.strip() == "error: unable to find specified revision 7 in history", (
        f"revision 7 belongs to a ReplicaSet the deployment does not own:\n{result}")
    after = cluster.get("deployments", "web", "apps/v1")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
