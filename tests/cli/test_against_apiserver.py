"""``python -m observe <verb>`` against a real apiserver process.

No controllers run here, so what a controller would do (ReplicaSets of a Deployment, its
status) is written by the test itself through the API. Each test works in a namespace of
its own. Where kubectl is installed, a few outputs are also compared with kubectl's own.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.http import call

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: IMAGE
        env:
        - {name: A, value: "1"}
        ports:
        - {containerPort: 8000, name: http}
"""


def observe(apiserver: Any, namespace: str, *args: str, stdin: str | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "observe", "--kubeconfig", str(apiserver.kubeconfig),
         "-n", namespace, *args],
        input=stdin, capture_output=True, text=True, timeout=timeout, check=False)


def deploy_manifest(image: str) -> str:
    return DEPLOY.replace("IMAGE", image)


def api(apiserver: Any, method: str, path: str, body: Any = None,
        content_type: str = "application/json") -> dict[str, Any]:
    reply = call(method, f"{apiserver.url}{path}", body, content_type=content_type)
    assert reply.status < 300, f"{method} {path}: {reply.status} {reply.body[:300]!r}"
    return reply.json()


def test_apply_created_configured_unchanged_and_every_get_output(apiserver, namespace,
                                                                  tmp_path: Path) -> None:
    v1, v2 = tmp_path / "v1.yaml", tmp_path / "v2.yaml"
    v1.write_text(deploy_manifest("python:3.11"))
    v2.write_text(deploy_manifest("python:3.12"))
    steps = [(v1, "created"), (v1, "unchanged"), (v2, "configured"), (v2, "unchanged")]
    for path, outcome in steps:
        result = observe(apiserver, namespace, "apply", "-f", str(path))
        assert (result.returncode, result.stdout, result.stderr) == (
            0, f"deployment.apps/web {outcome}\n", ""), f"apply {path.name}"

    table = observe(apiserver, namespace, "get", "deploy")
    assert table.stdout.splitlines()[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE",
                                                    "AGE"]
    assert table.stdout.splitlines()[1].split()[:2] == ["web", "0/2"]
    wide = observe(apiserver, namespace, "get", "deploy", "-o", "wide")
    assert wide.stdout.splitlines()[0].split()[-3:] == ["CONTAINERS", "IMAGES", "SELECTOR"]
    assert "python:3.12" in wide.stdout and "app=web" in wide.stdout
    every = observe(apiserver, namespace, "get", "deploy", "-A")
    assert any(line.split()[:2] == [namespace, "web"] for line in every.stdout.splitlines())

    as_yaml = observe(apiserver, namespace, "get", "deploy", "web", "-o", "yaml")
    assert as_yaml.stdout.startswith("apiVersion: apps/v1\nkind: Deployment\n")
    as_json = json.loads(observe(apiserver, namespace, "get", "deploy", "-o", "json").stdout)
    assert as_json["kind"] == "List"
    assert [i["metadata"]["name"] for i in as_json["items"]] == ["web"]
    annotation = as_json["items"][0]["metadata"]["annotations"][
        "kubectl.kubernetes.io/last-applied-configuration"]
    assert json.loads(annotation)["metadata"]["namespace"] == namespace
    assert observe(apiserver, namespace, "get", "deploy", "-l", "app=web", "-o",
                   "name").stdout == "deployment.apps/web\n"
    image = observe(apiserver, namespace, "get", "deploy", "web", "-o",
                    "jsonpath={.spec.template.spec.containers[0].image}")
    assert image.stdout == "python:3.12"


def test_errors_are_kubectls(apiserver, namespace) -> None:
    missing = observe(apiserver, namespace, "get", "deploy", "nosuch")
    assert (missing.returncode, missing.stdout) == (1, "")
    assert missing.stderr == ('Error from server (NotFound): deployments.apps "nosuch" not '
                              "found\n")
    unknown = observe(apiserver, namespace, "get", "nosuchtype")
    assert (unknown.returncode, unknown.stderr) == (
        1, 'error: the server doesn\'t have a resource type "nosuchtype"\n')
    empty = observe(apiserver, namespace, "get", "pods")
    assert (empty.returncode, empty.stdout, empty.stderr) == (
        0, "", f"No resources found in {namespace} namespace.\n")


def test_create_then_already_exists(apiserver, namespace, tmp_path: Path) -> None:
    path = tmp_path / "cm.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n"
                    "data: {mode: fast}\n")
    first = observe(apiserver, namespace, "create", "-f", str(path))
    assert (first.returncode, first.stdout) == (0, "configmap/settings created\n")
    again = observe(apiserver, namespace, "create", "-f", str(path))
    assert again.returncode == 1
    assert again.stderr.startswith(
        f'Error from server (AlreadyExists): error when creating "{path}": ')


def test_describe_shows_the_events_of_the_object(apiserver, namespace) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"a": "b"}},
           "spec": {"containers": [{"name": "app", "image": "busybox"}]}}
    created = api(apiserver, "POST", f"/api/v1/namespaces/{namespace}/pods", pod)
    involved = {"kind": "Pod", "namespace": namespace, "name": "p",
                "uid": created["metadata"]["uid"], "apiVersion": "v1"}
    for name, reason, obj in (("e1", "Scheduled", involved),
                              ("e2", "Unrelated", {**involved, "name": "other"})):
        api(apiserver, "POST", f"/api/v1/namespaces/{namespace}/events", {
            "apiVersion": "v1", "kind": "Event", "metadata": {"name": name},
            "involvedObject": obj, "reason": reason, "type": "Normal",
            "message": f"{reason} happened", "source": {"component": "default-scheduler"},
            "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:00Z",
            "count": 1})
    result = observe(apiserver, namespace, "describe", "pod", "p")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Name:", "p"]
    assert "Labels:" in result.stdout and "a=b" in result.stdout
    events = lines[lines.index("Events:") + 1:]
    assert events[0].split() == ["Type", "Reason", "Age", "From", "Message"]
    assert events[2].split()[:2] == ["Normal", "Scheduled"]
    assert events[2].endswith("default-scheduler  Scheduled happened")
    assert "Unrelated" not in result.stdout


def test_scale_and_delete(apiserver, namespace) -> None:
    assert observe(apiserver, namespace, "apply", "-f", "-",
                   stdin=deploy_manifest("busybox")).returncode == 0
    scaled = observe(apiserver, namespace, "scale", "deploy/web", "--replicas=5")
    assert (scaled.returncode, scaled.stdout) == (0, "deployment.apps/web scaled\n")
    replicas = observe(apiserver, namespace, "get", "deploy", "web", "-o",
                       "jsonpath={.spec.replicas}")
    assert replicas.stdout == "5"
    deleted = observe(apiserver, namespace, "delete", "deployment", "web")
    assert (deleted.returncode, deleted.stdout) == (0, 'deployment.apps "web" deleted\n')
    gone = observe(apiserver, namespace, "get", "deploy", "web")
    assert gone.returncode == 1 and "NotFound" in gone.stderr
    again = observe(apiserver, namespace, "delete", "deployment", "web")
    assert (again.returncode, again.stderr) == (
        1, 'Error from server (NotFound): deployments.apps "web" not found\n')


def _replicaset(namespace: str, owner_uid: str, revision: int, image: str) -> dict[str, Any]:
    labels = {"app": "web", "pod-template-hash": f"h{revision}"}
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": f"web-h{revision}", "namespace": namespace, "labels": labels,
                         "annotations": {"deployment.kubernetes.io/revision": str(revision)},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                                              "name": "web", "uid": owner_uid,
                                              "controller": True}]},
            "spec": {"replicas": 0, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                         {"name": "app", "image": image, "env": [{"name": "A", "value": "1"}],
                          "ports": [{"containerPort": 8000, "name": "http"}]}]}}}}


def test_rollout_history_and_undo(apiserver, namespace) -> None:
    observe(apiserver, namespace, "apply", "-f", "-", stdin=deploy_manifest("python:3.12"))
    deployment = api(apiserver, "GET",
                     f"/apis/apps/v1/namespaces/{namespace}/deployments/web")
    uid = deployment["metadata"]["uid"]
    # What the Deployment controller would have left: one ReplicaSet per revision.
    for revision, image in ((1, "python:3.11"), (2, "python:3.12")):
        api(apiserver, "POST", f"/apis/apps/v1/namespaces/{namespace}/replicasets",
            _replicaset(namespace, uid, revision, image))
    history = observe(apiserver, namespace, "rollout", "history", "deployment/web")
    assert history.stdout == ("deployment.apps/web \nREVISION  CHANGE-CAUSE\n"
                              "1         <none>\n2         <none>\n\n")
    undo = observe(apiserver, namespace, "rollout", "undo", "deployment/web")
    assert (undo.returncode, undo.stdout) == (0, "deployment.apps/web rolled back\n"), undo.stderr
    image = observe(apiserver, namespace, "get", "deploy", "web", "-o",
                    "jsonpath={.spec.template.spec.containers[0].image}")
    assert image.stdout == "python:3.11"
    missing = observe(apiserver, namespace, "rollout", "undo", "deploy/web", "--to-revision=9")
    assert (missing.returncode, missing.stderr) == (
        1, "error: unable to find specified revision 9 in history\n")


def test_rollout_status_follows_the_deployment_status(apiserver, namespace) -> None:
    observe(apiserver, namespace, "apply", "-f", "-", stdin=deploy_manifest("busybox"))
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments/web"
    generation = api(apiserver, "GET", path)["metadata"]["generation"]

    def set_status(**status: int) -> None:
        api(apiserver, "PATCH", f"{path}/status",
            {"status": {"observedGeneration": generation, **status}},
            content_type="application/merge-patch+json")

    set_status(replicas=2, updatedReplicas=2, availableReplicas=1)
    proc = subprocess.Popen(
        [sys.executable, "-m", "observe", "--kubeconfig", str(apiserver.kubeconfig),
         "-n", namespace, "rollout", "status", "deploy/web", "--timeout=60s"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert first == ('Waiting for deployment "web" rollout to finish: 1 of 2 updated '
                         "replicas are available...\n")
        set_status(replicas=2, updatedReplicas=2, availableReplicas=2)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert out.endswith('deployment "web" successfully rolled out\n')


def test_get_watch_prints_rows_for_changes(apiserver, namespace) -> None:
    def create(name: str) -> None:
        api(apiserver, "POST", f"/api/v1/namespaces/{namespace}/configmaps",
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}})

    create("w1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "observe", "--kubeconfig", str(apiserver.kubeconfig),
         "-n", namespace, "get", "configmaps", "-w", "--request-timeout=30s"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        header, first = proc.stdout.readline(), proc.stdout.readline()
        # The watch starts from the list's resourceVersion, so a change made now is seen
        # even if the watch request has not reached the server yet.
        create("w2")
        second = proc.stdout.readline()
    finally:
        proc.kill()
        proc.wait()
    assert header.split()[:2] == ["NAME", "DATA"]
    assert first.split()[0] == "w1"
    assert second.split()[0] == "w2"
    assert len(second) == len(first), "rows keep the header's column widths"


def test_api_resources(apiserver, namespace) -> None:
    result = observe(apiserver, namespace, "api-resources")
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0] == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    assert ["deployments", "deploy", "apps/v1", "true", "Deployment"] in rows
    assert ["namespaces", "ns", "v1", "false", "Namespace"] in rows
    assert not any("/" in row[0] for row in rows)


KUBECTL = shutil.which("kubectl")


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
@pytest.mark.parametrize("args", [
    ["get", "deploy", "web", "-o", "yaml"],
    ["get", "deploy", "-o", "json"],
    ["get", "deploy", "-o", "name"],
    ["get", "all", "--no-headers", "-o", "name"],
    ["describe", "deploy", "web"],
    ["describe", "configmap", "settings"],
    ["api-resources"],
    ["api-resources", "-o", "wide"],
    ["get", "deploy", "nosuch"],
    ["rollout", "history", "deploy/web"],
])
def test_same_output_as_kubectl(apiserver, namespace, args: list[str]) -> None:
    observe(apiserver, namespace, "apply", "-f", "-", stdin=deploy_manifest("busybox"))
    observe(apiserver, namespace, "apply", "-f", "-",
            stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n"
                  "data: {mode: fast}\n")
    theirs = subprocess.run([KUBECTL, "--kubeconfig", str(apiserver.kubeconfig), "-n",
                             namespace, *args], capture_output=True, text=True, timeout=60,
                            check=False)
    ours = observe(apiserver, namespace, *args)
    assert (ours.returncode, ours.stdout, ours.stderr) == (
        theirs.returncode, theirs.stdout, theirs.stderr)
