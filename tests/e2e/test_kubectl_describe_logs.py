"""``kubectl describe`` of a pod and a deployment with their Events, and ``kubectl logs``,
which has no kubelet to reach yet and must fail with a clean message (1.20 and 1.32)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from observe.testing import free_port
from tests.e2e.conftest import Cluster, Kubectl, deployment, pod, table
from tests.http import call


def event_for(obj: dict, reason: str, message: str, kind: str = "Normal") -> dict:
    """A core/v1 Event the way components record them: the name is unique per occurrence."""
    meta = obj["metadata"]
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{meta['name']}.{uuid.uuid4().hex[:12]}"},
            "involvedObject": {"apiVersion": obj["apiVersion"], "kind": obj["kind"],
                               "name": meta["name"], "namespace": meta["namespace"],
                               "uid": meta["uid"]},
            "reason": reason, "message": message, "type": kind, "count": 1,
            "source": {"component": "e2e-suite"},
            "firstTimestamp": meta["creationTimestamp"],
            "lastTimestamp": meta["creationTimestamp"]}


def fields(description: str) -> dict[str, str]:
    """The top-level ``Key:  value`` lines of a describe output."""
    found = {}
    for line in description.splitlines():
        match = re.match(r"^([A-Z][\w-]*(?: [\w-]+)*):\s+(\S.*)$", line)
        if match:
            found.setdefault(match[1], match[2].strip())
    return found


def events(description: str) -> list[dict[str, str]]:
    """The rows of the ``Events:`` section (empty when it says ``<none>``)."""
    _, found, rest = description.partition("\nEvents:")
    assert found, f"no Events section in:\n{description}"
    if rest.strip() == "<none>":
        return []
    lines = [line for line in rest.splitlines()[1:] if not set(line.strip()) <= {"-", " "}]
    return table("\n".join(lines))


def test_describe_pod_lists_its_events_only(kubectl: Kubectl, cluster: Cluster):
    web = cluster.create(pod("web-0", {"app": "web"}))
    other = cluster.create(pod("web-1", {"app": "web"}))
    cluster.create(event_for(web, "Pulling", "Pulling image python:3.12"))
    cluster.create(event_for(web, "FailedMount", "volume data not found", kind="Warning"))
    cluster.create(event_for(other, "Pulled", "Not about web-0"))

    out = kubectl.ok("describe", "pod", "web-0")
    top = fields(out)
    assert (top["Name"], top["Namespace"], top["Labels"], top["Status"]) == (
        "web-0", kubectl.namespace, "app=web", "Pending")
    assert re.search(r"^\s+Image:\s+python:3\.12$", out, re.M), out
    rows = sorted((row["Type"], row["Reason"], row["From"], row["Message"])
                  for row in events(out))
    assert rows == [("Normal", "Pulling", "e2e-suite", "Pulling image python:3.12"),
                    ("Warning", "FailedMount", "e2e-suite", "volume data not found")]


def test_describe_pod_without_events(kubectl: Kubectl, cluster: Cluster):
    cluster.create(pod("quiet", {"app": "web"}))
    assert events(kubectl.ok("describe", "pod", "quiet")) == []


def test_describe_deployment_lists_its_events(kubectl: Kubectl, cluster: Cluster):
    web = cluster.create(deployment("web", replicas=2))
    other = cluster.create(deployment("other"))
    cluster.create(event_for(web, "ScalingReplicaSet", "Scaled up replica set web-5d9 to 2"))
    cluster.create(event_for(other, "ScalingReplicaSet", "Not about web"))

    out = kubectl.ok("describe", "deployment", "web")
    top = fields(out)
    assert (top["Name"], top["Namespace"], top["Selector"]) == (
        "web", kubectl.namespace, "app=web")
    assert top["Replicas"].startswith("2 desired |"), top["Replicas"]
    assert top["StrategyType"] == "RollingUpdate", "the server must default the strategy"
    assert top["RollingUpdateStrategy"] == "25% max unavailable, 25% max surge"
    rows = [(row["Type"], row["Reason"], row["Message"]) for row in events(out)]
    assert rows == [("Normal", "ScalingReplicaSet", "Scaled up replica set web-5d9 to 2")]


def test_describe_missing_object(kubectl: Kubectl):
    result = kubectl.fails("describe", "pod", "ghost")
    assert result.stderr.strip() == 'Error from server (NotFound): pods "ghost" not found'


@pytest.fixture
def node_name(cluster: Cluster) -> Iterator[str]:
    """A node name no other test uses (nodes are cluster-scoped); deleted afterwards."""
    name = f"{cluster.namespace}-node"
    yield name
    # Not every case registers the node, so a 404 here is fine.
    call("DELETE", cluster.url + cluster.path("nodes", name, namespaced=False))


def register_node(cluster: Cluster, name: str, kubelet_port: int | None) -> None:
    cluster.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}})
    if kubelet_port is not None:
        cluster.request("PATCH", cluster.path("nodes", name, namespaced=False) + "/status",
                        {"status": {"addresses": [{"type": "InternalIP",
                                                   "address": "127.0.0.1"}],
                                    "daemonEndpoints": {"kubeletEndpoint": {
                                        "Port": kubelet_port}}}},
                        content_type="application/merge-patch+json")


@pytest.mark.parametrize(("node", "message"), [
    ("none", "Error from server (BadRequest): pod web-0 does not have a host assigned"),
    ("missing", 'Error from server (NotFound): nodes "{node}" not found'),
    ("no-address",
     "Error from server (ServiceUnavailable): the kubelet of node {node} has no reachable "
     "address"),
    ("kubelet-down",
     'Error from server (ServiceUnavailable): Get "http://127.0.0.1:{port}/containerLogs/'
     '{namespace}/web-0/app": could not reach the kubelet: '),
])
def test_logs_without_a_kubelet_fail_cleanly(kubectl: Kubectl, cluster: Cluster, node_name,
                                             node, message):
    port = free_port()
    if node in ("no-address", "kubelet-down"):
        register_node(cluster, node_name, port if node == "kubelet-down" else None)
    cluster.create(pod("web-0", {"app": "web"}, node=None if node == "none" else node_name))
    result = kubectl.fails("logs", "web-0")
    assert result.returncode == 1
    expected = message.format(node=node_name, port=port, namespace=kubectl.namespace)
    assert result.stderr.startswith(expected), f"expected {expected!r}:\n{result}"
    assert result.stderr.count("\n") == 1, f"one line, no stack trace:\n{result}"
