"""kubectl 1.20 and 1.32 against a real apiserver: version, discovery, and the error lines
users see for names and types that do not exist."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Cluster, Kubectl, table


def test_version_prints_the_server_version(kubectl: Kubectl, cluster: Cluster):
    server = cluster.request("GET", "/version")
    out = kubectl.ok("version")
    server_line = next((line for line in out.splitlines()
                        if line.startswith("Server Version:")), None)
    assert server_line is not None, f"no 'Server Version:' line in:\n{out}"
    assert server["gitVersion"] in server_line, (
        f"server gitVersion {server['gitVersion']} not printed: {server_line}")


@pytest.mark.parametrize(("name", "short_names", "api_version", "namespaced", "kind"), [
    ("pods", "po", "v1", "true", "Pod"),
    ("services", "svc", "v1", "true", "Service"),
    ("nodes", "no", "v1", "false", "Node"),
    ("namespaces", "ns", "v1", "false", "Namespace"),
    ("events", "ev", "v1", "true", "Event"),
    ("deployments", "deploy", "apps/v1", "true", "Deployment"),
    ("replicasets", "rs", "apps/v1", "true", "ReplicaSet"),
    ("cronjobs", "cj", "batch/v1", "true", "CronJob"),
])
def test_api_resources_rows(kubectl: Kubectl, name, short_names, api_version, namespaced,
                            kind):
    rows = {row["NAME"]: row for row in table(kubectl.ok("api-resources"))}
    assert name in rows, f"{name} missing from api-resources: {sorted(rows)}"
    assert rows[name] == {"NAME": name, "SHORTNAMES": short_names, "APIVERSION": api_version,
                          "NAMESPACED": namespaced, "KIND": kind}


@pytest.mark.parametrize(("args", "present", "absent"), [
    (("--namespaced=false",), {"nodes", "namespaces"}, {"pods", "deployments.apps"}),
    (("--api-group=apps",), {"deployments.apps", "replicasets.apps"}, {"pods", "nodes"}),
])
def test_api_resources_filters(kubectl: Kubectl, args, present, absent):
    names = set(kubectl.ok("api-resources", "-o", "name", *args).split())
    assert present <= names, f"missing {present - names} from {sorted(names)}"
    assert not absent & names, f"{absent & names} should have been filtered out"


def test_short_names_resolve_through_discovery(kubectl: Kubectl, cluster: Cluster):
    cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "short"}})
    assert kubectl.ok("get", "cm", "-o", "name").split() == ["configmap/short"]


@pytest.mark.parametrize(("args", "message"), [
    (("get", "pods", "nope"), 'Error from server (NotFound): pods "nope" not found'),
    (("get", "deploy", "nope"),
     'Error from server (NotFound): deployments.apps "nope" not found'),
    (("get", "widgets"), 'error: the server doesn\'t have a resource type "widgets"'),
])
def test_errors_for_what_does_not_exist(kubectl: Kubectl, args, message):
    result = kubectl.fails(*args)
    assert result.returncode == 1, f"exit code should be 1:\n{result}"
    assert result.stderr.strip() == message, f"unexpected error text:\n{result}"
    assert result.stdout == ""
