"""``rollout status|history|undo``: kubectl's messages, revisions and the rollback patch."""

from __future__ import annotations

import copy

import orjson
import pytest

from observe.cli.errors import CliError
from observe.cli.rollout import deployment_status, history_text, revisions, rollback_patch
from tests.cli.scripted import ScriptedApi, run_cli

DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
RSS = "/apis/apps/v1/namespaces/default/replicasets"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def template(image: str, hash_: str | None = None) -> dict:
    labels = {"app": "web", **({"pod-template-hash": hash_} if hash_ else {})}
    return {"metadata": {"labels": labels},
            "spec": {"containers": [{"name": "app", "image": image}]}}


def deployment(image: str = "python:3.12", revision: str = "2", **status: int) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "uid": "d-1", "generation": 2,
                         "annotations": {"deployment.kubernetes.io/revision": revision,
                                         LAST_APPLIED: "{}\n", "team": "a"}},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                     "template": template(image)},
            "status": {"observedGeneration": 2, **status}}


def replicaset(revision: int, image: str, owner: str = "d-1", cause: str = "") -> dict:
    annotations = {"deployment.kubernetes.io/revision": str(revision),
                   "deployment.kubernetes.io/desired-replicas": "3"}
    if cause:
        annotations["kubernetes.io/change-cause"] = cause
    return {"metadata": {"name": f"web-{revision}", "namespace": "default",
                         "annotations": annotations,
                         "ownerReferences": [{"kind": "Deployment", "name": "web", "uid": owner,
                                              "controller": True}]},
            "spec": {"replicas": 0, "template": template(image, f"h{revision}")}}


@pytest.mark.parametrize(
    ("status", "generation", "want", "done"),
    [
        ({"observedGeneration": 1}, 2, "Waiting for deployment spec update to be observed...\n",
         False),
        ({"observedGeneration": 2, "updatedReplicas": 1}, 2,
         'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been '
         "updated...\n", False),
        ({"observedGeneration": 2, "updatedReplicas": 3, "replicas": 4}, 2,
         'Waiting for deployment "web" rollout to finish: 1 old replicas are pending '
         "termination...\n", False),
        ({"observedGeneration": 2, "updatedReplicas": 3, "replicas": 3, "availableReplicas": 1},
         2, 'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are '
         "available...\n", False),
        ({"observedGeneration": 2, "updatedReplicas": 3, "replicas": 3, "availableReplicas": 3},
         2, 'deployment "web" successfully rolled out\n', True),
    ],
)
def test_deployment_status(status: dict, generation: int, want: str, done: bool) -> None:
    d = deployment()
    d["metadata"]["generation"] = generation
    d["status"] = status
    assert deployment_status(d) == (want, done)


def test_progress_deadline_is_an_error() -> None:
    d = deployment()
    d["status"]["conditions"] = [{"type": "Progressing", "status": "False",
                                  "reason": "ProgressDeadlineExceeded"}]
    with pytest.raises(CliError, match='deployment "web" exceeded its progress deadline'):
        deployment_status(d)


def test_status_lists_then_watches_until_rolled_out() -> None:
    api = ScriptedApi().serve_discovery()
    api.on("GET", f"{DEPLOYS}/web", deployment())
    waiting = deployment(updatedReplicas=3, replicas=3, availableReplicas=1)
    waiting["metadata"]["resourceVersion"] = "10"
    api.on("GET", DEPLOYS, {"metadata": {"resourceVersion": "10"}, "items": [waiting]})
    api.stream(DEPLOYS, [orjson.dumps({"type": "MODIFIED", "object": deployment(
        updatedReplicas=3, replicas=3, availableReplicas=3)}) + b"\n"])
    result = run_cli(api, "rollout", "status", "deployment/web")
    assert result.code == 0
    assert result.out == (
        'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are '
        'available...\ndeployment "web" successfully rolled out\n')
    listing, watch = api.requests()[1:]
    assert listing.params == {"fieldSelector": "metadata.name=web", "limit": 500,
                              "resourceVersion": "0"}
    assert watch.params == {"fieldSelector": "metadata.name=web", "allowWatchBookmarks": "true",
                            "resourceVersion": "10", "watch": "true"}


def test_status_reports_deletion() -> None:
    api = ScriptedApi().serve_discovery()
    api.on("GET", f"{DEPLOYS}/web", deployment())
    api.on("GET", DEPLOYS, {"metadata": {"resourceVersion": "10"}, "items": []})
    api.stream(DEPLOYS, [orjson.dumps({"type": "DELETED", "object": deployment()}) + b"\n"])
    result = run_cli(api, "rollout", "status", "deploy", "web")
    assert (result.code, result.err) == (1, "error: object has been deleted\n")


def test_history_lists_revisions_of_owned_replicasets_only() -> None:
    api = ScriptedApi().serve_discovery()
    api.on("GET", f"{DEPLOYS}/web", deployment())
    api.on("GET", RSS, {"items": [replicaset(2, "python:3.12", cause="upgrade"),
                                  replicaset(1, "python:3.11"),
                                  replicaset(9, "x", owner="someone-else")]})
    result = run_cli(api, "rollout", "history", "deployment/web")
    assert result.out == ("deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n"
                          "2         upgrade\n\n")
    assert api.requests()[-1].params == {"labelSelector": "app=web"}


def test_history_of_one_revision_shows_its_template() -> None:
    api = ScriptedApi().serve_discovery()
    api.on("GET", f"{DEPLOYS}/web", deployment())
    api.on("GET", RSS, {"items": [replicaset(1, "python:3.11")]})
    result = run_cli(api, "rollout", "history", "deployment/web", "--revision=1")
    # kubectl prints this template with its tabs unaligned, hash label included.
    assert result.out == (
        "deployment.apps/web with revision #1\nPod Template:\n"
        "  Labels:\tapp=web\n\tpod-template-hash=h1\n  Containers:\n   app:\n"
        "    Image:\tpython:3.11\n    Port:\t<none>\n    Host Port:\t<none>\n"
        "    Environment:\t<none>\n    Mounts:\t<none>\n  Volumes:\t<none>\n"
        "  Node-Selectors:\t<none>\n  Tolerations:\t<none>\n\n")


def test_empty_history() -> None:
    assert history_text("deployment.apps/web", {}) == \
        "deployment.apps/web \nNo rollout history found.\n"
    assert revisions([{"metadata": {"annotations": {}}}]) == {}


def test_rollback_patch_is_kubectls_json_patch() -> None:
    d = deployment()
    patch, revision = rollback_patch(d, [replicaset(1, "python:3.11"),
                                         replicaset(2, "python:3.12")], 0)
    assert revision == 1
    assert patch == [
        {"op": "replace", "path": "/spec/template", "value": template("python:3.11")},
        # The Deployment keeps its own revision and last-applied annotations; everything
        # else comes from the ReplicaSet, whose controller-owned annotations are skipped.
        {"op": "replace", "path": "/metadata/annotations", "value": {
            "deployment.kubernetes.io/revision": "2", LAST_APPLIED: "{}\n"}},
    ]


def test_rollback_to_the_running_template_is_skipped() -> None:
    patch, revision = rollback_patch(deployment(), [replicaset(1, "python:3.11"),
                                                    replicaset(2, "python:3.12")], 2)
    assert (patch, revision) == (None, 2)


@pytest.mark.parametrize(
    ("mutate", "sets", "to", "message"),
    [
        (lambda d: d["spec"].update(paused=True), [1, 2], 0, "cannot rollback a paused"),
        (lambda d: None, [2], 0, 'no rollout history found for deployment "web"'),
        (lambda d: None, [1, 2], 7, "unable to find specified revision 7 in history"),
    ],
)
def test_rollback_errors(mutate, sets: list[int], to: int, message: str) -> None:
    d = deployment()
    mutate(d)
    with pytest.raises(CliError, match=message):
        rollback_patch(d, [replicaset(n, f"img:{n}") for n in sets], to)


def test_undo_sends_the_patch() -> None:
    api = ScriptedApi().serve_discovery()
    api.on("GET", f"{DEPLOYS}/web", deployment())
    api.on("GET", RSS, {"items": [replicaset(1, "python:3.11"), replicaset(2, "python:3.12")]})
    api.on("PATCH", f"{DEPLOYS}/web", deployment())
    result = run_cli(api, "rollout", "undo", "deployment/web")
    assert (result.code, result.out) == (0, "deployment.apps/web rolled back\n")
    patch = api.requests("PATCH")[0]
    assert patch.content_type == "application/json-patch+json"
    assert patch.body[0]["value"]["spec"]["containers"][0]["image"] == "python:3.11"
    skipped = run_cli(api, "rollout", "undo", "deployment/web", "--to-revision=2")
    assert skipped.out == ("deployment.apps/web skipped rollback (current template already "
                           "matches revision 2)\n")


def test_restart_and_pause() -> None:
    api = ScriptedApi().serve_discovery()
    running = deployment()
    api.on("GET", f"{DEPLOYS}/web", running)
    api.on("PATCH", f"{DEPLOYS}/web", running)
    assert run_cli(api, "rollout", "restart", "deploy/web").out == \
        "deployment.apps/web restarted\n"
    restarted = api.requests("PATCH")[0].body
    assert "kubectl.kubernetes.io/restartedAt" in \
        restarted["spec"]["template"]["metadata"]["annotations"]
    assert run_cli(api, "rollout", "pause", "deploy/web").out == "deployment.apps/web paused\n"
    paused = copy.deepcopy(running)
    paused["spec"]["paused"] = True
    api.on("GET", f"{DEPLOYS}/web", paused)
    again = run_cli(api, "rollout", "pause", "deploy/web")
    assert (again.code, again.err) == (1, 'error: deployments.apps "web" is already paused\n')


def test_rollout_only_knows_deployments() -> None:
    api = ScriptedApi().serve_discovery()
    result = run_cli(api, "rollout", "status", "pod/x")
    assert result.code == 1
    assert "only deployments are supported" in result.err
