"""``kubectl get`` (1.20 and 1.32) in every output form, with label and field selectors,
across namespaces, as a watch, and for ``all``."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.e2e.conftest import Cluster, Kubectl, deployment, pod, table


def mark_running(cluster: Cluster, name: str, ip: str, restarts: int = 0) -> None:
    """What a kubelet would report for a started, ready container."""
    cluster.request("PATCH", cluster.path("pods", name) + "/status", {"status": {
        "phase": "Running", "podIP": ip,
        "containerStatuses": [{"name": "app", "ready": True, "restartCount": restarts,
                               "image": "python:3.12", "imageID": "",
                               "state": {"running": {"startedAt": "2024-01-01T00:00:00Z"}}}]}},
        content_type="application/merge-patch+json")


@pytest.fixture
def pods(cluster: Cluster) -> list[str]:
    """web-0 Running on node-a (restarted twice); web-1 and db-0 Pending."""
    cluster.create(pod("web-0", {"app": "web", "tier": "frontend"}, node="node-a"))
    cluster.create(pod("web-1", {"app": "web", "tier": "backend"}))
    cluster.create(pod("db-0", {"app": "db"}))
    mark_running(cluster, "web-0", "10.1.2.3", restarts=2)
    return ["db-0", "web-0", "web-1"]


def names(output: str) -> list[str]:
    return sorted(line.removeprefix("pod/") for line in output.split())


def test_default_table_has_ready_and_status_columns(kubectl: Kubectl, pods):
    output = kubectl.ok("get", "pods")
    assert output.splitlines()[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    rows = {row["NAME"]: row for row in table(output)}
    assert sorted(rows) == pods
    assert (rows["web-0"]["READY"], rows["web-0"]["STATUS"], rows["web-0"]["RESTARTS"]) == (
        "1/1", "Running", "2")
    assert (rows["web-1"]["READY"], rows["web-1"]["STATUS"], rows["web-1"]["RESTARTS"]) == (
        "0/1", "Pending", "0")


def test_wide_adds_ip_and_node(kubectl: Kubectl, pods):
    rows = {row["NAME"]: row for row in table(kubectl.ok("get", "pods", "-o", "wide"))}
    assert list(rows["web-0"]) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE",
                                   "NOMINATED NODE", "READINESS GATES"]
    assert (rows["web-0"]["IP"], rows["web-0"]["NODE"]) == ("10.1.2.3", "node-a")
    assert (rows["web-1"]["IP"], rows["web-1"]["NODE"]) == ("<none>", "<none>")


def test_yaml_list_carries_the_server_objects(kubectl: Kubectl, cluster: Cluster, pods):
    document = yaml.safe_load(kubectl.ok("get", "pods", "-o", "yaml"))
    assert document["kind"] == "List" and document["apiVersion"] == "v1"
    items = {item["metadata"]["name"]: item for item in document["items"]}
    assert sorted(items) == pods
    for name, item in items.items():
        assert (item["apiVersion"], item["kind"]) == ("v1", "Pod")
        assert item == cluster.get("pods", name), f"{name} differs from the server's copy"


def test_json_single_object_is_the_server_object(kubectl: Kubectl, cluster: Cluster, pods):
    printed = json.loads(kubectl.ok("get", "pod", "web-0", "-o", "json"))
    assert printed == cluster.get("pods", "web-0")


def test_name_output(kubectl: Kubectl, pods):
    assert kubectl.ok("get", "pods", "-o", "name").split() == [f"pod/{n}" for n in pods]


@pytest.mark.parametrize(("args", "expected"), [
    (("pods", "-o", "jsonpath={.items[*].metadata.name}"), "db-0 web-0 web-1"),
    (("pods", "-o",
      'jsonpath={range .items[*]}{.metadata.name}={.status.phase}{"\\n"}{end}'),
     "db-0=Pending\nweb-0=Running\nweb-1=Pending\n"),
    (("pod", "web-0", "-o", "jsonpath={.status.podIP} {.spec.nodeName}"),
     "10.1.2.3 node-a"),
    (("pod", "web-0", "-o", "jsonpath={.spec.containers[0].imagePullPolicy}"),
     "IfNotPresent"),  # a server-side default
])
def test_jsonpath_output(kubectl: Kubectl, pods, args, expected):
    assert kubectl.ok("get", *args) == expected


def test_show_labels_and_label_columns(kubectl: Kubectl, pods):
    rows = {row["NAME"]: row for row in table(kubectl.ok("get", "pods", "--show-labels"))}
    assert rows["web-0"]["LABELS"] == "app=web,tier=frontend"
    assert rows["db-0"]["LABELS"] == "app=db"
    rows = {row["NAME"]: row for row in table(kubectl.ok("get", "pods", "-L", "tier"))}
    assert (rows["web-1"]["TIER"], rows["db-0"]["TIER"]) == ("backend", "")


@pytest.mark.parametrize(("selector", "expected"), [
    ("app=web", ["web-0", "web-1"]),
    ("app==web,tier!=frontend", ["web-1"]),
    ("tier in (frontend,backend)", ["web-0", "web-1"]),
    ("tier notin (frontend)", ["db-0", "web-1"]),
    ("tier", ["web-0", "web-1"]),
    ("!tier", ["db-0"]),
])
def test_label_selectors(kubectl: Kubectl, pods, selector, expected):
    assert names(kubectl.ok("get", "pods", "-l", selector, "-o", "name")) == expected


@pytest.mark.parametrize(("args", "expected"), [
    (("--field-selector", "metadata.name=web-1"), ["web-1"]),
    (("--field-selector", "status.phase=Running"), ["web-0"]),
    (("--field-selector", "status.phase!=Running"), ["db-0", "web-1"]),
    (("--field-selector", "spec.nodeName=node-a"), ["web-0"]),
    (("--field-selector", "status.phase=Pending", "-l", "app=web"), ["web-1"]),
])
def test_field_selectors(kubectl: Kubectl, pods, args, expected):
    assert names(kubectl.ok("get", "pods", *args, "-o", "name")) == expected


def test_nothing_selected_says_so(kubectl: Kubectl, pods):
    result = kubectl.run("get", "pods", "-l", "app=nothing")
    assert result.returncode == 0 and result.stdout == "", str(result)
    assert result.stderr.strip() == f"No resources found in {kubectl.namespace} namespace."


def test_all_namespaces_adds_a_namespace_column(kubectl: Kubectl, pods):
    rows = table(kubectl.ok("get", "pods", "-A"))
    assert list(rows[0])[:2] == ["NAMESPACE", "NAME"]
    ours = sorted(row["NAME"] for row in rows if row["NAMESPACE"] == kubectl.namespace)
    assert ours == pods


def test_get_all_lists_every_workload_kind(kubectl: Kubectl, cluster: Cluster, pods):
    cluster.create(deployment("web"))
    cluster.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                    "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    output = kubectl.ok("get", "all")
    blocks = [block.splitlines() for block in output.strip().split("\n\n")]
    assert len(blocks) == 3, f"expected pods, services and deployments:\n{output}"
    listed = sorted(name for block in blocks for name in (line.split()[0] for line in block[1:]))
    assert listed == ["deployment.apps/web", "pod/db-0", "pod/web-0", "pod/web-1",
                      "service/web"], output
    service = next(block for block in blocks if block[1].startswith("service/"))
    assert service[0].split()[:3] == ["NAME", "TYPE", "CLUSTER-IP"]


def test_watch_prints_one_header_then_rows_for_changes(kubectl: Kubectl, cluster: Cluster,
                                                       pods):
    watch = kubectl.start("get", "pods", "-w")
    try:
        def rows(lines: list[str]) -> list[list[str]]:
            return [line.split() for line in lines if not line.startswith("NAME")]

        watch.wait_for(lambda lines: len(rows(lines)) >= len(pods), "initial rows")
        cluster.create(pod("new-0", {"app": "web"}))
        mark_running(cluster, "web-1", "10.1.2.4")
        cluster.request("DELETE", cluster.path("pods", "db-0"))

        def changed(lines: list[str]) -> bool:
            seen = rows(lines)[len(pods):]
            return (any(r[0] == "new-0" and r[2] == "Pending" for r in seen)
                    and any(r[0] == "web-1" and r[1:3] == ["1/1", "Running"] for r in seen)
                    and any(r[0] == "db-0" for r in seen))

        lines = watch.wait_for(changed, "rows for the created, modified and deleted pods")
    finally:
        stderr = watch.stop()
    headers = [line for line in lines if line.startswith("NAME")]
    assert headers == [headers[0]] and headers[0].split()[:3] == ["NAME", "READY", "STATUS"], (
        "a watch must print exactly one header:\n" + "\n".join(lines))
    assert "error" not in stderr.lower(), stderr
