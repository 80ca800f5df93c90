"""``apply`` and ``create``: the requests kubectl 1.20 sent, byte for byte where it matters."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from observe.cli.apply import LAST_APPLIED, with_last_applied
from tests.cli.scripted import ScriptedApi, api_error, run_cli

DEPLOY_V1 = """\
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
        image: python:3.11
        command: ["python3", "-m", "http.server", "8000"]
        env:
        - {name: A, value: "1"}
        - {name: B, value: "2"}
        ports:
        - {containerPort: 8000, name: http}
        - {containerPort: 9000, name: metrics}
      - name: sidecar
        image: busybox
"""
DEPLOY_V2 = DEPLOY_V1.replace("python:3.11", "python:3.12").replace(
    '        - {name: A, value: "1"}\n        - {name: B, value: "2"}\n',
    '        - {name: B, value: "3"}\n        - {name: C, value: "4"}\n').replace(
    "        - {containerPort: 9000, name: metrics}\n", "")

# What kubectl 1.20 stored for DEPLOY_V1 (reference: kubectl-requests.txt, PART A).
RECORDED_V1_ANNOTATION = (
    '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"labels":'
    '{"app":"web"},"name":"web","namespace":"default"},"spec":{"replicas":2,"selector":'
    '{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":'
    '{"containers":[{"command":["python3","-m","http.server","8000"],"env":[{"name":"A",'
    '"value":"1"},{"name":"B","value":"2"}],"image":"python:3.11","name":"app","ports":'
    '[{"containerPort":8000,"name":"http"},{"containerPort":9000,"name":"metrics"}]},'
    '{"image":"busybox","name":"sidecar"}]}}}}\n')
# The three-way patch kubectl 1.20 sent for v1 -> v2, without its annotation.
RECORDED_V2_PATCH_SPEC = {"template": {"spec": {
    "$setElementOrder/containers": [{"name": "app"}, {"name": "sidecar"}],
    "containers": [{
        "$setElementOrder/env": [{"name": "B"}, {"name": "C"}],
        "$setElementOrder/ports": [{"containerPort": 8000}],
        "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"},
                {"$patch": "delete", "name": "A"}],
        "image": "python:3.12", "name": "app",
        "ports": [{"$patch": "delete", "containerPort": 9000}]}]}}}
PATH = "/apis/apps/v1/namespaces/default/deployments"


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _live(posted: dict) -> dict:
    """What the server would hold after a create: the body plus server-owned fields."""
    live = copy.deepcopy(posted)
    live["metadata"].update(uid="u-1", resourceVersion="7", generation=1,
                            creationTimestamp="2026-01-01T00:00:00Z")
    live["spec"]["template"]["spec"]["containers"][0]["ports"][0]["protocol"] = "TCP"
    live["status"] = {"replicas": 2}
    return live


def test_last_applied_annotation_is_byte_identical_to_kubectl() -> None:
    obj = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
           "spec": {"replicas": 2}}
    annotated = with_last_applied(obj)
    text = annotated["metadata"]["annotations"][LAST_APPLIED]
    assert text == ('{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},'
                    '"labels":{"app":"web"},"name":"web","namespace":"default"},'
                    '"spec":{"replicas":2}}\n')
    assert "annotations" not in obj["metadata"], "the manifest itself is left alone"


def test_last_applied_keeps_other_annotations_and_drops_its_own() -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": "c", "annotations": {"team": "a", LAST_APPLIED: "old"}}}
    annotations = with_last_applied(obj)["metadata"]["annotations"]
    assert annotations["team"] == "a"
    assert json.loads(annotations[LAST_APPLIED])["metadata"]["annotations"] == {"team": "a"}


def test_apply_creates_then_configures_then_is_unchanged(tmp_path: Path) -> None:
    api = ScriptedApi().serve_discovery()
    v1 = _write(tmp_path, "deploy-v1.yaml", DEPLOY_V1)
    api.on("GET", f"{PATH}/web", api_error(404, "NotFound", 'deployments.apps "web" not found'))
    api.on("POST", PATH, lambda sent: sent.body)
    created = run_cli(api, "apply", "-f", v1)
    assert (created.code, created.out, created.err) == (0, "deployment.apps/web created\n", "")
    post = api.requests("POST")[0]
    assert post.params == {"fieldManager": "kubectl-client-side-apply"}
    assert post.content_type == "application/json"
    assert post.body["metadata"]["namespace"] == "default"
    assert post.body["metadata"]["annotations"][LAST_APPLIED] == RECORDED_V1_ANNOTATION

    live = _live(post.body)
    api.on("GET", f"{PATH}/web", live)
    unchanged = run_cli(api, "apply", "-f", v1)
    assert (unchanged.code, unchanged.out) == (0, "deployment.apps/web unchanged\n")
    assert not api.requests("PATCH")

    api.on("PATCH", f"{PATH}/web", live)
    configured = run_cli(api, "apply", "-f", _write(tmp_path, "deploy-v2.yaml", DEPLOY_V2))
    assert (configured.code, configured.out) == (0, "deployment.apps/web configured\n")
    (patch,) = api.requests("PATCH")
    assert patch.content_type == "application/strategic-merge-patch+json"
    assert patch.params == {"fieldManager": "kubectl-client-side-apply"}
    assert patch.body["spec"] == RECORDED_V2_PATCH_SPEC
    new_annotation = json.loads(patch.body["metadata"]["annotations"][LAST_APPLIED])
    assert new_annotation["spec"]["template"]["spec"]["containers"][0]["image"] == "python:3.12"


def test_apply_goes_on_after_a_failure_and_exits_1(tmp_path: Path) -> None:
    api = ScriptedApi().serve_discovery()
    api.on("POST", "/api/v1/namespaces/default/services",
           api_error(422, "Invalid", 'Service "web" is invalid: spec.ports: Required value'))
    api.on("POST", "/api/v1/namespaces/default/configmaps", lambda sent: sent.body)
    path = _write(tmp_path, "both.yaml",
                  "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\n"
                  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    result = run_cli(api, "apply", "-f", path)
    assert result.code == 1
    assert result.out == "configmap/c created\n"
    assert result.err == (f'Error from server (Invalid): error when creating "{path}": '
                          'Service "web" is invalid: spec.ports: Required value\n')


def test_apply_of_an_unknown_kind_names_the_file(tmp_path: Path) -> None:
    api = ScriptedApi().serve_discovery()
    path = _write(tmp_path, "crd.yaml", "apiVersion: example.com/v1\nkind: Widget\n"
                                        "metadata: {name: w}\n")
    result = run_cli(api, "apply", "-f", path)
    assert result.code == 1
    assert result.err.startswith(
        f'error: resource mapping not found for name: "w" namespace: "" from "{path}": '
        'no matches for kind "Widget" in version "example.com/v1"')


def test_namespace_flag_must_agree_with_the_manifest(tmp_path: Path) -> None:
    api = ScriptedApi().serve_discovery()
    path = _write(tmp_path, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\n"
                                       "metadata: {name: c, namespace: prod}\n")
    result = run_cli(api, "apply", "-n", "dev", "-f", path)
    assert result.code == 1
    assert 'the namespace from the provided object "prod" does not match the namespace "dev"' \
        in result.err
    assert not api.requests("POST")


def test_apply_reads_stdin_and_honours_the_namespace_flag() -> None:
    api = ScriptedApi().serve_discovery()
    api.on("POST", "/api/v1/namespaces/dev/configmaps", lambda sent: sent.body)
    result = run_cli(api, "apply", "-n", "dev", "-f", "-",
                     stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    assert (result.code, result.out) == (0, "configmap/c created\n")


@pytest.mark.parametrize(("flag", "suffix", "posts"),
                         [("--dry-run=client", " (dry run)", 0),
                          ("--dry-run=server", " (server dry run)", 1)])
def test_dry_run(tmp_path: Path, flag: str, suffix: str, posts: int) -> None:
    api = ScriptedApi().serve_discovery()
    api.on("POST", "/api/v1/namespaces/default/configmaps", lambda sent: sent.body)
    path = _write(tmp_path, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    result = run_cli(api, "apply", flag, "-f", path)
    assert result.out == f"configmap/c created{suffix}\n"
    assert len(api.requests("POST")) == posts
    if posts:
        assert api.requests("POST")[0].params["dryRun"] == "All"


def test_create_posts_with_kubectl_create_manager_and_reports_already_exists(
        tmp_path: Path) -> None:
    api = ScriptedApi().serve_discovery()
    api.on("POST", "/api/v1/namespaces/default/services",
           lambda sent: sent.body,
           api_error(409, "AlreadyExists", 'services "web" already exists'))
    path = _write(tmp_path, "svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
                                        "spec: {ports: [{port: 80}]}\n")
    first = run_cli(api, "create", "-f", path)
    assert (first.code, first.out) == (0, "service/web created\n")
    assert api.requests("POST")[0].params == {"fieldManager": "kubectl-create"}
    assert LAST_APPLIED not in str(api.requests("POST")[0].body)
    second = run_cli(api, "create", "-f", path)
    assert second.code == 1
    assert second.err == (f'Error from server (AlreadyExists): error when creating "{path}": '
                          'services "web" already exists\n')


def test_create_namespace() -> None:
    api = ScriptedApi().serve_discovery()
    api.on("POST", "/api/v1/namespaces", lambda sent: sent.body)
    result = run_cli(api, "create", "namespace", "team-a")
    assert (result.code, result.out) == (0, "namespace/team-a created\n")
    assert api.requests("POST")[0].body["metadata"] == {"name": "team-a"}
