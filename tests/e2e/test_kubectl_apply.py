"""``kubectl apply`` and ``kubectl create`` (1.20 and 1.32): what they print, what the server
ends up holding, and the 422 messages for invalid manifests."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import MANIFESTS, Cluster, Kubectl

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def manifest(name: str) -> str:
    return str(MANIFESTS / name)


def app_container(deployment: dict) -> dict:
    return deployment["spec"]["template"]["spec"]["containers"][0]


def test_apply_create_unchanged_configured(kubectl: Kubectl, cluster: Cluster):
    assert kubectl.ok("apply", "-f", manifest("deployment-v1.yaml")) == (
        "deployment.apps/web created\n")
    first = cluster.get("deployments", "web", "apps/v1")
    assert app_container(first)["env"] == [{"name": "MODE", "value": "blue"},
                                           {"name": "DEBUG", "value": "1"}]
    applied = json.loads(first["metadata"]["annotations"][LAST_APPLIED])
    assert applied["metadata"]["namespace"] == kubectl.namespace
    assert app_container(applied)["image"] == "python:3.11"

    assert kubectl.ok("apply", "-f", manifest("deployment-v1.yaml")) == (
        "deployment.apps/web unchanged\n")
    again = cluster.get("deployments", "web", "apps/v1")
    assert again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"], (
        "an unchanged apply must not write")

    assert kubectl.ok("apply", "-f", manifest("deployment-v2.yaml")) == (
        "deployment.apps/web configured\n")
    changed = cluster.get("deployments", "web", "apps/v1")
    container = app_container(changed)
    assert container["image"] == "python:3.12"
    assert container["env"] == [{"name": "MODE", "value": "green"}], (
        "DEBUG was in the previous apply and not in this one: apply must remove it")
    assert container["imagePullPolicy"] == "IfNotPresent", "server defaults survive apply"
    assert changed["metadata"]["generation"] == first["metadata"]["generation"] + 1
    applied = json.loads(changed["metadata"]["annotations"][LAST_APPLIED])
    assert app_container(applied)["env"] == [{"name": "MODE", "value": "green"}]


def test_apply_from_stdin_keeps_fields_it_never_set(kubectl: Kubectl, cluster: Cluster):
    source = (MANIFESTS / "pod.yaml").read_text()
    assert kubectl.ok("apply", "-f", "-", stdin=source) == "pod/web-0 created\n"
    cluster.patch("pods", "web-0", {"metadata": {"labels": {"added-by": "someone-else"}}})
    out = kubectl.ok("apply", "-f", "-", stdin=source)
    assert out == "pod/web-0 unchanged\n"
    labels = cluster.get("pods", "web-0")["metadata"]["labels"]
    assert labels == {"app": "web", "tier": "frontend", "added-by": "someone-else"}


def test_create_then_create_again(kubectl: Kubectl, cluster: Cluster):
    assert kubectl.ok("create", "-f", manifest("pod.yaml")) == "pod/web-0 created\n"
    created = cluster.get("pods", "web-0")
    assert created["metadata"]["labels"] == {"app": "web", "tier": "frontend"}
    assert LAST_APPLIED not in (created["metadata"].get("annotations") or {}), (
        "create (unlike apply) records no last-applied configuration")
    again = kubectl.fails("create", "-f", manifest("pod.yaml"))
    assert again.returncode == 1
    assert again.stderr.strip() == (
        f'Error from server (AlreadyExists): error when creating "{manifest("pod.yaml")}": '
        'pods "web-0" already exists'), str(again)


@pytest.mark.parametrize("verb", ["create", "apply"])
@pytest.mark.parametrize(("file", "kind", "name", "causes"), [
    ("invalid-pod.yaml", "Pod", "broken", ["spec.containers[0].image: Required value"]),
    ("invalid-deployment.yaml", "Deployment", "mismatch",
     ["spec.template.metadata.labels: Invalid value"]),
])
def test_invalid_manifest_gets_the_422_message(kubectl: Kubectl, cluster: Cluster, verb,
                                               file, kind, name, causes):
    result = kubectl.fails(verb, "-f", manifest(file))
    assert result.returncode == 1
    message = result.stderr.strip()
    assert message.startswith(f'The {kind} "{name}" is invalid: '), str(result)
    for cause in causes:
        assert cause in message, f"{cause!r} missing:\n{result}"
    resource = {"Pod": "pods", "Deployment": "deployments"}[kind]
    group_version = {"Pod": "v1", "Deployment": "apps/v1"}[kind]
    assert not cluster.exists(resource, name, group_version), "an invalid object was stored"


def test_single_cause_is_printed_on_one_line(kubectl: Kubectl):
    # kube-apiserver joins one cause into the message; kubectl then prints it as is.
    result = kubectl.fails("create", "-f", manifest("invalid-pod.yaml"))
    assert result.stderr.strip() == (
        'The Pod "broken" is invalid: spec.containers[0].image: Required value'), str(result)


# kubectl 1.32's imperative create sends protobuf bodies, which need the optional k8sproto
# helper; 1.20 sends JSON, so it covers the server's handling of these requests everywhere.
@pytest.mark.parametrize("kubectl", ["1.20"], indirect=True)
def test_imperative_create_deployment(kubectl: Kubectl, cluster: Cluster):
    out = kubectl.ok("create", "deployment", "nginx", "--image=nginx:1.25")
    assert out == "deployment.apps/nginx created\n"
    created = cluster.get("deployments", "nginx", "apps/v1")
    assert created["spec"]["selector"] == {"matchLabels": {"app": "nginx"}}
    assert created["spec"]["replicas"] == 1
    assert [(c["name"], c["image"]) for c in created["spec"]["template"]["spec"]["containers"]
            ] == [("nginx", "nginx:1.25")]
    assert created["spec"]["strategy"]["type"] == "RollingUpdate", (
        "the empty strategy kubectl sends must be defaulted")
    assert created["metadata"]["creationTimestamp"], "the null kubectl sends must be replaced"


@pytest.mark.parametrize("kubectl", ["1.20"], indirect=True)
def test_imperative_create_configmap(kubectl: Kubectl, cluster: Cluster, tmp_path):
    source = tmp_path / "settings.ini"
    source.write_text("[main]\nlevel = 3\n")
    out = kubectl.ok("create", "configmap", "settings", "--from-literal=mode=fast",
                     f"--from-file={source}")
    assert out == "configmap/settings created\n"
    data = cluster.get("configmaps", "settings")["data"]
    assert data == {"mode": "fast", "settings.ini": "[main]\nlevel = 3\n"}
